#!/usr/bin/python3
"""Lab upstream services: a TCP echo, a UDP echo and a tiny HTTP server, dual-stack.

The far end that relays forward to in the lab. Every reply names this host, so a
test can tell which upstream answered.
"""

import argparse
import http.server
import socket
import socketserver
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


class HelloHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"upstream {HOSTNAME} path={self.path} client={self.client_address[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
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
