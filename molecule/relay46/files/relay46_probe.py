#!/usr/bin/env python3
"""Client probes for the Relay46 scenario; each prints one JSON line and exits 1 on failure.

relay46_probe.py https ROOT NAME ADDRESS PORT [PATH]   GET over TLS, verified against ROOT for NAME
relay46_probe.py ws ROOT NAME ADDRESS PORT MESSAGE     WebSocket upgrade over TLS, one message echoed
relay46_probe.py tcp ADDRESS PORT MESSAGE              bytes both ways through a TCP stream
relay46_probe.py connect ADDRESS PORT                  does a TCP connection open within 3 s
"""

import base64
import json
import os
import socket
import ssl
import sys


def tls(root: str, name: str, address: str, port: int) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=root)
    raw = socket.create_connection((address, port), timeout=10)
    return context.wrap_socket(raw, server_hostname=name)


def https(root: str, name: str, address: str, port: str, path: str = "/") -> dict:
    with tls(root, name, address, int(port)) as conn:
        serial = conn.getpeercert()["serialNumber"].lower().lstrip("0")
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.decode(errors="replace").partition("\r\n\r\n")
    return {"status": int(head.split(" ", 2)[1]), "body": body, "serial": serial}


def ws(root: str, name: str, address: str, port: str, message: str) -> dict:
    with tls(root, name, address, int(port)) as conn:
        key = base64.b64encode(os.urandom(16)).decode()
        conn.sendall(
            f"GET /ws HTTP/1.1\r\nHost: {name}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(1)
        status = int(head.split(b" ", 2)[1])
        payload = message.encode()
        mask = os.urandom(4)
        conn.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        frame = conn.recv(2)
        length = frame[1] & 0x7F
        reply = b""
        while len(reply) < length:
            chunk = conn.recv(length - len(reply))
            if not chunk:
                break
            reply += chunk
    return {"status": status, "reply": reply.decode()}


def tcp(address: str, port: str, message: str) -> dict:
    with socket.create_connection((address, int(port)), timeout=10) as conn:
        conn.sendall(message.encode())
        reply = b""
        while len(reply) < len(message):
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    return {"reply": reply.decode()}


def connect(address: str, port: str) -> dict:
    try:
        with socket.create_connection((address, int(port)), timeout=1.5):
            return {"open": True}
    except OSError as exc:
        return {"open": False, "error": str(exc)}


def main() -> int:
    probes = {"https": https, "ws": ws, "tcp": tcp, "connect": connect}
    try:
        result = probes[sys.argv[1]](*sys.argv[2:])
    except (OSError, ssl.SSLError, ValueError, IndexError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
