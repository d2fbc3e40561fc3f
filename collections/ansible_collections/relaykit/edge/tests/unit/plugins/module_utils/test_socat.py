# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of _socat: socat command lines and the systemd units of TCP relays."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._relays import Relay, RelayError, normalize, relay_of_unit
from ansible_collections.relaykit.edge.plugins.module_utils._socat import (
    SLICE,
    TARGET,
    SocatOptions,
    command,
    connect_address,
    desired_units,
    listen_address,
    render_slice,
    render_target,
    render_unit,
)

DEFAULTS = SocatOptions()
KEEPALIVE = "keepalive,keepidle=30,keepintvl=10,keepcnt=3"
LISTEN_TAIL = f"reuseaddr,fork,backlog=4096,nodelay,{KEEPALIVE}"
CONNECT_MAIL = f"TCP:mail.example.com:25,connect-timeout=15,nodelay,{KEEPALIVE}"


def relay(**fields: Any) -> Relay:
    entry = {"name": "smtp", "listen_port": 50025, "target_host": "mail.example.com", "target_port": 25}
    return normalize([{**entry, **fields}])[0]


def words(given: Relay, options: SocatOptions = DEFAULTS) -> list[str]:
    return command(given, options).split(" ")


def sections(unit: str) -> dict[str, list[str]]:
    """A unit file's lines per section (comments and blank lines left out)."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in unit.splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line
            found[current] = []
        else:
            found[current].append(line)
    return found


def test_listen_on_the_dual_stack_wildcard() -> None:
    assert command(relay(), DEFAULTS) == (
        f"/usr/bin/socat -d -d -lp relaykit-smtp -b 131072 TCP6-LISTEN:50025,ipv6only=0,{LISTEN_TAIL} {CONNECT_MAIL}"
    )


def test_listen_on_the_ipv4_wildcard() -> None:
    assert listen_address(relay(listen_address="0.0.0.0"), DEFAULTS) == f"TCP4-LISTEN:50025,{LISTEN_TAIL}"


def test_listen_on_a_specific_ipv4_address() -> None:
    assert listen_address(relay(listen_address="192.0.2.10"), DEFAULTS) == (
        f"TCP4-LISTEN:50025,bind=192.0.2.10,{LISTEN_TAIL}"
    )


@pytest.mark.parametrize("given", ["2001:DB8::10", "[2001:db8::10]", "2001:db8:0:0::10"])
def test_listen_on_a_specific_ipv6_address(given: str) -> None:
    listen = listen_address(relay(listen_address=given), DEFAULTS)
    assert listen == f"TCP6-LISTEN:50025,bind=[2001:db8::10],{LISTEN_TAIL}"
    assert "ipv6only" not in listen


def test_only_the_dual_stack_wildcard_sets_ipv6only_off() -> None:
    for address in ("0.0.0.0", "192.0.2.10", "2001:db8::10", "::1"):
        assert "ipv6only" not in command(relay(listen_address=address), DEFAULTS)
    assert "ipv6only=0" in command(relay(listen_address="::"), DEFAULTS)


@pytest.mark.parametrize("given", ["2001:db8::25", "[2001:db8::25]", "2001:DB8:0::25"])
def test_an_ipv6_target_is_bracketed(given: str) -> None:
    assert connect_address(relay(target_host=given), DEFAULTS) == (
        f"TCP:[2001:db8::25]:25,connect-timeout=15,nodelay,{KEEPALIVE}"
    )


def test_an_ipv4_target_is_not_bracketed() -> None:
    assert connect_address(relay(target_host="192.0.2.25"), DEFAULTS).startswith("TCP:192.0.2.25:25,")


def test_options_reach_the_command_line() -> None:
    options = SocatOptions(
        socat="/opt/socat/bin/socat",
        connect_timeout=5,
        keepalive_idle=60,
        keepalive_interval=7,
        keepalive_count=4,
        logging=False,
        buffer_bytes=65536,
        backlog=128,
        max_connections=200,
    )
    socat, flag, size, listen, connect = words(relay(), options)
    keepalive = "keepalive,keepidle=60,keepintvl=7,keepcnt=4"

    assert (socat, flag, size) == ("/opt/socat/bin/socat", "-b", "65536")
    assert listen == f"TCP6-LISTEN:50025,ipv6only=0,reuseaddr,fork,backlog=128,nodelay,{keepalive},max-children=200"
    assert connect == f"TCP:mail.example.com:25,connect-timeout=5,nodelay,{keepalive}"


def test_max_children_only_when_connections_are_limited() -> None:
    assert "max-children" not in command(relay(), SocatOptions(max_connections=0))
    limited = words(relay(), SocatOptions(max_connections=1))
    assert limited[-2].endswith(",max-children=1")  # on the listening side
    assert "max-children" not in limited[-1]


def test_debug_logging_only_when_logging() -> None:
    logged = words(relay(name="web-1"), SocatOptions(logging=True))
    assert logged[:7] == ["/usr/bin/socat", "-d", "-d", "-lp", "relaykit-web-1", "-b", "131072"]
    quiet = words(relay(), SocatOptions(logging=False))
    assert "-d" not in quiet
    assert "-lp" not in quiet
    assert quiet[:3] == ["/usr/bin/socat", "-b", "131072"]


def test_logging_appends_straight_to_the_log_file_not_the_journal() -> None:
    logged = sections(render_unit(relay(), SocatOptions(log_file="/srv/log/relays.log")))["[Service]"]
    assert "StandardError=append:/srv/log/relays.log" in logged
    quiet = sections(render_unit(relay(), SocatOptions(logging=False, log_file="/srv/log/relays.log")))["[Service]"]
    assert not [line for line in quiet if line.startswith("StandardError=")]  # errors stay in the journal


def test_a_connection_is_a_process_so_the_unit_has_no_task_limit() -> None:
    assert "TasksMax=infinity" in sections(render_unit(relay(), DEFAULTS))["[Service]"]


def test_render_unit() -> None:
    given = relay()
    unit = render_unit(given, DEFAULTS)
    parts = sections(unit)

    assert list(parts) == ["[Unit]", "[Service]", "[Install]"]
    assert "Description=relaykit TCP relay smtp: [::]:50025 -> mail.example.com:25" in parts["[Unit]"]
    assert "PartOf=relaykit.target" in parts["[Unit]"]
    for line in (
        "Slice=relaykit.slice",
        "Restart=always",
        "DynamicUser=yes",
        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        "NoNewPrivileges=yes",
        "SyslogIdentifier=relaykit-smtp",
        f"ExecStart={command(given, DEFAULTS)}",
    ):
        assert line in parts["[Service]"], line
    assert parts["[Install]"] == ["WantedBy=relaykit.target"]
    assert [line for line in unit.splitlines() if line.startswith("ExecStart=")] == [
        f"ExecStart={command(given, DEFAULTS)}"
    ]
    assert unit.endswith("\n")


def test_render_unit_follows_the_options() -> None:
    unit = render_unit(relay(), SocatOptions(logging=False, max_connections=10))
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert " -d " not in exec_start
    assert "max-children=10" in exec_start


def test_unit_name_matches_the_relays_unit() -> None:
    given = relay(name="web-1")
    assert given.unit == "relaykit-relay-web-1.service" == given.as_dict()["unit"]
    assert relay_of_unit(given.unit) == "web-1"


def test_desired_units_include_the_target_and_slice_and_only_socat_tcp_relays() -> None:
    given = normalize(
        [
            "50025;25;mail.example.com;TCP",
            "51820;51820;vpn.example.com;UDP",
            {
                "name": "kern",
                "listen_port": 8443,
                "target_host": "web.example.com",
                "target_port": 443,
                "engine": "kernel",
            },
            {
                "name": "web",
                "listen_port": 8080,
                "target_host": "2001:db8::80",
                "target_port": 80,
                "listen_address": "0.0.0.0",
            },
        ]
    )
    units = desired_units(given, DEFAULTS)

    assert set(units) == {TARGET, SLICE, "relaykit-relay-tcp-50025.service", "relaykit-relay-web.service"}
    assert units[TARGET] == render_target()
    assert units[SLICE] == render_slice()
    assert units["relaykit-relay-web.service"] == render_unit(given[3], DEFAULTS)
    assert "TCP:[2001:db8::80]:80," in units["relaykit-relay-web.service"]


def test_desired_units_ignore_hand_written_udp_entries_whatever_their_engine() -> None:
    """The module documents that entries which are not socat TCP relays are ignored, not only normalize()'s."""
    tcp = relay().as_dict()
    udp = {**tcp, "name": "dns", "protocol": "udp", "listen_port": 53, "unit": None}
    bare = {key: value for key, value in tcp.items() if key not in ("engine", "protocol")}  # both default
    units = desired_units([udp, {**bare, "name": "bare"}], DEFAULTS)
    assert set(units) == {TARGET, SLICE, "relaykit-relay-bare.service"}


def test_desired_units_without_relays_are_the_target_and_slice() -> None:
    assert desired_units([], DEFAULTS) == {TARGET: render_target(), SLICE: render_slice()}


def test_target_and_slice() -> None:
    target = sections(render_target())
    assert target["[Install]"] == ["WantedBy=multi-user.target"]
    assert any(line.startswith("Description=") for line in target["[Unit]"])
    assert (TARGET, SLICE) == ("relaykit.target", "relaykit.slice")
    assert "Before=slices.target" in sections(render_slice())["[Unit]"]


def test_from_params_ignores_none_and_keys_that_are_not_options() -> None:
    params = {
        "relays": [],
        "state": "present",
        "unit_dir": "/etc/systemd/system",
        "start_timeout": 10,
        "socat": None,
        "connect_timeout": 5,
        "keepalive_idle": None,
        "keepalive_interval": None,
        "keepalive_count": 0,
        "logging": False,
        "buffer_bytes": None,
        "backlog": 1024,
        "max_connections": None,
    }
    assert SocatOptions.from_params(params) == SocatOptions(
        connect_timeout=5, keepalive_count=0, logging=False, backlog=1024
    )
    assert SocatOptions.from_params({}) == DEFAULTS
    assert SocatOptions.from_params(dict.fromkeys(SocatOptions.__dataclass_fields__)) == DEFAULTS


def test_no_systemd_specifier_in_a_unit_for_any_address_normalize_accepts() -> None:
    """systemd expands '%x' in unit files; a scoped IPv6 address ("fe80::1%eth0") must not reach one unescaped."""
    try:
        given = relay(listen_address="fe80::2%eth0", target_host="fe80::1%eth0")
    except RelayError:
        return  # refused up front: fine
    unit = render_unit(given, DEFAULTS)
    for line in unit.splitlines():
        if not line.startswith("#"):
            assert "%" not in line.replace("%%", ""), line
