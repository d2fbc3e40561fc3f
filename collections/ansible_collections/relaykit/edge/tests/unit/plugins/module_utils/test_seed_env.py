# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the Port Relay .env parser."""

from __future__ import annotations

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._seed_env import (
    SeedConfig,
    SeedEnvError,
    SeedRelay,
    parse_env,
    parse_value,
)

SEED = """\
RELAY_1="50025;25;btc.trustpool.cc;TCP"
RELAY_2="50443;443;btc.trustpool.cc;TCP"
RELAY_4="51820;51820;vpn.example.com;UDP"
CONNECT_TIMEOUT=15
KEEPALIVE_IDLE=30
KEEPALIVE_INTVL=10
KEEPALIVE_CNT=3
ENABLE_LOGGING="y"
ENABLE_HEALTH_CHECK="y"
HEALTH_CHECK_TIMEOUT=10
HEALTH_CHECK_RETRIES=3
"""


def error_of(text: str) -> str:
    with pytest.raises(SeedEnvError) as info:
        parse_env(text)
    return str(info.value)


def test_seed_example() -> None:
    config = parse_env(SEED)
    assert isinstance(config, SeedConfig)
    assert config.port_relays == [
        "50025;25;btc.trustpool.cc;TCP",
        "50443;443;btc.trustpool.cc;TCP",
        "51820;51820;vpn.example.com;UDP",
    ]
    assert config.relay_keys == ["RELAY_1", "RELAY_2", "RELAY_4"]
    assert config.relays[2] == SeedRelay("RELAY_4", 4, 3, "51820;51820;vpn.example.com;UDP")
    assert config.options == {
        "port_relay_connect_timeout": 15,
        "port_relay_keepalive_idle": 30,
        "port_relay_keepalive_interval": 10,
        "port_relay_keepalive_count": 3,
        "port_relay_logging": True,
        "port_relay_health_check": True,
        "port_relay_health_check_timeout": 10,
        "port_relay_health_check_retries": 3,
    }
    assert config.ignored == []
    assert config.as_dict() == {
        "port_relays": config.port_relays,
        "relay_keys": ["RELAY_1", "RELAY_2", "RELAY_4"],
        "options": config.options,
        "ignored": [],
    }


def test_options_keep_their_canonical_order_and_only_those_present() -> None:
    config = parse_env("HEALTH_CHECK_RETRIES=5\nENABLE_LOGGING=n\nCONNECT_TIMEOUT=7\n")
    assert list(config.options.items()) == [
        ("port_relay_connect_timeout", 7),
        ("port_relay_logging", False),
        ("port_relay_health_check_retries", 5),
    ]
    assert config.port_relays == []


def test_empty_file() -> None:
    assert parse_env("") == SeedConfig()
    assert parse_env("\n\n# only comments\n   \n") == SeedConfig()


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ('RELAY_1="50025;25;h.example;TCP"', "50025;25;h.example;TCP"),
        ("RELAY_1='50025;25;h.example;TCP'", "50025;25;h.example;TCP"),
        ("RELAY_1=50025;25;h.example;TCP", "50025;25;h.example;TCP"),
        ('RELAY_1="  50025;25;h.example;TCP  "', "50025;25;h.example;TCP"),  # stripped
        ("RELAY_1=\"50025;25;\"h.example';TCP'", "50025;25;h.example;TCP"),  # concatenated parts
        ("RELAY_1=50025\\;25\\;h.example\\;TCP", "50025;25;h.example;TCP"),  # escapes in a bare value
    ],
)
def test_quoting(line: str, value: str) -> None:
    assert parse_env(line + "\n").port_relays == [value]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('"say \\"hi\\" \\$5 \\\\ \\n"', 'say "hi" $5 \\ \\n'),  # in "": \" \$ \\ are escapes, \n is not
        ("'no $expansion \\ here'", "no $expansion \\ here"),  # in '': everything is literal
        ('""', ""),
        ("a#b", "a#b"),  # '#' inside a word does not start a comment
        ("price$", "price$"),  # a '$' that starts no expansion is literal
        ("\\$HOME", "$HOME"),
        ('"\\$HOME"', "$HOME"),
        ("'$HOME'", "$HOME"),
        ("x\\ y # comment", "x y"),
    ],
)
def test_shell_quote_rules(raw: str, value: str) -> None:
    assert parse_value("A", raw) == value


def test_comments_and_blank_lines() -> None:
    config = parse_env(
        "# Port Relay configuration\n"
        "\n"
        "   # indented comment\n"
        'RELAY_1="50025;25;h.example;TCP"   # trailing comment after a quoted value\n'
        "CONNECT_TIMEOUT=15 # trailing comment after a bare value\n"
        "ENABLE_LOGGING='n'\t# a comment after a tab\n"
        "\t\n"
        '#RELAY_2="1;2;h.example;TCP"\n'
    )
    assert config.port_relays == ["50025;25;h.example;TCP"]
    assert config.options == {"port_relay_connect_timeout": 15, "port_relay_logging": False}


def test_hash_right_after_a_value_is_part_of_it() -> None:
    # As in a shell, '#' starts a comment only at the start of a word.
    assert error_of("ENABLE_LOGGING='n'#off\n").endswith("got 'n#off'")


def test_export_prefix_and_crlf_and_bom() -> None:
    text = '\ufeffexport RELAY_1="50025;25;h.example;TCP"\r\nexport  KEEPALIVE_CNT=4\r\nexport CONNECT_TIMEOUT\r\n'
    config = parse_env(text)
    assert config.port_relays == ["50025;25;h.example;TCP"]
    assert config.options == {"port_relay_keepalive_count": 4}


def test_spaces_around_the_equals_sign() -> None:
    assert parse_env("CONNECT_TIMEOUT = 20\n").options == {"port_relay_connect_timeout": 20}


def test_relays_are_ordered_by_number() -> None:
    lines = [f'RELAY_{n}="{50000 + n};{n};h{n}.example;TCP"' for n in (10, 2, 1, 11, 3)]
    config = parse_env("\n".join(lines) + "\n")
    assert config.relay_keys == ["RELAY_1", "RELAY_2", "RELAY_3", "RELAY_10", "RELAY_11"]
    assert config.port_relays[3] == "50010;10;h10.example;TCP"
    assert [relay.lineno for relay in config.relays] == [3, 2, 5, 1, 4]


def test_last_assignment_wins() -> None:
    config = parse_env(
        'RELAY_1="1;1;a.example;TCP"\nCONNECT_TIMEOUT=5\nRELAY_1="2;2;b.example;TCP"\nCONNECT_TIMEOUT=6\n'
    )
    assert config.port_relays == ["2;2;b.example;TCP"]
    assert config.relays[0].lineno == 3
    assert config.options == {"port_relay_connect_timeout": 6}


def test_unknown_keys_are_ignored_not_fatal() -> None:
    config = parse_env(
        SEED + 'RELAY_IP=203.0.113.1\nrelay_5="1;2;h.example;TCP"\nINSTALL_DIR=/opt/port-relay\nRELAY_IP=x\n'
    )
    assert config.ignored == ["relay_5", "INSTALL_DIR", "RELAY_IP"]
    assert len(config.port_relays) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CONNECT_TIMEOUT=abc\n", ".env line 1: CONNECT_TIMEOUT must be a positive integer, got 'abc'"),
        ("# c\nKEEPALIVE_IDLE=0\n", ".env line 2: KEEPALIVE_IDLE must be a positive integer, got '0'"),
        ("KEEPALIVE_INTVL=-3\n", ".env line 1: KEEPALIVE_INTVL must be a positive integer, got '-3'"),
        ("KEEPALIVE_CNT=1.5\n", ".env line 1: KEEPALIVE_CNT must be a positive integer, got '1.5'"),
        ('\n\nHEALTH_CHECK_TIMEOUT=""\n', ".env line 3: HEALTH_CHECK_TIMEOUT must be a positive integer, got ''"),
        ("HEALTH_CHECK_RETRIES=\u00b3\n", ".env line 1: HEALTH_CHECK_RETRIES must be a positive integer"),
    ],
)
def test_bad_integer_names_line_and_key(text: str, message: str) -> None:
    assert error_of(text).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(word, True) for word in ("y", "Y", "yes", "true", "TRUE", "1")],
        *[(word, False) for word in ("n", "no", "false", "False", "0")],
    ],
)
def test_booleans(value: str, expected: bool) -> None:
    config = parse_env(f'ENABLE_LOGGING="{value}"\nENABLE_HEALTH_CHECK={value}\n')
    assert config.options == {"port_relay_logging": expected, "port_relay_health_check": expected}


@pytest.mark.parametrize("value", ["maybe", "on", "2", "", "yes please"])
def test_bad_boolean_names_line_and_key(value: str) -> None:
    message = error_of(f'CONNECT_TIMEOUT=15\nENABLE_HEALTH_CHECK="{value}"\n')
    assert message == (
        f".env line 2: ENABLE_HEALTH_CHECK must be a boolean (y/n, yes/no, true/false, 1/0), got {value!r}"
    )


def test_bad_relay_line_names_relay_key_and_line() -> None:
    text = SEED.replace('RELAY_4="51820;51820;vpn.example.com;UDP"', 'RELAY_4="51820;vpn.example.com;UDP"')
    message = error_of(text)
    assert message.startswith(".env line 3: RELAY_4 ('51820;vpn.example.com;UDP'): a seed line must have 4 fields")
    assert "port_relays[" not in message


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ('RELAY_7="70000;25;h.example;TCP"', "listen_port must be a port number 1..65535, got 70000"),
        ('RELAY_7="50025;25;h.example;SCTP"', "protocol must be tcp or udp"),
        ('RELAY_7="50025;25;bad host;TCP"', "target_host must be a host name"),
        ('RELAY_7=""', "a seed line must have 4 fields"),
    ],
)
def test_relay_errors_come_from_relays_normalize(line: str, detail: str) -> None:
    message = error_of(f'RELAY_1="50001;1;h.example;TCP"\n{line}\n')
    assert message.startswith(".env line 2: RELAY_7 (")
    assert detail in message


def test_relay_conflict_names_both_keys_in_relay_order() -> None:
    # RELAY_10 comes after RELAY_2 although it is first in the file: the later one is reported.
    message = error_of('RELAY_10="50025;26;b.example;TCP"\nRELAY_2="50025;25;a.example;TCP"\n')
    assert message.startswith(".env line 1: RELAY_10 ('50025;26;b.example;TCP'): ")
    assert "RELAY_2 on line 2" in message
    assert "port_relays[" not in message


def test_source_names_the_file() -> None:
    with pytest.raises(SeedEnvError, match=r"^/srv/port-relay/\.env line 1: KEEPALIVE_CNT "):
        parse_env("KEEPALIVE_CNT=x\n", source="/srv/port-relay/.env")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("just some words\n", ".env line 1: expected KEY=value, got 'just some words'"),
        ("1KEY=x\n", ".env line 1: expected KEY=value"),
        ('A="open\nB=1\n', ".env line 1: A: the double quote is not closed on this line"),
        ("A='open\n", ".env line 1: A: the single quote is not closed on this line"),
        ("A=two words\n", ".env line 1: A: unexpected text after the value: 'words'"),
        ("A=x\\\n", ".env line 1: A: a value cannot continue on the next line"),
        ("A=$HOME/x\n", ".env line 1: A: variable expansion and command substitution are not supported"),
        ('A="${HOME}"\n', ".env line 1: A: variable expansion"),
        ("A=`date`\n", ".env line 1: A: variable expansion"),
        ('A="$(date)"\n', ".env line 1: A: variable expansion"),
    ],
)
def test_syntax_errors_name_line_and_key(text: str, message: str) -> None:
    assert error_of(text).startswith(message)


def test_error_is_a_value_error() -> None:
    assert issubclass(SeedEnvError, ValueError)
