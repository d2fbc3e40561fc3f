# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd units a role runs: enabled or not, started, restarted or stopped, in one pass.

Two ``systemctl`` calls tell the state of every unit (is-enabled, is-active); only the units
that differ are changed. Pure planning here; the runner is injected, as in _netfilter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

UNIT_RE = re.compile(r"[A-Za-z0-9@._-]+\.(service|timer|target|socket|path|slice|mount)")
STATES = ("started", "restarted", "stopped")
ENABLED_STATES = {"enabled", "enabled-runtime", "static", "alias", "indirect", "generated"}


class UnitError(RelaykitError):
    """A unit that cannot be put in the state asked for; the message names it."""


@dataclass(frozen=True)
class WantUnit:
    name: str
    enabled: bool | None
    state: str | None


def parse_units(entries: Sequence[dict[str, Any]]) -> list[WantUnit]:
    wants = []
    for index, entry in enumerate(entries):
        name = str(entry.get("name") or "")
        if not UNIT_RE.fullmatch(name):
            raise UnitError(f"units[{index}]: name must be a systemd unit name such as x.service, got {name!r}")
        state = entry.get("state")
        if state is not None and state not in STATES:
            raise UnitError(f"units[{index}] ({name}): state must be one of {', '.join(STATES)}, got {state!r}")
        enabled = entry.get("enabled")
        wants.append(WantUnit(name, None if enabled is None else bool(enabled), state))
    return wants


def lines(out: str, count: int) -> list[str]:
    found = [line.strip() for line in out.splitlines()]
    return (found + ["unknown"] * count)[:count]


@dataclass
class Units:
    """``run`` runs systemctl with the given arguments and returns (rc, stdout, stderr)."""

    run: Callable[[Sequence[str]], tuple[int, str, str]]

    def systemctl(self, *args: str) -> str:
        rc, out, err = self.run(list(args))
        if rc != 0:
            raise UnitError(f"systemctl {' '.join(args)} failed: {(err or out).strip()}")
        return out

    def ensure(self, wants: Sequence[WantUnit], daemon_reload: bool, check_mode: bool) -> dict[str, Any]:
        if daemon_reload and not check_mode:
            self.systemctl("daemon-reload")
        names = [want.name for want in wants]
        enabled = lines(self.run(["is-enabled", *names])[1], len(names)) if names else []
        active = lines(self.run(["is-active", *names])[1], len(names)) if names else []
        actions = plan(wants, enabled, active, check_mode)
        if not check_mode:
            for verb, name in actions:
                self.systemctl(verb, name)
        return {
            "changed": bool(actions),
            "actions": [f"{verb} {name}" for verb, name in actions],
            "diff": {
                "before": "".join(f"{n}: {e}, {a}\n" for n, e, a in zip(names, enabled, active)),
                "after": "".join(f"{verb} {name}\n" for verb, name in actions),
            },
        }


def plan(
    wants: Sequence[WantUnit], enabled: Sequence[str], active: Sequence[str], check_mode: bool
) -> list[tuple[str, str]]:
    """The systemctl verbs that bring each unit from its is-enabled/is-active words to what is wanted."""
    actions: list[tuple[str, str]] = []
    for want, is_enabled, is_active in zip(wants, enabled, active):
        missing = is_enabled in ("", "not-found", "unknown") and is_active in ("inactive", "unknown", "")
        if missing and not check_mode and (want.enabled or want.state in ("started", "restarted")):
            raise UnitError(f"{want.name} does not exist on this host (is-enabled: {is_enabled or 'nothing'})")
        if want.enabled is True and is_enabled not in ENABLED_STATES:
            actions.append(("enable", want.name))
        if want.enabled is False and is_enabled in ("enabled", "enabled-runtime"):
            actions.append(("disable", want.name))
        if want.state == "restarted":
            actions.append(("restart", want.name))
        elif want.state == "started" and is_active not in ("active", "reloading", "activating"):
            actions.append(("start", want.name))
        elif want.state == "stopped" and is_active in ("active", "reloading", "activating", "failed"):
            actions.append(("stop", want.name))
    return actions


def settled(snapshot: dict[str, dict[str, str]], entries: Sequence[dict[str, Any]]) -> bool:
    """Whether units are already as wanted in a snapshot of their states (relaykit.edge.host_info's ``units``)."""
    wants = parse_units(entries)
    enabled = [snapshot.get(want.name, {}).get("enabled", "not-found") for want in wants]
    active = [snapshot.get(want.name, {}).get("active", "inactive") for want in wants]
    return not plan(wants, enabled, active, check_mode=True)
