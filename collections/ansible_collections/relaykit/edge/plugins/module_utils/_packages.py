# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian packages relaykit needs, installed only where missing and never at another package's cost.

apt removes a package that ``Breaks`` or ``Conflicts`` with one it is asked to install, silently,
in a non-interactive run (ufw ``Breaks: netfilter-persistent``: installing it would take a host's
firewall away). Every install is therefore simulated first (``apt-get -s``); a plan that removes
anything is refused before it runs, naming what would go and why.

A host that already has everything is answered from ``dpkg-query`` alone: no package lists, no
apt cache, which keeps no-change runs cheap.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

APT_ENV = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
LISTS_DIR = "/var/lib/apt/lists"
UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+(:[a-z0-9]+)?")
PLAN_LINE_RE = re.compile(r"^(Inst|Remv|Purg) (\S+)")


class PackageError(RelaykitError):
    """A package that cannot be installed as asked; the message names it and what to do."""


@dataclass
class Plan:
    """What apt would do: packages it would install and packages it would take away."""

    install: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


def validate_names(names: Sequence[str]) -> list[str]:
    wanted: list[str] = []
    for name in names:
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise PackageError(f"names: {name!r} is not a Debian package name")
        if name not in wanted:
            wanted.append(name)
    return wanted


def parse_installed(output: str) -> set[str]:
    """Installed packages from ``dpkg-query -W -f '${Package} ${db:Status-Abbrev}\\n'``."""
    installed: set[str] = set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("ii"):
            installed.add(parts[0].split(":")[0])
    return installed


def parse_plan(output: str) -> Plan:
    """The ``Inst``/``Remv`` lines of ``apt-get -s install``."""
    plan = Plan()
    for line in output.splitlines():
        found = PLAN_LINE_RE.match(line)
        if not found:
            continue
        verb, name = found.groups()
        (plan.install if verb == "Inst" else plan.remove).append(name)
    return plan


def refusal(wanted: Sequence[str], plan: Plan, explanation: str) -> str:
    why = " ".join(line.strip() for line in explanation.splitlines() if "Breaks" in line or "Conflicts" in line)
    return (
        f"installing {', '.join(wanted)} would make apt remove {', '.join(plan.remove)}"
        f"{' (' + why + ')' if why else ''}: relaykit never removes a package it did not install. "
        "Resolve the conflict on the host yourself, or turn off the relaykit feature that needs the package."
    )


def lists_age(now: float) -> float:
    """Seconds since the package lists were last refreshed (infinite when there are none)."""
    try:
        if not any(name.endswith("_Packages") or "_Packages." in name for name in os.listdir(LISTS_DIR)):
            return float("inf")
    except OSError:
        return float("inf")
    stamps = [path for path in (UPDATE_STAMP, LISTS_DIR) if os.path.exists(path)]
    return now - max(os.path.getmtime(path) for path in stamps)


@dataclass
class Packages:
    """Install what is missing of ``names``; ``run`` runs argv and returns (rc, stdout, stderr)."""

    run: Callable[[Sequence[str]], tuple[int, str, str]]
    install_recommends: bool = False
    cache_valid_time: int = 3600
    clock: Callable[[], float] = time.time

    def missing(self, names: Sequence[str]) -> list[str]:
        _rc, out, _err = self.run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Abbrev}\n", *names])
        installed = parse_installed(out)
        return [name for name in names if name.split(":")[0] not in installed]

    def refresh_lists(self) -> bool:
        if lists_age(self.clock()) < self.cache_valid_time:
            return False
        # Acquire::Retries: apt itself tries a download again when a mirror fails for a moment.
        rc, out, err = self.run(["apt-get", "-q", "update", "-o", "Acquire::Retries=3"])
        if rc != 0:
            raise PackageError(f"apt-get update failed: {(err or out).strip()[-800:]}")
        return True

    def options(self) -> list[str]:
        return ["--no-install-recommends"] if not self.install_recommends else ["--install-recommends"]

    def simulate(self, names: Sequence[str]) -> Plan:
        rc, out, err = self.run(["apt-get", "-s", "-q", "-y", *self.options(), "install", *names])
        if rc != 0:
            raise PackageError(f"apt cannot install {', '.join(names)}: {(err or out).strip()[-800:]}")
        plan = parse_plan(out)
        if plan.remove:
            raise PackageError(refusal(names, plan, out))
        return plan

    def install(self, names: Sequence[str]) -> None:
        argv = [
            "apt-get",
            "-q",
            "-y",
            "-o",
            "Dpkg::Options::=--force-confdef",
            "-o",
            "Dpkg::Options::=--force-confold",
            "-o",
            "Acquire::Retries=3",
            *self.options(),
            "install",
            *names,
        ]
        rc, out, err = self.run(argv)
        if rc != 0:
            raise PackageError(f"apt-get install {' '.join(names)} failed: {(err or out).strip()[-800:]}")

    def ensure(self, names: Sequence[str], check_mode: bool) -> dict:
        wanted = validate_names(names)
        missing = self.missing(wanted) if wanted else []
        if not missing:
            return {"changed": False, "installed": [], "missing": []}
        # Package lists are not configuration: refreshed in check mode too, so the plan is real.
        self.refresh_lists()
        plan = self.simulate(missing)
        diff = {"before": "".join(f"{name}: absent\n" for name in missing), "after": ""}
        diff["after"] = "".join(f"{name}: installed\n" for name in missing)
        result = {"changed": True, "missing": missing, "installed": plan.install, "diff": diff}
        if not check_mode:
            self.install(missing)
            still = self.missing(missing)
            if still:
                raise PackageError(f"apt-get reported success but {', '.join(still)} is still not installed")
        return result
