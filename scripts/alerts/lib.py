"""What the alert tests share (Python's standard library only, any python3 ≥ 3.9): free ports,
child processes that die with their parent, a JSON client for signedin's API, the mail sink's
messages parsed, the receiver's JSON lines, the `signedin outbox` CLI, and the checks made on
deliveries. Used by faults.py, mailbox.py, selftest.py and bench-alerts.sh."""

from __future__ import annotations

import ctypes
import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

PASSWORD = "correct horse battery staple"
MAC_CHROME = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/131.0.0.0 Safari/537.36")
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")
LINUX_CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/130.0.0.0 Safari/537.36")
# Attacker text in a user agent: still parsed as Firefox on Windows, must come out escaped.
NASTY_FIREFOX = WINDOWS_FIREFOX + ' <img src=x onerror="alert(1)"> & <b>bold</b>'
LONDON = "81.2.69.142"    # London, GB in DB-IP
HANOVER = "193.99.144.80"  # Hanover, DE

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")
WEBHOOK_ID = re.compile(r"^msg_[0-9a-f]{32}$")
SESSION_ID = re.compile(r"^ses_[0-9a-f]{32}$")


class CheckFailed(AssertionError):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def log(scope: str, message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {scope}: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Set when the run is being stopped (SIGTERM): every wait gives up at once.
STOP = threading.Event()


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Polls until `condition` returns something truthy (which is returned). A generous wait
    for "eventually", never a measure of speed."""
    deadline = time.time() + timeout
    while True:
        if STOP.is_set():
            raise CheckFailed(f"stopped while waiting: {what}")
        result = condition()
        if result:
            return result
        if time.time() > deadline:
            raise CheckFailed(f"not within {timeout:.0f} s: {what}")
        time.sleep(interval)


# --- Child processes --------------------------------------------------------------------------

def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG = 1: the child gets SIGTERM when its parent dies, however it dies. (The
    # parent is the thread that started it: each scenario starts and stops its own processes
    # in its own thread, so that is what we want.)
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


class Proc:
    """A child process whose output goes to a log file; stopped by stop() or with its parent."""

    registry: list["Proc"] = []
    registry_lock = threading.Lock()

    def __init__(self, name: str, argv: list[str], log_path: str, env: dict | None = None, cwd: str | None = None):
        self.name, self.argv, self.log_path = name, argv, log_path
        self.env = env
        self.cwd = cwd
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        out = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=self.env, cwd=self.cwd, preexec_fn=_die_with_parent)
        out.close()
        with Proc.registry_lock:
            Proc.registry.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.popen
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout: float = 10) -> None:
        if not self.alive():
            return
        assert self.popen
        self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def kill9(self) -> None:
        assert self.popen
        os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    @classmethod
    def stop_all(cls) -> None:
        with cls.registry_lock:
            procs = list(cls.registry)
        for p in procs:
            if p.alive():
                p.popen.terminate()  # type: ignore[union-attr]
        for p in procs:
            try:
                p.stop(5)
            except Exception:
                pass

    def tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
        except OSError:
            return ""


def wait_http(url: str, proc: Proc | None, timeout: float = 30) -> None:
    def up():
        if proc is not None and not proc.alive():
            raise CheckFailed(f"{proc.name} exited at start:\n{proc.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                return 200 <= r.status < 300
        except Exception:
            return False
    wait_until(up, timeout, f"{url} answers", 0.1)


def wait_smtp(port: int, proc: Proc | None, timeout: float = 30) -> None:
    import smtplib

    def up():
        if proc is not None and not proc.alive():
            raise CheckFailed(f"{proc.name} exited at start:\n{proc.tail()}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as s:
                return s.noop()[0] == 250
        except Exception:
            return False
    wait_until(up, timeout, f"SMTP on :{port} answers", 0.1)


# --- HTTP and signedin's API ------------------------------------------------------------------

@dataclass
class Response:
    status: int
    body: Any
    elapsed: float
    headers: dict = field(default_factory=dict)


def request(method: str, url: str, body: Any = None, headers: dict | None = None, timeout: float = 30,
            form: dict | None = None) -> Response:
    data = None
    all_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        all_headers.setdefault("content-type", "application/json")
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers.setdefault("content-type", "application/x-www-form-urlencoded")
    req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    started = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw, status, got = r.read(), r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        raw, status, got = e.read(), e.code, dict(e.headers)
    elapsed = time.time() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode("utf-8", "replace")
    return Response(status, parsed, elapsed, got)


import urllib.parse  # noqa: E402  (used above, kept beside request for readers)


def page_text(r: Response) -> str:
    """An HTML answer's text with entities decoded (&#39; → ')."""
    import html as html_lib
    return html_lib.unescape(r.body if isinstance(r.body, str) else str(r.body))


@dataclass
class Session:
    email: str
    session_id: str
    access: str
    refresh: str
    user_agent: str
    ip: str | None
    new_location: bool


class Api:
    def __init__(self, base: str, timeout: float = 30):
        self.base = base.rstrip("/")
        self.timeout = timeout

    @staticmethod
    def _headers(user_agent: str | None, ip: str | None, access: str | None = None) -> dict:
        h = {"user-agent": user_agent or MAC_CHROME}
        if ip:
            h["x-forwarded-for"] = ip
        if access:
            h["authorization"] = f"Bearer {access}"
        return h

    def _expect(self, r: Response, status: int, what: str) -> Response:
        check(r.status == status, f"{what}: expected HTTP {status}, got {r.status}: {r.body}")
        return r

    def signup(self, email: str, user_agent: str | None = None, ip: str | None = None) -> str:
        r = request("POST", f"{self.base}/auth/signup", {"email": email, "password": PASSWORD},
                    self._headers(user_agent, ip), self.timeout)
        return self._expect(r, 201, f"sign-up of {email}").body["user_id"]

    def login(self, email: str, user_agent: str | None = None, ip: str | None = None,
              password: str = PASSWORD, timeout: float | None = None) -> Session:
        r = request("POST", f"{self.base}/auth/login", {"email": email, "password": password},
                    self._headers(user_agent, ip), timeout or self.timeout)
        body = self._expect(r, 200, f"sign-in of {email}").body
        s = Session(email, body["session"]["id"], body["access_token"], body["refresh_token"],
                    user_agent or MAC_CHROME, ip, bool(body.get("new_location")))
        s.elapsed = r.elapsed  # type: ignore[attr-defined]
        return s

    def refresh(self, token: str, user_agent: str | None = None, ip: str | None = None) -> Response:
        return request("POST", f"{self.base}/auth/refresh", {"refresh_token": token},
                       self._headers(user_agent, ip), self.timeout)

    def logout(self, s: Session) -> None:
        r = request("POST", f"{self.base}/auth/logout", None, self._headers(s.user_agent, s.ip, s.access), self.timeout)
        self._expect(r, 204, "sign-out")

    def revoke(self, s: Session, session_id: str) -> None:
        r = request("DELETE", f"{self.base}/me/sessions/{session_id}", None,
                    self._headers(s.user_agent, s.ip, s.access), self.timeout)
        self._expect(r, 204, f"revoke {session_id}")

    def revoke_sessions(self, s: Session, scope: str) -> int:
        r = request("POST", f"{self.base}/accounts/me/security/revoke-sessions", {"scope": scope},
                    self._headers(s.user_agent, s.ip, s.access), self.timeout)
        return self._expect(r, 200, f"revoke-sessions {scope}").body["revoked"]

    def change_password(self, s: Session, new_password: str, sign_out_others: bool) -> None:
        r = request("POST", f"{self.base}/accounts/me/password",
                    {"current_password": PASSWORD, "new_password": new_password,
                     "sign_out_other_sessions": sign_out_others},
                    self._headers(s.user_agent, s.ip, s.access), self.timeout)
        self._expect(r, 204, "password change")

    def sessions(self, s: Session) -> Response:
        return request("GET", f"{self.base}/me/sessions", None, self._headers(s.user_agent, s.ip, s.access), self.timeout)


def unique_email(tag: str) -> str:
    return f"{tag}-{int(time.time() * 1000)}-{os.urandom(3).hex()}@example.com"


# --- The outbox CLI ---------------------------------------------------------------------------

def outbox(binary: str, env: dict, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([binary, "outbox", *args], env=env, capture_output=True, text=True, timeout=timeout)


def outbox_rows(binary: str, env: dict, state: str = "all") -> list[dict]:
    r = outbox(binary, env, "list", "--state", state, "--limit", "100000", "--json")
    check(r.returncode == 0, f"signedin outbox list --state {state} --json exited {r.returncode}: {r.stderr.strip()}")
    rows = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            raise CheckFailed(f"signedin outbox list --json printed a line that is not JSON: {line!r}")
    return rows


OUTBOX_FIELDS = {"id", "channel", "event_type", "webhook_id", "destination", "state", "attempts",
                 "next_attempt_at", "last_error", "created_at"}


def check_outbox_row_shape(row: dict) -> None:
    missing = OUTBOX_FIELDS - set(row)
    check(not missing, f"outbox list --json: row lacks {sorted(missing)}: {row}")
    check(row["channel"] in ("email", "webhook"), f"outbox row channel {row['channel']!r}")
    if row["channel"] == "email":
        check(str(row["destination"]).startswith("user:"), f"email row destination {row['destination']!r}")


# --- The receiver's records -------------------------------------------------------------------

def read_jsonl(path: str) -> list[dict]:
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def receiver_control(port: int, **body: Any) -> dict:
    r = request("POST", f"http://127.0.0.1:{port}/_control", body, timeout=10)
    check(r.status == 200, f"receiver control {body}: {r.status} {r.body}")
    return r.body


def receiver_stats(port: int) -> dict:
    return request("GET", f"http://127.0.0.1:{port}/_stats", timeout=10).body


def event_key(record: dict) -> tuple:
    """What identifies an event whatever id it travels under: its type, its time and its data."""
    return (record.get("type"), record.get("timestamp"), json.dumps(record.get("data"), sort_keys=True))


def expected_key(record: dict) -> tuple:
    """The key the tests name events by: (type, session id[, reason])."""
    data = record.get("data") or {}
    if record.get("type") == "session.revoked":
        return ("session.revoked", data.get("session_id"), data.get("reason"))
    return (record.get("type"), data.get("session_id"))


def check_one_id_per_event(records: list[dict], scope: str) -> None:
    """No event under two ids: the same type, time and data must always carry one webhook-id
    (on every attempt and to every URL)."""
    ids: dict = {}
    for r in records:
        if r.get("webhook_id") and not r.get("followed"):
            ids.setdefault(event_key(r), set()).add(r["webhook_id"])
    several = {k: v for k, v in ids.items() if len(v) > 1}
    check(not several, f"{scope}: {len(several)} event(s) arrived under more than one webhook-id, e.g. "
                       f"{next(iter(several.items())) if several else ''}")


def check_no_duplicate_delivery(records: list[dict], scope: str, since: float = 0) -> None:
    """No webhook-id delivered (2xx) twice to one URL."""
    counts: dict = {}
    for r in records:
        if r.get("delivered") and r.get("received_at", 0) >= since:
            key = (r["webhook_id"], r.get("path"))
            counts[key] = counts.get(key, 0) + 1
    twice = {k: n for k, n in counts.items() if n > 1}
    check(not twice, f"{scope}: {len(twice)} webhook-id(s) delivered more than once to one URL, e.g. "
                     f"{next(iter(twice.items())) if twice else ''}")


def check_no_overlapping_attempts(records: list[dict], scope: str) -> None:
    """No webhook-id in flight twice at once to one URL (two nodes holding one event)."""
    spans: dict = {}
    for r in records:
        if r.get("webhook_id") and "received_at" in r:
            spans.setdefault((r["webhook_id"], r.get("path")), []).append((r["received_at"], r["answered_at"]))
    for key, items in spans.items():
        items.sort()
        for (s1, e1), (s2, _e2) in zip(items, items[1:]):
            check(s2 >= e1, f"{scope}: webhook-id {key[0]} to {key[1]} was being delivered twice at once "
                            f"(attempts starting {s1:.3f} and {s2:.3f}, the first answered at {e1:.3f})")


def delivered_keys(records: list[dict], path: str | None = None) -> dict:
    """expected_key → set of webhook ids delivered (2xx), optionally to one path only."""
    out: dict = {}
    for r in records:
        if r.get("delivered") and (path is None or r.get("path") == path):
            out.setdefault(expected_key(r), set()).add(r["webhook_id"])
    return out


def missing_events(records: list[dict], expected: Iterable[tuple], paths: Iterable[str]) -> list[tuple]:
    missing = []
    for path in paths:
        got = delivered_keys(records, path)
        missing += [(path, *k) for k in expected if k not in got]
    return missing


def check_delivery_shape(r: dict, scope: str) -> None:
    """A verified delivery's headers and body as the contract has them."""
    check(WEBHOOK_ID.match(r.get("webhook_id") or ""), f"{scope}: webhook-id {r.get('webhook_id')!r} is not msg_<32 hex>")
    check(str(r.get("attempt_timestamp", "")).isdigit(), f"{scope}: webhook-timestamp {r.get('attempt_timestamp')!r} is not unix seconds")
    check(abs(int(r["attempt_timestamp"]) - r["received_at"]) < 120,
          f"{scope}: webhook-timestamp {r['attempt_timestamp']} is not the attempt's time ({r['received_at']:.0f})")
    check(str(r.get("signature", "")).startswith("v1,"), f"{scope}: webhook-signature {r.get('signature')!r}")
    check((r.get("content_type") or "").split(";")[0].strip() == "application/json",
          f"{scope}: content-type {r.get('content_type')!r}")
    check(RFC3339_UTC.match(r.get("timestamp") or ""), f"{scope}: body timestamp {r.get('timestamp')!r} is not RFC 3339 UTC")
    data = r.get("data") or {}
    t = r.get("type")
    fields = {
        "session.created": {"user_id", "session_id", "device", "user_agent", "ip", "place", "new_location", "new_device"},
        "session.revoked": {"user_id", "session_id", "reason"},
        "session.reuse_detected": {"user_id", "session_id", "ip", "user_agent"},
        "password.changed": {"user_id", "session_id", "other_sessions_signed_out"},
    }
    check(t in fields, f"{scope}: unknown event type {t!r}")
    missing = fields[t] - set(data)
    check(not missing, f"{scope}: {t} data lacks {sorted(missing)}: {data}")
    check(SESSION_ID.match(data.get("session_id") or ""), f"{scope}: {t} session_id {data.get('session_id')!r}")
    if t == "session.revoked":
        check(data["reason"] in {"signed_out", "admin", "reuse_detected", "password_changed", "reported"},
              f"{scope}: session.revoked reason {data['reason']!r}")


# --- Mail -------------------------------------------------------------------------------------

LINK = re.compile(r"(https?://[^\s\"'<>]+/alerts/(not-me|was-me)\?token=([^\s\"'<>&]+))")
TOKEN = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_mail(path: str) -> dict:
    with open(path, "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = html = None
    parts = []
    for part in msg.walk():
        parts.append(part.get_content_type())
        if part.is_multipart():
            continue
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content()
    n = int(os.path.basename(path).split(".")[0])
    envelope = {}
    try:
        with open(os.path.join(os.path.dirname(path), f"{n}.envelope.json")) as f:
            envelope = json.load(f)
    except OSError:
        pass
    import html as html_lib
    html_links = [(html_lib.unescape(m[0]), m[1], html_lib.unescape(m[2])) for m in
                  re.findall(r'href="(https?://[^"]+/alerts/(not-me|was-me)\?token=([^"]+))"', html or "")]
    return {
        "n": n,
        "file": path,
        "to": str(msg.get("To", "")),
        "from": str(msg.get("From", "")),
        "subject": str(msg.get("Subject", "")),
        "alert": str(msg.get("X-Signedin-Alert", "")),
        "date": str(msg.get("Date", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "content_type": msg.get_content_type(),
        "parts": parts,
        "text": text or "",
        "html": html or "",
        "raw": raw.decode("utf-8", "replace"),
        "envelope": envelope,
        "text_links": [{"url": m[0], "kind": m[1], "token": m[2]} for m in LINK.findall(text or "")],
        "html_links": [{"url": u, "kind": k, "token": t} for (u, k, t) in html_links],
    }


def read_mails(directory: str, to: str | None = None) -> list[dict]:
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    mails = [parse_mail(os.path.join(directory, n)) for n in names if re.fullmatch(r"\d+\.eml", n)]
    mails.sort(key=lambda m: m["n"])
    if to:
        mails = [m for m in mails if to.lower() in m["to"].lower() or to.lower() in
                 [r.lower() for r in m["envelope"].get("rcpt_tos", [])]]
    return mails


DEVICE_LINE = re.compile(r"(?P<device>[^\n·]+?) · (?P<place>[^\n·]+?) · (?P<when>\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC)"
                         r" · IP (?P<ip>[0-9a-fA-F:.]+)")


def check_alert_mail(m: dict, scope: str, public_url: str, secrets: Iterable[str] = ()) -> None:
    """What every alert email must be (contract: multipart text + HTML, links built from the
    public URL, no token or secret of the account in it)."""
    check(m["content_type"] == "multipart/alternative", f"{scope}: {m['subject']!r} is {m['content_type']}, not multipart/alternative")
    check(m["text"] and m["html"], f"{scope}: {m['subject']!r} lacks a text or an HTML part ({m['parts']})")
    for s in secrets:
        if s:
            check(s not in m["raw"] and s not in m["text"] and s not in m["html"],
                  f"{scope}: {m['subject']!r} contains a secret or token of the account ({s[:8]}…)")
    for link in m["text_links"] + m["html_links"]:
        check(link["url"].startswith(public_url.rstrip("/") + "/alerts/"), f"{scope}: link {link['url']} is not under {public_url}")
        check(TOKEN.match(link["token"]), f"{scope}: token {link['token']!r} has characters outside [A-Za-z0-9_.-]")


def check_new_sign_in_mail(m: dict, scope: str, public_url: str, device: str, place: str, ip: str) -> dict:
    check(m["alert"] == "new_sign_in", f"{scope}: X-Signedin-Alert is {m['alert']!r}, expected new_sign_in")
    check(m["subject"] == "New sign-in to your account", f"{scope}: subject {m['subject']!r}")
    lines = [mm.groupdict() for mm in DEVICE_LINE.finditer(m["text"])]
    check(lines, f"{scope}: no '<device> · <place> · <d Mon YYYY, HH:MM UTC> · IP <ip>' line in the text part:\n{m['text']}")
    line = lines[0]
    check(line["device"].strip() == device and line["place"].strip() == place and line["ip"] == ip,
          f"{scope}: device line {line}, expected {device} · {place} · IP {ip}")
    not_me = [l for l in m["text_links"] if l["kind"] == "not-me"]
    was_me = [l for l in m["text_links"] if l["kind"] == "was-me"]
    check(re.search(r"This wasn't me: https?://\S+/alerts/not-me\?token=", m["text"]), f"{scope}: no \"This wasn't me: <link>\" line")
    check(re.search(r"Yes, it was me: https?://\S+/alerts/was-me\?token=", m["text"]), f"{scope}: no \"Yes, it was me: <link>\" line")
    check(len(not_me) == 1 and len(was_me) == 1, f"{scope}: expected one not-me and one was-me link, got {m['text_links']}")
    html_urls = {l["url"] for l in m["html_links"]}
    check(not_me[0]["url"] in html_urls and was_me[0]["url"] in html_urls,
          f"{scope}: the HTML part lacks the text part's links as <a href> ({sorted(html_urls)})")
    check_alert_mail(m, scope, public_url)
    return {"not_me": not_me[0]["url"], "was_me": was_me[0]["url"], "line": line}


def check_escaped(m: dict, scope: str) -> None:
    """The HTML part of a mail about NASTY_FIREFOX: the user agent's markup must come out as
    text, never as elements."""
    html = m["html"]
    for raw in ("<img src=x", "<b>bold", 'onerror="alert'):
        check(raw not in html, f"{scope}: the HTML part contains the user agent's {raw!r} unescaped")
