# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host programs run on the collection's own module_utils, installed as relaykit.edge.host_core gathers them:
nothing but those files and the standard library (python -I, no checkout on the path)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _scripts import REPO

sys.path.insert(0, str(REPO / "collections"))

from ansible_collections.relaykit.edge.plugins.module_utils._host_core import (
    HostCoreError,
    closure,
    host_core,
)

MODULE_UTILS = REPO / "collections/ansible_collections/relaykit/edge/plugins/module_utils"
RELAYKIT = REPO / "roles/port_relay/files/relaykit"
DDNS = REPO / "roles/ddns/files/relaykit-ddns"


def role_core(role: str) -> list[str]:
    """The module names a role's vars/main.yml installs (its *_core line), read without PyYAML."""
    text = (REPO / "roles" / role / "vars/main.yml").read_text()
    line = next(line for line in text.splitlines() if line.startswith(f"{role}_core:"))
    return [part.strip(" '") for part in line.split("[", 1)[1].split("]", 1)[0].split(",")]


def install(names: list[str], dest: Path) -> None:
    for entry in host_core(names, str(dest))["files"]:
        path = Path(entry["path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(entry["content"])


def test_the_closure_follows_imports_between_modules() -> None:
    found = closure(["_relays"], str(MODULE_UTILS))
    assert set(found) == {"_relays", "_errors", "_net"}
    assert found["_net"] == (MODULE_UTILS / "_net.py").read_text()


@pytest.mark.skipif(not hasattr(sys, "stdlib_module_names"), reason="the controller's check (Python 3.10+)")
def test_a_module_that_imports_ansible_is_refused() -> None:
    with pytest.raises(HostCoreError, match=r"_cloudflare_api imports ansible\.module_utils\.basic"):
        closure(["_cloudflare_api"], str(MODULE_UTILS))


@pytest.mark.parametrize("name", ["relays", "_relays/../x", "", "_Relays"])
def test_names_are_module_utils_names(name: str) -> None:
    with pytest.raises(HostCoreError):
        closure([name], str(MODULE_UTILS))


def test_files_are_regular_packages_under_dest(tmp_path: Path) -> None:
    core = host_core(["_net"], "/usr/local/lib/relaykit/x")
    paths = [entry["path"] for entry in core["files"]]
    assert "/usr/local/lib/relaykit/x/ansible_collections/__init__.py" in paths
    assert paths[-1] == "/usr/local/lib/relaykit/x/ansible_collections/relaykit/edge/plugins/module_utils/_net.py"
    assert {"path": "/usr/local/lib/relaykit/x"} in core["directories"]


def run_isolated(program: Path, core: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), "RELAYKIT_CORE_DIR": str(core), **env}
    # -I: no PYTHONPATH, no user site, no script directory magic beyond the program's own; the checkout is not seen.
    return subprocess.run(
        [sys.executable, "-I", str(program), *argv], capture_output=True, text=True, env=environment, check=False
    )


def test_relaykit_runs_on_the_installed_core_alone(tmp_path: Path) -> None:
    core = tmp_path / "core"
    install(role_core("port_relay"), core)
    etc = tmp_path / "etc"
    etc.mkdir()
    relay = {
        "name": "web",
        "listen_address": "::",
        "listen_port": 8080,
        "target_host": "198.18.0.9",
        "target_port": 80,
        "protocol": "tcp",
        "engine": "kernel",
        "unit": None,
        "target_addresses": ["198.18.0.9"],
    }
    (etc / "relays.json").write_text(json.dumps({"relays": [relay], "health": {"enabled": False}}))
    done = run_isolated(RELAYKIT, core, "status", "--json", RELAYKIT_CONFIG_DIR=str(etc), RELAYKIT_STATE_DIR=str(etc))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["name"] == "web"


def test_relaykit_without_its_core_fails_on_the_import(tmp_path: Path) -> None:
    done = run_isolated(RELAYKIT, tmp_path / "missing", "status")
    assert done.returncode == 1
    assert "ModuleNotFoundError" in done.stderr


def test_relaykit_ddns_runs_on_the_installed_core_alone(tmp_path: Path) -> None:
    core = tmp_path / "core"
    install(role_core("ddns"), core)
    done = run_isolated(DDNS, core, "--status", "--state-file", str(tmp_path / "state.json"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"last_run": None}
