"""An existing app put behind signedin, two ways.

1. Behind a gateway (nginx `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`): the
   gateway asks signedin's `GET /auth/forward` about every request to `/app/...` and passes the
   answer on as identity headers. The app trusts those headers, so it must be reachable ONLY
   through the gateway (bind it to 127.0.0.1 or a private network), and the gateway must
   overwrite or remove any `X-Auth-*` header a client sends. `/app/...` below is such a page: it
   shows the headers it received.

2. On its own, as an API: it verifies signedin's access tokens itself.
   - `require_user` checks a token OFFLINE against signedin's public keys
     (`GET {SIGNEDIN_URL}/.well-known/jwks.json`): no call to signedin per request, but a session
     signed out on the devices page keeps working here until its access token expires
     (`SIGNEDIN_ACCESS_TTL_SECS`, 900 s by default).
   - `require_live_session` does that AND asks signedin's `GET /auth/check`, so a signed-out
     session is refused at once. Use it for the routes where that delay matters (payments,
     exports, changing an email address...).

Settings (environment):
  SIGNEDIN_URL        where this app reaches signedin (e.g. http://127.0.0.1:3000)
  SIGNEDIN_ISSUER     the origin of signedin's SIGNEDIN_PUBLIC_URL; tokens must carry it as `iss`
                      (unset: `iss` is not checked)
  APP_PUBLIC_ORIGIN   this app's own origin as browsers see it, for the cross-site check on
                      cookie-authenticated unsafe requests (unset: Sec-Fetch-Site only)
  SIGNEDIN_LEEWAY_SECS clock skew allowed on `exp`/`iat` (default 0: same clock)

Run: uvicorn app:app --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from typing import Annotated

import httpx
import jwt
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse

SIGNEDIN_URL = os.environ.get("SIGNEDIN_URL", "http://127.0.0.1:3000").rstrip("/")
SIGNEDIN_ISSUER = os.environ.get("SIGNEDIN_ISSUER") or None
APP_PUBLIC_ORIGIN = (os.environ.get("APP_PUBLIC_ORIGIN") or "").rstrip("/").lower() or None
LEEWAY_SECS = float(os.environ.get("SIGNEDIN_LEEWAY_SECS", "0"))

# The only algorithms signedin publishes keys for. Never let the token's header choose freely:
# HS256 with the public key as the secret is the classic forgery.
ALGORITHMS = ["EdDSA", "ES256"]

# signedin's access-token cookies: over https with SIGNEDIN_PUBLIC_URL they carry the
# `__Host-` prefix.
ACCESS_COOKIES = ("__Host-signedin_access", "signedin_access")

# PyJWKClient caches the key set (`lifespan`, matching the endpoint's max-age=60) and refetches
# it when a token names a kid it does not know (after `signedin keys rotate`), at most once per
# `cooldown_duration` so that forged kids cannot make it hammer signedin.
jwks = jwt.PyJWKClient(
    f"{SIGNEDIN_URL}/.well-known/jwks.json",
    lifespan=60,
    cooldown_duration=5,
    timeout=5,
)
# One connection pool for the /auth/check calls.
signedin = httpx.Client(base_url=SIGNEDIN_URL, timeout=5.0)

app = FastAPI(title="An app behind signedin", docs_url=None, redoc_url=None, openapi_url=None)


# --- The dependencies to copy -----------------------------------------------------------------


@dataclass(frozen=True)
class User:
    id: str  # the token's `sub`: signedin's user id
    session_id: str  # the token's `sid`: 32 hex (the devices page's id is "ses_" + this)
    expires_at: int  # the token's `exp`
    token: str


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def _token_from(request: Request) -> tuple[str, bool]:
    """The access token and whether it came from a cookie (an ambient credential)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    for name in ACCESS_COOKIES:
        if request.cookies.get(name):
            return request.cookies[name], True
    raise _unauthorized("missing access token")


def _refuse_cross_site(request: Request) -> None:
    """A cookie rides along on requests other sites make: refuse unsafe ones they started."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        if site in ("same-origin", "none"):
            return
    else:
        origin = (request.headers.get("origin") or "").rstrip("/").lower()
        if APP_PUBLIC_ORIGIN and origin == APP_PUBLIC_ORIGIN:
            return
    raise HTTPException(status_code=403, detail="cross-site request refused")


def require_user(request: Request) -> User:
    """A valid, unexpired access token signed by one of signedin's current keys. Offline.

    A plain `def`: PyJWKClient's fetch blocks, so FastAPI runs this in its thread pool.
    """
    token, from_cookie = _token_from(request)
    if from_cookie:
        _refuse_cross_site(request)
    try:
        key = jwks.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            issuer=SIGNEDIN_ISSUER,
            leeway=LEEWAY_SECS,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.PyJWKClientConnectionError as error:
        # signedin unreachable and no cached keys: say so, do not pretend the token is bad.
        raise HTTPException(status_code=503, detail="cannot fetch signedin's keys") from error
    except jwt.exceptions.PyJWKSetError as error:
        # An empty key set: signedin signs with HS256 (SIGNEDIN_ACCESS_TOKEN_ALG unset).
        raise HTTPException(status_code=503, detail="signedin publishes no keys") from error
    except jwt.PyJWTError as error:
        # Expired, bad signature, unknown kid, wrong issuer, malformed...
        raise _unauthorized(f"invalid token: {type(error).__name__}") from error
    return User(id=claims["sub"], session_id=claims["sid"], expires_at=claims["exp"], token=token)


def require_live_session(user: Annotated[User, Depends(require_user)]) -> User:
    """`require_user`, and signedin confirms the session is still signed in, right now."""
    try:
        answer = signedin.get("/auth/check", headers={"Authorization": f"Bearer {user.token}"})
    except httpx.HTTPError as error:
        raise HTTPException(status_code=503, detail="cannot reach signedin") from error
    if answer.status_code in (200, 204):
        return user
    if answer.status_code == 401:
        raise _unauthorized("session signed out")
    raise HTTPException(status_code=503, detail=f"signedin answered {answer.status_code}")


CurrentUser = Annotated[User, Depends(require_user)]
LiveUser = Annotated[User, Depends(require_live_session)]


# --- The API ---------------------------------------------------------------------------------


@app.get("/api/profile")
def profile(user: CurrentUser) -> dict:
    """An ordinary route: the offline check is enough."""
    return {"user_id": user.id, "session_id": user.session_id, "checked": "offline"}


@app.get("/api/export")
def export(user: LiveUser) -> dict:
    """A sensitive route: a signed-out session must not get through, not even for a minute."""
    return {"user_id": user.id, "session_id": user.session_id, "checked": "live"}


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


# --- The page behind the gateway ------------------------------------------------------------

IDENTITY_HEADERS = ("X-Auth-User-Id", "X-Auth-Session-Id", "X-Auth-Email")


def _page(request: Request, status_code: int = 200) -> HTMLResponse:
    rows = "".join(
        f'<tr><th scope="row">{html.escape(name)}</th>'
        f'<td data-header="{html.escape(name.lower())}">{html.escape(request.headers.get(name, ""))}</td></tr>'
        for name in IDENTITY_HEADERS
    )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Protected app</title></head>
<body>
<h1>Protected app</h1>
<p>Request: <code id="method">{html.escape(request.method)}</code>
<code id="target">{html.escape(target)}</code></p>
<table aria-label="Identity headers">{rows}</table>
<form method="post" action="/app/submitted">
  <input type="hidden" name="note" value="hello">
  <button type="submit">Post a form</button>
</form>
</body></html>"""
    # Personal: never cached by a shared cache.
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


@app.api_route("/app/{rest:path}", methods=["GET", "POST"])
async def protected_page(request: Request, rest: str) -> HTMLResponse:
    # No check here on purpose: the gateway did it. Anything reaching this port directly could
    # claim to be anyone, which is why only the gateway may reach it. (A real app would still
    # protect its own unsafe requests against CSRF, e.g. with a token in its forms.)
    # /app/missing/...: a page the app does not have, answered 404 (the gateway must still
    # pass renewed cookies on with an error).
    return _page(request, 404 if rest.startswith("missing/") else 200)
