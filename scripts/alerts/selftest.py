"""Self-test of the alert tests' own parts, without signedin: the mail sink takes real SMTP
(smtplib) and stores whole messages; the webhook receiver accepts what the reference library
signs, refuses what it does not, and its modes behave; the checks fail on the faults they
exist to catch. Run with the receiver's venv python (it signs with `standardwebhooks`):

    $(scripts/alerts/venv.sh) scripts/alerts/selftest.py
"""

import base64
import http.client
import json
import os
import signal
import smtplib
import socket
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, HERE)
import lib  # noqa: E402
from lib import CheckFailed, Proc, check, free_port  # noqa: E402
from standardwebhooks.webhooks import Webhook  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"
failures = []


def case(name):
    def wrap(fn):
        def run(*a):
            try:
                fn(*a)
                print(f"  ok    {name}", flush=True)
            except Exception as e:  # noqa: BLE001
                failures.append(name)
                print(f"  FAIL  {name}: {type(e).__name__}: {e}", flush=True)
        return run
    return wrap


def must_fail(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except CheckFailed as e:
        return str(e)
    raise AssertionError(f"{fn.__name__} passed on input it must refuse")


# --- Mail sink ------------------------------------------------------------------------------

def alert_message(to: str, ua_html: str = "Firefox on Windows", escaped: bool = True) -> EmailMessage:
    base = "http://127.0.0.1:3000"
    token = "abc.DEF_123-x"
    msg = EmailMessage()
    msg["From"] = "signedin <alerts@example.test>"
    msg["To"] = to
    msg["Subject"] = "New sign-in to your account"
    msg["X-Signedin-Alert"] = "new_sign_in"
    msg.set_content(
        "Firefox on Windows · Hanover, DE · 30 Nov 2026, 10:42 UTC · IP 193.99.144.80\n\n"
        f"This wasn't me: {base}/alerts/not-me?token={token}\n"
        f"Yes, it was me: {base}/alerts/was-me?token={token}\n")
    shown = ua_html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") if escaped else ua_html
    msg.add_alternative(
        f"<p>{shown}</p><p><a href=\"{base}/alerts/not-me?token={token}\">This wasn't me</a> "
        f"<a href=\"{base}/alerts/was-me?token={token}\">Yes, it was me</a></p>", subtype="html")
    return msg


@case("mail sink: stores real SMTP messages whole, numbered, with the envelope; stops on SIGTERM")
def test_sink(work):
    port = free_port()
    directory = os.path.join(work, "mail")
    sink = Proc("mail-sink", [SYSTEM_PYTHON, os.path.join(HERE, "mail_sink.py"), "--port", str(port), "--dir", directory],
                os.path.join(work, "sink.log")).start()
    lib.wait_smtp(port, sink)
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.send_message(alert_message("ada@example.com"))
        s.send_message(alert_message("bob@example.com", lib.NASTY_FIREFOX, escaped=False),
                       from_addr="alerts@example.test", to_addrs=["bob@example.com"])
    mails = lib.read_mails(directory)
    check([m["n"] for m in mails] == [1, 2], f"stored {[m['n'] for m in mails]}")
    check(not [n for n in os.listdir(directory) if n.startswith(".")], "a temporary file was left behind")
    ada = lib.read_mails(directory, "ada@example.com")
    check(len(ada) == 1 and ada[0]["content_type"] == "multipart/alternative", "ada's message")
    links = lib.check_new_sign_in_mail(ada[0], "selftest", "http://127.0.0.1:3000", "Firefox on Windows", "Hanover, DE", "193.99.144.80")
    check(links["not_me"].endswith("/alerts/not-me?token=abc.DEF_123-x"), links)
    bob = lib.read_mails(directory, "bob@example.com")[0]
    check(bob["envelope"]["rcpt_tos"] == ["bob@example.com"], bob["envelope"])
    # The checks refuse what they exist to refuse.
    must_fail(lib.check_escaped, bob, "selftest")
    lib.check_escaped(ada[0], "selftest")
    must_fail(lib.check_new_sign_in_mail, ada[0], "selftest", "http://127.0.0.1:3000", "Firefox on Windows", "London, GB", "193.99.144.80")
    must_fail(lib.check_alert_mail, ada[0], "selftest", "http://127.0.0.1:3000", ["abc.DEF_123-x"])
    must_fail(lib.check_alert_mail, ada[0], "selftest", "http://example.com")
    # A restarted sink continues the numbering.
    sink.popen.send_signal(signal.SIGTERM)
    check(sink.popen.wait(10) == 0, f"the sink exited {sink.popen.returncode} on SIGTERM")
    sink = Proc("mail-sink", sink.argv, sink.log_path).start()
    lib.wait_smtp(port, sink)
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.send_message(alert_message("carol@example.com"))
    check(os.path.exists(os.path.join(directory, "3.eml")), "the restarted sink overwrote or skipped a number")
    sink.stop()


# --- Webhook receiver -----------------------------------------------------------------------

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()


def signed(body: dict, secret: str = SECRET, msg_id: str | None = None, at: datetime | None = None):
    msg_id = msg_id or "msg_" + os.urandom(16).hex()
    at = at or datetime.now(timezone.utc)
    data = json.dumps(body)
    sig = Webhook(secret).sign(msg_id, at, data)
    return data.encode(), {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
                           "webhook-signature": sig, "content-type": "application/json"}


def post(port: int, path: str, body: bytes, headers: dict, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, body, headers)
    r = conn.getresponse()
    r.read()
    conn.close()
    return r.status, dict(r.getheaders())


def event(kind="session.created", session="ses_" + "ab" * 16):
    return {"type": kind, "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "data": {"user_id": "u1", "session_id": session, "device": "Chrome on Windows", "user_agent": "ua",
                     "ip": "81.2.69.142", "place": "London, GB", "new_location": True, "new_device": False}}


@case("webhook receiver: verifies with the reference library, refuses the rest, modes and control work")
def test_receiver(work):
    port = free_port()
    log_path, rejected_path = os.path.join(work, "hooks.jsonl"), os.path.join(work, "rejected.jsonl")
    rx = Proc("receiver", [sys.executable, os.path.join(HERE, "webhook_receiver.py"), "--port", str(port),
                           "--secret", SECRET, "--log", log_path, "--rejected", rejected_path, "--hold", "1"],
              os.path.join(work, "receiver.log")).start()
    lib.wait_http(f"http://127.0.0.1:{port}/_health", rx)

    body, headers = signed(event())
    check(post(port, "/hook", body, headers)[0] == 200, "a signed delivery was not accepted")
    # The same bytes with the same id again (a retry): accepted and recorded again.
    check(post(port, "/hook", body, headers)[0] == 200, "a retry was not accepted")
    records = lib.read_jsonl(log_path)
    check(len(records) == 2 and all(r["delivered"] for r in records), records)
    lib.check_delivery_shape(records[0], "selftest")
    check(records[0]["data"]["session_id"] == "ses_" + "ab" * 16, records[0])

    # Wrong secret, tampered body, missing header, a timestamp 10 minutes old: 401, recorded apart.
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    b2, h2 = signed(event(), other)
    check(post(port, "/hook", b2, h2)[0] == 401, "a delivery signed with another secret was accepted")
    check(post(port, "/hook", body.replace(b"London", b"Berlin"), headers)[0] == 401, "a tampered body was accepted")
    h3 = dict(headers)
    del h3["webhook-signature"]
    check(post(port, "/hook", body, h3)[0] == 401, "a delivery without a signature was accepted")
    b4, h4 = signed(event(), at=datetime.now(timezone.utc) - timedelta(minutes=10))
    check(post(port, "/hook", b4, h4)[0] == 401, "a stale timestamp was accepted")
    check(len(lib.read_jsonl(rejected_path)) == 4, "the rejected deliveries were not all recorded")
    check(len(lib.read_jsonl(log_path)) == 2, "a rejected delivery was recorded as verified")

    # 500 and redirect: recorded, not delivered; redirect points at /followed.
    lib.receiver_control(port, mode="500")
    check(post(port, "/hook", *signed(event()))[0] == 500, "mode 500")
    lib.receiver_control(port, mode="redirect")
    status, got = post(port, "/hook", *signed(event()))
    check(status == 302 and got.get("Location", "").endswith("/followed"), (status, got))
    # Per path: /a fails while /b is fine.
    lib.receiver_control(port, mode="ok")
    lib.receiver_control(port, mode="500", path="/a")
    check(post(port, "/a", *signed(event()))[0] == 500 and post(port, "/b", *signed(event()))[0] == 200, "per-path modes")

    # slow: held for --hold, or released at once by a mode change.
    lib.receiver_control(port, mode="slow", hold=1)
    started = time.time()
    check(post(port, "/hook", *signed(event()))[0] == 200, "slow answers 200 in the end")
    check(time.time() - started >= 0.9, "slow did not hold the request")
    lib.receiver_control(port, mode="slow", hold=60)
    result = {}
    t = threading.Thread(target=lambda: result.update(s=post(port, "/hook", *signed(event()))[0]))
    t.start()
    lib.wait_until(lambda: lib.receiver_stats(port)["holding"] == 1, 10, "a request is held")
    lib.receiver_control(port, mode="ok")
    t.join(10)
    check(result.get("s") == 200, f"a held request was not released by a mode change: {result}")
    # A sender that hangs up while held is recorded as gone, not delivered.
    lib.receiver_control(port, mode="slow", hold=2)
    gone_body, gone_headers = signed(event())
    sock = socket.create_connection(("127.0.0.1", port))
    head = "".join(f"{k}: {v}\r\n" for k, v in gone_headers.items())
    sock.sendall(f"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {len(gone_body)}\r\n{head}\r\n".encode() + gone_body)
    lib.wait_until(lambda: lib.receiver_stats(port)["holding"] == 1, 10, "the request is held")
    sock.close()
    gone_id = gone_headers["webhook-id"]
    lib.wait_until(lambda: [r for r in lib.read_jsonl(log_path) if r["webhook_id"] == gone_id], 10, "the gone request is recorded")
    gone = [r for r in lib.read_jsonl(log_path) if r["webhook_id"] == gone_id][0]
    check(gone["answered"] == "client_gone" and not gone["delivered"], gone)

    # drop: answered 200, nothing recorded (what the tests must notice).
    lib.receiver_control(port, mode="drop")
    b5, h5 = signed(event())
    check(post(port, "/hook", b5, h5)[0] == 200, "drop answers 200")
    check(not [r for r in lib.read_jsonl(log_path) if r["webhook_id"] == h5["webhook-id"]], "drop recorded it")
    lib.receiver_control(port, mode="ok", drop_every=2)
    ids = []
    for _ in range(4):
        b6, h6 = signed(event())
        ids.append(h6["webhook-id"])
        post(port, "/hook", b6, h6)
    kept = {r["webhook_id"] for r in lib.read_jsonl(log_path)}
    check(sum(i in kept for i in ids) == 2, "drop_every=2 did not drop every second delivery")

    rx.popen.send_signal(signal.SIGTERM)
    check(rx.popen.wait(10) == 0, f"the receiver exited {rx.popen.returncode} on SIGTERM")
    try:
        post(port, "/hook", body, headers, timeout=2)
        raise AssertionError("the stopped receiver still answers")
    except OSError:
        pass


# --- The checks -----------------------------------------------------------------------------

def record(wid, kind="session.created", session="ses_" + "11" * 16, ts="2026-11-30T10:42:00Z", path="/hook",
           delivered=True, start=0.0, end=0.1):
    return {"webhook_id": wid, "type": kind, "timestamp": ts, "data": {"session_id": session}, "path": path,
            "delivered": delivered, "received_at": start, "answered_at": end}


@case("checks: they fail on two ids for one event, a double delivery, overlapping attempts, a missing event")
def test_checks(_work):
    a, b = "msg_" + "a" * 32, "msg_" + "b" * 32
    good = [record(a, start=0, end=1), record(a, start=2, end=3, delivered=True, path="/other"),
            record(b, session="ses_" + "22" * 16, start=0, end=1)]
    lib.check_one_id_per_event(good, "selftest")
    lib.check_no_duplicate_delivery(good, "selftest")
    lib.check_no_overlapping_attempts(good, "selftest")
    must_fail(lib.check_one_id_per_event, good + [record(b)], "selftest")
    must_fail(lib.check_no_duplicate_delivery, good + [record(a, start=5, end=6)], "selftest")
    lib.check_no_duplicate_delivery(good + [record(a, start=5, end=6, delivered=False)], "selftest")
    must_fail(lib.check_no_overlapping_attempts, good + [record(a, start=0.5, end=0.7, delivered=False)], "selftest")
    expected = [("session.created", "ses_" + "11" * 16), ("session.created", "ses_" + "22" * 16)]
    check(not lib.missing_events(good, expected, ["/hook"]), "nothing is missing")
    check(lib.missing_events(good, expected, ["/other"]) == [("/other", "session.created", "ses_" + "22" * 16)],
          lib.missing_events(good, expected, ["/other"]))
    check(lib.missing_events(good[:1] + [record(b, session="ses_" + "22" * 16, delivered=False)], expected, ["/hook"]),
          "an undelivered attempt counted as delivered")


def main():
    work = tempfile.mkdtemp(prefix="signedin-alerts-selftest.")
    print(f"alerts selftest (work dir {work})")
    try:
        test_sink(work)
        test_receiver(work)
        test_checks(work)
    finally:
        Proc.stop_all()
    if failures:
        print(f"alerts selftest: {len(failures)} failed", flush=True)
        sys.exit(1)
    import shutil
    shutil.rmtree(work, ignore_errors=True)
    print("alerts selftest: all passed")


if __name__ == "__main__":
    main()
