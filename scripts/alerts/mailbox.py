#!/usr/bin/python3
"""Reads the mail sink's messages for the browser tests: waits until at least --count messages
match, then prints them as one JSON array (parsed: headers, text and HTML parts, the alert
links of each). Exit 1 when they do not arrive within --wait seconds (a generous wait for
"eventually").

    /usr/bin/python3 scripts/alerts/mailbox.py --dir D --to ada@example.com \
        [--alert new_sign_in] [--count 1] [--wait 60]
"""

import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import read_mails  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--to")
    parser.add_argument("--alert", help="only messages with this X-Signedin-Alert")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    deadline = time.time() + args.wait
    while True:
        mails = read_mails(args.dir, args.to)
        if args.alert:
            mails = [m for m in mails if m["alert"] == args.alert]
        if len(mails) >= args.count or time.time() > deadline:
            break
        time.sleep(0.25)
    for m in mails:
        m.pop("raw", None)
    print(json.dumps(mails))
    if len(mails) < args.count:
        print(f"mailbox: {len(mails)} of {args.count} message(s) to {args.to} ({args.alert or 'any alert'}) "
              f"within {args.wait:.0f} s", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
