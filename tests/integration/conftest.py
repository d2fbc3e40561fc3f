# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the repository's playbooks for real, from the repository root, as a user would."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
ANSIBLE_INVENTORY = ROOT / ".venv" / "bin" / "ansible-inventory"
RECAP_RE = re.compile(r"^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


@dataclass
class Run:
    returncode: int
    output: str  # stdout and stderr

    @property
    def changed(self) -> int:
        match = RECAP_RE.search(self.output)
        assert match, f"no PLAY RECAP for localhost in:\n{self.output}"
        return int(match.group(2))


def ansible_env() -> dict[str, str]:
    """The environment of the tests, without colours or anything that would move ansible.cfg or the collections."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1", "PY_COLORS": "0"})
    return env


def run(command: list[str | Path]) -> Run:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=ansible_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout)


@pytest.fixture(scope="session")
def playbook() -> Callable[..., Run]:
    """``playbook("playbooks/import.yml", site="x", force=True)`` runs it with each keyword as ``-e key=value``."""

    def run_playbook(path: str, **extra_vars: object) -> Run:
        command: list[str | Path] = [ANSIBLE_PLAYBOOK, path]
        for key, value in extra_vars.items():
            command += ["-e", f"{key}={str(value).lower() if isinstance(value, bool) else value}"]
        return run(command)

    return run_playbook


@pytest.fixture(scope="session")
def inventory() -> Callable[..., Run]:
    """``inventory("-i", "inventories/x/hosts.yml", "--list")`` runs ansible-inventory."""
    return lambda *args: run([ANSIBLE_INVENTORY, *args])


@pytest.fixture(scope="session")
def venv_tool() -> Callable[..., Run]:
    """``venv_tool("yamllint", "--strict", "inventories/x")`` runs a tool of the virtualenv."""
    return lambda tool, *args: run([ROOT / ".venv" / "bin" / tool, *args])


def new_site() -> str:
    return f"pytest-import-{secrets.token_hex(4)}"


@pytest.fixture
def site() -> Iterator[str]:
    """A site name no one uses; its inventories/<name> is removed afterwards."""
    name = new_site()
    yield name
    shutil.rmtree(ROOT / "inventories" / name, ignore_errors=True)


@pytest.fixture(scope="module")
def module_site() -> Iterator[str]:
    """Like ``site``, shared by the tests of one module."""
    name = new_site()
    yield name
    shutil.rmtree(ROOT / "inventories" / name, ignore_errors=True)
