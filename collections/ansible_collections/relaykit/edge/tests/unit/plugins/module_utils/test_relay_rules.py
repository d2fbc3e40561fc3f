# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of _relay_rules.build: normalized relays and resolved addresses to chains and hooks."""

from __future__ import annotations

import copy
import re
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._relay_rules import build as build_rules
from ansible_collections.relaykit.edge.plugins.module_utils._relays import normalize, status_document

CHAIN_ORDER = [
    ("nat", "RELAYKIT-NAT-PRE"),
    ("nat", "RELAYKIT-NAT-POST"),
    ("filter", "RELAYKIT-ACCT-FWD"),
    ("filter", "RELAYKIT-FWD"),
    ("filter", "RELAYKIT-ACCT-IN"),
    ("filter", "RELAYKIT-ACCT-OUT"),
]
KERNEL_CHAINS = ("RELAYKIT-NAT-PRE", "RELAYKIT-NAT-POST", "RELAYKIT-ACCT-FWD", "RELAYKIT-FWD")
SOCAT_CHAINS = ("RELAYKIT-ACCT-IN", "RELAYKIT-ACCT-OUT")
V4 = "198.51.100.7"
V4_OTHER = "198.51.100.8"
V6 = "2001:db8::7"
COMMENT_RE = re.compile(r' ?-m comment --comment "[^"]*"')


def relays(*entries: Any, **defaults: Any) -> list[dict[str, Any]]:
    return [relay.as_dict() for relay in normalize(list(entries), **defaults)]


def build(given: list[dict[str, Any]], addresses: dict[str, Any]) -> dict[str, Any]:
    """The rule builder's result, and the relays of the status document written from the same relays and the
    addresses the rules use (``relays``)."""
    result = build_rules(given, addresses)
    return {**result, "relays": status_document(given, result["uses"], {})["relays"]}


def rules(result: dict[str, Any], family: str, name: str) -> list[str]:
    found = [chain for chain in result["chains"] if chain["family"] == family and chain["name"] == name]
    assert len(found) == 1, f"{family} {name} appears {len(found)} times"
    return found[0]["rules"]


def all_rules(result: dict[str, Any], family: str) -> list[str]:
    return [rule for chain in result["chains"] if chain["family"] == family for rule in chain["rules"]]


def tracked(proto: str, port: int) -> str:
    return f"-p {proto} -m conntrack --ctstate DNAT --ctorigdstport {port}"


def test_udp_relay_to_an_ipv4_target() -> None:
    result = build(relays("51821;51820;vpn.example.com;UDP"), {"udp-51821": {"ipv4": [V4], "ipv6": []}})

    assert rules(result, "ipv4", "RELAYKIT-NAT-PRE") == [
        '-p udp -m addrtype --dst-type LOCAL -m udp --dport 51821 -m comment --comment "relaykit:udp-51821:dnat" '
        f"-j DNAT --to-destination {V4}:51820"
    ]
    assert rules(result, "ipv4", "RELAYKIT-NAT-POST") == [f"-d {V4} {tracked('udp', 51821)} -j MASQUERADE"]
    assert rules(result, "ipv4", "RELAYKIT-ACCT-FWD") == [
        f'{tracked("udp", 51821)} --ctdir ORIGINAL -m comment --comment "relaykit:udp-51821:in"',
        f'{tracked("udp", 51821)} --ctdir REPLY -m comment --comment "relaykit:udp-51821:out"',
    ]
    assert rules(result, "ipv4", "RELAYKIT-FWD") == [f"{tracked('udp', 51821)} -j ACCEPT"]
    assert rules(result, "ipv4", "RELAYKIT-ACCT-IN") == []
    assert rules(result, "ipv4", "RELAYKIT-ACCT-OUT") == []
    assert all_rules(result, "ipv6") == []  # listens on "::" but the target has no IPv6 address

    assert result["owner"] == "relays"
    assert result["uses"] == {"udp-51821": {"ipv4": V4}}
    assert result["unreachable"] == []
    assert result["relays"][0]["target_addresses"] == [V4]


def test_ipv6_target_is_bracketed_in_the_ipv6_family() -> None:
    result = build(relays(f"51820;51820;[{V6}];UDP"), {"udp-51820": {"ipv4": [], "ipv6": [V6]}})

    assert rules(result, "ipv6", "RELAYKIT-NAT-PRE") == [
        '-p udp -m addrtype --dst-type LOCAL -m udp --dport 51820 -m comment --comment "relaykit:udp-51820:dnat" '
        f"-j DNAT --to-destination [{V6}]:51820"
    ]
    assert rules(result, "ipv6", "RELAYKIT-NAT-POST") == [f"-d {V6} {tracked('udp', 51820)} -j MASQUERADE"]
    assert len(rules(result, "ipv6", "RELAYKIT-ACCT-FWD")) == 2
    assert rules(result, "ipv6", "RELAYKIT-FWD") == [f"{tracked('udp', 51820)} -j ACCEPT"]
    assert all_rules(result, "ipv4") == []
    assert result["uses"] == {"udp-51820": {"ipv6": V6}}
    assert result["relays"][0]["target_addresses"] == [V6]


def test_a_name_resolving_to_both_families_gets_rules_in_both() -> None:
    addresses = {"udp-51820": {"ipv4": [V4, V4_OTHER], "ipv6": [V6, "2001:db8::8"]}}
    result = build(relays("51820;51820;vpn.example.com;UDP"), addresses)

    assert rules(result, "ipv4", "RELAYKIT-NAT-PRE")[0].endswith(f"--to-destination {V4}:51820")
    assert rules(result, "ipv6", "RELAYKIT-NAT-PRE")[0].endswith(f"--to-destination [{V6}]:51820")
    for family in ("ipv4", "ipv6"):
        for chain in KERNEL_CHAINS:
            assert rules(result, family, chain), f"{family} {chain} is empty"
        assert rules(result, family, "RELAYKIT-ACCT-IN") == []
    assert V4_OTHER not in " ".join(all_rules(result, "ipv4"))  # the first address of each family is used
    assert result["uses"] == {"udp-51820": {"ipv4": V4, "ipv6": V6}}
    assert result["relays"][0]["target_addresses"] == [V4, V6]
    assert result["unreachable"] == []


def test_a_specific_ipv4_listen_address_matches_it_in_ipv4_only() -> None:
    entry = {"name": "wg", "listen_port": 51820, "target_host": "vpn.example.com", "target_port": 51820}
    result = build(
        relays({**entry, "protocol": "udp", "listen_address": "192.0.2.10"}),
        {"wg": {"ipv4": [V4], "ipv6": [V6]}},
    )

    assert rules(result, "ipv4", "RELAYKIT-NAT-PRE") == [
        '-d 192.0.2.10 -p udp -m udp --dport 51820 -m comment --comment "relaykit:wg:dnat" '
        f"-j DNAT --to-destination {V4}:51820"
    ]
    assert all_rules(result, "ipv6") == []
    assert result["uses"] == {"wg": {"ipv4": V4}}
    assert result["relays"][0]["target_addresses"] == [V4]


def test_the_ipv4_wildcard_listens_in_ipv4_only_without_a_destination_match() -> None:
    result = build(
        relays("51820;51820;vpn.example.com;UDP", default_listen_address="0.0.0.0"),
        {"udp-51820": {"ipv4": [V4], "ipv6": [V6]}},
    )
    # Only packets for an address of this host: traffic the host merely routes is not relayed.
    dnat = rules(result, "ipv4", "RELAYKIT-NAT-PRE")[0]
    assert dnat.startswith("-p udp -m addrtype --dst-type LOCAL -m udp --dport 51820 ")
    assert all_rules(result, "ipv6") == []
    assert "-d 0.0.0.0" not in " ".join(all_rules(result, "ipv4"))


def test_a_specific_ipv6_listen_address_matches_it_in_ipv6_only() -> None:
    result = build(
        relays(
            {
                "name": "wg",
                "listen_port": 51820,
                "target_host": "vpn.example.com",
                "target_port": 51820,
                "protocol": "udp",
                "listen_address": "[2001:DB8::10]",
            }
        ),
        {"wg": {"ipv4": [V4], "ipv6": [V6]}},
    )
    assert rules(result, "ipv6", "RELAYKIT-NAT-PRE")[0].startswith("-d 2001:db8::10 -p udp -m udp --dport 51820 ")
    assert all_rules(result, "ipv4") == []
    assert result["uses"] == {"wg": {"ipv6": V6}}


def test_a_tcp_relay_on_the_kernel_engine_uses_tcp_matches() -> None:
    result = build(relays("8443;443;web.example.com;TCP", default_engine="kernel"), {"tcp-8443": {"ipv4": [V4]}})
    assert rules(result, "ipv4", "RELAYKIT-NAT-PRE") == [
        '-p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8443 -m comment --comment "relaykit:tcp-8443:dnat" '
        f"-j DNAT --to-destination {V4}:443"
    ]
    assert rules(result, "ipv4", "RELAYKIT-FWD") == [f"{tracked('tcp', 8443)} -j ACCEPT"]
    assert rules(result, "ipv4", "RELAYKIT-ACCT-IN") == []  # counted in FORWARD, not INPUT
    assert result["relays"][0]["unit"] is None


def test_socat_relays_count_bytes_in_input_and_output_in_both_families() -> None:
    result = build(relays("50025;25;mail.example.com;TCP"), {})

    for family in ("ipv4", "ipv6"):
        assert rules(result, family, "RELAYKIT-ACCT-IN") == [
            '-p tcp -m tcp --dport 50025 -m comment --comment "relaykit:tcp-50025:in"'
        ]
        assert rules(result, family, "RELAYKIT-ACCT-OUT") == [
            '-p tcp -m tcp --sport 50025 -m comment --comment "relaykit:tcp-50025:out"'
        ]
        for chain in KERNEL_CHAINS:
            assert rules(result, family, chain) == []
    assert result["uses"] == {}
    assert result["unreachable"] == []
    assert result["relays"][0]["target_addresses"] == []
    assert result["relays"][0]["unit"] == "relaykit-relay-tcp-50025.service"


def test_socat_relays_ignore_resolved_addresses() -> None:
    result = build(relays("50025;25;mail.example.com;TCP"), {"tcp-50025": {"ipv4": [V4], "ipv6": [V6]}})
    assert result["uses"] == {}
    assert result["relays"][0]["target_addresses"] == []
    assert all(V4 not in rule for rule in all_rules(result, "ipv4"))


def test_a_socat_relay_on_a_specific_ipv4_address_counts_in_ipv4_only() -> None:
    result = build(
        relays(
            {
                "name": "smtp",
                "listen_port": 50025,
                "target_host": "mail.example.com",
                "target_port": 25,
                "listen_address": "192.0.2.10",
            }
        ),
        {},
    )
    assert rules(result, "ipv4", "RELAYKIT-ACCT-IN") == [
        '-d 192.0.2.10 -p tcp -m tcp --dport 50025 -m comment --comment "relaykit:smtp:in"'
    ]
    assert len(rules(result, "ipv4", "RELAYKIT-ACCT-OUT")) == 1
    assert all_rules(result, "ipv6") == []


def test_kernel_relays_without_an_address_in_their_families_are_unreachable() -> None:
    entries = [
        "51820;51820;vpn.example.com;UDP",  # not resolved at all
        "51821;51820;vpn.example.com;UDP",  # resolved to nothing
        {
            "name": "v4only",
            "listen_port": 51822,
            "target_host": "v6.example.com",
            "target_port": 1,
            "protocol": "udp",
            "listen_address": "0.0.0.0",
        },  # listens on IPv4, target only has IPv6
        "51823;51820;vpn.example.com;UDP",  # fine
        "50025;25;mail.example.com;TCP",  # socat: never unreachable
    ]
    addresses = {
        "udp-51821": {"ipv4": [], "ipv6": []},
        "v4only": {"ipv4": [], "ipv6": [V6]},
        "udp-51823": {"ipv4": [V4], "ipv6": []},
    }
    result = build(relays(*entries), addresses)

    assert result["unreachable"] == ["udp-51820", "udp-51821", "v4only"]
    assert result["uses"] == {"udp-51823": {"ipv4": V4}}
    assert [relay["target_addresses"] for relay in result["relays"]] == [[], [], [], [V4], []]
    assert len(rules(result, "ipv4", "RELAYKIT-NAT-PRE")) == 1
    assert rules(result, "ipv6", "RELAYKIT-NAT-PRE") == []
    joined = " ".join(all_rules(result, "ipv4") + all_rules(result, "ipv6"))
    for name in ("udp-51820", "udp-51821", "v4only"):
        assert f"relaykit:{name}:" not in joined


def test_relays_keep_their_fields_and_order_and_the_input_is_not_changed() -> None:
    given = relays("51820;51820;vpn.example.com;UDP", "50025;25;mail.example.com;TCP")
    snapshot = copy.deepcopy(given)
    result = build(given, {"udp-51820": {"ipv4": [V4], "ipv6": [V6]}})

    assert given == snapshot
    assert [{k: v for k, v in relay.items() if k != "target_addresses"} for relay in result["relays"]] == given
    assert [relay["target_addresses"] for relay in result["relays"]] == [[V4, V6], []]


def test_rules_follow_the_order_of_the_relays() -> None:
    result = build(
        relays("51822;1;b.example.com;UDP", "51821;1;a.example.com;UDP"),
        {"udp-51822": {"ipv4": [V4]}, "udp-51821": {"ipv4": [V4_OTHER]}},
    )
    fwd = rules(result, "ipv4", "RELAYKIT-ACCT-FWD")
    assert [re.search(r"relaykit:([^:]+):", rule).group(1) for rule in fwd] == [  # type: ignore[union-attr]
        "udp-51822",
        "udp-51822",
        "udp-51821",
        "udp-51821",
    ]


def test_hooks_in_order() -> None:
    result = build([], {})
    assert result["hooks"] == [
        {"table": "nat", "from": "PREROUTING", "to": "RELAYKIT-NAT-PRE"},
        {"table": "nat", "from": "POSTROUTING", "to": "RELAYKIT-NAT-POST"},
        {"table": "filter", "from": "FORWARD", "to": "RELAYKIT-ACCT-FWD"},
        {"table": "filter", "from": "FORWARD", "to": "RELAYKIT-FWD"},
        {"table": "filter", "from": "INPUT", "to": "RELAYKIT-ACCT-IN"},
        {"table": "filter", "from": "OUTPUT", "to": "RELAYKIT-ACCT-OUT"},
    ]
    result["hooks"].append({"table": "filter", "from": "INPUT", "to": "X"})
    assert len(build([], {})["hooks"]) == 6  # a caller's change does not leak into the next build


def test_every_chain_appears_once_per_family_even_when_empty() -> None:
    for given, addresses in (
        ([], {}),
        (relays("51820;51820;vpn.example.com;UDP"), {"udp-51820": {"ipv4": [V4]}}),
        (relays("50025;25;mail.example.com;TCP", default_listen_address="0.0.0.0"), {}),
    ):
        result = build(given, addresses)
        keys = [(chain["family"], chain["table"], chain["name"]) for chain in result["chains"]]
        assert keys == [(family, table, name) for family in ("ipv4", "ipv6") for table, name in CHAIN_ORDER]
        assert all(isinstance(chain["rules"], list) for chain in result["chains"])


def test_hooks_point_at_declared_chains_of_their_table() -> None:
    result = build([], {})
    declared = {(chain["table"], chain["name"]) for chain in result["chains"]}
    for hook in result["hooks"]:
        assert (hook["table"], hook["to"]) in declared


def test_counters_of_relays_sharing_a_port_on_different_addresses_are_distinct() -> None:
    """normalize() lets two relays take one port on two addresses; each counter must count its own relay."""
    base = {"target_host": "vpn.example.com", "target_port": 51820, "protocol": "udp", "listen_port": 5000}
    result = build(
        relays(
            {**base, "name": "a", "listen_address": "192.0.2.10"}, {**base, "name": "b", "listen_address": "192.0.2.11"}
        ),
        {"a": {"ipv4": [V4]}, "b": {"ipv4": [V4_OTHER]}},
    )
    counters = [COMMENT_RE.sub("", rule) for rule in rules(result, "ipv4", "RELAYKIT-ACCT-FWD")]
    a_in, a_out, b_in, b_out = counters
    assert a_in != b_in, "relay a's 'in' counter also counts relay b's traffic"
    assert a_out != b_out, "relay a's 'out' counter also counts relay b's traffic"


def test_ufw_rules_open_the_socat_relays_only() -> None:
    result = build(
        relays(
            "50025;25;mail.example.com;TCP",
            "51820;51820;198.51.100.7;UDP",
            {"name": "fast", "listen_port": 50030, "target_host": V4, "target_port": 9, "engine": "kernel"},
        ),
        {},
    )
    assert result["ufw_rules"] == [{"name": "tcp-50025", "port": 50025, "proto": "tcp"}]


def test_ip_literal_targets_need_no_resolving() -> None:
    result = build(relays("51820;51820;198.51.100.7;UDP", f"51821;51821;{V6};UDP"), {})
    assert result["uses"] == {"udp-51820": {"ipv4": V4}, "udp-51821": {"ipv6": V6}}
    assert result["unreachable"] == []
