# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/import.yml, run for real: a Port Relay .env file becomes inventories/<site>/."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = "playbooks/import.yml"
RELAY_HOST = "203.0.113.10"
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
PORT_RELAY_VARS: dict[str, Any] = {
    "port_relays": [
        "50025;25;btc.trustpool.cc;TCP",
        "50443;443;btc.trustpool.cc;TCP",
        "51820;51820;vpn.example.com;UDP",
    ],
    "port_relay_connect_timeout": 15,
    "port_relay_keepalive_idle": 30,
    "port_relay_keepalive_interval": 10,
    "port_relay_keepalive_count": 3,
    "port_relay_logging": True,
    "port_relay_health_check": True,
    "port_relay_health_check_timeout": 10,
    "port_relay_health_check_retries": 3,
}

Playbook = Callable[..., Any]  # conftest.run_playbook -> conftest.Run (returncode, output, changed)
Tool = Callable[..., Any]


def site_files(site: str) -> tuple[Path, Path]:
    base = ROOT / "inventories" / site
    return base / "hosts.yml", base / "group_vars" / "relays" / "port_relay.yml"


def write_env(directory: Path, text: str = SEED) -> Path:
    path = directory / "port-relay.env"
    path.write_text(text, encoding="utf-8")
    return path


def expected_hosts(name: str = "relay1", host: str = RELAY_HOST, user: str = "root") -> dict[str, Any]:
    return {"all": {"children": {"relays": {"hosts": {name: {"ansible_host": host, "ansible_user": user}}}}}}


@pytest.fixture(scope="module")
def imported(module_site: str, playbook: Playbook, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Any]:
    """One import of the seed example, shared by the read-only tests below."""
    env = write_env(tmp_path_factory.mktemp("seed"))
    return module_site, env, playbook(PLAYBOOK, port_relay_env=env, site=module_site, relay_host=RELAY_HOST)


def test_first_run_writes_the_inventory(imported: tuple[str, Path, Any]) -> None:
    site, env, first = imported
    assert first.returncode == 0, first.output
    assert first.changed > 0
    hosts, port_relay = site_files(site)
    assert yaml.safe_load(hosts.read_text(encoding="utf-8")) == expected_hosts()
    assert yaml.safe_load(port_relay.read_text(encoding="utf-8")) == PORT_RELAY_VARS
    for path in (hosts, port_relay):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n")
        assert text.endswith("\n")
        assert f"Imported from {env} by playbooks/import.yml" in text
        assert f"-e port_relay_env={env}" in text  # how to run it again
        assert f"-e site={site}" in text


def test_second_run_changes_nothing(imported: tuple[str, Path, Any], playbook: Playbook) -> None:
    site, env, _ = imported
    before = [path.read_text(encoding="utf-8") for path in site_files(site)]
    again = playbook(PLAYBOOK, port_relay_env=env, site=site, relay_host=RELAY_HOST)
    assert again.returncode == 0, again.output
    assert again.changed == 0, again.output
    assert [path.read_text(encoding="utf-8") for path in site_files(site)] == before


def test_ansible_inventory_reads_the_site(imported: tuple[str, Path, Any], inventory: Tool) -> None:
    site, _, _ = imported
    listed = inventory("-i", f"inventories/{site}/hosts.yml", "--list")
    assert listed.returncode == 0, listed.output
    data = json.loads(listed.output[listed.output.index("{") :])
    assert data["relays"]["hosts"] == ["relay1"]
    assert data["_meta"]["hostvars"]["relay1"] == {
        "ansible_host": RELAY_HOST,
        "ansible_user": "root",
        **PORT_RELAY_VARS,
    }


def test_generated_files_pass_yamllint(imported: tuple[str, Path, Any], venv_tool: Tool) -> None:
    site, _, _ = imported
    linted = venv_tool("yamllint", "--strict", f"inventories/{site}")
    assert linted.returncode == 0, linted.output


def test_edited_file_is_kept_until_force(imported: tuple[str, Path, Any], playbook: Playbook) -> None:
    # Uses the shared import and leaves it as imported (force=true puts the import back).
    site, env, _ = imported
    args = {"port_relay_env": env, "site": site, "relay_host": RELAY_HOST}
    hosts, port_relay = site_files(site)
    imported_text = port_relay.read_text(encoding="utf-8")
    edited = imported_text.replace("port_relay_keepalive_idle: 30", "port_relay_keepalive_idle: 45  # tuned by hand")
    port_relay.write_text(edited, encoding="utf-8")
    hosts_before = hosts.read_text(encoding="utf-8")

    refused = playbook(PLAYBOOK, **args)
    assert refused.returncode != 0
    assert f"inventories/{site}/group_vars/relays/port_relay.yml" in refused.output
    assert f"inventories/{site}/hosts.yml (" not in refused.output  # hosts.yml is unchanged, not listed
    assert "- port_relay_keepalive_idle: 45  # tuned by hand" in refused.output
    assert "+ port_relay_keepalive_idle: 30" in refused.output
    assert "-e force=true" in refused.output
    assert port_relay.read_text(encoding="utf-8") == edited
    assert hosts.read_text(encoding="utf-8") == hosts_before

    forced = playbook(PLAYBOOK, force=True, **args)
    assert forced.returncode == 0, forced.output
    # Byte for byte what the import writes: the next run changes nothing (test_second_run_changes_nothing).
    assert port_relay.read_text(encoding="utf-8") == imported_text
    backups = list(port_relay.parent.glob("port_relay.yml.*~"))
    assert len(backups) == 1, backups  # next to the file, and ignored by Ansible as group_vars (a name ending in ~)
    assert backups[0].read_text(encoding="utf-8") == edited
    assert backups[0].name in forced.output
    assert not list(hosts.parent.glob("hosts.yml.*~"))  # an unchanged file is not backed up
    assert forced.changed > 0


def test_existing_site_that_differs_is_not_overwritten(site: str, playbook: Playbook, tmp_path: Path) -> None:
    hosts, port_relay = site_files(site)
    hosts.parent.mkdir(parents=True)
    own = (ROOT / "inventories" / "example" / "hosts.yml").read_text(encoding="utf-8")
    hosts.write_text(own, encoding="utf-8")

    refused = playbook(PLAYBOOK, port_relay_env=write_env(tmp_path), site=site, relay_host=RELAY_HOST)
    assert refused.returncode != 0
    assert f"inventories/{site}/hosts.yml (- in the file now, + what the import writes)" in refused.output
    assert hosts.read_text(encoding="utf-8") == own
    assert not port_relay.exists()  # nothing at all is written


@pytest.mark.parametrize("missing", ["port_relay_env", "site", "relay_host"])
def test_missing_extra_var_is_named(missing: str, site: str, playbook: Playbook, tmp_path: Path) -> None:
    args = {"port_relay_env": write_env(tmp_path), "site": site, "relay_host": RELAY_HOST}
    del args[missing]
    failed = playbook(PLAYBOOK, **args)
    assert failed.returncode != 0
    assert f"{missing} is required" in failed.output
    assert set(re.findall(r"(\w+) is required", failed.output)) == {missing}
    assert not (ROOT / "inventories" / site).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("lab", "site 'lab' is reserved"),
        ("example", "site 'example' is reserved"),
        ("My_Site", "site must be lower-case letters, digits, '-' and '_'"),
    ],
)
def test_bad_site_name_is_refused(name: str, message: str, playbook: Playbook, tmp_path: Path) -> None:
    lab_before = sorted(path.name for path in (ROOT / "inventories" / "lab").rglob("*"))
    failed = playbook(PLAYBOOK, port_relay_env=write_env(tmp_path), site=name, relay_host=RELAY_HOST)
    assert failed.returncode != 0
    assert message in failed.output
    if name not in ("lab", "example"):
        assert not (ROOT / "inventories" / name).exists()
    assert sorted(path.name for path in (ROOT / "inventories" / "lab").rglob("*")) == lab_before


def test_bad_relay_line_names_its_key(site: str, playbook: Playbook, tmp_path: Path) -> None:
    env = write_env(tmp_path, SEED.replace('RELAY_4="51820;51820;vpn.example.com;UDP"', 'RELAY_4="51820;vpn;UDP"'))
    failed = playbook(PLAYBOOK, port_relay_env=env, site=site, relay_host=RELAY_HOST)
    assert failed.returncode != 0
    assert f"{env} line 3: RELAY_4 ('51820;vpn;UDP'): a seed line must have 4 fields" in failed.output
    assert not (ROOT / "inventories" / site).exists()
