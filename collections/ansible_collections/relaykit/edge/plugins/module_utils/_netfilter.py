# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chains relaykit owns in iptables/ip6tables, rebuilt atomically and never more than that.

An *owner* (the relays, the conntrack guard, the host firewall) declares its chains, their
rules and the built-in chains that jump to them. Applying it:

1. reads the live ruleset (``iptables-save``) and the owner's record of its last apply;
2. renders one ``iptables-restore --noflush`` payload per table that re-declares (flushes)
   only the owner's chains, fills them, removes every existing jump to them and inserts one
   fresh jump per hook, deletes chains the owner no longer wants, and sets a built-in
   chain's policy when asked (recording the original for removal);
3. tests the payload with ``--test`` first: a bad rule leaves the old rules in place;
4. applies it in one commit per table, reads the result back and records it.

Nothing else is ever flushed or saved: Docker's chains and the host's own rules stay as they
are. For boot, the owner's payload (without the jump fix-ups) is written to a file that the
relaykit-netfilter.service (role netfilter_persistence) restores with ``--noflush`` and
re-hooks idempotently.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic
from ansible_collections.relaykit.edge.plugins.module_utils._iptables_save import TableDump, parse_save

FAMILIES = {
    "ipv4": ("iptables", "iptables-save", "iptables-restore"),
    "ipv6": ("ip6tables", "ip6tables-save", "ip6tables-restore"),
}
TABLES = ("raw", "mangle", "nat", "filter")
BUILTINS = {
    "raw": ("PREROUTING", "OUTPUT"),
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
}
POLICIES = ("ACCEPT", "DROP")
CHAIN_RE = re.compile(r"RELAYKIT-[A-Z0-9_-]{1,19}")
SAFE_MATCH_RE = re.compile(r"[A-Za-z0-9 ._:/,!-]*")

Runner = "Callable[[list[str], str | None], tuple[int, str, str]]"  # only used in annotations


class NetfilterError(RelaykitError):
    """A netfilter problem: a chain relaykit may not touch, a rule the kernel rejects, a corrupt record."""


@dataclass(frozen=True)
class Hook:
    """A jump from a built-in chain to an owned chain: ``-A BUILTIN [match] -j CHAIN``."""

    table: str
    builtin: str
    chain: str
    match: str = ""

    @property
    def spec(self) -> str:
        return f"{self.match} -j {self.chain}".strip()


@dataclass
class Owner:
    name: str
    family: str
    chains: dict[tuple[str, str], list[str]]  # (table, chain) -> rule specs
    hooks: list[Hook]
    policies: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, builtin) -> policy

    @property
    def chain_names(self) -> set[tuple[str, str]]:
        return set(self.chains)


# A line of a saved ruleset (iptables-save format) that is relaykit's: a RELAYKIT-* chain's declaration,
# one of its rules, or a jump or goto to one.
SAVED_LINE_RE = re.compile(
    r"^(:RELAYKIT-[A-Z0-9_-]{1,19}\s|-[AI] RELAYKIT-[A-Z0-9_-]{1,19}\s|.*\s-[jg] RELAYKIT-[A-Z0-9_-]{1,19}(\s|$))"
)


def without_relaykit(saved: str) -> tuple[str, list[str]]:
    """A saved ruleset (the host's own rules.v4/rules.v6, written by netfilter-persistent save or
    iptables-save) without relaykit's chains and jumps, and the lines taken out. Everything else, the
    host's rules, Docker's and other tools', stays as it was, in its order."""
    kept, removed = [], []
    for line in saved.splitlines(keepends=True):
        (removed if SAVED_LINE_RE.match(line.rstrip("\n")) else kept).append(line)
    return "".join(kept), [line.rstrip("\n") for line in removed]


def check_chain_name(chain: str) -> None:
    """relaykit only ever touches chains named RELAYKIT-*: never a built-in, Docker's or the host's."""
    if not isinstance(chain, str) or not CHAIN_RE.fullmatch(chain):
        raise NetfilterError(
            f"chains: '{chain}' must start with RELAYKIT- and be at most 28 characters of A-Z, 0-9, '-', '_'"
        )


def validate(owner: Owner) -> None:
    """Fail on anything that could touch what relaykit does not own."""
    if owner.family not in FAMILIES:
        raise NetfilterError(f"family must be ipv4 or ipv6, got {owner.family!r}")
    for table, chain in owner.chains:
        if table not in TABLES:
            raise NetfilterError(f"chains: table must be one of {', '.join(TABLES)}, got {table!r}")
        check_chain_name(chain)
        for rule in owner.chains[(table, chain)]:
            if "\n" in rule or rule.strip().startswith(("-A", "-I", "-D", "-F", "-X", "-P", "-N", "*", ":")):
                raise NetfilterError(f"chains: {chain}: a rule is a match and target only, got {rule!r}")
    for hook in owner.hooks:
        if (hook.table, hook.chain) not in owner.chains:
            raise NetfilterError(f"hooks: {hook.table} {hook.builtin} jumps to {hook.chain}, which is not declared")
        if hook.builtin not in BUILTINS[hook.table]:
            raise NetfilterError(f"hooks: {hook.builtin} is not a built-in chain of the {hook.table} table")
        if not SAFE_MATCH_RE.fullmatch(hook.match):
            raise NetfilterError(f"hooks: the match of a jump may not contain quotes, got {hook.match!r}")
    for (table, builtin), policy in owner.policies.items():
        if table != "filter" or builtin not in BUILTINS["filter"] or policy not in POLICIES:
            raise NetfilterError(
                f"policies: only filter INPUT/FORWARD/OUTPUT ACCEPT|DROP, got {table} {builtin} {policy}"
            )


def render_chains(owner: Owner) -> dict[str, list[str]]:
    """Per table: declare (and so flush) each owned chain, then append its rules."""
    lines: dict[str, list[str]] = {}
    for table, chain in sorted(owner.chains, key=lambda item: (TABLES.index(item[0]), item[1])):
        lines.setdefault(table, []).append(f":{chain} - [0:0]")
    for (table, chain), rules in owner.chains.items():
        lines[table].extend(f"-A {chain} {rule}".rstrip() for rule in rules)
    return lines


def render_apply(owner: Owner, live: dict[str, TableDump], stale: set[tuple[str, str]]) -> str:
    """The payload that brings the live ruleset to the owner's wish, touching nothing else."""
    per_table = render_chains(owner)
    for (table, builtin), policy in owner.policies.items():
        per_table.setdefault(table, []).append(f":{builtin} {policy} [0:0]")
    for table, chain in sorted(owner.chain_names | stale):  # every jump to an owned chain is replaced
        dump = live.get(table, TableDump())
        for builtin in BUILTINS[table]:
            for spec in dump.jumps_to(builtin, chain):
                per_table.setdefault(table, []).append(f"-D {builtin} {spec}")
    for hook in reversed(owner.hooks):  # inserted at 1 one after the other: the first hook ends up first
        per_table.setdefault(hook.table, []).append(f"-I {hook.builtin} 1 {hook.spec}")
    append_deletions(per_table, stale, live)
    return join_tables(per_table)


def append_deletions(per_table: dict[str, list[str]], chains: set[tuple[str, str]], live: dict[str, TableDump]) -> None:
    """Empty every chain first, then delete them: one owned chain may jump to another."""
    existing = sorted(item for item in chains if item[1] in live.get(item[0], TableDump()).policies)
    for table, chain in existing:
        per_table.setdefault(table, []).append(f"-F {chain}")
    for table, chain in existing:
        per_table.setdefault(table, []).append(f"-X {chain}")


def render_remove(
    chains: set[tuple[str, str]], live: dict[str, TableDump], policies: dict[tuple[str, str], str]
) -> str:
    per_table: dict[str, list[str]] = {}
    for table, chain in sorted(chains):
        dump = live.get(table, TableDump())
        if chain not in dump.policies:
            continue
        for builtin in BUILTINS[table]:
            per_table.setdefault(table, []).extend(f"-D {builtin} {spec}" for spec in dump.jumps_to(builtin, chain))
    append_deletions(per_table, chains, live)
    for (table, builtin), policy in policies.items():
        if live.get(table, TableDump()).policies.get(builtin) != policy:
            per_table.setdefault(table, []).append(f":{builtin} {policy} [0:0]")
    return join_tables(per_table)


def render_boot(owner: Owner) -> str:
    """The file restored at boot: the chains and rules, with hooks and policies as directives."""
    header = [
        f"# relaykit netfilter rules of '{owner.name}' ({owner.family}). Generated: edit the inventory, not this file.",
        "# Restored at boot by relaykit-netfilter.service with --noflush; it inserts each",
        "# relaykit-hook jump only when it is missing and sets relaykit-policy policies.",
    ]
    header += [f"# relaykit-hook: {hook.table} {hook.builtin} {hook.spec}" for hook in owner.hooks]
    header += [f"# relaykit-policy: {table} {builtin} {policy}" for (table, builtin), policy in owner.policies.items()]
    return "\n".join(header) + "\n" + join_tables(render_chains(owner))


def join_tables(per_table: dict[str, list[str]]) -> str:
    out: list[str] = []
    for table in TABLES:
        if per_table.get(table):
            out += [f"*{table}", *per_table[table], "COMMIT"]
    return "\n".join(out) + "\n" if out else ""


def fingerprint(owner: Owner, live: dict[str, TableDump]) -> dict[str, list[str]]:
    """What the kernel holds for the owner, in the kernel's own words (iptables-save's canonical form)."""
    seen: dict[str, list[str]] = {}
    for table, chain in sorted(owner.chain_names):
        dump = live.get(table, TableDump())
        key = f"{table} {chain}"
        seen[key] = ["(absent)"] if chain not in dump.policies else dump.chain_rules(chain)
        for builtin in BUILTINS[table]:
            jumps = dump.jumps_to(builtin, chain)
            if jumps:
                seen[f"{table} {builtin} -> {chain}"] = jumps
    for table, builtin in sorted(owner.policies):
        seen[f"{table} {builtin} policy"] = [live.get(table, TableDump()).policies.get(builtin, "?")]
    return seen


def wish(owner: Owner) -> str:
    payload = json.dumps(
        {
            "chains": {f"{t} {c}": rules for (t, c), rules in sorted(owner.chains.items())},
            "hooks": [[h.table, h.builtin, h.spec] for h in owner.hooks],
            "policies": {f"{t} {b}": p for (t, b), p in sorted(owner.policies.items())},
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class Record:
    """What the owner applied last: its wish, what the kernel showed after, and what it replaced."""

    wish: str = ""
    fingerprint: dict[str, list[str]] = field(default_factory=dict)
    chains: list[list[str]] = field(default_factory=list)
    original_policies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str) -> Record:
        text = read_text(path)
        if not text:
            return cls()
        problem = f"state: {path} is not a relaykit netfilter record"
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise NetfilterError(f"{problem} ({exc}); remove it to start over") from exc
        if not isinstance(data, dict):
            raise NetfilterError(f"{problem} (not an object); remove it to start over")
        record = cls(
            wish=data.get("wish", ""),
            fingerprint=data.get("fingerprint", {}),
            chains=data.get("chains", []),
            original_policies=data.get("original_policies", {}),
        )
        well_formed = (
            isinstance(record.wish, str)
            and isinstance(record.fingerprint, dict)
            and isinstance(record.chains, list)
            and all(isinstance(item, list) and len(item) == 2 and item[0] in TABLES for item in record.chains)
            and isinstance(record.original_policies, dict)
        )
        if not well_formed:
            raise NetfilterError(f"{problem} (unexpected shape); remove it to start over")
        for item in record.chains:
            check_chain_name(item[1])
        return record

    def save(self, path: str) -> None:
        data = {
            "wish": self.wish,
            "fingerprint": self.fingerprint,
            "chains": self.chains,
            "original_policies": self.original_policies,
        }
        write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o600)


class Netfilter:
    """iptables or ip6tables, through a runner so that tests can stand in for the kernel."""

    def __init__(self, family: str, run: Runner, bin_path: Callable[[str], str | None]) -> None:
        if family not in FAMILIES:
            raise NetfilterError(f"family must be ipv4 or ipv6, got {family!r}")
        self.family = family
        tool, save, restore = FAMILIES[family]
        paths = {name: bin_path(name) for name in (tool, save, restore)}
        missing = [name for name, path in paths.items() if path is None]
        if missing:
            raise NetfilterError(f"{', '.join(missing)} not found: install the iptables package")
        self.save_cmd = paths[save]
        self.restore_cmd = paths[restore]
        self.run = run

    def dump(self) -> dict[str, TableDump]:
        rc, out, err = self.run([self.save_cmd], None)
        if rc != 0:
            raise NetfilterError(f"{os.path.basename(self.save_cmd)} failed: {err.strip() or out.strip()}")
        return parse_save(out)

    def restore(self, payload: str, test: bool) -> None:
        if not payload:
            return
        cmd = [self.restore_cmd, "--noflush", "--wait"] + (["--test"] if test else [])
        rc, out, err = self.run(cmd, payload)
        if rc != 0:
            detail = (err.strip() or out.strip()).replace("\n", " ")
            what = "the new rules were rejected before anything changed" if test else "applying the rules failed"
            lines = payload.splitlines()
            match = re.search(r"line:? (\d+)", detail)
            culprit = ""
            if match and 0 < int(match.group(1)) <= len(lines):
                culprit = f"; offending line: {lines[int(match.group(1)) - 1]}"
            raise NetfilterError(f"{self.family}: {what}: {detail}{culprit}")


@dataclass
class Outcome:
    changed: bool
    before: dict[str, list[str]]
    after: dict[str, list[str]]
    payload: str
    boot_changed: bool


def ensure_present(net: Netfilter, owner: Owner, state_path: str, boot_path: str | None, check: bool) -> Outcome:
    validate(owner)
    record = Record.load(state_path)
    live = net.dump()
    before = fingerprint(owner, live)
    recorded_chains = {tuple(item) for item in record.chains}
    stale = recorded_chains - owner.chain_names
    in_sync = record.wish == wish(owner) and record.fingerprint == before and not stale
    boot = render_boot(owner)
    boot_changed = boot_path is not None and read_text(boot_path) != boot
    if in_sync:
        if boot_changed and not check:
            write_boot(boot_path, boot)
        return Outcome(boot_changed, before, before, "", boot_changed)
    payload = render_apply(owner, live, stale)
    net.restore(payload, test=True)
    if check:
        return Outcome(True, before, desired_view(owner), payload, boot_changed)
    for (table, builtin), _policy in owner.policies.items():
        record.original_policies.setdefault(
            f"{table} {builtin}", live.get(table, TableDump()).policies.get(builtin, "ACCEPT")
        )
    net.restore(payload, test=False)
    after = fingerprint(owner, net.dump())
    verify(owner, after)
    if boot_path is not None and boot_changed:
        write_boot(boot_path, boot)
    record.wish = wish(owner)
    record.fingerprint = after
    record.chains = [list(item) for item in sorted(owner.chain_names)]
    record.save(state_path)
    return Outcome(True, before, after, payload, boot_changed)


def ensure_absent(net: Netfilter, owner: Owner, state_path: str, boot_path: str | None, check: bool) -> Outcome:
    record = Record.load(state_path)
    chains = owner.chain_names | {tuple(item) for item in record.chains}
    for item in chains:
        check_chain_name(item[1])
    live = net.dump()
    probe = Owner(owner.name, owner.family, {item: [] for item in chains}, [])
    before = fingerprint(probe, live)
    policies = {tuple(key.split(" ", 1)): value for key, value in record.original_policies.items()}
    payload = render_remove(chains, live, policies)  # type: ignore[arg-type]
    boot_exists = boot_path is not None and os.path.exists(boot_path)
    if payload:
        net.restore(payload, test=True)
    if not check:
        net.restore(payload, test=False)
        if boot_exists:
            os.unlink(boot_path)  # type: ignore[arg-type]
        if os.path.exists(state_path):
            os.unlink(state_path)
    return Outcome(bool(payload) or boot_exists, before, {}, payload, boot_exists)


def desired_view(owner: Owner) -> dict[str, list[str]]:
    view: dict[str, list[str]] = {
        f"{table} {chain}": list(rules) for (table, chain), rules in sorted(owner.chains.items())
    }
    for hook in owner.hooks:
        view.setdefault(f"{hook.table} {hook.builtin} -> {hook.chain}", []).append(hook.spec)
    for (table, builtin), policy in sorted(owner.policies.items()):
        view[f"{table} {builtin} policy"] = [policy]
    return view


def verify(owner: Owner, after: dict[str, list[str]]) -> None:
    for (table, chain), rules in owner.chains.items():
        got = after.get(f"{table} {chain}", [])
        if got == ["(absent)"] or len(got) != len(rules):
            raise NetfilterError(
                f"{owner.family}: after applying, {table} {chain} holds {len(got)} rules, expected {len(rules)}"
            )
    for hook in owner.hooks:
        jumps = after.get(f"{hook.table} {hook.builtin} -> {hook.chain}", [])
        if len(jumps) != sum(
            1 for h in owner.hooks if (h.table, h.builtin, h.chain) == (hook.table, hook.builtin, hook.chain)
        ):
            raise NetfilterError(
                f"{owner.family}: after applying, {hook.builtin} jumps to {hook.chain} {len(jumps)} times"
            )


def write_boot(path: str | None, content: str) -> bool:
    if path is None:
        return False
    write_text_atomic(path, content, mode=0o600)
    return True


def render_view(view: dict[str, list[str]]) -> str:
    lines: list[str] = []
    for key in sorted(view):
        lines.append(f"[{key}]")
        lines.extend(f"  {rule}" for rule in view[key])
    return "\n".join(lines) + ("\n" if lines else "")
