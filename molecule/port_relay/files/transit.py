#!/usr/bin/env python3
"""Transit traffic through a relay host: a third address, routed through the relay, must reach its own host.

  transit.py serve ADDRESS...           answer "transit ADDRESS" on the relays' ports of each ADDRESS
  transit.py probe ADDRESS PORT tcp|udp  send "hello" and print what came back, as JSON

On a relay port, the relay's target (an echo server) would send "hello" back: that answer means
the relay host hijacked traffic that was only passing through.
"""

from __future__ import annotations

import json
import selectors
import socket
import sys

TCP_PORTS = (50030, 50031, 50025)
UDP_PORTS = (51820, 51821)


def family(address: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def serve(addresses: list[str]) -> None:
    sel = selectors.DefaultSelector()
    for address in addresses:
        for port in TCP_PORTS:
            listener = socket.socket(family(address), socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((address, port))
            listener.listen(16)
            sel.register(listener, selectors.EVENT_READ, ("tcp", address))
        for port in UDP_PORTS:
            datagrams = socket.socket(family(address), socket.SOCK_DGRAM)
            datagrams.bind((address, port))
            sel.register(datagrams, selectors.EVENT_READ, ("udp", address))
    while True:
        for key, _events in sel.select():
            kind, address = key.data
            reply = f"transit {address}".encode()
            if kind == "tcp":
                conn, _peer = key.fileobj.accept()
                with conn:
                    conn.settimeout(2)
                    try:
                        conn.recv(64)
                        conn.sendall(reply)
                    except OSError:
                        pass
            else:
                _data, peer = key.fileobj.recvfrom(64)
                key.fileobj.sendto(reply, peer)


def probe(address: str, port: int, proto: str) -> dict:
    try:
        if proto == "tcp":
            with socket.create_connection((address, port), timeout=3) as conn:
                conn.sendall(b"hello")
                reply = conn.recv(64)
        else:
            with socket.socket(family(address), socket.SOCK_DGRAM) as conn:
                conn.settimeout(3)
                conn.sendto(b"hello", (address, port))
                reply = conn.recv(64)
        return {"target": f"{address} {port}/{proto}", "reply": reply.decode(errors="replace")}
    except OSError as error:
        return {"target": f"{address} {port}/{proto}", "reply": None, "error": str(error)}


def main() -> int:
    if sys.argv[1] == "serve":
        serve(sys.argv[2:])
        return 0
    print(json.dumps(probe(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
