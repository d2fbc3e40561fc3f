# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Netfilter rules of the port relays: kernel DNAT/SNAT relays and per-relay byte counters.

Pure functions from normalized relays (see _relays.py) and the addresses their targets
resolved to on the relay host, to the ``chains``/``hooks`` input of netfilter_chains.

Per relay:
- kernel engine (UDP, or TCP with ``engine: kernel``), in each family where the listen
  address and a target address exist: DNAT in ``nat PREROUTING`` of packets for the listen
  address (on a wildcard, for an address of this host: routed traffic passes), MASQUERADE of the
  relayed flow in ``nat POSTROUTING``, two counting rules in ``filter FORWARD``
  (client -> target, target -> client) and an ACCEPT there, so a FORWARD policy of DROP
  (Docker sets one) does not stop relayed traffic;
- socat engine: counting rules on the listen port in ``filter INPUT`` (bytes in) and
  ``OUTPUT`` (bytes out).
Counting rules carry the comment ``relaykit:NAME:in`` or ``relaykit:NAME:out``, the DNAT
rule ``relaykit:NAME:dnat`` (the contract is _relays'): the host's ``relaykit status`` reads them back.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._net import host_port, ip_version
from ansible_collections.relaykit.edge.plugins.module_utils._relays import Relay, relays_of, rule_comment

OWNER = "relays"
CHAINS = (
    ("nat", "RELAYKIT-NAT-PRE"),
    ("nat", "RELAYKIT-NAT-POST"),
    ("filter", "RELAYKIT-ACCT-FWD"),
    ("filter", "RELAYKIT-FWD"),
    ("filter", "RELAYKIT-ACCT-IN"),
    ("filter", "RELAYKIT-ACCT-OUT"),
)
HOOKS = (
    {"table": "nat", "from": "PREROUTING", "to": "RELAYKIT-NAT-PRE"},
    {"table": "nat", "from": "POSTROUTING", "to": "RELAYKIT-NAT-POST"},
    {"table": "filter", "from": "FORWARD", "to": "RELAYKIT-ACCT-FWD"},
    {"table": "filter", "from": "FORWARD", "to": "RELAYKIT-FWD"},
    {"table": "filter", "from": "INPUT", "to": "RELAYKIT-ACCT-IN"},
    {"table": "filter", "from": "OUTPUT", "to": "RELAYKIT-ACCT-OUT"},
)
FAMILY_OF = {"ipv4": 4, "ipv6": 6}


def listens_on(relay: Relay, family: str) -> bool:
    address = relay.listen_address
    if address == "::":
        return True  # a dual-stack wildcard
    return (":" in address) == (family == "ipv6")


def destination(relay: Relay, family: str) -> str:
    address = relay.listen_address
    if address in ("::", "0.0.0.0") or not listens_on(relay, family):  # noqa: S104 (a comparison)
        return ""
    return f"-d {address} "


def local_only(relay: Relay, family: str) -> str:
    """On a wildcard, the DNAT rule matches only packets for an address of this host (after ``-p``,
    where iptables-save puts it).

    Without it a relay on all addresses would also take packets the host only routes (a client that
    routes a third address through it, its own containers' outbound traffic) to the relay's target.
    """
    return "" if destination(relay, family) else "-m addrtype --dst-type LOCAL "


def comment(relay: Relay, what: str) -> str:
    return f'-m comment --comment "{rule_comment(relay.name, what)}"'


def target_address(relay: Relay, addresses: dict[str, dict[str, list[str]]], family: str) -> str | None:
    """The address the rules use: an IP literal target is its own; a name's comes from resolving it on the host."""
    literal = ip_version(relay.target_host)
    if literal is not None:
        return relay.target_host if literal == FAMILY_OF[family] else None
    found = addresses.get(relay.name, {}).get(family, [])
    return found[0] if found else None


def kernel_rules(relay: Relay, target: str, family: str) -> dict[str, list[str]]:
    proto, lport, tport = relay.protocol, relay.listen_port, relay.target_port
    to = host_port(target, tport)
    # Two relays may share a port on different specific addresses: tell their flows apart.
    origin = f" --ctorigdst {relay.listen_address}" if destination(relay, family) else ""
    tracked = f"-p {proto} -m conntrack --ctstate DNAT{origin} --ctorigdstport {lport}"
    return {
        "RELAYKIT-NAT-PRE": [
            f"{destination(relay, family)}-p {proto} {local_only(relay, family)}-m {proto} --dport {lport} "
            f"{comment(relay, 'dnat')} "
            f"-j DNAT --to-destination {to}"
        ],
        "RELAYKIT-NAT-POST": [f"-d {target} {tracked} -j MASQUERADE"],
        "RELAYKIT-ACCT-FWD": [
            f"{tracked} --ctdir ORIGINAL {comment(relay, 'in')}",
            f"{tracked} --ctdir REPLY {comment(relay, 'out')}",
        ],
        "RELAYKIT-FWD": [f"{tracked} -j ACCEPT"],
    }


def socat_rules(relay: Relay, family: str) -> dict[str, list[str]]:
    lport = relay.listen_port
    return {
        "RELAYKIT-ACCT-IN": [f"{destination(relay, family)}-p tcp -m tcp --dport {lport} {comment(relay, 'in')}"],
        "RELAYKIT-ACCT-OUT": [
            f"{destination(relay, family).replace('-d ', '-s ')}-p tcp -m tcp --sport {lport} {comment(relay, 'out')}"
        ],
    }


def build(relays: list[Relay] | list[dict[str, Any]], addresses: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """The netfilter_chains input for all relays, and per relay the addresses its kernel rules use."""
    relays = relays_of(relays)
    chains: list[dict[str, Any]] = []
    uses: dict[str, dict[str, str]] = {}
    for family in ("ipv4", "ipv6"):
        rules: dict[str, list[str]] = {name: [] for _table, name in CHAINS}
        for relay in relays:
            if not listens_on(relay, family):
                continue
            if relay.engine == "kernel":
                target = target_address(relay, addresses, family)
                if target is None:
                    continue
                uses.setdefault(relay.name, {})[family] = target
                produced = kernel_rules(relay, target, family)
            else:
                produced = socat_rules(relay, family)
            for chain, chain_rules in produced.items():
                rules[chain].extend(chain_rules)
        chains += [{"table": table, "name": name, "family": family, "rules": rules[name]} for table, name in CHAINS]
    unreachable = [relay.name for relay in relays if relay.engine == "kernel" and relay.name not in uses]
    return {
        "owner": OWNER,
        # Where ufw is the host's firewall it must let socat relays' clients in; kernel relays' packets
        # are forwarded, and relaykit's FORWARD rules come before ufw's.
        "ufw_rules": [
            {"name": relay.name, "port": relay.listen_port, "proto": "tcp"}
            for relay in relays
            if relay.engine == "socat"
        ],
        "chains": chains,
        "hooks": list(HOOKS),
        "uses": uses,
        "unreachable": unreachable,
    }
