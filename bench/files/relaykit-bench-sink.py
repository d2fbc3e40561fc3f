#!/usr/bin/env python3
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's far end for connection tests: greets every connection, then echoes.

A client knows its connection went all the way through a relay when the greeting (one
byte) arrives, and that it is still alive when a byte it sends comes back. Holds as many
idle connections as the file limit allows, in one process.
"""

from __future__ import annotations

import argparse
import asyncio


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        writer.write(b"+")
        await writer.drain()
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, action="append", required=True)
    parser.add_argument("--backlog", type=int, default=4096)
    args = parser.parse_args()
    servers = [await asyncio.start_server(serve, host=None, port=port, backlog=args.backlog) for port in args.port]
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main())
