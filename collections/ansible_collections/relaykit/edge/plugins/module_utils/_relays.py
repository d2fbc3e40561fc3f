# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port relays: the inventory contract, parsed and validated in one place.

``port_relays`` entries are either the Port Relay seed's line
``in_port;out_port;out_host;TCP|UDP`` or a mapping. Both become a :class:`Relay`.
Every error names the entry (its position and name) and the field, and says what
was expected, so a run fails before any host is touched.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

PROTOCOLS = ("tcp", "udp")
ENGINES = ("socat", "kernel")
FIELDS = ("name", "listen_port", "target_host", "target_port", "protocol", "listen_address", "engine")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")
HOST_LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)


class RelayError(RelaykitError, ValueError):
    """Bad relay input; the message names the entry and the field."""


@dataclass(frozen=True)
class Relay:
    name: str
    listen_address: str
    listen_port: int
    target_host: str
    target_port: int
    protocol: str
    engine: str

    @property
    def unit(self) -> str:
        return f"relaykit-relay-{self.name}.service"

    @property
    def target_is_ip(self) -> bool:
        return ip_version(self.target_host) is not None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unit"] = self.unit if self.engine == "socat" else None
        return data


def ip_version(value: str) -> int | None:
    if "%" in value:  # a scoped address (fe80::1%eth0): not usable in rules or unit files
        return None
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        return None


def valid_host(value: str) -> bool:
    if ip_version(value) is not None:
        return True
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    if all(label.isdigit() for label in labels):  # looks like an IPv4 address but is not a valid one
        return False
    return 0 < len(name) <= 253 and all(HOST_LABEL_RE.fullmatch(label) for label in labels)


def describe(index: int, entry: Any) -> str:
    if isinstance(entry, str):
        return f"port_relays[{index}] ('{entry}')"
    if isinstance(entry, dict) and entry.get("name"):
        return f"port_relays[{index}] (name '{entry['name']}')"
    return f"port_relays[{index}]"


def parse_port(where: str, field: str, value: Any) -> int:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit():
        raise RelayError(f"{where}: {field} must be a port number 1..65535, got {value!r}")
    port = int(text)
    if not 1 <= port <= 65535:
        raise RelayError(f"{where}: {field} must be a port number 1..65535, got {port}")
    return port


def from_seed_line(where: str, line: str) -> dict[str, Any]:
    """``in_port;out_port;out_host;TCP|UDP``, exactly as the seed's RELAY_N values."""
    parts = [part.strip() for part in line.strip().split(";")]
    if len(parts) != 4:
        raise RelayError(
            f"{where}: a seed line must have 4 fields 'in_port;out_port;out_host;TCP|UDP', got {len(parts)}"
        )
    listen_port, target_port, target_host, protocol = parts
    if not protocol:
        raise RelayError(f"{where}: the 4th field must be TCP or UDP, got nothing")
    return {
        "listen_port": listen_port,
        "target_port": target_port,
        "target_host": target_host,
        "protocol": protocol,
    }


def normalize(
    entries: Any,
    default_listen_address: str = "::",
    default_engine: str = "socat",
) -> list[Relay]:
    """Parse and validate every entry; raise RelayError on the first bad one, before anything is changed."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise RelayError(f"port_relays must be a list of seed lines or mappings, got {type(entries).__name__}")
    default_engine = str(default_engine).strip().lower()
    if default_engine not in ENGINES:
        raise RelayError(f"the default engine (port_relay_engine) must be socat or kernel, got {default_engine!r}")
    relays: list[Relay] = []
    for index, entry in enumerate(entries):
        where = describe(index, entry)
        if isinstance(entry, str):
            raw = from_seed_line(where, entry)
        elif isinstance(entry, dict):
            unknown = sorted(set(entry) - set(FIELDS))
            if unknown:
                raise RelayError(f"{where}: unknown field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
            raw = dict(entry)
        else:
            raise RelayError(f"{where}: must be a seed line 'in_port;out_port;out_host;TCP|UDP' or a mapping")
        relays.append(build(where, raw, default_listen_address, default_engine))
    check_conflicts(relays, entries)
    return relays


def build(where: str, raw: dict[str, Any], default_listen_address: str, default_engine: str) -> Relay:
    expected = {
        "listen_port": "a port number 1..65535",
        "target_host": "a host name, an IPv4 or an IPv6 address",
        "target_port": "a port number 1..65535",
    }
    for field, what in expected.items():
        if raw.get(field) is None or str(raw.get(field)).strip() == "":
            raise RelayError(f"{where}: {field} is missing (expected {what})")
    protocol = str(raw.get("protocol") or "tcp").strip().lower()
    if protocol not in PROTOCOLS:
        raise RelayError(f"{where}: protocol must be tcp or udp, got {raw.get('protocol')!r}")
    listen_port = parse_port(where, "listen_port", raw["listen_port"])
    target_port = parse_port(where, "target_port", raw["target_port"])
    target_host = str(raw["target_host"]).strip()
    if target_host.startswith("[") and target_host.endswith("]") and ip_version(target_host[1:-1]) == 6:
        target_host = target_host[1:-1]
    if not valid_host(target_host):
        raise RelayError(f"{where}: target_host must be a host name, an IPv4 or an IPv6 address, got {target_host!r}")
    if ip_version(target_host) == 6:
        target_host = str(ipaddress.ip_address(target_host))
    listen_address = str(raw.get("listen_address") or default_listen_address).strip().strip("[]")
    if ip_version(listen_address) is None:
        raise RelayError(f"{where}: listen_address must be an IPv4 or IPv6 address, got {listen_address!r}")
    listen_address = str(ipaddress.ip_address(listen_address))
    engine = str(raw.get("engine") or ("kernel" if protocol == "udp" else default_engine)).strip().lower()
    if engine not in ENGINES:
        raise RelayError(f"{where}: engine must be socat or kernel, got {raw.get('engine')!r}")
    if protocol == "udp" and engine != "kernel":
        raise RelayError(f"{where}: UDP relays run in the kernel (engine: kernel), socat is for TCP only")
    name = str(raw.get("name") or f"{protocol}-{listen_port}").strip().lower()
    if not NAME_RE.fullmatch(name):
        raise RelayError(
            f"{where}: name must be 1-48 characters of a-z, 0-9, '-' or '_', starting with a letter or digit, "
            f"got {name!r}"
        )
    return Relay(name, listen_address, listen_port, target_host, target_port, protocol, engine)


def overlaps(first: str, second: str) -> bool:
    """Whether two listen addresses can take the same port (wildcards overlap with everything of their family)."""
    if first == second or "::" in (first, second):
        return True
    return "0.0.0.0" in (first, second) and ip_version(first) == ip_version(second) == 4  # noqa: S104 (a comparison)


def check_conflicts(relays: list[Relay], entries: list[Any]) -> None:
    """Two relays may not take the same port and protocol, nor the same name (ports are checked first:
    seed lines get their names from their ports)."""
    for later, relay in enumerate(relays):
        for earlier, other in enumerate(relays[:later]):
            if (
                other.protocol == relay.protocol
                and other.listen_port == relay.listen_port
                and overlaps(other.listen_address, relay.listen_address)
            ):
                raise RelayError(
                    f"{describe(later, entries[later])}: listen_port {relay.listen_port}/{relay.protocol} is already "
                    f"used by {describe(earlier, entries[earlier])}; two relays cannot listen on the same port "
                    "and protocol"
                )
    for later, relay in enumerate(relays):
        for earlier, other in enumerate(relays[:later]):
            if other.name == relay.name:
                raise RelayError(
                    f"{describe(later, entries[later])}: name '{relay.name}' is already used by "
                    f"{describe(earlier, entries[earlier])}; relay names must be unique"
                )
