# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the relaykit.edge.port_relays filter: normalized mappings out, AnsibleFilterError on bad input."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.relays import (
    FilterModule,
    port_relay_listen_ports,
    port_relay_status_config,
    port_relays,
)
from ansible_collections.relaykit.edge.plugins.module_utils._relays import RelayError

SEED_TCP = "50025;25;btc.trustpool.cc;TCP"
SEED_UDP = "51820;51820;vpn.example.com;UDP"
FIRST = "40022;22;ssh.example.com;TCP"

TCP_RELAY = {
    "name": "tcp-50025",
    "listen_address": "::",
    "listen_port": 50025,
    "target_host": "btc.trustpool.cc",
    "target_port": 25,
    "protocol": "tcp",
    "engine": "socat",
    "unit": "relaykit-relay-tcp-50025.service",
}
UDP_RELAY = {
    "name": "udp-51820",
    "listen_address": "::",
    "listen_port": 51820,
    "target_host": "vpn.example.com",
    "target_port": 51820,
    "protocol": "udp",
    "engine": "kernel",
    "unit": None,
}


def mapping(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "mail", "listen_port": 2525, "target_host": "mail.example.com", "target_port": 25}
    entry.update(changes)
    return entry


def filter_error(entries: Any, **kwargs: Any) -> str:
    with pytest.raises(AnsibleFilterError) as info:
        port_relays(entries, **kwargs)
    assert isinstance(info.value.__cause__, RelayError)
    return str(info.value)


def test_is_registered() -> None:
    assert FilterModule().filters() == {
        "port_relays": port_relays,
        "port_relay_listen_ports": port_relay_listen_ports,
        "port_relay_status_config": port_relay_status_config,
    }


def test_seed_readme_lines() -> None:
    assert port_relays([SEED_TCP, SEED_UDP]) == [TCP_RELAY, UDP_RELAY]


def test_order_is_preserved() -> None:
    assert port_relays([SEED_UDP, mapping(), SEED_TCP]) == [
        UDP_RELAY,
        {
            "name": "mail",
            "listen_address": "::",
            "listen_port": 2525,
            "target_host": "mail.example.com",
            "target_port": 25,
            "protocol": "tcp",
            "engine": "socat",
            "unit": "relaykit-relay-mail.service",
        },
        TCP_RELAY,
    ]


@pytest.mark.parametrize("entries", [None, []])
def test_no_relays(entries: Any) -> None:
    assert port_relays(entries) == []


def test_ipv6_target_is_canonicalized() -> None:
    relays = port_relays(
        [mapping(target_host="2001:DB8:0::10"), mapping(name="b", listen_port=2526, target_host="[2001:db8::10]")]
    )
    assert [relay["target_host"] for relay in relays] == ["2001:db8::10", "2001:db8::10"]


def test_listen_address_argument_is_the_default() -> None:
    relays = port_relays([SEED_TCP, mapping(listen_address="192.0.2.1")], listen_address="0.0.0.0")
    assert [relay["listen_address"] for relay in relays] == ["0.0.0.0", "192.0.2.1"]


def test_engine_kernel_argument_makes_tcp_entries_kernel() -> None:
    relays = port_relays([SEED_TCP, SEED_UDP, mapping(engine="socat")], engine="kernel")
    assert [(relay["name"], relay["engine"], relay["unit"]) for relay in relays] == [
        ("tcp-50025", "kernel", None),
        ("udp-51820", "kernel", None),
        ("mail", "socat", "relaykit-relay-mail.service"),
    ]


def test_explicit_kernel_engine_wins_over_the_socat_default() -> None:
    [relay] = port_relays([mapping(engine="kernel")], engine="socat")
    assert (relay["engine"], relay["unit"]) == ("kernel", None)


PORT = "must be a port number 1..65535"
HOST = "target_host must be a host name, an IPv4 or an IPv6 address"
SEED_FORMAT = "'in_port;out_port;out_host;TCP|UDP'"
BAD_INPUT = [
    ([FIRST, "0;25;h.example.com;TCP"], ["port_relays[1] ('0;25;h.example.com;TCP')", f"listen_port {PORT}, got 0"]),
    ([FIRST, mapping(target_port=65536)], ["port_relays[1] (name 'mail')", f"target_port {PORT}, got 65536"]),
    ([FIRST, mapping(listen_port=True)], ["port_relays[1] (name 'mail')", f"listen_port {PORT}, got True"]),
    ([FIRST, "1;2;h.example.com;SCTP"], ["port_relays[1] ('1;2;h.example.com;SCTP')", "protocol must be tcp or udp"]),
    ([FIRST, "1;2;h.example.com"], ["port_relays[1] ('1;2;h.example.com')", f"4 fields {SEED_FORMAT}, got 3"]),
    ([FIRST, ""], ["port_relays[1] ('')", f"a seed line must have 4 fields {SEED_FORMAT}, got 1"]),
    (
        [mapping(name="a"), mapping(name="b", listen_address="0.0.0.0")],
        [
            "port_relays[1] (name 'b'): listen_port 2525/tcp is already used by port_relays[0] (name 'a')",
            "two relays cannot listen on the same port and protocol",
        ],
    ),
    (
        [mapping(), mapping(listen_port=2526)],
        ["port_relays[1] (name 'mail'): name 'mail' is already used by port_relays[0]", "names must be unique"],
    ),
    (
        [FIRST, {"name": "mail", "listen_port": 1, "target_port": 2}],
        ["port_relays[1] (name 'mail'): target_host is missing"],
    ),
    ([FIRST, mapping(target_host="bad host!")], ["port_relays[1] (name 'mail')", f"{HOST}, got 'bad host!'"]),
    (
        [FIRST, mapping(listen_address="example.com")],
        ["port_relays[1] (name 'mail')", "listen_address must be an IPv4 or IPv6 address, got 'example.com'"],
    ),
    ([FIRST, mapping(port=25)], ["port_relays[1] (name 'mail'): unknown field(s) port; expected name, listen_port"]),
    ({"relays": [SEED_TCP]}, ["port_relays must be a list of seed lines or mappings, got a mapping"]),
    ([FIRST, 50025], [f"port_relays[1]: must be a seed line {SEED_FORMAT} or a mapping"]),
    (
        [FIRST, mapping(protocol="udp", engine="socat")],
        ["port_relays[1] (name 'mail')", "UDP relays run in the kernel (engine: kernel), socat is for TCP only"],
    ),
    ([FIRST, mapping(engine="nginx")], ["port_relays[1] (name 'mail')", "engine must be socat or kernel, got 'nginx'"]),
]


@pytest.mark.parametrize(("entries", "parts"), BAD_INPUT)
def test_bad_input_raises_filter_error_naming_entry_and_field(entries: Any, parts: list[str]) -> None:
    message = filter_error(entries)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_bad_engine_argument() -> None:
    assert filter_error([SEED_TCP], engine="nginx") == (
        "the default engine (port_relay_engine) must be socat or kernel, got 'nginx'"
    )


def test_bad_listen_address_argument() -> None:
    message = filter_error([SEED_TCP], listen_address="example.com")
    assert f"port_relays[0] ('{SEED_TCP}'): listen_address must be an IPv4 or IPv6 address" in message
