#!/usr/bin/env python3
"""Hold one connection through a relay across a kill of its listener.

  held_connection.py HOST PORT GO RESULT

Connects, has "before" echoed, waits until the file GO exists (the test kills the listener
meanwhile), has "after" echoed on the same connection, and writes ok or what went wrong to RESULT.
"""

from __future__ import annotations

import os
import socket
import sys
import time


def echo(conn: socket.socket, text: bytes) -> bytes:
    conn.sendall(text)
    got = b""
    while len(got) < len(text):
        chunk = conn.recv(len(text) - len(got))
        if not chunk:
            break
        got += chunk
    return got


def main() -> int:
    host, port, go, result = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    try:
        with socket.create_connection((host, port), timeout=10) as conn:
            outcome = "before not echoed" if echo(conn, b"before") != b"before" else ""
            deadline = time.monotonic() + 60
            while not outcome and not os.path.exists(go):
                if time.monotonic() > deadline:
                    outcome = "never told to go on"
                time.sleep(0.2)
            if not outcome:
                outcome = "ok" if echo(conn, b"after") == b"after" else "after not echoed: the connection was cut"
    except OSError as error:
        outcome = f"connection failed: {error}"
    with open(result, "w", encoding="utf-8") as handle:
        handle.write(outcome + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
