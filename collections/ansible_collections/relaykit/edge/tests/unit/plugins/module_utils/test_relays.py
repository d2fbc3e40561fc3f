# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the port_relays contract: seed lines and mappings, parsed, validated and normalized.

Every bad input is put at index 1, behind a good entry, so the assertions prove that the
message names the right entry ("port_relays[1]" plus its seed line or name), the field and
what was expected.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._relays import (
    FIELDS,
    Relay,
    RelayError,
    normalize,
)

# The seed README's exact lines.
SEED_TCP = "50025;25;btc.trustpool.cc;TCP"
SEED_UDP = "51820;51820;vpn.example.com;UDP"
# A good entry that conflicts with none of the entries below; it pushes the entry under test to index 1.
FIRST = "40022;22;ssh.example.com;TCP"
SEED_LINE_FORMAT = "'in_port;out_port;out_host;TCP|UDP'"
PORT_EXPECTED = "must be a port number 1..65535"
MISSING = object()


def mapping(**changes: Any) -> dict[str, Any]:
    """A good mapping named 'mail'; a change to MISSING drops the field."""
    entry: dict[str, Any] = {
        "name": "mail",
        "listen_port": 50025,
        "target_host": "mail.example.com",
        "target_port": 25,
        "protocol": "tcp",
    }
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not MISSING}


def seed(
    listen_port: str = "50025", target_port: str = "25", host: str = "mail.example.com", proto: str = "TCP"
) -> str:
    return f"{listen_port};{target_port};{host};{proto}"


def error(entries: Any, **kwargs: Any) -> str:
    with pytest.raises(RelayError) as info:
        normalize(entries, **kwargs)
    return str(info.value)


def assert_mentions(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


# --- good input -----------------------------------------------------------------------------------


def test_seed_readme_tcp_line() -> None:
    [relay] = normalize([SEED_TCP])
    assert relay == Relay(
        name="tcp-50025",
        listen_address="::",
        listen_port=50025,
        target_host="btc.trustpool.cc",
        target_port=25,
        protocol="tcp",
        engine="socat",
    )
    assert relay.as_dict() == {
        "name": "tcp-50025",
        "listen_address": "::",
        "listen_port": 50025,
        "target_host": "btc.trustpool.cc",
        "target_port": 25,
        "protocol": "tcp",
        "engine": "socat",
        "unit": "relaykit-relay-tcp-50025.service",
    }
    assert relay.target_is_ip is False


def test_seed_readme_udp_line() -> None:
    [relay] = normalize([SEED_UDP])
    assert relay == Relay(
        name="udp-51820",
        listen_address="::",
        listen_port=51820,
        target_host="vpn.example.com",
        target_port=51820,
        protocol="udp",
        engine="kernel",
    )
    assert relay.as_dict()["unit"] is None
    assert relay.as_dict()["engine"] == "kernel"


def test_seed_readme_lines_together_keep_their_order() -> None:
    assert [relay.name for relay in normalize([SEED_TCP, SEED_UDP])] == ["tcp-50025", "udp-51820"]
    assert [relay.name for relay in normalize([SEED_UDP, SEED_TCP])] == ["udp-51820", "tcp-50025"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (" 50025 ; 25 ;  btc.trustpool.cc\t;TCP ", SEED_TCP),
        ("\t50025;25;btc.trustpool.cc;tcp\n", SEED_TCP),
        ("  51820 ;51820; vpn.example.com ; Udp  ", SEED_UDP),
    ],
)
def test_whitespace_around_seed_fields_is_tolerated(line: str, expected: str) -> None:
    assert normalize([line]) == normalize([expected])


def test_mapping_defaults() -> None:
    [relay] = normalize(
        [{"listen_port": "50025", "target_host": "mail.example.com", "target_port": " 25 "}],
    )
    assert relay == Relay("tcp-50025", "::", 50025, "mail.example.com", 25, "tcp", "socat")


def test_mapping_with_every_field() -> None:
    entry = {
        "name": "Mail_Relay",
        "listen_port": 2525,
        "target_host": "192.0.2.25",
        "target_port": 25,
        "protocol": "TCP",
        "listen_address": "192.0.2.1",
        "engine": "Kernel",
    }
    assert set(entry) == set(FIELDS)
    [relay] = normalize([entry])
    assert relay == Relay("mail_relay", "192.0.2.1", 2525, "192.0.2.25", 25, "tcp", "kernel")
    assert relay.target_is_ip is True
    assert relay.as_dict()["unit"] is None


@pytest.mark.parametrize(
    "target_host",
    ["2001:DB8:0::10", "[2001:db8::10]", "[2001:DB8:0:0:0:0:0:10]", " 2001:db8::10 "],
)
def test_ipv6_target_is_canonicalized(target_host: str) -> None:
    [relay] = normalize([mapping(target_host=target_host)])
    assert relay.target_host == "2001:db8::10"
    assert relay.target_is_ip is True


def test_ipv6_target_in_a_seed_line() -> None:
    [relay] = normalize(["50025;25;[2001:DB8:0::10];TCP"])
    assert relay.target_host == "2001:db8::10"


@pytest.mark.parametrize("target_host", ["192.0.2.25", "mail", "mail.example.com.", "xn--bcher-kva.example"])
def test_valid_target_hosts_are_kept(target_host: str) -> None:
    assert normalize([mapping(target_host=target_host)])[0].target_host == target_host


def test_default_listen_address_is_the_ipv6_wildcard() -> None:
    assert [relay.listen_address for relay in normalize([SEED_TCP, mapping(listen_port=2525)])] == ["::", "::"]


def test_default_listen_address_can_be_overridden() -> None:
    relays = normalize(
        [SEED_TCP, mapping(listen_port=2525, listen_address="192.0.2.1")], default_listen_address="0.0.0.0"
    )
    assert [relay.listen_address for relay in relays] == ["0.0.0.0", "192.0.2.1"]


@pytest.mark.parametrize(
    ("listen_address", "expected"),
    [("[2001:DB8::1]", "2001:db8::1"), ("0:0::0", "::"), (" 192.0.2.1 ", "192.0.2.1")],
)
def test_listen_address_is_canonicalized(listen_address: str, expected: str) -> None:
    assert normalize([mapping(listen_address=listen_address)])[0].listen_address == expected


def test_default_engine_kernel_applies_to_tcp_entries_without_an_engine() -> None:
    relays = normalize(
        [SEED_TCP, SEED_UDP, mapping(listen_port=2525, engine="socat")],
        default_engine="kernel",
    )
    assert [(relay.name, relay.engine) for relay in relays] == [
        ("tcp-50025", "kernel"),
        ("udp-51820", "kernel"),
        ("mail", "socat"),
    ]
    assert [relay.as_dict()["unit"] for relay in relays] == [None, None, "relaykit-relay-mail.service"]


def test_udp_runs_in_the_kernel_whatever_the_default_engine() -> None:
    [relay] = normalize([SEED_UDP], default_engine="socat")
    assert relay.engine == "kernel"


def test_order_is_preserved() -> None:
    entries = [
        "9000;90;c.example.com;TCP",
        mapping(name="b", listen_port=8000),
        "7000;70;a.example.com;UDP",
        mapping(name="z", listen_port=1000, protocol="udp"),
    ]
    assert [relay.name for relay in normalize(entries)] == ["tcp-9000", "b", "udp-7000", "z"]
    assert [relay.listen_port for relay in normalize(entries)] == [9000, 8000, 7000, 1000]


@pytest.mark.parametrize("entries", [None, []])
def test_no_relays(entries: Any) -> None:
    assert normalize(entries) == []


@pytest.mark.parametrize("port", [1, 65535, "1", "65535"])
def test_port_bounds_are_accepted(port: Any) -> None:
    [relay] = normalize([mapping(listen_port=port, target_port=port)])
    assert relay.listen_port == relay.target_port == int(port)


# --- ports ----------------------------------------------------------------------------------------

BAD_SEED_PORTS = [("0", "0"), ("65536", "65536"), ("-1", "'-1'"), ("abc", "'abc'"), ("True", "'True'")]
BAD_MAPPING_PORTS = [(0, "0"), (65536, "65536"), (-1, "-1"), ("abc", "'abc'"), (True, "True"), (False, "False")]


@pytest.mark.parametrize("field", ["listen_port", "target_port"])
@pytest.mark.parametrize(("value", "shown"), BAD_SEED_PORTS)
def test_seed_line_port_out_of_range(field: str, value: str, shown: str) -> None:
    line = seed(**{field: value})
    assert_mentions(
        error([FIRST, line]),
        f"port_relays[1] ('{line}')",
        f"{field} {PORT_EXPECTED}",
        f"got {shown}",
    )


@pytest.mark.parametrize("field", ["listen_port", "target_port"])
@pytest.mark.parametrize(("value", "shown"), BAD_MAPPING_PORTS)
def test_mapping_port_out_of_range(field: str, value: Any, shown: str) -> None:
    message = error([FIRST, mapping(**{field: value})])
    assert_mentions(message, "port_relays[1] (name 'mail')", f"{field} {PORT_EXPECTED}", f"got {shown}")


@pytest.mark.parametrize("value", [25.5, 25.0, [25], {"port": 25}])
def test_mapping_port_of_the_wrong_type(value: Any) -> None:
    assert_mentions(error([FIRST, mapping(target_port=value)]), "port_relays[1] (name 'mail')", "target_port must be")


# --- protocol -------------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["SCTP", "icmp"])
def test_seed_line_unknown_protocol(protocol: str) -> None:
    line = seed(proto=protocol)
    assert_mentions(
        error([FIRST, line]), f"port_relays[1] ('{line}')", f"protocol must be tcp or udp, got '{protocol}'"
    )


@pytest.mark.parametrize("protocol", ["SCTP", "icmp"])
def test_mapping_unknown_protocol(protocol: str) -> None:
    assert_mentions(
        error([FIRST, mapping(protocol=protocol)]),
        "port_relays[1] (name 'mail')",
        f"protocol must be tcp or udp, got '{protocol}'",
    )


# --- malformed seed lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "count"),
    [
        ("50025;25;mail.example.com", 3),
        ("50025;25;mail.example.com;TCP;extra", 5),
        ("", 1),
        ("   ", 1),
        ("50025 25 mail.example.com TCP", 1),
    ],
)
def test_malformed_seed_line(line: str, count: int) -> None:
    assert_mentions(
        error([FIRST, line]),
        f"port_relays[1] ('{line}')",
        f"a seed line must have 4 fields {SEED_LINE_FORMAT}",
        f"got {count}",
    )


# --- listen port conflicts ------------------------------------------------------------------------

PORT_CONFLICT = "listen_port 50025/tcp is already used by port_relays[0] (name 'first')"
SAME_PORT = "two relays cannot listen on the same port and protocol"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (None, None),
        ("::", "0.0.0.0"),
        ("0.0.0.0", "::"),
        ("::", "192.0.2.10"),
        ("192.0.2.10", "::"),
        ("::", "2001:db8::1"),
        ("0.0.0.0", "192.0.2.10"),
        ("192.0.2.10", "0.0.0.0"),
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8::1", "[2001:DB8:0::1]"),
    ],
)
def test_same_listen_port_and_protocol_is_rejected(first: str | None, second: str | None) -> None:
    entries = [
        mapping(name="first", listen_address=first or MISSING),
        mapping(name="second", target_port=26, listen_address=second or MISSING),
    ]
    assert_mentions(error(entries), f"port_relays[1] (name 'second'): {PORT_CONFLICT}", SAME_PORT)


def test_same_listen_port_conflict_between_seed_line_and_mapping() -> None:
    message = error([SEED_TCP, mapping(name="second")])
    assert_mentions(
        message,
        "port_relays[1] (name 'second'): listen_port 50025/tcp is already used by port_relays[0] ('" + SEED_TCP + "')",
        SAME_PORT,
    )


def test_same_listen_port_conflict_is_found_across_entries() -> None:
    entries = [mapping(name="first"), "40022;22;ssh.example.com;TCP", mapping(name="third", listen_address="0.0.0.0")]
    assert_mentions(error(entries), "port_relays[2] (name 'third'): listen_port 50025/tcp", "port_relays[0]")


def test_two_seed_lines_on_the_same_port_and_protocol_are_rejected() -> None:
    second = "50025;26;other.example.com;TCP"
    assert_mentions(error([SEED_TCP, second]), f"port_relays[1] ('{second}')", f"port_relays[0] ('{SEED_TCP}')")


def test_two_seed_lines_on_the_same_port_blame_the_listen_port() -> None:
    second = "50025;26;other.example.com;TCP"
    assert_mentions(error([SEED_TCP, second]), "listen_port 50025/tcp is already used", SAME_PORT)


@pytest.mark.parametrize(
    "entries",
    [
        ["51820;51820;vpn.example.com;UDP", "51820;51820;vpn.example.com;TCP"],
        [mapping(name="a"), mapping(name="b", protocol="udp")],
        [mapping(name="a", listen_address="192.0.2.1"), mapping(name="b", listen_address="192.0.2.2")],
        [mapping(name="a", listen_address="2001:db8::1"), mapping(name="b", listen_address="2001:db8::2")],
        [mapping(name="a", listen_address="0.0.0.0"), mapping(name="b", listen_address="2001:db8::1")],
        [mapping(name="a"), mapping(name="b", listen_port=50026)],
    ],
)
def test_listen_ports_that_do_not_overlap_are_allowed(entries: list[Any]) -> None:
    assert [relay.name for relay in normalize(entries)] == [relay_name(entry) for entry in entries]


def relay_name(entry: Any) -> str:
    if isinstance(entry, dict):
        return entry["name"]
    fields = entry.split(";")
    return f"{fields[3].lower()}-{fields[0]}"


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "second"), [("mail", "mail"), ("mail", "Mail"), ("mail", " mail ")])
def test_duplicate_names(first: str, second: str) -> None:
    entries = [mapping(name=first), mapping(name=second, listen_port=2525)]
    assert_mentions(
        error(entries),
        f"port_relays[1] (name '{second}'): name 'mail' is already used by port_relays[0] (name '{first}')",
        "relay names must be unique",
    )


def test_explicit_name_colliding_with_a_default_name() -> None:
    assert_mentions(
        error([SEED_TCP, mapping(name="tcp-50025", listen_port=2525)]),
        f"port_relays[1] (name 'tcp-50025'): name 'tcp-50025' is already used by port_relays[0] ('{SEED_TCP}')",
        "relay names must be unique",
    )


@pytest.mark.parametrize(("name", "shown"), [("Mail Relay", "mail relay"), ("-mail", "-mail"), ("m" * 49, "m" * 49)])
def test_bad_name(name: str, shown: str) -> None:
    assert_mentions(
        error([FIRST, mapping(name=name)]),
        f"port_relays[1] (name '{name}')",
        "name must be 1-48 characters of a-z, 0-9, '-' or '_', starting with a letter or digit",
        f"got '{shown}'",
    )


def test_longest_name_is_accepted() -> None:
    assert normalize([mapping(name="m" * 48)])[0].unit == f"relaykit-relay-{'m' * 48}.service"


# --- missing target -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_host": MISSING}, "target_host"),
        ({"target_host": ""}, "target_host"),
        ({"target_host": None}, "target_host"),
        ({"target_port": MISSING}, "target_port"),
        ({"target_port": ""}, "target_port"),
        ({"target_port": None}, "target_port"),
        ({"listen_port": MISSING}, "listen_port"),
    ],
)
def test_mapping_missing_field(changes: dict[str, Any], field: str) -> None:
    assert_mentions(error([FIRST, mapping(**changes)]), f"port_relays[1] (name 'mail'): {field} is missing")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("50025;25;;TCP", "target_host"),
        ("50025;25;  ;TCP", "target_host"),
        ("50025;;mail.example.com;TCP", "target_port"),
        (";25;mail.example.com;TCP", "listen_port"),
    ],
)
def test_seed_line_missing_field(line: str, field: str) -> None:
    assert_mentions(error([FIRST, line]), f"port_relays[1] ('{line}'): {field} is missing")


def test_blank_target_host_in_a_mapping() -> None:
    assert_mentions(
        error([FIRST, mapping(target_host="   ")]),
        "port_relays[1] (name 'mail')",
        "target_host is missing (expected a host name, an IPv4 or an IPv6 address)",
    )


# --- invalid hosts and addresses ------------------------------------------------------------------

BAD_HOSTS = [
    "bad host!",
    "-leading.example.com",
    "trailing-.example.com",
    "two..dots.example.com",
    "under_score.example.com",
    "l" * 64 + ".example.com",
    ".".join(["a" * 63] * 4) + ".com",
]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_mapping_invalid_target_host(host: str) -> None:
    assert_mentions(
        error([FIRST, mapping(target_host=host)]),
        "port_relays[1] (name 'mail')",
        f"target_host must be a host name, an IPv4 or an IPv6 address, got '{host}'",
    )


@pytest.mark.parametrize("host", ["bad host!", "-leading.example.com"])
def test_seed_line_invalid_target_host(host: str) -> None:
    line = seed(host=host)
    assert_mentions(
        error([FIRST, line]),
        f"port_relays[1] ('{line}')",
        f"target_host must be a host name, an IPv4 or an IPv6 address, got '{host}'",
    )


def test_newline_inside_target_host_is_rejected() -> None:
    assert_mentions(error([FIRST, mapping(target_host="mail\n.example.com")]), "target_host must be")


@pytest.mark.parametrize("host", ["999.1.1.1", "10.0.0.256", "010.0.0.1"])
def test_dotted_numbers_that_are_no_ipv4_address_are_rejected(host: str) -> None:
    assert_mentions(error([FIRST, mapping(target_host=host)]), "target_host must be")


def test_port_with_digit_separator_is_rejected() -> None:
    assert_mentions(error([FIRST, seed(listen_port="5_0025")]), f"listen_port {PORT_EXPECTED}")


@pytest.mark.parametrize("address", ["example.com", "192.0.2.300", "2001:db8::g", "*"])
def test_invalid_listen_address(address: str) -> None:
    assert_mentions(
        error([FIRST, mapping(listen_address=address)]),
        "port_relays[1] (name 'mail')",
        f"listen_address must be an IPv4 or IPv6 address, got '{address}'",
    )


def test_invalid_default_listen_address() -> None:
    assert_mentions(
        error([SEED_TCP], default_listen_address="example.com"),
        f"port_relays[0] ('{SEED_TCP}')",
        "listen_address must be an IPv4 or IPv6 address, got 'example.com'",
    )


# --- shape of the input ---------------------------------------------------------------------------


def test_unknown_fields_in_a_mapping() -> None:
    message = error([FIRST, mapping(port=25, Protocol="tcp")])
    assert_mentions(
        message,
        "port_relays[1] (name 'mail'): unknown field(s) Protocol, port",
        "expected name, listen_port, target_host, target_port, protocol, listen_address, engine",
    )


def test_unknown_field_in_a_mapping_without_a_name() -> None:
    entry = mapping(name=MISSING, target=25)
    assert_mentions(error([FIRST, entry]), "port_relays[1]: unknown field(s) target; expected name, listen_port")


@pytest.mark.parametrize(
    ("entries", "type_name"),
    [({"name": "mail"}, "a mapping"), (SEED_TCP, "text"), ((SEED_TCP,), "a list"), (50025, "a number")],
)
def test_input_that_is_not_a_list(entries: Any, type_name: str) -> None:
    assert error(entries) == f"port_relays must be a list of seed lines or mappings, got {type_name}"


@pytest.mark.parametrize("entry", [50025, None, True, [SEED_TCP], ("50025", "25", "h", "TCP")])
def test_entry_that_is_neither_a_seed_line_nor_a_mapping(entry: Any) -> None:
    assert error([FIRST, entry]) == (f"port_relays[1]: must be a seed line {SEED_LINE_FORMAT} or a mapping")


def test_nothing_is_returned_when_a_later_entry_is_bad() -> None:
    entries = [SEED_TCP, SEED_UDP, "1;2;3"]
    assert_mentions(error(entries), "port_relays[2] ('1;2;3')")


# --- engine ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["socat", "SOCAT", " socat "])
def test_udp_with_engine_socat_is_rejected(engine: str) -> None:
    message = error([FIRST, mapping(name="vpn", protocol="udp", engine=engine)])
    assert_mentions(
        message,
        "port_relays[1] (name 'vpn')",
        "UDP relays run in the kernel (engine: kernel), socat is for TCP only",
    )


@pytest.mark.parametrize("engine", ["nginx", "iptables", "haproxy"])
def test_bad_engine_in_an_entry(engine: str) -> None:
    assert_mentions(
        error([FIRST, mapping(engine=engine)]),
        "port_relays[1] (name 'mail')",
        f"engine must be socat or kernel, got '{engine}'",
    )


@pytest.mark.parametrize("engine", ["nginx", ""])
def test_bad_default_engine(engine: str) -> None:
    assert error([SEED_TCP], default_engine=engine) == (
        f"the default engine (port_relay_engine) must be socat or kernel, got {engine!r}"
    )
