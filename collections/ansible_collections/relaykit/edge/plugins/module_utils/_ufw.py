# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ufw rules one relaykit owner holds, found by their comment and kept in step with the inventory.

Where ufw is the host's firewall, relaykit opens its ports through ufw itself, never around it:
each rule carries the comment ``relaykit:OWNER:NAME``, so relaykit finds exactly its own rules in
``ufw show added`` and removes the ones no longer wanted, leaving every other rule alone. ufw's
enabled state is never changed. Rules are written in the form ``ufw show added`` prints them, so a
comparison of the two is exact.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

OWNER_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
PROTOCOLS = ("tcp", "udp")


class UfwError(RelaykitError):
    """A bad rule or a ufw command that failed; the message names it."""


@dataclass(frozen=True)
class UfwRule:
    owner: str
    name: str
    port: int
    proto: str
    source: str = ""  # an address or network; empty for anywhere

    @property
    def comment(self) -> str:
        return f"relaykit:{self.owner}:{self.name}"

    def line(self) -> str:
        """The rule as ``ufw show added`` prints it, without the leading ``ufw``."""
        if self.source:
            return f"allow from {self.source} to any port {self.port} proto {self.proto} comment '{self.comment}'"
        return f"allow {self.port}/{self.proto} comment '{self.comment}'"


def normalize_source(where: str, value: Any) -> str:
    """An address or network as ufw prints it: host networks as the address, IPv6 compressed."""
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise UfwError(f"{where}: from must be an IPv4 or IPv6 address or network, got {value!r}") from None
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def parse_rules(owner: str, entries: Sequence[dict[str, Any]]) -> list[UfwRule]:
    if not OWNER_RE.fullmatch(owner or ""):
        raise UfwError(f"owner must be 1-32 characters of a-z, 0-9 and '-', got {owner!r}")
    rules: list[UfwRule] = []
    for index, entry in enumerate(entries):
        name = str(entry.get("name") or "")
        where = f"rules[{index}] ('{name}')"
        if not NAME_RE.fullmatch(name):
            raise UfwError(f"{where}: name must be 1-64 characters of a-z, 0-9, '_', '.' and '-'")
        port = entry.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise UfwError(f"{where}: port must be a port number 1..65535, got {port!r}")
        proto = str(entry.get("proto") or "tcp")
        if proto not in PROTOCOLS:
            raise UfwError(f"{where}: proto must be tcp or udp, got {proto!r}")
        sources = entry.get("from") or []
        if isinstance(sources, str):
            sources = [sources]
        if not sources:
            rules.append(UfwRule(owner, name, port, proto))
        for source in sources:
            rules.append(UfwRule(owner, name, port, proto, normalize_source(where, source)))
    return list(dict.fromkeys(rules))


def owned_lines(show_added: str, owner: str) -> list[str]:
    """This owner's rules in ``ufw show added`` output, as lines without the leading ``ufw``."""
    marker = f"comment 'relaykit:{owner}:"
    lines = []
    for raw in show_added.splitlines():
        line = raw.strip()
        if line.startswith("ufw ") and marker in line:
            lines.append(line[len("ufw ") :])
    return lines


@dataclass
class Ufw:
    """ufw through its command line; ``run`` runs argv and returns (rc, stdout, stderr)."""

    run: Callable[[Sequence[str]], tuple[int, str, str]]
    ufw: str = "ufw"

    def command(self, args: Sequence[str]) -> str:
        rc, out, err = self.run([self.ufw, *args])
        if rc != 0:
            raise UfwError(f"ufw {' '.join(args)} failed: {(err or out).strip()}")
        return out

    def ensure(self, owner: str, rules: Sequence[UfwRule], check_mode: bool) -> dict[str, Any]:
        have = owned_lines(self.command(["show", "added"]), owner)
        want = [rule.line() for rule in rules]
        removed = [line for line in have if line not in want]
        added = [line for line in want if line not in have]
        if not check_mode:
            for line in removed:
                self.command(["delete", *shlex.split(line)])
            for line in added:
                self.command(shlex.split(line))
        return {
            "changed": bool(added or removed),
            "added": added,
            "removed": removed,
            "diff": {
                "before": "".join(f"ufw {line}\n" for line in have),
                "after": "".join(f"ufw {line}\n" for line in want),
            },
        }
