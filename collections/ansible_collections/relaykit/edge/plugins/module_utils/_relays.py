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

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind

PROTOCOLS = ("tcp", "udp")
ENGINES = ("socat", "kernel")
FIELDS = ("name", "listen_port", "target_host", "target_port", "protocol", "listen_address", "engine")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")
# ASCII only: with re.IGNORECASE, [a-z] would also match the Kelvin sign (U+212A) and others.
HOST_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
# What inet_aton (and so getaddrinfo) reads as an IPv4 address although it is no dotted quad:
# 0x7f000001, 2130706433, 127.1, 0177.0.0.1. Not a name, and not an address relaykit writes.
NUMERIC_IPV4_RE = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)


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
    if not value.isascii():
        return False
    name = value[:-1] if value.endswith(".") else value
    labels = name.split(".")
    if NUMERIC_IPV4_RE.fullmatch(name) or labels[-1].isdigit():  # an address in another form, or not a name
        return False
    return 0 < len(name) <= 253 and all(HOST_LABEL_RE.fullmatch(label) for label in labels)


def unusable_target(address: str, engine: str) -> str | None:
    """Why an IP literal cannot be a relay's target, or None: nothing answers as the unspecified address,
    broadcast and multicast are no one host, and the kernel does not DNAT to loopback."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified:
        return "the unspecified address (no host)"
    if ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address (no one host)"
    if ip.is_multicast:
        return "a multicast address (no one host)"
    if ip.is_loopback and engine == "kernel":
        return "a loopback address, which the kernel engine cannot reach (engine socat can, for a local service)"
    return None


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
        raise RelayError(f"port_relays must be a list of seed lines or mappings, got {kind(entries)}")
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
    if ip_version(target_host) is not None:
        why = unusable_target(target_host, engine)
        if why:
            raise RelayError(f"{where}: target_host {target_host} is {why}")
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
    seed lines get their names from their ports). Linear: relays are indexed by protocol and port."""
    by_port: dict[tuple[str, int], list[int]] = {}
    for later, relay in enumerate(relays):
        earlier_on_port = by_port.setdefault((relay.protocol, relay.listen_port), [])
        for earlier in earlier_on_port:
            if overlaps(relays[earlier].listen_address, relay.listen_address):
                raise RelayError(
                    f"{describe(later, entries[later])}: listen_port {relay.listen_port}/{relay.protocol} is already "
                    f"used by {describe(earlier, entries[earlier])}; two relays cannot listen on the same port "
                    "and protocol"
                )
        earlier_on_port.append(later)
    by_name: dict[str, int] = {}
    for later, relay in enumerate(relays):
        if relay.name in by_name:
            earlier = by_name[relay.name]
            raise RelayError(
                f"{describe(later, entries[later])}: name '{relay.name}' is already used by "
                f"{describe(earlier, entries[earlier])}; relay names must be unique"
            )
        by_name[relay.name] = later


def listen_claims(relays: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ports normalized relays take on their host, as relaykit.edge.port_conflicts wants them.

    A socat relay binds its port; a kernel (DNAT) relay takes the port's traffic from other hosts only, so a
    listener on a loopback address is not in its way (``remote_only``).
    """
    return [
        {
            "port": relay["listen_port"],
            "protocol": relay["protocol"],
            "address": relay["listen_address"],
            "what": f"port_relays {relay['name']} ({relay['engine']} engine)",
            "remote_only": relay["engine"] == "kernel",
        }
        for relay in relays
    ]
