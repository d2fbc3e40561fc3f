# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds which port on a host, from /proc (stdlib only), and which of the ports relaykit wants are
held by someone else.

A listener is a TCP socket in LISTEN state or an unconnected bound UDP socket of the host's network
namespace, with the process that holds it: its pid, its name, the systemd unit whose cgroup it runs in
and the Docker container it belongs to (from the same cgroup path).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

PROC_NET = {("tcp", 4): "tcp", ("tcp", 6): "tcp6", ("udp", 4): "udp", ("udp", 6): "udp6"}
TCP_LISTEN = "0A"
UDP_UNCONNECTED = "07"
SOCKET_LINK = re.compile(r"socket:\[(\d+)\]")
CONTAINER_IN_CGROUP = re.compile(r"(?:docker-|/docker/)([0-9a-f]{64})(?:\.scope)?(?:/|$)")
UNIT_IN_CGROUP = re.compile(r"([^/]+\.(?:service|scope))$")
WILDCARDS = ("0.0.0.0", "::")  # noqa: S104 - addresses read from /proc, not bound here


def address_of(hex_address: str) -> str:
    """A /proc/net address (host-order 32-bit words in hex) as text: 0100007F -> 127.0.0.1."""
    raw = bytes.fromhex(hex_address)
    # Each 32-bit word is in the kernel's (little-endian on every architecture relaykit supports) order.
    ordered = b"".join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
    return str(ipaddress.ip_address(ordered))


def parse_proc_net(text: str, protocol: str) -> list[dict[str, Any]]:
    """The listening sockets of one /proc/net/{tcp,tcp6,udp,udp6} file: address, port and inode."""
    wanted = TCP_LISTEN if protocol == "tcp" else UDP_UNCONNECTED
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        local, remote = fields[1], fields[2]
        if protocol == "udp" and int(remote.rsplit(":", 1)[1], 16) != 0:
            continue  # a connected UDP socket is a client's, not a service's
        hex_address, hex_port = local.rsplit(":", 1)
        found.append(
            {"protocol": protocol, "address": address_of(hex_address), "port": int(hex_port, 16), "inode": fields[9]}
        )
    return found


def parse_cgroup(text: str) -> tuple[str | None, str | None]:
    """(systemd unit, Docker container id) of a process, from /proc/PID/cgroup; None where there is none."""
    unit = container = None
    for line in text.splitlines():
        path = line.split(":", 2)[-1]
        found = CONTAINER_IN_CGROUP.search(path)
        if found:
            container = found.group(1)
        named = UNIT_IN_CGROUP.search(path.rstrip("/"))
        if named and not named.group(1).startswith("docker-"):
            unit = named.group(1)
    return unit, container


def read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def socket_owners(inodes: set[str], proc: str = "/proc") -> dict[str, int]:
    """inode -> the pid of a process holding it (the lowest pid, a listener's master before its workers)."""
    owners: dict[str, int] = {}
    try:
        pids = sorted(int(name) for name in os.listdir(proc) if name.isdigit())
    except OSError:
        return owners
    for pid in pids:
        fd_dir = f"{proc}/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue  # gone, or not ours to read
        for fd in fds:
            try:
                found = SOCKET_LINK.fullmatch(os.readlink(f"{fd_dir}/{fd}"))
            except OSError:
                continue
            if found and found.group(1) in inodes and found.group(1) not in owners:
                owners[found.group(1)] = pid
    return owners


def listeners(proc: str = "/proc") -> list[dict[str, Any]]:
    """Every listener of the host's network namespace, with its holder (pid, process, unit, container)."""
    sockets = []
    for (protocol, _family), name in PROC_NET.items():
        text = read(f"{proc}/net/{name}")
        if text:
            sockets.extend(parse_proc_net(text, protocol))
    owners = socket_owners({entry["inode"] for entry in sockets}, proc)
    result = []
    for entry in sockets:
        pid = owners.get(entry.pop("inode"))
        process = unit = container = None
        if pid is not None:
            process = (read(f"{proc}/{pid}/comm") or "").strip() or None
            unit, container = parse_cgroup(read(f"{proc}/{pid}/cgroup") or "")
        result.append({**entry, "pid": pid, "process": process, "unit": unit, "container": container})
    return sorted(result, key=lambda item: (item["protocol"], item["port"], item["address"]))


def parse_container_names(output: str) -> dict[str, str]:
    """``docker ps --no-trunc --format '{{.ID}} {{.Names}}'``: container id -> name."""
    names = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2:
            names[parts[0]] = parts[1]
    return names


def name_containers(found: list[dict[str, Any]], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each listener with ``container_name`` (None where Docker does not name its container)."""
    return [{**entry, "container_name": names.get(entry["container"] or "")} for entry in found]


# --- who may hold a port ---------------------------------------------------------------


def holder(entry: Mapping[str, Any]) -> str:
    """A listener's holder in words: nginx (pid 812, container relay46-nginx-1), sshd (pid 90, unit ssh.service)."""
    if entry.get("pid") is None:
        return "a process relaykit cannot see (the kernel, or another user's process)"
    where = [f"pid {entry['pid']}"]
    if entry.get("container"):
        where.append(f"container {entry.get('container_name') or entry['container'][:12]}")
    elif entry.get("unit"):
        where.append(f"unit {entry['unit']}")
    return f"{entry.get('process') or '?'} ({', '.join(where)})"


def covers(listen_address: str, wanted_address: str) -> bool:
    """Whether a socket bound to ``listen_address`` takes connections to ``wanted_address`` (either may be a
    wildcard: 0.0.0.0 / :: bind every address of the family; :: also IPv4 on a dual-stack socket)."""
    if not wanted_address or wanted_address in WILDCARDS:
        return True
    if listen_address in WILDCARDS:
        return listen_address == "::" or ":" not in wanted_address
    return listen_address == wanted_address


def port_conflicts(
    found: Iterable[Mapping[str, Any]],
    wanted: Iterable[Mapping[str, Any]],
    is_own: Callable[[Mapping[str, Any]], bool],
) -> list[str]:
    """One line per wanted port that a listener relaykit does not own holds (wanted: port, protocol, what,
    an optional address, and remote_only when only other hosts' traffic is taken, as by DNAT; is_own:
    whether a listener is relaykit's own service of that port)."""
    index: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for entry in found:
        index.setdefault((entry["protocol"], int(entry["port"])), []).append(entry)
    problems = []
    for want in wanted:
        protocol, port = str(want.get("protocol", "tcp")).lower(), int(want["port"])
        address = str(want.get("address") or "")
        holders = []
        for entry in index.get((protocol, port), []):
            if want.get("remote_only") and ipaddress.ip_address(entry["address"]).is_loopback:
                continue  # traffic from other hosts never reaches a loopback listener
            if covers(entry["address"], address) and not is_own(entry) and holder(entry) not in holders:
                holders.append(holder(entry))
        if holders:
            problems.append(f"{protocol.upper()} port {port} ({want['what']}) is held by {' and '.join(holders)}")
    return problems


def check_wanted(wanted: Any) -> list[dict[str, Any]]:
    """The wanted ports as the check takes them; RelaykitError for an entry without a port or a 'what'."""
    if not isinstance(wanted, list):
        raise RelaykitError("wanted: expected a list of ports (port, protocol, what)")
    for index, want in enumerate(wanted, start=1):
        if not isinstance(want, Mapping) or not str(want.get("port", "")).isdigit() or not want.get("what"):
            raise RelaykitError(f"wanted: entry {index} must have a port number and a 'what', got {want!r}")
    return wanted
