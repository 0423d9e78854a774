"""A real webhook receiver for the alert tests. Every delivery is verified with the reference
Standard Webhooks implementation (PyPI `standardwebhooks`, `Webhook(secret).verify`); run it
with the venv's python (scripts/alerts/venv.sh makes target/alerts-venv).

    python webhook_receiver.py --port P --secret whsec_… --log deliveries.jsonl \
        --rejected rejected.jsonl [--mode ok|500|slow|redirect] [--hold SECS]

Each verified request becomes one JSON line in --log, written once the answer has gone out:
  webhook_id, type, timestamp, data (the body's), path, attempt_timestamp (the
  webhook-timestamp header), signature, content_type, received_at / answered_at (unix
  seconds, float), mode, answered (the status sent, or "client_gone" when the sender hung up
  while held) and delivered (a 2xx reached the sender).
An unverified request is answered 401 and recorded in --rejected instead (with the reason).
A request to /followed (where redirect mode points) is recorded with "followed": true: a
sender that follows redirects shows up there.

Modes (the default for every path, or per path):
  ok        200 at once
  500       500 at once
  slow      hold the request --hold seconds (or until the mode changes), then 200
  redirect  302 to /followed
  drop      200 at once but nothing recorded (a receiver that loses deliveries: lets the
            tests prove they notice)
  lostack   recorded as delivered, then the connection is cut before any answer (the answer
            lost on the way back: the sender must retry, and the receiver gets it twice)
Control, on the same port (never verified, never recorded):
  POST /_control  {"mode": "...", "hold": 2.5, "path": "/hook" (optional: that path only),
                   "drop_every": N (optional: drop every Nth verified delivery)}
                  A change releases every held request (they answer 200).
  GET  /_stats    counts: verified, delivered, rejected, holding (requests held right now)
  GET  /_health   200
Stops on SIGTERM or SIGINT.
"""

import argparse
import json
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

MODES = ("ok", "500", "slow", "redirect", "drop", "lostack")


class State:
    def __init__(self, args):
        self.webhook = Webhook(args.secret)
        self.lock = threading.Lock()
        self.default_mode = args.mode
        self.path_modes: dict[str, str] = {}
        self.hold = args.hold
        self.drop_every = 0
        self.release = threading.Event()
        self.counts = {"verified": 0, "delivered": 0, "rejected": 0, "holding": 0, "followed": 0}
        self.log = open(args.log, "a", buffering=1)
        self.rejected = open(args.rejected, "a", buffering=1)

    def mode_for(self, path: str) -> str:
        with self.lock:
            return self.path_modes.get(path, self.default_mode)

    def control(self, body: dict) -> dict:
        with self.lock:
            mode = body.get("mode")
            if mode is not None:
                if mode not in MODES:
                    raise ValueError(f"mode must be one of {MODES}")
                if body.get("path"):
                    self.path_modes[body["path"]] = mode
                else:
                    self.default_mode = mode
                    self.path_modes.clear()
            if "hold" in body:
                self.hold = float(body["hold"])
            if "drop_every" in body:
                self.drop_every = int(body["drop_every"])
            # Whatever is held now is let go (it answers 200).
            self.release.set()
            self.release = threading.Event()
            return {"mode": self.default_mode, "paths": dict(self.path_modes), "hold": self.hold}

    def write(self, stream, record: dict) -> None:
        line = json.dumps(record, sort_keys=True)
        with self.lock:
            stream.write(line + "\n")
            stream.flush()


def peer_gone(sock: socket.socket) -> bool:
    """True when the sender has closed its end (a killed or timed-out client): the request
    was read whole, so a readable socket with nothing to read means FIN or RST."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "alerts-webhook-receiver"
    state: State

    def log_message(self, format, *args):  # quiet: the JSON lines are the record
        pass

    def answer(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "application/json" if body.startswith(b"{") else "text/plain")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        state = self.state
        if self.path == "/_health":
            return self.answer(200, b"ok")
        if self.path == "/_stats":
            with state.lock:
                counts = dict(state.counts)
            return self.answer(200, json.dumps(counts).encode())
        self.handle_delivery(b"")

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_control":
            try:
                result = self.state.control(json.loads(body or b"{}"))
            except (ValueError, TypeError) as error:
                return self.answer(400, str(error).encode())
            return self.answer(200, json.dumps(result).encode())
        self.handle_delivery(body)

    do_PUT = do_POST

    def handle_delivery(self, body: bytes) -> None:
        state = self.state
        received_at = time.time()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith("/followed"):
            with state.lock:
                state.counts["followed"] += 1
            state.write(state.log, {"followed": True, "path": self.path, "method": self.command,
                                    "received_at": received_at, "webhook_id": headers.get("webhook-id")})
            return self.answer(200, b"followed")
        try:
            payload = state.webhook.verify(body, headers)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError) as error:
            with state.lock:
                state.counts["rejected"] += 1
            state.write(state.rejected, {"path": self.path, "method": self.command, "reason": str(error),
                                         "received_at": received_at, "headers": headers,
                                         "body": body.decode("utf-8", "replace")[:2000]})
            return self.answer(401, b"signature not verified")

        with state.lock:
            state.counts["verified"] += 1
            dropped = state.drop_every > 0 and state.counts["verified"] % state.drop_every == 0
        mode = self.state.mode_for(self.path)
        record = {
            "webhook_id": headers.get("webhook-id"),
            "type": payload.get("type") if isinstance(payload, dict) else None,
            "timestamp": payload.get("timestamp") if isinstance(payload, dict) else None,
            "data": payload.get("data") if isinstance(payload, dict) else payload,
            "path": self.path,
            "method": self.command,
            "attempt_timestamp": headers.get("webhook-timestamp"),
            "signature": headers.get("webhook-signature"),
            "content_type": headers.get("content-type"),
            "received_at": received_at,
            "mode": mode,
        }

        def finish(answered, **headers_out) -> None:
            # Recorded before the answer goes out: whoever reads the log after the sender has
            # its answer finds the line there.
            delivered = isinstance(answered, int) and 200 <= answered < 300
            if delivered:
                with state.lock:
                    state.counts["delivered"] += 1
            state.write(state.log, {**record, "answered_at": time.time(), "answered": answered, "delivered": delivered})

        if mode == "500":
            finish(500)
            self.answer(500, b"receiver told to fail")
        elif mode == "redirect":
            finish(302)
            self.answer(302, b"", {"Location": f"http://{self.headers.get('Host', '127.0.0.1')}/followed"})
        elif mode == "slow":
            with state.lock:
                state.counts["holding"] += 1
                release, hold = state.release, state.hold
            try:
                release.wait(hold)
            finally:
                with state.lock:
                    state.counts["holding"] -= 1
            if peer_gone(self.connection):
                finish("client_gone")
                self.close_connection = True
            elif dropped:
                self.answer(200, b"ok")  # lost on purpose, as in drop mode
            else:
                finish(200)
                self.answer(200, b"ok")
        elif mode == "lostack":
            finish(200)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif mode == "drop" or dropped:
            self.answer(200, b"ok")  # the delivery is lost on purpose: the tests must notice
        elif peer_gone(self.connection):
            # The sender gave up before this request was even read (it waited in the listen
            # queue past the sender's timeout): not a delivery, whatever is answered.
            finish("client_gone")
            self.close_connection = True
        else:
            finish(200)
            self.answer(200, b"ok")


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True
    # A node sends up to 64 deliveries at once: with the default backlog of 5 the rest wait for
    # SYN retransmits, seconds, and arrive after the sender has given up on them.
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # A sender that hangs up mid-request (killed, timed out) is part of the tests: one line.
        print(f"webhook-receiver: connection from {client_address[1]} broke: {sys.exc_info()[1]!r}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--secret", required=True, help="whsec_… (the server's SIGNEDIN_WEBHOOK_SECRET)")
    parser.add_argument("--log", required=True, help="verified deliveries, one JSON line each (appended)")
    parser.add_argument("--rejected", required=True, help="unverified requests, one JSON line each (appended)")
    parser.add_argument("--mode", default="ok", choices=MODES)
    parser.add_argument("--hold", type=float, default=30.0, help="seconds a request is held in slow mode")
    args = parser.parse_args()

    Handler.state = State(args)
    try:
        server = Server((args.host, args.port), Handler)
    except OSError as error:
        sys.exit(f"webhook-receiver: {error}")
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(f"webhook-receiver: listening on {args.host}:{args.port} (mode {args.mode})", flush=True)
    stopped.wait()
    Handler.state.release.set()
    server.shutdown()
    server.server_close()
    print("webhook-receiver: stopped", flush=True)


if __name__ == "__main__":
    main()
