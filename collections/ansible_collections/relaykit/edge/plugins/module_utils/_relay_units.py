# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systemd side of the socat relay units: what a change writes, removes, restarts and starts, doing it,
and putting back the units that do not come up (stdlib only; systemctl behind an injected runner, as
``_netfilter.Netfilter`` has iptables)."""

from __future__ import annotations

import glob
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic
from ansible_collections.relaykit.edge.plugins.module_utils._relays import UNIT_PREFIX
from ansible_collections.relaykit.edge.plugins.module_utils._socat import SLICE, TARGET

Runner = Callable[[list[str]], "tuple[int, str, str]"]


class UnitError(RelaykitError):
    """A relay unit problem: no systemd, no socat, a relay that does not come up."""


class Systemd:
    """systemctl (and journalctl, for a failed unit's last lines) through one runner."""

    def __init__(self, run: Runner, systemctl: str = "systemctl", journalctl: str | None = None) -> None:
        self.runner, self.systemctl, self.journalctl = run, systemctl, journalctl

    def run(self, *args: str, check: bool = True) -> tuple[int, str]:
        rc, out, err = self.runner([self.systemctl, *args])
        if check and rc != 0:
            raise UnitError(f"systemctl {' '.join(args)} failed: {err.strip() or out.strip()}")
        return rc, out

    def states(self, verb: str, units: list[str]) -> dict[str, str]:
        if not units:
            return {}
        _rc, out = self.run(verb, *units, check=False)
        lines = out.splitlines()
        return {unit: (lines[i].strip() if i < len(lines) else "unknown") for i, unit in enumerate(units)}

    def journal(self, unit: str) -> list[str]:
        if self.journalctl is None:
            return []
        _rc, out, _err = self.runner([self.journalctl, "-u", unit, "-n", "8", "--no-pager", "-o", "cat"])
        return out.splitlines()


def existing_units(unit_dir: str) -> dict[str, str]:
    """relaykit's relay units, its target and its slice as they are on disk: name -> text."""
    found = {}
    for path in sorted(glob.glob(os.path.join(unit_dir, f"{UNIT_PREFIX}*.service"))):
        found[os.path.basename(path)] = read_text(path) or ""
    for name in (TARGET, SLICE):
        text = read_text(os.path.join(unit_dir, name))
        if text is not None:
            found[name] = text
    return found


def relay_units(names: list[str] | set[str]) -> list[str]:
    return sorted(name for name in names if name.startswith(UNIT_PREFIX))


def end_connections(systemd: Systemd, units: list[str] | set[str]) -> None:
    """KillMode=process keeps a relay's connections when only its listener dies; a relay that relaykit
    removes or changes ends them all (every process of its cgroup) first, then stops or restarts."""
    relays = relay_units(units)
    if relays:
        systemd.run("kill", "--kill-who=all", "--signal=SIGTERM", *relays, check=False)


@dataclass
class Change:
    """What bringing the units on disk to the desired ones does."""

    desired: dict[str, str]
    current: dict[str, str]
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    active: dict[str, str] = field(default_factory=dict)

    @property
    def wanted(self) -> list[str]:
        return relay_units(self.desired)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed or self.started or self.enabled)

    def diff(self) -> dict[str, str]:
        touched = sorted(set(self.written) | set(self.removed))
        return {
            "before": "".join(f"### {name}\n{self.current[name]}" for name in touched if name in self.current),
            "after": "".join(f"### {name}\n{self.desired[name]}" for name in self.written),
        }


def plan(systemd: Systemd, desired: dict[str, str], current: dict[str, str]) -> Change:
    """Compare the desired units with those on disk and systemd's states; changes nothing."""
    change = Change(desired=desired, current=current)
    change.written = sorted(name for name, text in desired.items() if current.get(name) != text)
    change.removed = relay_units(set(current) - set(desired))
    change.active = systemd.states("is-active", change.wanted)
    enabled = systemd.states("is-enabled", [TARGET, *change.wanted])
    change.restarted = [name for name in relay_units(change.written) if name in current]
    change.started = sorted(
        name for name in change.wanted if name not in change.restarted and change.active.get(name) != "active"
    )
    change.enabled = sorted(name for name, state in enabled.items() if state != "enabled")
    return change


def wait_active(
    systemd: Systemd,
    units: list[str],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    deadline = clock() + timeout
    states = systemd.states("is-active", units)
    while any(state != "active" for state in states.values()) and clock() < deadline:
        sleep(0.5)
        states = systemd.states("is-active", units)
    # A unit that crashes right after starting shows "activating" (auto-restart): let it settle once more.
    sleep(0.5)
    return systemd.states("is-active", units)


def apply(
    systemd: Systemd,
    change: Change,
    unit_dir: str,
    start_timeout: float,
    describe: Callable[[str], str],
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Do the change; a relay that does not come up is put back as it was and raises UnitError naming it
    with ``describe(unit)`` (its last journal and log lines)."""
    end_connections(systemd, set(change.removed) | set(change.restarted))
    if change.removed:
        systemd.run("disable", "--now", *change.removed, check=False)
        for name in change.removed:
            os.unlink(os.path.join(unit_dir, name))
    for name in change.written:
        write_text_atomic(os.path.join(unit_dir, name), change.desired[name])
    if change.written or change.removed:
        systemd.run("daemon-reload")
    if change.removed:  # a stopped socat exits non-zero: forget its failed state so nothing lingers
        systemd.run("reset-failed", *change.removed, check=False)
    if change.enabled:
        systemd.run("enable", *change.enabled)
    systemd.run("start", TARGET)
    if change.restarted:
        systemd.run("restart", *change.restarted, check=False)
    if change.started:
        systemd.run("start", *change.started, check=False)

    touched = sorted(set(change.restarted) | set(change.started))
    states = wait_active(systemd, touched, start_timeout, clock, sleep)
    failed = [name for name, state in states.items() if state != "active"]
    if failed:
        rollback(systemd, unit_dir, failed, change.current)
        details = "; ".join(f"{name}: {describe(name) or states[name]}" for name in failed)
        raise UnitError(
            f"relay unit(s) did not stay up and were put back as they were ({', '.join(failed)}): {details}"
        )


def rollback(systemd: Systemd, unit_dir: str, failed: list[str], previous: dict[str, str]) -> None:
    """A changed unit gets its previous file back and restarts with it; a new one is stopped and removed."""
    for name in failed:
        path = os.path.join(unit_dir, name)
        if name in previous:
            write_text_atomic(path, previous[name])
        else:
            systemd.run("disable", "--now", name, check=False)
            if os.path.exists(path):
                os.unlink(path)
    systemd.run("daemon-reload", check=False)
    restore = [name for name in failed if name in previous]
    if restore:
        systemd.run("restart", *restore, check=False)


def remove_all(systemd: Systemd, unit_dir: str, names: list[str]) -> None:
    """Every relay unit, the target and the slice: connections ended, stopped, disabled, files gone."""
    end_connections(systemd, names)
    systemd.run("disable", "--now", *names, check=False)
    for name in names:
        os.unlink(os.path.join(unit_dir, name))
    systemd.run("daemon-reload")
    systemd.run("reset-failed", *relay_units(names), check=False)
