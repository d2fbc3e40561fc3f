# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port relays: the one model of a relay, from the inventory to the host (stdlib only).

``port_relays`` entries are either the Port Relay seed's line
``in_port;out_port;out_host;TCP|UDP`` or a mapping. Both become a :class:`Relay`.
Every error names the entry (its position and name) and the field, and says what
was expected, so a run fails before any host is touched.

The same module defines what the host's ``relaykit`` command reads back: the unit of a socat relay,
the comment of its counting rules (``relaykit:NAME:in|out|dnat``, in chains ``RELAYKIT-ACCT*``) and
``/etc/relaykit/relays.json`` (:func:`status_document` writes it, :func:`read_status_relays` reads it).
The host gets this file from the collection (roles/port_relay), not a copy of its rules.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import asdict, dataclass
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind
from ansible_collections.relaykit.edge.plugins.module_utils._net import as_port, ip_version, valid_host

PROTOCOLS = ("tcp", "udp")
ENGINES = ("socat", "kernel")
FIELDS = ("name", "listen_port", "target_host", "target_port", "protocol", "listen_address", "engine")
NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")


UNIT_PREFIX = "relaykit-relay-"
# The counter contract: rules that count a relay's bytes sit in chains named RELAYKIT-ACCT* and carry the
# comment relaykit:NAME:in or relaykit:NAME:out; a kernel relay's DNAT rule carries relaykit:NAME:dnat.
ACCT_CHAIN_PREFIX = "RELAYKIT-ACCT"
RULE_KINDS = ("in", "out", "dnat")
RULE_COMMENT_RE = re.compile(r"relaykit:(?P<name>[^:\s]+):(?P<kind>[a-z]+)")


class RelayError(RelaykitError, ValueError):
    """Bad relay input; the message names the entry and the field."""


def unit_name(relay_name: str) -> str:
    """The systemd unit of a socat relay."""
    return f"{UNIT_PREFIX}{relay_name}.service"


def relay_of_unit(unit: str) -> str:
    """The relay a unit_name() belongs to."""
    return unit[len(UNIT_PREFIX) : -len(".service")]


def rule_comment(relay_name: str, kind: str) -> str:
    """The comment of a relay's counting (``in``, ``out``) or DNAT (``dnat``) rule."""
    return f"relaykit:{relay_name}:{kind}"


def parse_rule_comment(comment: str | None) -> tuple[str, str] | None:
    """``relaykit:NAME:KIND`` -> (NAME, KIND); None for any other comment."""
    found = RULE_COMMENT_RE.fullmatch(comment or "")
    return (found.group("name"), found.group("kind")) if found else None


@dataclass(frozen=True)
class Relay:
    name: str
    listen_address: str
    listen_port: int
    target_host: str
    target_port: int
    protocol: str
    engine: str
    # The addresses a kernel relay's rules use (resolved on the host); only the status document holds them.
    target_addresses: tuple[str, ...] = ()

    @property
    def unit(self) -> str | None:
        """The systemd unit of a socat relay; None for a kernel relay (rules, no process)."""
        return unit_name(self.name) if self.engine == "socat" else None

    @property
    def target_is_ip(self) -> bool:
        return ip_version(self.target_host) is not None

    def as_dict(self) -> dict[str, Any]:
        """The normalized relay as tasks pass it on (the port_relays filter's result)."""
        data = asdict(self)
        del data["target_addresses"]
        data["unit"] = self.unit
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Relay:
        """A relay from :meth:`as_dict` (values already normalized: they are taken as they are)."""
        defaults = {"listen_address": "::", "protocol": "tcp", "engine": "socat"}  # a hand-written entry's
        return cls(
            **{name: data[name] if name in data else defaults[name] for name in FIELDS},
            target_addresses=tuple(data.get("target_addresses") or ()),
        )


def relays_of(entries: list[dict[str, Any]] | list[Relay]) -> list[Relay]:
    """The relays the port_relays filter returned, as Relay objects (modules and filters get them as dicts)."""
    return [entry if isinstance(entry, Relay) else Relay.from_dict(entry) for entry in entries]


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
    port = as_port(value)
    if port is None:
        shown = int(value) if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() else value
        raise RelayError(f"{where}: {field} must be a port number 1..65535, got {shown!r}")
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


# --- /etc/relaykit/relays.json: what the host's relaykit command reads -------------------------------


def status_document(
    relays: list[dict[str, Any]] | list[Relay], uses: dict[str, dict[str, str]], health: dict[str, Any]
) -> dict[str, Any]:
    """relays.json from the normalized relays, the addresses their kernel rules use (``uses`` of the rule
    builder: relay -> family -> address) and the health check's settings."""
    entries = []
    for relay in relays_of(relays):
        used = uses.get(relay.name, {})
        entries.append({**relay.as_dict(), "target_addresses": [used[f] for f in ("ipv4", "ipv6") if f in used]})
    return {"relays": entries, "health": health}


def read_status_relays(where: str, data: Any) -> tuple[Relay, ...]:
    """The relays of a relays.json document (written by :func:`status_document`; the file may have been edited
    by hand since, so each field is checked for its type). Raises RelayError naming the entry and the field."""
    if not isinstance(data, dict):
        raise RelayError(f"{where}: must be a JSON object with a 'relays' list")
    entries = data.get("relays")
    if not isinstance(entries, list):
        raise RelayError(f"{where}: 'relays' must be a list")
    relays = tuple(read_status_entry(f"{where}: relays[{index}]", entry) for index, entry in enumerate(entries))
    names = [relay.name for relay in relays]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise RelayError(f"{where}: relay names must be unique, repeated: {', '.join(repeated)}")
    return relays


def required_text(where: str, entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RelayError(f"{where}: '{key}' must be a non-empty string, got {value!r}")
    return value.strip()


def required_choice(where: str, entry: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = required_text(where, entry, key).lower()
    if value not in choices:
        raise RelayError(f"{where}: '{key}' must be one of {', '.join(choices)}, got {value!r}")
    return value


def required_port(where: str, entry: dict[str, Any], key: str) -> int:
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or as_port(value) is None:
        raise RelayError(f"{where}: '{key}' must be a port number 1..65535, got {value!r}")
    return value


def read_status_entry(where: str, entry: Any) -> Relay:
    if not isinstance(entry, dict):
        raise RelayError(f"{where}: must be an object, got {type(entry).__name__}")
    name = required_text(where, entry, "name")
    where = f"{where} ('{name}')"
    listen_address = entry.get("listen_address", "::")
    if not isinstance(listen_address, str) or not listen_address:
        raise RelayError(f"{where}: 'listen_address' must be an address, got {listen_address!r}")
    addresses = entry.get("target_addresses") or []
    if not isinstance(addresses, list) or not all(isinstance(item, str) and item for item in addresses):
        raise RelayError(f"{where}: 'target_addresses' must be a list of addresses, got {addresses!r}")
    return Relay(  # in this order, the checks of the fields the program reads first
        name=name,
        protocol=required_choice(where, entry, "protocol", PROTOCOLS),
        engine=required_choice(where, entry, "engine", ENGINES),
        listen_address=listen_address,
        listen_port=required_port(where, entry, "listen_port"),
        target_host=required_text(where, entry, "target_host"),
        target_port=required_port(where, entry, "target_port"),
        target_addresses=tuple(addresses),
    )
