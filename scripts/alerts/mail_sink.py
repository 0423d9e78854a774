#!/usr/bin/python3
"""A real SMTP server for the alert tests: Debian's aiosmtpd (python3-aiosmtpd), plain SMTP on
127.0.0.1, no TLS, no authentication. Every message it accepts is stored as DIR/<n>.eml
(n = 1, 2, …, continuing after whatever DIR already holds), written to a hidden temporary
file and renamed, so a reader never sees half a message; the envelope (MAIL FROM, RCPT TO)
goes beside it as DIR/<n>.envelope.json, written before the .eml appears. Stops on SIGTERM
or SIGINT.

    /usr/bin/python3 scripts/alerts/mail_sink.py --port 2525 --dir /tmp/mail

Run it with Debian's interpreter: the python3 on PATH may be another one without aiosmtpd.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import sys
import threading
import time

from aiosmtpd.smtp import SMTP


class Store:
    def __init__(self, directory: str):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        taken = [int(m.group(1)) for name in os.listdir(directory) if (m := re.fullmatch(r"(\d+)\.eml", name))]
        self.next = max(taken, default=0) + 1
        self.lock = threading.Lock()

    def _write(self, name: str, data: bytes) -> None:
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.directory, name))

    def save(self, envelope) -> int:
        with self.lock:
            n = self.next
            self.next += 1
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos), "received_at": time.time()}
        self._write(f"{n}.envelope.json", json.dumps(meta).encode())
        self._write(f"{n}.eml", envelope.original_content or envelope.content)
        return n


class Handler:
    def __init__(self, store: Store):
        self.store = store

    async def handle_DATA(self, server, session, envelope):
        n = self.store.save(envelope)
        print(f"mail-sink: stored {n}.eml from {envelope.mail_from} to {', '.join(envelope.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()

    handler = Handler(Store(args.dir))
    loop = asyncio.get_running_loop()
    # hostname given: aiosmtpd would otherwise ask socket.getfqdn(), which can stall offline.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mail-sink.test", enable_SMTPUTF8=True, data_size_limit=10 * 1024 * 1024),
        host=args.host,
        port=args.port,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail-sink: listening on {args.host}:{args.port}, storing in {args.dir}", flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()
    print("mail-sink: stopped", flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as error:
        sys.exit(f"mail-sink: {error}")
