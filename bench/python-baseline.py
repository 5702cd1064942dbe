#!/usr/bin/env python3
"""Python standard-library baseline for patchlab-bench.

Reads an mbox with `mailbox.mbox`, parses every message with `email` (policy.default),
decodes the readable body with get_body(preferencelist=("plain",)).get_content(), and counts
hunk headers in it (the same work peers.md section 4.2 measured). Prints one line:

    messages=<n> bytes=<file size> seconds=<wall time of the parse> cpu=<its CPU time> hunks=<n> maxrss_kb=<n>
"""
import email
import email.policy
import mailbox
import os
import re
import resource
import sys
import time

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.M)


def main():
    if len(sys.argv) != 2:
        print("usage: python-baseline.py MBOX", file=sys.stderr)
        return 2
    path = sys.argv[1]
    start = time.perf_counter()
    cpu0 = time.process_time()
    box = mailbox.mbox(path, factory=None, create=False)
    messages = hunks = 0
    for key in box.iterkeys():
        raw = box.get_bytes(key)
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        _ = msg["subject"], msg["from"], msg["message-id"], msg["in-reply-to"], msg["references"]
        try:
            part = msg.get_body(preferencelist=("plain",))
            text = part.get_content() if part is not None else ""
        except (LookupError, ValueError, AssertionError, KeyError):
            text = ""
        if not isinstance(text, str):
            text = ""
        hunks += len(HUNK.findall(text))
        messages += 1
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("messages=%d bytes=%d seconds=%.3f cpu=%.3f hunks=%d maxrss_kb=%d"
          % (messages, os.path.getsize(path), seconds, cpu, hunks, rss))
    return 0


if __name__ == "__main__":
    sys.exit(main())
