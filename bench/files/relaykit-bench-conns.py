#!/usr/bin/env python3
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's connection client (runs on the client host, talks to relaykit-bench-sink).

burst: open COUNT connections at once. Two times: until every connection is established
       (the TCP handshake with whatever the client talks to is done: the issue's "time for a
       burst to be established"), and until every one has the sink's greeting (the
       connection reached the far end, through the relay).
idle:  open COUNT connections (at most --parallel connecting at a time), print one line
       `READY {json}`, wait for a line on stdin (the driver measures the relay meanwhile),
       then send a byte on every connection and count those that echo it: the alive ones.
Both print one JSON object last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time

Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(host: str, port: int, timeout: float, times: list[float] | None = None) -> Connection | None:
    """A connection that reached the sink (its greeting arrived); TIMES gets when it was established."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        if times is not None:
            times.append(time.monotonic())
        if await asyncio.wait_for(reader.readexactly(1), timeout) != b"+":
            writer.close()
            return None
    # wait_for raises asyncio.TimeoutError: the builtin TimeoutError only from Python 3.11 on.
    except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError):
        return None
    return reader, writer


async def alive(conn: Connection, timeout: float) -> bool:
    reader, writer = conn
    try:
        writer.write(b"?")
        await writer.drain()
        return await asyncio.wait_for(reader.readexactly(1), timeout) == b"?"
    except (asyncio.TimeoutError, OSError, asyncio.IncompleteReadError):
        return False


async def burst(args: argparse.Namespace) -> dict:
    established: list[float] = []
    start = time.monotonic()
    conns = await asyncio.gather(*(connect(args.host, args.port, args.timeout, established) for _ in range(args.count)))
    reached_seconds = time.monotonic() - start
    reached = [conn for conn in conns if conn]
    for _reader, writer in reached:
        writer.close()
    return {
        "count": args.count,
        "established": len(established),
        "seconds": round(max(established, default=start) - start, 4),
        "reached": len(reached),
        "reached_seconds": round(reached_seconds, 4),
    }


async def idle(args: argparse.Namespace) -> dict:
    gate = asyncio.Semaphore(args.parallel)

    async def gated() -> Connection | None:
        async with gate:
            return await connect(args.host, args.port, args.timeout)

    start = time.monotonic()
    conns = [conn for conn in await asyncio.gather(*(gated() for _ in range(args.count))) if conn]
    ready = {"count": args.count, "established": len(conns), "seconds": round(time.monotonic() - start, 4)}
    print("READY " + json.dumps(ready), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    checks = await asyncio.gather(*(alive(conn, args.timeout) for conn in conns))
    for _reader, writer in conns:
        writer.close()
    return {**ready, "alive": sum(checks)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["burst", "idle"])
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--parallel", type=int, default=500)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    wanted = args.count + 256
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, _soft), max(wanted, hard)))
    result = asyncio.run(burst(args) if args.mode == "burst" else idle(args))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
