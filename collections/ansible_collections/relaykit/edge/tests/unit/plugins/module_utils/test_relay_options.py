"""The port relays' option values: ranges, and what may reach a unit file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import RANGES, OptionError, check

ROLE_DEFAULTS = Path(__file__).resolve().parents[8] / "roles" / "port_relay" / "defaults" / "main.yml"


def role_defaults() -> dict[str, Any]:
    """The role's scalar defaults (stdlib only: these tests also run on the hosts' Pythons)."""
    values: dict[str, Any] = {}
    for line in ROLE_DEFAULTS.read_text().splitlines():
        match = re.fullmatch(r"port_relay_([a-z_]+): (\S.*)", line)
        if match:
            text = match.group(2).strip().strip('"')
            values[match.group(1)] = int(text) if re.fullmatch(r"-?[0-9]+", text) else text
    return values


def test_the_roles_defaults_pass() -> None:
    values = role_defaults()
    values["firewall_ssh_port"] = 22  # a template of ansible_port in the defaults
    checked = {option: values[option] for option in (*RANGES, "log_file", "log_group")}
    check(checked, prefix="port_relay_")


@pytest.mark.parametrize("option", sorted(RANGES))
def test_each_range_holds_its_ends_and_refuses_beyond(option: str) -> None:
    lowest, highest, _unit = RANGES[option]
    check({option: lowest})
    check({option: highest})
    for outside in (lowest - 1, highest + 1):
        with pytest.raises(OptionError, match=rf"^port_relay_{option} must be {lowest} to {highest} .*got {outside}$"):
            check({option: outside}, prefix="port_relay_")


@pytest.mark.parametrize(
    ("value", "said"),
    [("soon", "text"), (True, "true/false"), ([1], "a list"), ({"a": 1}, "a mapping"), (1.5, "a number")],
)
def test_a_value_of_another_kind_is_named_in_the_inventorys_words(value: Any, said: str) -> None:
    with pytest.raises(OptionError, match=rf"^keepalive_idle must be a whole number of seconds, got {said}$"):
        check({"keepalive_idle": value})


def test_quoted_numbers_are_numbers() -> None:
    check({"keepalive_idle": "30", "backlog": " 128 "})


@pytest.mark.parametrize(
    "path",
    [
        "/var/log/r.log\nExecStartPre=/bin/sh -c id",
        "/var/log/%n.log",
        "/var/log/$HOME",
        "/var/log/a b",
        "/var/log/a;b",
        '/var/log/a"b',
        "/var/log/a'b",
        "/var/log/a}b",
        "/var/log/a\\b",
        "/var/log/../../etc/shadow",
        "/var/log/./r.log",
        "relay.log",
        "/var/log/",
        "/var/log/réseau.log",
        "/var/log/r.log\x00",
    ],
)
def test_a_log_path_that_could_change_a_unit_file_is_refused(path: str) -> None:
    with pytest.raises(OptionError, match=r"^port_relay_log_file must be an absolute path"):
        check({"log_file": path}, prefix="port_relay_")


@pytest.mark.parametrize("path", ["/var/log/relaykit/relay.log", "/srv/logs/relay-2.log", "/data/r_1+x.log"])
def test_plain_absolute_paths_pass(path: str) -> None:
    check({"log_file": path})


def test_every_problem_is_named_at_once_and_unset_options_are_skipped() -> None:
    with pytest.raises(OptionError) as raised:
        check({"keepalive_idle": 0, "backlog": 0, "connect_timeout": None, "log_file": None}, prefix="port_relay_")
    assert str(raised.value) == (
        "port_relay_keepalive_idle must be 1 to 32767 seconds, got 0; "
        "port_relay_backlog must be 1 to 65535 connections, got 0"
    )


@pytest.mark.parametrize("group", ["adm\nf /etc/shadow 0666", "a b", "Adm", "9adm", "", "x" * 33, 4])
def test_a_log_group_that_is_not_a_group_name_is_refused(group: Any) -> None:
    with pytest.raises(OptionError, match=r"^port_relay_log_group must be a group name"):
        check({"log_group": group}, prefix="port_relay_")


def test_group_names_pass() -> None:
    check({"log_group": "adm"})
    check({"log_group": "relay_logs-2"})


def test_the_roles_socat_defaults_are_socat_options_defaults() -> None:
    """The module has no defaults of its own (SocatOptions' apply): the role's must be the same values."""
    from ansible_collections.relaykit.edge.plugins.module_utils._socat import SocatOptions

    values = role_defaults()
    values["logging"] = values["logging"] == "true"
    defaults = SocatOptions()
    shared = [name for name in SocatOptions.__dataclass_fields__ if name in values]
    assert len(shared) == len(SocatOptions.__dataclass_fields__) - 1  # all but the socat binary's path
    assert {name: values[name] for name in shared} == {name: getattr(defaults, name) for name in shared}
