#!/usr/bin/env python3
"""Reachability of one Relay46 service on one path, from where this runs (the controller).

relay46-reach.py NAME ADDRESS PORT [CA_FILE]
Prints one JSON line: {"ok", "status", "days_left", "error"}. TLS is verified against CA_FILE, or
the system's CAs; the name is sent as SNI and Host, so the service's own server block answers.
"""

import json
import socket
import ssl
import sys
import time


def main() -> int:
    name, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    context = ssl.create_default_context(cafile=sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None)
    try:
        with (
            socket.create_connection((address, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=name) as conn,
        ):
            not_after = ssl.cert_time_to_seconds(conn.getpeercert()["notAfter"])
            conn.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
            head = conn.recv(4096).decode(errors="replace")
        status = int(head.split(" ", 2)[1])
        days_left = int((not_after - time.time()) // 86400)
        print(json.dumps({"ok": status < 500, "status": status, "days_left": days_left, "error": None}))
    except (OSError, ssl.SSLError, ValueError, IndexError) as exc:
        print(json.dumps({"ok": False, "status": None, "days_left": None, "error": f"{type(exc).__name__}: {exc}"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
