#!/usr/bin/python3
"""Send real traffic and check it comes back: the lab's client-side probe.

  relaykit-lab-probe tcp HOST PORT [--bytes N]   send N random bytes, expect the same back
  relaykit-lab-probe udp HOST PORT [--count N]   send N datagrams, count the echoes
  relaykit-lab-probe http URL                    GET, print the first line

Prints one JSON object and exits non-zero when the traffic did not round-trip.
"""

import argparse
import json
import os
import socket
import sys
import time
import urllib.request


def tcp(host: str, port: int, size: int, timeout: float) -> dict:
    payload = os.urandom(size)
    start = time.monotonic()
    with socket.create_connection((host, port), timeout=timeout) as sock:
        peer = sock.getpeername()[0]
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        received = bytearray()
        while len(received) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    ok = bytes(received) == payload
    return {
        "proto": "tcp",
        "target": f"{host}:{port}",
        "peer": peer,
        "sent": size,
        "received": len(received),
        "ok": ok,
        "seconds": round(time.monotonic() - start, 4),
    }


def udp(host: str, port: int, count: int, timeout: float) -> dict:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    echoed = 0
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        for index in range(count):
            payload = f"relaykit-{index}-".encode() + os.urandom(16).hex().encode()
            sock.send(payload)
            try:
                if sock.recv(65535) == payload:
                    echoed += 1
            except (TimeoutError, socket.timeout, ConnectionRefusedError):  # socket.timeout: Python 3.9
                pass
    return {"proto": "udp", "target": f"{host}:{port}", "sent": count, "received": echoed, "ok": echoed == count}


def http(url: str, timeout: float) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (lab URLs only)
        line = response.read().decode(errors="replace").splitlines()[0]
        return {"proto": "http", "target": url, "status": response.status, "body": line, "ok": response.status == 200}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["tcp", "udp", "http"])
    parser.add_argument("target", help="host (tcp/udp) or URL (http)")
    parser.add_argument("port", nargs="?", type=int)
    parser.add_argument("--bytes", type=int, default=1 << 20)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    try:
        if args.kind == "tcp":
            result = tcp(args.target, args.port, args.bytes, args.timeout)
        elif args.kind == "udp":
            result = udp(args.target, args.port, args.count, args.timeout)
        else:
            result = http(args.target, args.timeout)
    except OSError as exc:
        result = {"proto": args.kind, "target": args.target, "ok": False, "error": str(exc)}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
