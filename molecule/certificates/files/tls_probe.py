#!/usr/bin/env python3
"""Connect with TLS, verify the served chain against a root and the name, print what was served.

tls_probe.py ROOT_PEM SERVER_NAME ADDRESS [PORT]  ->  {"serial": "<hex>", "issuer": "...", "ok": true}
A failed verification prints {"ok": false, "error": "..."} and exits 1.
"""

import json
import socket
import ssl
import sys


def main() -> int:
    root, server_name, address = sys.argv[1:4]
    port = int(sys.argv[4]) if len(sys.argv) > 4 else 443
    context = ssl.create_default_context(cafile=root)
    try:
        with (
            socket.create_connection((address, port), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            cert = tls.getpeercert()
            body = b""
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
            while chunk := tls.recv(65536):
                body += chunk
    except (OSError, ssl.SSLError) as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
        return 1
    issuer = ", ".join("=".join(pair) for rdn in cert["issuer"] for pair in rdn)
    print(
        json.dumps(
            {
                "ok": True,
                "serial": cert["serialNumber"].lower().lstrip("0"),
                "issuer": issuer,
                "response": body.decode(errors="replace").split("\r\n\r\n", 1)[-1],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
