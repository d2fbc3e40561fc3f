#!/usr/bin/python3
"""Lab upstream services: a TCP echo, a UDP echo and a tiny HTTP server, dual-stack.

The far end that relays forward to in the lab. Every reply names this host (and the
HTTP reply the Host header it got), so a test can tell which upstream answered and how.
A WebSocket upgrade on the HTTP port (any path) echoes each text message back,
prefixed with "ws-echo <host>: ".
"""

import argparse
import base64
import hashlib
import http.server
import socket
import socketserver
import struct
import threading

HOSTNAME = socket.gethostname()


class DualStackTCPServer(socketserver.ThreadingTCPServer):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 1024

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class DualStackHTTPServer(DualStackTCPServer):
    pass


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data)


WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(stream, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = stream.read(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class HelloHandler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive for proxies, and the status line a WebSocket upgrade needs.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.websocket_echo()
            return
        body = (
            f"upstream {HOSTNAME} path={self.path} client={self.client_address[0]}"
            f" host={self.headers.get('Host', '')}\n"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        return

    def websocket_echo(self) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        digest = hashlib.sha1((key + WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
        accept = base64.b64encode(digest).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        try:
            while True:
                head = read_exact(self.rfile, 2)
                opcode, length = head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    length = struct.unpack("!H", read_exact(self.rfile, 2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", read_exact(self.rfile, 8))[0]
                mask = read_exact(self.rfile, 4) if head[1] & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(read_exact(self.rfile, length)))
                if opcode == 0x8:
                    return
                reply = f"ws-echo {HOSTNAME}: ".encode() + payload
                size = len(reply)
                header = bytes([0x81, size]) if size < 126 else bytes([0x81, 126]) + struct.pack("!H", size)
                self.wfile.write(header + reply)
                self.wfile.flush()
        except (ConnectionError, OSError):
            return


def udp_echo(port: int) -> None:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tcp", type=int, default=9000, help="TCP echo port")
    parser.add_argument("--udp", type=int, default=9000, help="UDP echo port")
    parser.add_argument("--http", type=int, default=8080, help="HTTP port")
    args = parser.parse_args()
    tcp = DualStackTCPServer(("::", args.tcp), EchoHandler)
    web = DualStackHTTPServer(("::", args.http), http.server.BaseHTTPRequestHandler)
    web.RequestHandlerClass = HelloHandler
    for target in (tcp.serve_forever, web.serve_forever):
        threading.Thread(target=target, daemon=True).start()
    udp_echo(args.udp)


if __name__ == "__main__":
    main()
