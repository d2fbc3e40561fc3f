# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``iptables-save`` output read in one place (stdlib only): by netfilter_chains on the controller's side and by
the host's ``relaykit status`` for its byte counters.

A dump is ``*TABLE`` headers, ``:CHAIN POLICY [p:b]`` declarations, ``[p:b] -A CHAIN SPEC`` rules (counters only
with ``-c``) and ``COMMIT``; anything else (comments, blank lines) is passed over.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

COUNTERS_RE = re.compile(r"\[(\d+):(\d+)\]\s+")
COMMENT_RE = re.compile(r'--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))')


@dataclass(frozen=True)
class SavedRule:
    """One ``-A`` line: its table, chain, the match and target after the chain name, and its counters (with -c)."""

    table: str
    chain: str
    spec: str
    packets: int | None = None
    bytes: int | None = None

    @property
    def comment(self) -> str | None:
        """The rule's ``-m comment --comment`` text, unquoted; None without one."""
        found = COMMENT_RE.search(self.spec)
        if found is None:
            return None
        quoted, bare = found.groups()
        return re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare


@dataclass
class TableDump:
    policies: dict[str, str] = field(default_factory=dict)  # chain -> policy ("-" for user chains)
    rules: list[tuple[str, str]] = field(default_factory=list)  # (chain, spec) in order

    def chain_rules(self, chain: str) -> list[str]:
        return [spec for name, spec in self.rules if name == chain]

    def jumps_to(self, builtin: str, chain: str) -> list[str]:
        target = re.compile(rf"(^|\s)-j {re.escape(chain)}(\s|$)")
        return [spec for name, spec in self.rules if name == builtin and target.search(spec)]


def lines(text: str) -> Iterator[tuple[str, str]]:
    """(table, line) for every declaration and rule line, counters left on; the table is "" before a header."""
    table = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("*"):
            table = line[1:].strip()
        elif line and not line.startswith("#") and line != "COMMIT":
            yield table, line


def saved_rules(text: str) -> Iterator[SavedRule]:
    """Every ``-A`` line of a dump, with its counters when the dump has them."""
    for table, line in lines(text):
        counters = COUNTERS_RE.match(line)
        rest = line[counters.end() :] if counters else line
        words = rest.split(" ", 2)
        if len(words) < 2 or words[0] != "-A":
            continue
        yield SavedRule(
            table=table,
            chain=words[1],
            spec=words[2].strip() if len(words) > 2 else "",
            packets=int(counters.group(1)) if counters else None,
            bytes=int(counters.group(2)) if counters else None,
        )


def parse_save(text: str) -> dict[str, TableDump]:
    """A dump's tables: each chain's policy and the rules in order (counters dropped)."""
    tables: dict[str, TableDump] = {}
    for table, line in lines(text):
        if not table:
            continue
        current = tables.setdefault(table, TableDump())
        if line.startswith(":"):
            name, policy = line[1:].split()[:2]
            current.policies[name] = policy
    for rule in saved_rules(text):
        if rule.table:
            tables.setdefault(rule.table, TableDump()).rules.append((rule.chain, rule.spec))
    return tables
