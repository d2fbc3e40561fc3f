"""relaykit.edge.ufw_rules: an owner's ufw rules, found by their comment; everything else untouched."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._ufw import Ufw, UfwError, owned_lines, parse_rules

# `ufw show added` of a host with its own SSH rule and two of relaykit's (ufw 0.36.2, Debian 13).
SHOW_ADDED = """\
Added user rules (see 'ufw status' for running firewall):
ufw allow 22/tcp
ufw allow 50025/tcp comment 'relaykit:relays:tcp-50025'
ufw allow from 198.18.10.40 to any port 8081 proto tcp comment 'relaykit:relay46:web'
ufw allow 9999/tcp comment 'the host owner'
ufw allow from fd00:18:10::40 to any port 8081 proto tcp comment 'relaykit:relay46:web'
"""


class FakeUfw:
    """ufw's command line over a list of rules, as ufw itself normalizes and prints them."""

    def __init__(self, show_added: str = SHOW_ADDED) -> None:
        self.lines = [line[4:] for line in show_added.splitlines() if line.startswith("ufw ")]
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> tuple[int, str, str]:
        args = list(argv[1:])
        self.calls.append(args)
        if args == ["show", "added"]:
            return (
                0,
                "Added user rules (see 'ufw status' for running firewall):\n"
                + "".join(f"ufw {line}\n" for line in self.lines),
                "",
            )
        if args[0] == "delete":
            line = shlex.join(args[1:]).replace('"', "'")
            if line not in [shlex.join(shlex.split(have)) for have in self.lines]:
                return 1, "Could not delete non-existent rule\n", ""
            self.lines = [have for have in self.lines if shlex.join(shlex.split(have)) != line]
            return 0, "Rule deleted\n", ""
        if args[0] == "allow":
            # ufw prints a rule's comment in single quotes.
            rule, comment = (
                (args[: args.index("comment")], args[args.index("comment") + 1]) if "comment" in args else (args, "")
            )
            self.lines.append(" ".join(rule) + (f" comment '{comment}'" if comment else ""))
            return 0, "Rule added\n", ""
        return 1, "", f"unexpected {args}"

    def owned(self, owner: str) -> list[str]:
        return owned_lines("".join(f"ufw {line}\n" for line in self.lines), owner)


def test_owned_lines_are_found_by_comment_only() -> None:
    assert owned_lines(SHOW_ADDED, "relay46") == [
        "allow from 198.18.10.40 to any port 8081 proto tcp comment 'relaykit:relay46:web'",
        "allow from fd00:18:10::40 to any port 8081 proto tcp comment 'relaykit:relay46:web'",
    ]
    assert owned_lines(SHOW_ADDED, "relays") == ["allow 50025/tcp comment 'relaykit:relays:tcp-50025'"]


def test_rules_as_ufw_prints_them() -> None:
    rules = parse_rules(
        "relay46",
        [
            {"name": "web", "port": 8081, "from": ["198.18.10.40/32", "fd00:18:10:0:0::40"]},
            {"name": "dns", "port": 53, "proto": "udp"},
        ],
    )
    assert [rule.line() for rule in rules] == [
        "allow from 198.18.10.40 to any port 8081 proto tcp comment 'relaykit:relay46:web'",
        "allow from fd00:18:10::40 to any port 8081 proto tcp comment 'relaykit:relay46:web'",
        "allow 53/udp comment 'relaykit:relay46:dns'",
    ]


def test_converge_adds_missing_removes_stale_and_leaves_the_hosts_rules() -> None:
    ufw = FakeUfw()
    rules = parse_rules("relays", [{"name": "tcp-50026", "port": 50026}])
    result = Ufw(run=ufw).ensure("relays", rules, check_mode=False)
    assert result["changed"] is True
    assert result["added"] == ["allow 50026/tcp comment 'relaykit:relays:tcp-50026'"]
    assert result["removed"] == ["allow 50025/tcp comment 'relaykit:relays:tcp-50025'"]
    assert "allow 22/tcp" in ufw.lines
    assert "allow 9999/tcp comment 'the host owner'" in ufw.lines
    assert len(ufw.owned("relay46")) == 2
    again = Ufw(run=ufw).ensure("relays", rules, check_mode=False)
    assert again["changed"] is False
    assert ufw.calls[-1] == ["show", "added"]


def test_check_mode_changes_nothing() -> None:
    ufw = FakeUfw()
    result = Ufw(run=ufw).ensure("relays", [], check_mode=True)
    assert result["removed"] == ["allow 50025/tcp comment 'relaykit:relays:tcp-50025'"]
    assert ufw.owned("relays") == ["allow 50025/tcp comment 'relaykit:relays:tcp-50025'"]
    assert result["diff"] == {"before": "ufw allow 50025/tcp comment 'relaykit:relays:tcp-50025'\n", "after": ""}


def test_a_failing_ufw_command_is_named() -> None:
    def broken(argv: Sequence[str]) -> tuple[int, str, str]:
        return (
            (0, SHOW_ADDED, "") if list(argv[1:]) == ["show", "added"] else (1, "", "ERROR: problem running iptables")
        )

    with pytest.raises(
        UfwError, match=r"ufw delete allow 50025/tcp comment relaykit:relays:tcp-50025 failed: ERROR: problem running"
    ):
        Ufw(run=broken).ensure("relays", parse_rules("relays", [{"name": "x", "port": 1}]), check_mode=False)


@pytest.mark.parametrize(
    ("owner", "entry", "message"),
    [
        ("Relays", {"name": "x", "port": 1}, "owner must be"),
        ("relays", {"name": "x y", "port": 1}, r"rules\[0\] \('x y'\): name must be"),
        ("relays", {"name": "x", "port": 0}, r"port must be a port number 1..65535, got 0"),
        ("relays", {"name": "x", "port": "22"}, r"port must be a port number"),
        ("relays", {"name": "x", "port": 1, "proto": "sctp"}, r"proto must be tcp or udp"),
        ("relays", {"name": "x", "port": 1, "from": ["vps.example.com"]}, r"from must be an IPv4 or IPv6 address"),
    ],
)
def test_bad_rules_are_named(owner: str, entry: dict, message: str) -> None:
    with pytest.raises(UfwError, match=message):
        parse_rules(owner, [entry])
