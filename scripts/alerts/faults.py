"""The alert faults, each against release servers of its own (run in parallel, one thread per
scenario), with the real receivers: Debian's aiosmtpd mail sink and the Standard Webhooks
receiver. Started by scripts/e2e-alerts.sh; every process it starts dies with it.

  down      the receiver down for a minute, then back: every event arrives, none under two ids
  kill9     kill -9 of the server with 500 deliveries pending: all delivered after the restart
  nodes     two nodes on PostgreSQL draining one outbox: no delivery twice, none at once
  receivers slow (timeouts), 500 and redirecting receivers never block sign-ins, and are retried
  dead      a delivery that keeps failing is dead-lettered; `outbox retry` brings it back
  digest    SIGNEDIN_ALERT_EMAILS=2/20 and 5 alerts at once: each in exactly one email, never
            3 emails in 20 s, the held ones folded into ONE digest
  emails    the other alert emails (reuse detected, signed out everywhere, password changed)
            and their webhooks; no email for a first sign-in or a known device and place

--break NAME sabotages the tests' side on purpose (never the server), to see them fail:
  wrong-secret  receivers verify with another secret          (every webhook check fails)
  drop          receivers lose every 5th verified delivery     (down, kill9, nodes, receivers)
  no-restart    the receiver / the killed server never returns (down, kill9)
  lost-ack      nodes: for 2 s the receiver records deliveries (nodes: delivered twice)
                to /n2, then cuts the line before answering: the server rightly retries
  no-retry      dead: `outbox retry` is never run              (dead)
  digest        digest: SIGNEDIN_ALERT_EMAILS left at default  (digest)
  no-mail       emails: the server gets no SIGNEDIN_SMTP_URL     (emails)
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, HERE)
import lib  # noqa: E402
from lib import (HANOVER, IPHONE_SAFARI, LINUX_CHROME, LONDON, MAC_CHROME, NASTY_FIREFOX, WINDOWS_FIREFOX,  # noqa: E402
                 Api, CheckFailed, Proc, check, free_port, wait_until)

SCENARIOS = ("down", "kill9", "nodes", "receivers", "dead", "digest", "emails")
BREAKS = ("wrong-secret", "drop", "no-restart", "lost-ack", "no-retry", "digest", "no-mail")
class Skipped(Exception):
    pass


RETRY_MAX = 4  # SIGNEDIN_OUTBOX_RETRY_MAX_SECS in every scenario: retries come within seconds


class Ctx:
    def __init__(self, args):
        self.work = args.work
        self.bin = os.path.abspath(args.bin)
        self.site = os.path.abspath(args.site)
        self.receiver_python = args.receiver_python
        self.pg_url = args.pg_url
        self.breaks = set(args.break_ or [])
        self.secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()

    def broken(self, name: str) -> bool:
        return name in self.breaks


def clean_env() -> dict:
    # The tests choose the server's settings: nothing ambient may leak in.
    return {k: v for k, v in os.environ.items()
            if not (k == "DATABASE_URL" or k.startswith("LEPTOS_") or k.startswith("SIGNEDIN_"))}


class Receiver:
    def __init__(self, ctx: Ctx, directory: str, name: str = "receiver", mode: str = "ok", hold: float = 30):
        self.ctx, self.name = ctx, name
        self.port = free_port()
        self.log = os.path.join(directory, f"{name}.jsonl")
        self.rejected = os.path.join(directory, f"{name}-rejected.jsonl")
        self.out = os.path.join(directory, f"{name}.log")
        self.mode, self.hold = mode, hold
        self.proc: Proc | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> "Receiver":
        secret = self.ctx.secret
        if self.ctx.broken("wrong-secret"):
            secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        self.proc = Proc(self.name, [self.ctx.receiver_python, os.path.join(HERE, "webhook_receiver.py"),
                                     "--port", str(self.port), "--secret", secret, "--log", self.log,
                                     "--rejected", self.rejected, "--mode", self.mode, "--hold", str(self.hold)],
                         self.out).start()
        lib.wait_http(f"http://127.0.0.1:{self.port}/_health", self.proc)
        if self.ctx.broken("drop"):
            lib.receiver_control(self.port, drop_every=5)
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()

    def control(self, **body) -> None:
        lib.receiver_control(self.port, **body)

    def records(self) -> list[dict]:
        return lib.read_jsonl(self.log)

    def rejected_count(self) -> int:
        return len(lib.read_jsonl(self.rejected))


class Sink:
    def __init__(self, directory: str):
        self.port = free_port()
        self.dir = os.path.join(directory, "mail")
        self.proc = Proc("mail-sink", ["/usr/bin/python3", os.path.join(HERE, "mail_sink.py"), "--port", str(self.port),
                                       "--dir", self.dir], os.path.join(directory, "mail-sink.log"))

    def start(self) -> "Sink":
        self.proc.start()
        lib.wait_smtp(self.port, self.proc)
        return self


class Server:
    def __init__(self, ctx: Ctx, directory: str, name: str, settings: dict, database_url: str | None = None):
        self.ctx, self.name = ctx, name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(directory, f"{name}.log")
        self.env = clean_env()
        self.env.update({
            "DATABASE_URL": database_url or f"sqlite://{directory}/signedin.db",
            "LEPTOS_SITE_ADDR": f"127.0.0.1:{self.port}",
            "LEPTOS_SITE_ROOT": ctx.site,
            "SIGNEDIN_PUBLIC_URL": self.base,
            "SIGNEDIN_TRUSTED_PROXIES": "127.0.0.1",
            "SIGNEDIN_RATE_LIMITS": "off",
            "SIGNEDIN_LOG": "warn",
            "SIGNEDIN_LOG_FORMAT": "pretty",
            "SIGNEDIN_OUTBOX_RETRY_MAX_SECS": str(RETRY_MAX),
        })
        self.env.update({k: str(v) for k, v in settings.items() if v is not None})
        for k, v in settings.items():
            if v is None:
                self.env.pop(k, None)
        self.proc: Proc | None = None
        self.api = Api(self.base)

    def start(self) -> "Server":
        self.proc = Proc(self.name, [self.ctx.bin], self.log, env=self.env, cwd=ROOT).start()
        lib.wait_http(f"{self.base}/readyz", self.proc)
        return self

    def outbox_rows(self, state: str = "all") -> list[dict]:
        return lib.outbox_rows(self.ctx.bin, self.env, state)

    def outbox(self, *args: str) -> subprocess.CompletedProcess:
        return lib.outbox(self.ctx.bin, self.env, *args)


def webhook_settings(ctx: Ctx, urls: list[str], **extra) -> dict:
    return {"SIGNEDIN_WEBHOOK_URL": ",".join(urls), "SIGNEDIN_WEBHOOK_SECRET": ctx.secret, **extra}


def check_all_shapes(records: list[dict], scope: str) -> None:
    for r in records:
        if not r.get("followed"):
            lib.check_delivery_shape(r, scope)


def check_no_rejections(receiver: Receiver, scope: str) -> None:
    n = receiver.rejected_count()
    check(n == 0, f"{scope}: the receiver refused {n} request(s) whose signature did not verify "
                  f"(first: {lib.read_jsonl(receiver.rejected)[:1]})")


def wait_delivered(receiver: Receiver, expected: list[tuple], paths: list[str], timeout: float, scope: str) -> None:
    def done():
        return not lib.missing_events(receiver.records(), expected, paths)
    try:
        wait_until(done, timeout, f"{scope}: every expected event delivered", 0.5)
    except CheckFailed:
        missing = lib.missing_events(receiver.records(), expected, paths)
        rejected = receiver.rejected_count()
        raise CheckFailed(f"{scope}: {len(missing)} of {len(expected) * len(paths)} expected deliveries never arrived "
                          f"within {timeout:.0f} s (e.g. {missing[:3]}); the receiver refused {rejected} unverified request(s)")


def signed_in(api: Api, email: str, expected: list, user_agent=None, ip=None, **kw) -> lib.Session:
    s = api.login(email, user_agent, ip, **kw)
    expected.append(("session.created", s.session_id))
    return s


# --- down: the receiver down for a minute, then back ------------------------------------------

def scenario_down(ctx: Ctx, d: str) -> list[str]:
    scope = "down"
    rx = Receiver(ctx, d).start()
    server = Server(ctx, d, "signedin", webhook_settings(ctx, [rx.url("/hook")])).start()
    api = server.api
    email = lib.unique_email("down")
    expected: list[tuple] = []
    api.signup(email)
    s0 = signed_in(api, email, expected)
    s1 = signed_in(api, email, expected, WINDOWS_FIREFOX)
    s2 = signed_in(api, email, expected, MAC_CHROME, LONDON)
    s3 = signed_in(api, email, expected, IPHONE_SAFARI)
    wait_delivered(rx, expected, ["/hook"], 60, scope + " (healthy)")
    healthy = rx.records()
    check_no_rejections(rx, scope)
    check_all_shapes(healthy, scope)
    lib.check_no_duplicate_delivery(healthy, scope + " while healthy")
    by_session = {r["data"]["session_id"]: r for r in healthy if r["type"] == "session.created"}
    london, firefox = by_session[s2.session_id]["data"], by_session[s1.session_id]["data"]
    check(london["place"] == "London, GB" and london["new_location"] is True and london["ip"] == LONDON,
          f"{scope}: session.created for the London sign-in: {london}")
    check(firefox["device"] == "Firefox on Windows" and firefox["new_device"] is True and firefox["user_agent"] == WINDOWS_FIREFOX,
          f"{scope}: session.created for the Firefox sign-in: {firefox}")
    check(by_session[s0.session_id]["data"]["user_id"] == london["user_id"], f"{scope}: user_id differs between events")

    lib.log(scope, "receiver stopped: a minute of events it cannot take")
    rx.stop()
    down_at = time.time()
    actions_started = time.time()
    during: list[tuple] = []

    def pause_until(offset: float):
        time.sleep(max(0, actions_started + offset - time.time()))

    signed_in(api, email, during, LINUX_CHROME)
    signed_in(api, email, during, MAC_CHROME, HANOVER)
    pause_until(8)
    api.logout(s1)
    during.append(("session.revoked", s1.session_id, "signed_out"))
    api.revoke(s0, s2.session_id)
    during.append(("session.revoked", s2.session_id, "signed_out"))
    pause_until(16)
    fresh = api.refresh(s3.refresh, IPHONE_SAFARI)
    check(fresh.status == 200, f"{scope}: refresh while the receiver is down: {fresh.status} {fresh.body}")
    replay = api.refresh(s3.refresh, WINDOWS_FIREFOX)  # the spent token, from another device: theft
    check(replay.status == 401, f"{scope}: a replayed refresh token answered {replay.status}")
    during += [("session.reuse_detected", s3.session_id), ("session.revoked", s3.session_id, "reuse_detected")]
    for offset in (24, 30, 36, 42):
        pause_until(offset)
        signed_in(api, email, during, MAC_CHROME)
    pause_until(48)
    live = api.sessions(s0)
    check(live.status == 200, f"{scope}: GET /me/sessions {live.status}")
    other_ids = [s["id"] for s in live.body["sessions"] if not s["is_current"]]
    api.change_password(s0, "a brand new password 1", sign_out_others=True)
    during.append(("password.changed", s0.session_id))
    during += [("session.revoked", sid, "password_changed") for sid in other_ids]
    pause_until(52)
    s10 = signed_in(api, email, during, MAC_CHROME, password="a brand new password 1")
    check(api.revoke_sessions(s10, "others") == 1, f"{scope}: revoke-sessions others should end only s0")
    during.append(("session.revoked", s0.session_id, "signed_out"))
    lib.log(scope, f"{len(during)} events while the receiver was down; every request answered")
    check(not [k for k in during if k in lib.delivered_keys(rx.records())], f"{scope}: delivered while the receiver was down?")

    pause_until(60)
    if ctx.broken("no-restart"):
        lib.log(scope, "BREAK no-restart: the receiver stays down")
    else:
        rx.start()
    up_at = time.time()
    lib.log(scope, f"receiver back after {up_at - down_at:.0f} s")
    wait_delivered(rx, expected + during, ["/hook"], 120, scope)
    lib.log(scope, f"all {len(expected) + len(during)} events delivered {time.time() - up_at:.1f} s after the receiver came back")
    records = rx.records()
    check_no_rejections(rx, scope)
    check_all_shapes(records, scope)
    lib.check_one_id_per_event(records, scope)
    late = [r for r in records if r["delivered"] and lib.expected_key(r) in during]
    check(all(int(r["attempt_timestamp"]) >= int(up_at) - 1 for r in late),
          f"{scope}: a retried delivery's webhook-timestamp is not the time of that attempt")
    first_late = min(late, key=lambda r: r["timestamp"])
    check(first_late["timestamp"] < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(up_at)),
          f"{scope}: the body timestamp should be the event's time, not the attempt's: {first_late['timestamp']}")

    rows = wait_until(lambda: (lambda rs: rs if not [r for r in rs if r["state"] != "delivered"] else None)(server.outbox_rows()),
                      60, f"{scope}: outbox list shows every row delivered")
    for r in rows:
        lib.check_outbox_row_shape(r)
    check(not [r for r in rows if r["channel"] == "email"], f"{scope}: email rows although SIGNEDIN_SMTP_URL is unset")
    check(len(rows) == len(expected) + len(during), f"{scope}: {len(rows)} outbox rows for {len(expected) + len(during)} events (one URL)")
    delivered_ids = {r["webhook_id"] for r in records if r["delivered"]}
    check({r["webhook_id"] for r in rows} == delivered_ids, f"{scope}: the outbox's webhook ids differ from those delivered")
    ids_during = {r["webhook_id"] for r in late}
    attempts = [r["attempts"] for r in rows if r["webhook_id"] in ids_during]
    check(min(attempts) >= 2, f"{scope}: an event written while the receiver was down shows {min(attempts)} attempt(s)")
    # Backoff, not hammering: first retry ~2 s, doubling, capped at RETRY_MAX, with jitter in
    # [d/2, d]: at most about 60 / (RETRY_MAX / 2) + a few attempts in the minute down.
    bound = int(60 / (RETRY_MAX / 2)) + 8
    check(max(attempts) <= bound, f"{scope}: {max(attempts)} attempts in about a minute: no backoff? (bound {bound})")
    dups = sum(1 for n in _counts(records).values() if n > 1)
    return [f"{len(expected) + len(during)} events ({len(during)} while down 60 s), all delivered after the restart, "
            f"one id each; attempts per event written while down {min(attempts)}–{max(attempts)}; "
            f"ids delivered twice (allowed, at-least-once): {dups}"]


def _counts(records: list[dict]) -> dict:
    out: dict = {}
    for r in records:
        if r.get("delivered"):
            out[(r["webhook_id"], r["path"])] = out.get((r["webhook_id"], r["path"]), 0) + 1
    return out


# --- kill9: 500 deliveries pending, kill -9, restart --------------------------------------------

def concurrently(fn, items, workers=4):
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def scenario_kill9(ctx: Ctx, d: str) -> list[str]:
    scope = "kill9"
    rx = Receiver(ctx, d, mode="500", hold=30).start()
    paths = [f"/k{i}" for i in range(1, 6)]
    server = Server(ctx, d, "signedin", webhook_settings(ctx, [rx.url(p) for p in paths], SIGNEDIN_OUTBOX_LEASE_SECS=10,
                                                          SIGNEDIN_WEBHOOK_TIMEOUT_SECS=5)).start()
    api = server.api
    email = lib.unique_email("kill9")
    api.signup(email)
    sessions = concurrently(lambda _: api.login(email), range(50))
    check(api.revoke_sessions(sessions[-1], "all") == 50, f"{scope}: revoke-sessions all")
    expected = [("session.created", s.session_id) for s in sessions] + \
               [("session.revoked", s.session_id, "signed_out") for s in sessions]
    pending = wait_until(lambda: (lambda rs: rs if len(rs) >= 500 else None)(server.outbox_rows("pending")),
                         60, f"{scope}: 500 pending rows")
    check(len(pending) == 500 and len(server.outbox_rows()) == 500,
          f"{scope}: {len(pending)} pending of {len(server.outbox_rows())} rows, expected 500 (100 events × 5 URLs)")
    # Some deliveries in flight at the moment of the kill: the receiver holds them.
    rx.control(mode="slow", hold=60)
    wait_until(lambda: lib.receiver_stats(rx.port)["holding"] >= 1, 30, f"{scope}: deliveries in flight")
    time.sleep(1)
    held = lib.receiver_stats(rx.port)["holding"]
    server.proc.kill9()
    killed_at = time.time()
    lib.log(scope, f"kill -9 with {len(pending)} rows pending, {held} deliveries in flight")
    rx.control(mode="ok")
    if ctx.broken("no-restart"):
        lib.log(scope, "BREAK no-restart: the server stays dead")
    else:
        server.start()
    wait_delivered(rx, expected, paths, 150, scope)
    lib.log(scope, f"all 500 delivered {time.time() - killed_at:.1f} s after the kill")
    records = rx.records()
    check_no_rejections(rx, scope)
    check_all_shapes(records, scope)
    lib.check_one_id_per_event(records, scope)
    rows = wait_until(lambda: (lambda rs: rs if all(r["state"] == "delivered" for r in rs) else None)(server.outbox_rows()),
                      60, f"{scope}: outbox list shows all 500 delivered")
    check(len(rows) == 500, f"{scope}: {len(rows)} rows")
    after = [r for r in records if r["delivered"] and r["received_at"] >= killed_at]
    check(len({(r["webhook_id"], r["path"]) for r in after}) == 500, f"{scope}: not all 500 delivered after the restart")
    per_event = {}
    for r in after:
        per_event.setdefault(lib.expected_key(r), set()).add(r["webhook_id"])
    check(all(len(v) == 1 for v in per_event.values()), f"{scope}: one event, several ids across its 5 URLs")
    gone = sum(1 for r in records if r["answered"] == "client_gone")
    dups = sum(1 for n in _counts(records).values() if n > 1)
    return [f"500 rows pending (100 events × 5 URLs), {held} in flight at kill -9; all 500 delivered after the "
            f"restart, same id on every URL; {gone} attempts cut by the kill, {dups} (id, URL) delivered twice (allowed)"]


# --- nodes: two nodes on PostgreSQL -----------------------------------------------------------

def psql(url: str, sql: str) -> None:
    r = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], capture_output=True, text=True,
                       env={**os.environ, "PGOPTIONS": "--client-min-messages=warning"})
    check(r.returncode == 0, f"psql {sql!r}: {r.stderr.strip()}")


def scenario_nodes(ctx: Ctx, d: str) -> list[str]:
    scope = "nodes"
    if not ctx.pg_url:
        raise Skipped("TEST_DATABASE_URL is not set")
    name = f"signedin_alerts_{os.urandom(4).hex()}"
    psql(ctx.pg_url, f"CREATE DATABASE {name}")
    database_url = ctx.pg_url.rsplit("/", 1)[0] + "/" + name
    try:
        return _nodes(ctx, d, scope, database_url)
    finally:
        for p in list(Proc.registry):
            if p.log_path.startswith(d):
                p.stop()
        psql(ctx.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _nodes(ctx: Ctx, d: str, scope: str, database_url: str) -> list[str]:
    hold = 0.3
    rx = Receiver(ctx, d, mode="500", hold=hold).start()
    paths = ["/n1", "/n2"]
    settings = webhook_settings(ctx, [rx.url(p) for p in paths])
    a = Server(ctx, d, "node-a", settings, database_url).start()
    b = Server(ctx, d, "node-b", settings, database_url).start()
    email = lib.unique_email("nodes")
    a.api.signup(email)
    sessions = concurrently(lambda i: (a if i % 2 else b).api.login(email), range(40))
    check(b.api.revoke_sessions(sessions[0], "all") == 40, f"{scope}: revoke-sessions all")
    expected = [("session.created", s.session_id) for s in sessions] + \
               [("session.revoked", s.session_id, "signed_out") for s in sessions]
    wait_until(lambda: len(a.outbox_rows("pending")) >= 160, 60, f"{scope}: 160 pending rows")
    lib.log(scope, "160 rows pending on two nodes; the receiver turns healthy (each delivery takes "
                   f"{hold} s) and new sign-ins keep coming")
    healthy_at = time.time()
    rx.control(mode="slow", hold=hold)
    if ctx.broken("lost-ack"):
        lib.log(scope, "BREAK lost-ack: for 2 s the answers from /n2 are lost on the way back")
        rx.control(mode="lostack", path="/n2")
        time.sleep(2)
        rx.control(mode="slow", path="/n2", hold=hold)
    more = concurrently(lambda i: (a if i % 2 else b).api.login(email), range(20))
    expected += [("session.created", s.session_id) for s in more]
    wait_delivered(rx, expected, paths, 150, scope)
    records = rx.records()
    check_no_rejections(rx, scope)
    check_all_shapes(records, scope)
    lib.check_one_id_per_event(records, scope)
    lib.check_no_overlapping_attempts(records, scope)
    lib.check_no_duplicate_delivery(records, scope + " (receiver healthy)", since=healthy_at)
    rows = wait_until(lambda: (lambda rs: rs if all(r["state"] == "delivered" for r in rs) else None)(a.outbox_rows()),
                      60, f"{scope}: outbox list shows every row delivered")
    check(len(rows) == len(expected) * 2, f"{scope}: {len(rows)} rows for {len(expected)} events × 2 URLs")
    attempts = sum(1 for r in records if r["received_at"] >= healthy_at)
    # Both nodes took part (a premise, not a check: it reads the servers' warnings, which name
    # the webhook-id of each failed attempt while the receiver answered 500).
    ids = re.compile(r"msg_[0-9a-f]{32}")
    seen = [len(set(ids.findall(open(n.log, errors="replace").read()))) for n in (a, b)]
    if not all(seen):
        lib.log(scope, f"WARNING: only one node's log names failed attempts ({seen}): did both nodes deliver?")
    return [f"{len(expected)} events × 2 URLs drained by two nodes on PostgreSQL (failed attempts logged by node A/B: "
            f"{seen[0]}/{seen[1]} ids): {len(rows)} delivered, {attempts} attempts after the receiver turned healthy, "
            "0 delivered twice, 0 in flight twice at once"]


# --- receivers: slow, 500, redirect never block sign-ins ----------------------------------------

def scenario_receivers(ctx: Ctx, d: str) -> list[str]:
    scope = "receivers"
    rx = Receiver(ctx, d, mode="ok", hold=90).start()
    rx.control(mode="slow", path="/slow", hold=90)
    rx.control(mode="500", path="/err")
    rx.control(mode="redirect", path="/redir")
    paths = ["/slow", "/err", "/redir", "/ok"]
    # A delivery attempt may take 30 s before the server gives up on it: a sign-in that waited
    # for one would take that long. Each sign-in gets 15 s, generously more than it needs.
    server = Server(ctx, d, "signedin", webhook_settings(ctx, [rx.url(p) for p in paths],
                                                          SIGNEDIN_WEBHOOK_TIMEOUT_SECS=30)).start()
    api = server.api
    email = lib.unique_email("receivers")
    api.signup(email)
    expected: list[tuple] = []
    first = signed_in(api, email, expected, timeout=15)
    wait_until(lambda: lib.receiver_stats(rx.port)["holding"] >= 1, 30, f"{scope}: the slow receiver holds a delivery")
    times = []
    for ua in (WINDOWS_FIREFOX, IPHONE_SAFARI, LINUX_CHROME, MAC_CHROME) * 2:
        s = signed_in(api, email, expected, ua, LONDON if ua == MAC_CHROME else None, timeout=15)
        check(lib.receiver_stats(rx.port)["holding"] >= 1, f"{scope}: nothing held any more (test premise)")
        times.append(s.elapsed)
    api.logout(s)
    expected.append(("session.revoked", s.session_id, "signed_out"))
    lib.log(scope, f"{len(times)} sign-ins and a sign-out answered while the slow receiver held deliveries "
                   f"(sign-in {min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms)")
    # 500 and 302 are retried under the same id; the redirect is never followed.
    def retried(path):
        seen: dict = {}
        for r in rx.records():
            if r.get("path") == path:
                seen[r["webhook_id"]] = seen.get(r["webhook_id"], 0) + 1
        return any(n >= 2 for n in seen.values())
    wait_until(lambda: retried("/err"), 60, f"{scope}: a 500 answer is retried under the same id")
    wait_until(lambda: retried("/redir"), 60, f"{scope}: a 302 answer is retried under the same id")
    ok_done = None
    try:
        wait_delivered(rx, expected, ["/ok"], 60, scope + " (/ok beside the failing receivers)")
        ok_done = True
    except CheckFailed as e:
        lib.log(scope, f"WARNING (not part of the contract): {e}")
    rx.control(mode="ok")  # every path healthy; held requests are let go
    wait_delivered(rx, expected, paths, 150, scope)
    records = rx.records()
    followed = [r for r in records if r.get("followed")]
    check(not followed, f"{scope}: the server followed a redirect: {followed[:1]}")
    check_no_rejections(rx, scope)
    check_all_shapes(records, scope)
    lib.check_one_id_per_event(records, scope)
    answers = {}
    for r in records:
        answers.setdefault(r["path"], {}).setdefault(str(r["answered"]), 0)
        answers[r["path"]][str(r["answered"])] += 1
    return [f"{len(times) + 1} sign-ins + a sign-out answered in {min(times) * 1000:.0f}–{max(times) * 1000:.0f} ms "
            f"while /slow held deliveries (server timeout 30 s), /err answered 500 and /redir 302; then all "
            f"{len(expected)} events reached all 4 URLs under one id each; redirect never followed; "
            f"/ok kept up meanwhile: {'yes' if ok_done else 'NO (warning)'}; answers per URL {answers}"]


# --- dead: dead letter and `outbox retry` -------------------------------------------------------

def scenario_dead(ctx: Ctx, d: str) -> list[str]:
    scope = "dead"
    rx = Receiver(ctx, d, mode="500").start()
    server = Server(ctx, d, "signedin", webhook_settings(ctx, [rx.url("/d")], SIGNEDIN_OUTBOX_GIVE_UP_SECS=8,
                                                          SIGNEDIN_OUTBOX_RETRY_MAX_SECS=2)).start()
    api = server.api
    email = lib.unique_email("dead")
    api.signup(email)
    sa, sb = api.login(email), api.login(email, IPHONE_SAFARI)
    dead = wait_until(lambda: (lambda rs: rs if len(rs) >= 2 else None)(server.outbox_rows("dead")), 60,
                      f"{scope}: both failing deliveries dead-lettered")
    check(len(dead) == 2, f"{scope}: {len(dead)} dead rows, expected 2")
    for r in dead:
        lib.check_outbox_row_shape(r)
        check(r["attempts"] >= 2, f"{scope}: dead after {r['attempts']} attempt(s): not retried before giving up")
        check(r["last_error"], f"{scope}: a dead row has no last_error: {r}")
    by_id = {r["webhook_id"]: r for r in dead}
    tried = {}
    for r in rx.records():
        tried[r["webhook_id"]] = tried.get(r["webhook_id"], 0) + 1
    check(set(by_id) <= set(tried) and all(tried[i] >= 2 for i in by_id),
          f"{scope}: the receiver did not see each dead row's id at least twice: {tried}")
    session_of = {r["webhook_id"]: r["data"]["session_id"] for r in rx.records()}
    check({session_of[i] for i in by_id} == {sa.session_id, sb.session_id}, f"{scope}: dead rows are not the two sign-ins")
    rx.control(mode="ok")
    before = len(rx.records())
    time.sleep(4)  # a dead row stays dead: nothing is retried by itself
    check(len(rx.records()) == before, f"{scope}: a dead-lettered row was attempted again without `outbox retry`")
    check(len(server.outbox_rows("dead")) == 2, f"{scope}: a dead row left the dead state by itself")

    first, second = sorted(dead, key=lambda r: str(r["id"]))
    if ctx.broken("no-retry"):
        lib.log(scope, "BREAK no-retry: `outbox retry` is not run")
    else:
        r = server.outbox("retry", str(first["id"]))
        check(r.returncode == 0 and re.search(r"\b1\b", r.stdout), f"{scope}: outbox retry {first['id']}: {r.returncode} {r.stdout!r} {r.stderr!r}")

    def delivered(wid):
        return any(x["delivered"] and x["webhook_id"] == wid for x in rx.records())
    wait_until(lambda: delivered(first["webhook_id"]), 30, f"{scope}: the retried row delivered under its old id")
    check(not delivered(second["webhook_id"]), f"{scope}: `outbox retry <id>` also sent another dead row")
    check([r["id"] for r in server.outbox_rows("dead")] == [second["id"]], f"{scope}: dead list after retrying one")
    r = server.outbox("retry", "--all-dead")
    check(r.returncode == 0 and re.search(r"\b1\b", r.stdout), f"{scope}: outbox retry --all-dead: {r.returncode} {r.stdout!r} {r.stderr!r}")
    wait_until(lambda: delivered(second["webhook_id"]), 30, f"{scope}: --all-dead brings the other back")
    rows = wait_until(lambda: (lambda rs: rs if all(x["state"] == "delivered" for x in rs) else None)(server.outbox_rows()),
                      30, f"{scope}: every row delivered")
    check(len(rows) == 2, f"{scope}: {len(rows)} rows")
    lib.check_one_id_per_event(rx.records(), scope)
    check_no_rejections(rx, scope)
    return [f"2 deliveries dead after {first['attempts']}/{second['attempts']} attempts (give-up 8 s); left alone for 4 s, "
            "not retried; `outbox retry <id>` sent one, `--all-dead` the other, each under its original webhook-id"]


# --- digest: SIGNEDIN_ALERT_EMAILS=2/20 ---------------------------------------------------------

def scenario_digest(ctx: Ctx, d: str) -> list[str]:
    scope = "digest"
    sink = Sink(d).start()
    settings = {"SIGNEDIN_SMTP_URL": f"smtp://127.0.0.1:{sink.port}", "SIGNEDIN_MAIL_FROM": "signedin <alerts@example.test>",
                "SIGNEDIN_ALERT_EMAILS": "2/20"}
    if ctx.broken("digest"):
        settings["SIGNEDIN_ALERT_EMAILS"] = None
        lib.log(scope, "BREAK digest: SIGNEDIN_ALERT_EMAILS left at its default")
    server = Server(ctx, d, "signedin", settings).start()
    api = server.api
    email = lib.unique_email("digest")
    api.signup(email)
    s0 = api.login(email)  # the account's first sign-in: no alert
    tokens = [s0.access, s0.refresh, lib.PASSWORD]
    sessions = [api.login(email, NASTY_FIREFOX, HANOVER),
                api.login(email, MAC_CHROME, LONDON),
                api.login(email, IPHONE_SAFARI, HANOVER),
                api.login(email, LINUX_CHROME, LONDON)]
    api.change_password(s0, "another new password 2", sign_out_others=False)
    tokens += [t for s in sessions for t in (s.access, s.refresh)] + ["another new password 2"]

    # Five alerts within a second, at most two emails per 20 s: every alert reaches the owner
    # exactly once, individually or folded into a digest, and no more than two emails go out
    # in any 20 s. (Which alerts travel alone depends on when the worker looks; the first
    # always does.)
    alerts = [("new_sign_in", "Firefox on Windows · Hanover, DE · "), ("new_sign_in", "Chrome on macOS · London, GB · "),
              ("new_sign_in", "Safari on iPhone · Hanover, DE · "), ("new_sign_in", "Chrome on Linux · London, GB · "),
              ("password_changed", "Your password was changed")]

    def placed(ms):
        return {a: [m["n"] for m in ms if a[1] in m["text"]] for a in alerts}
    wait_until(lambda: all(placed(lib.read_mails(sink.dir, email)).values()), 90,
               f"{scope}: every one of the 5 alerts emailed, alone or in a digest")
    time.sleep(5)  # nothing more may follow
    mails = lib.read_mails(sink.dir, email)
    summary = [(m["n"], m["alert"], m["subject"]) for m in mails]
    where = placed(mails)
    check(all(len(v) == 1 for v in where.values()), f"{scope}: each alert must be in exactly one email: {where} {summary}")
    check(len(mails) <= 3, f"{scope}: {len(mails)} emails for 5 alerts with SIGNEDIN_ALERT_EMAILS=2/20 "
                           f"(at most 2 at once and one digest of the rest): {summary}")
    at = sorted(m["envelope"].get("received_at", 0) for m in mails)
    for i in range(len(at) - 2):
        check(at[i + 2] - at[i] >= 19, f"{scope}: three emails within {at[i + 2] - at[i]:.1f} s with 2/20: {summary}")
    digests = [m for m in mails if m["alert"] == "digest"]
    check(len(digests) == 1, f"{scope}: expected one digest email: {summary}")
    digest = digests[0]
    folded = [a for a, ns in where.items() if digest["n"] in ns]
    check(digest["subject"] == f"{len(folded)} more security alerts for your account",
          f"{scope}: digest subject {digest['subject']!r} for {len(folded)} alerts")
    sign_ins = sum(1 for a in folded if a[0] == "new_sign_in")
    kinds = [link["kind"] for link in digest["text_links"]]
    check(kinds.count("not-me") == sign_ins and kinds.count("was-me") == sign_ins,
          f"{scope}: the digest should carry each folded sign-in's two links ({sign_ins}): {kinds}")
    check({l["url"] for l in digest["text_links"]} <= {l["url"] for l in digest["html_links"]},
          f"{scope}: the digest's HTML part lacks links of its text part")
    first = mails[0]
    check(where[alerts[0]] == [first["n"]] and first["alert"] == "new_sign_in", f"{scope}: the first alert should go alone: {summary}")
    base = server.base
    links = lib.check_new_sign_in_mail(first, scope, base, "Firefox on Windows", "Hanover, DE", HANOVER)
    lib.check_escaped(first, scope)
    for m in mails:
        lib.check_alert_mail(m, scope, base, tokens)
        check(email in m["to"], f"{scope}: To: {m['to']!r}")
        if m["alert"] == "new_sign_in":
            a = next(a for a, ns in where.items() if m["n"] in ns)
            device, place = a[1].split(" · ")[:2]
            lib.check_new_sign_in_mail(m, scope, base, device, place, HANOVER if place == "Hanover, DE" else LONDON)
        elif m["alert"] == "password_changed":
            check(m["subject"] == "Your password was changed", f"{scope}: password email subject {m['subject']!r}")
    lib.log(scope, f"emails: {summary}")

    # The link pages, without a browser: GET changes nothing, anything unusable is a clear page.
    for attempt in ("GET", "a second GET"):
        page = lib.request("GET", links["not_me"])
        check(page.status == 200 and "Wasn't you?" in lib.page_text(page), f"{scope}: {attempt} of not-me: {page.status}")
    live = api.sessions(s0).body["sessions"]
    check(sessions[0].session_id in [s["id"] for s in live], f"{scope}: a GET of the not-me page signed the device out")
    # The page's button is a plain form posting the token: replay it with a tampered token.
    form = re.search(r'<form[^>]*action="([^"]+)"', lib.page_text(page))
    check(form, f"{scope}: no form posting the token on the not-me page")
    action = base + form.group(1) if form.group(1).startswith("/") else form.group(1)
    token = links["not_me"].split("token=", 1)[1]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for method, page in (("GET", lib.request("GET", links["not_me"].replace(token, tampered))),
                         # As a browser without JavaScript posts the form (it asks for HTML).
                         ("POST", lib.request("POST", action, form={"token": tampered}, headers={"accept": "text/html"}))):
        check(page.status < 500 and "This link can't be used" in lib.page_text(page) and "isn't valid" in lib.page_text(page),
              f"{scope}: {method} with a tampered token: {page.status} {lib.page_text(page)[:300]}")
    garbage = base + "/alerts/was-me?token=%3Cscript%3E"
    page = lib.request("GET", garbage)
    check(page.status < 500 and "This link can't be used" in lib.page_text(page), f"{scope}: GET was-me with junk: {page.status}")

    rows = server.outbox_rows()
    for r in rows:
        lib.check_outbox_row_shape(r)
    check(rows and not [r for r in rows if r["channel"] == "webhook"],
          f"{scope}: webhook rows although SIGNEDIN_WEBHOOK_URL is unset")
    return [f"5 alerts in a second with 2/20 → {len(mails)} emails ({', '.join(m['alert'] for m in mails)}), "
            "each alert in exactly one, never 3 in 20 s; the digest lists its alerts with their links; text + HTML, "
            "user agent escaped, no token or password in any; not-me GET changes nothing; tampered/junk links "
            "answer 'This link can't be used' on GET and POST"]


# --- emails: the other alerts -----------------------------------------------------------------

def scenario_emails(ctx: Ctx, d: str) -> list[str]:
    scope = "emails"
    sink = Sink(d).start()
    rx = Receiver(ctx, d).start()
    settings = {"SIGNEDIN_SMTP_URL": f"smtp://127.0.0.1:{sink.port}", "SIGNEDIN_MAIL_FROM": "signedin <alerts@example.test>",
                **webhook_settings(ctx, [rx.url("/hook")])}
    if ctx.broken("no-mail"):
        settings["SIGNEDIN_SMTP_URL"] = None
        lib.log(scope, "BREAK no-mail: the server has no SIGNEDIN_SMTP_URL")
    server = Server(ctx, d, "signedin", settings).start()
    api = server.api
    email = lib.unique_email("emails")
    api.signup(email)
    s0 = api.login(email)          # the account's first sign-in: no email
    s1 = api.login(email)          # the same device from the same place: no email
    fresh = api.refresh(s1.refresh, MAC_CHROME)
    check(fresh.status == 200, f"{scope}: refresh {fresh.status}")
    check(api.refresh(s1.refresh, WINDOWS_FIREFOX).status == 401, f"{scope}: a replayed refresh token was accepted")
    s2 = api.login(email)
    check(api.revoke_sessions(s2, "others") == 1, f"{scope}: revoke-sessions others should end s0 alone")
    api.change_password(s2, "yet another password 3", sign_out_others=True)
    tokens = [t for s in (s0, s1, s2) for t in (s.access, s.refresh)] + [fresh.body["access_token"], fresh.body["refresh_token"],
                                                                         lib.PASSWORD, "yet another password 3", ctx.secret]
    want = {"reuse_detected": "A device of yours was signed out to protect your account",
            "signed_out_everywhere": "Your other devices were signed out",
            "password_changed": "Your password was changed"}
    wait_until(lambda: {m["alert"] for m in lib.read_mails(sink.dir, email)} >= set(want), 60,
               f"{scope}: the reuse, signed-out-everywhere and password emails")
    expected = [("session.created", s.session_id) for s in (s0, s1, s2)] + [
        ("session.reuse_detected", s1.session_id), ("session.revoked", s1.session_id, "reuse_detected"),
        ("session.revoked", s0.session_id, "signed_out"), ("password.changed", s2.session_id)]
    wait_delivered(rx, expected, ["/hook"], 60, scope)
    time.sleep(3)  # nothing more may follow
    mails = lib.read_mails(sink.dir, email)
    summary = [(m["alert"], m["subject"]) for m in mails]
    check(sorted(m["alert"] for m in mails) == sorted(want),
          f"{scope}: expected exactly one email each of {sorted(want)} (none for a first or a known sign-in): {summary}")
    for m in mails:
        check(m["subject"] == want[m["alert"]], f"{scope}: {m['alert']} subject {m['subject']!r}")
        check(email in m["to"], f"{scope}: To: {m['to']!r}")
        lib.check_alert_mail(m, scope, server.base, tokens)
        check("/account/devices" in m["text"], f"{scope}: {m['alert']} does not point to the devices page")
    records = rx.records()
    check_no_rejections(rx, scope)
    check_all_shapes(records, scope)
    lib.check_one_id_per_event(records, scope)
    lib.check_no_duplicate_delivery(records, scope)
    reuse = next(r for r in records if r["type"] == "session.reuse_detected")["data"]
    check(reuse["user_agent"] == WINDOWS_FIREFOX and reuse["ip"] == "127.0.0.1",
          f"{scope}: session.reuse_detected names the replaying device: {reuse}")
    changed = next(r for r in records if r["type"] == "password.changed")["data"]
    check(changed["other_sessions_signed_out"] == 0, f"{scope}: password.changed {changed}")
    rows = server.outbox_rows()
    user_id = reuse["user_id"]
    email_rows = [r for r in rows if r["channel"] == "email"]
    check(len(email_rows) == 3 and all(r["destination"] == f"user:{user_id}" for r in email_rows),
          f"{scope}: email rows {[(r['event_type'], r['destination']) for r in email_rows]}")
    return [f"reuse detected, signed out everywhere and password changed: one email each (none for the first or a "
            f"known sign-in), {len(expected)} webhooks with the replaying device named; email rows addressed user:<id>"]


# --- main -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--bin", default=os.path.join(ROOT, "target/release/signedin"))
    parser.add_argument("--site", default=os.path.join(ROOT, "target/site"))
    parser.add_argument("--receiver-python", required=True)
    parser.add_argument("--pg-url", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--break", dest="break_", action="append", choices=BREAKS)
    args = parser.parse_args()
    ctx = Ctx(args)
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    for name in chosen:
        if name not in SCENARIOS:
            sys.exit(f"faults: no scenario {name!r} (have {', '.join(SCENARIOS)})")
    if "nodes" in chosen and not ctx.pg_url:
        print("\033[1;33m!!! faults: TEST_DATABASE_URL is not set: the two-node (PostgreSQL) fault is SKIPPED\033[0m", flush=True)
    results: dict[str, tuple[bool, list[str]]] = {}

    def run(name: str) -> None:
        d = os.path.join(ctx.work, name)
        os.makedirs(d, exist_ok=True)
        started = time.time()
        lib.log(name, "start")
        try:
            notes = globals()[f"scenario_{name}"](ctx, d)
            results[name] = (True, notes + [f"{time.time() - started:.0f} s"])
            lib.log(name, f"PASSED in {time.time() - started:.0f} s")
        except Skipped as e:
            results[name] = (True, [f"SKIPPED: {e}"])
            lib.log(name, f"SKIPPED: {e}")
        except Exception as e:  # noqa: BLE001
            detail = str(e) if isinstance(e, CheckFailed) else traceback.format_exc()
            results[name] = (False, [detail])
            lib.log(name, f"FAILED: {detail}")
            for p in list(Proc.registry):
                if p.log_path.startswith(d) and p.log_path.endswith(".log"):
                    tail = p.tail(20)
                    if tail.strip():
                        print(f"--- last lines of {os.path.relpath(p.log_path, ctx.work)} ---\n{tail}", flush=True)
        finally:
            for p in list(Proc.registry):
                if p.log_path.startswith(d + os.sep):
                    p.stop()

    def on_term(*_):
        lib.STOP.set()
        raise SystemExit(143)
    signal.signal(signal.SIGTERM, on_term)

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in chosen]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        Proc.stop_all()
    print("\nAlert faults:")
    failed = 0
    for name in chosen:
        ok, notes = results.get(name, (False, ["did not finish"]))
        failed += not ok
        label = "SKIP" if ok and notes[0].startswith("SKIPPED") else "PASS" if ok else "FAIL"
        print(f"  {label}  {name}: {' · '.join(notes)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
