# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/import.yml, run for real: a Port Relay .env file becomes inventories/<site>/."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import stat
import subprocess
from collections.abc import Callable, Iterator
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


# --- Relay46: a config.yaml becomes the vps and nas groups of inventories/<site>/ ----------------------------

RELAY46_TOKEN = "cf-import-token-0123456789abcdef"
RELAY46_ZONE = "0123456789abcdef0123456789abcdef"
# The seed README's config.yaml (its Server, NAS, Services and Cloudflare examples), with Cloudflare enabled.
RELAY46_SEED = f"""\
server:
  host: "203.0.113.10"
  port: 22
  user: "root"
  http_port: 80      # ACME challenge listener
  https_port: 8444   # reverse proxy port (use non-443 if Xray occupies 443)

nas:
  host: "nas"        # SSH config alias or direct hostname
  user: "your_user"
  # deploy_path: "~/relay46"

services:
  # Service running on NAS itself
  - name: "web-panel"
    domain: "panel.example.com"
    backend_port: 5666
    websocket: true
    host_header: "frontend"    # forward original Host header
    timeout:
      connect: 60
      send: 60
      read: 60

  # Service running on a different LAN device (VM, IoT, etc.)
  - name: "router"
    domain: "router.example.com"
    backend_port: 8082             # VPS → NAS relay port
    local_backend: "192.168.0.2:80"  # NAS → LAN device
    websocket: true
    host_header: "backend"         # forward backend address as Host

tcp_services:
  - name: "ssh"
    listen_port: 2222
    backend_port: 22

  - name: "router-ssh"
    listen_port: 2223
    backend_port: 2223
    local_backend: "192.168.0.2:22"  # NAS → LAN device SSH

cloudflare:
  enabled: true
  api_token: "{RELAY46_TOKEN}"   # Zone:DNS:Edit permission
  zone_id: "{RELAY46_ZONE}"
  proxied: false
"""
RELAY46_TIMEOUT = {"connect": 60, "send": 60, "read": 60}
RELAY46_VARS: dict[str, Any] = {
    "relay46_http_port": 80,
    "relay46_https_port": 8444,
    "relay46_services": [
        {
            "name": "web-panel",
            "domain": "panel.example.com",
            "backend_port": 5666,
            "websocket": True,
            "host_header": "frontend",
            "timeout": RELAY46_TIMEOUT,
        },
        {
            "name": "router",
            "domain": "router.example.com",
            "backend_port": 8082,
            "local_backend": "192.168.0.2:80",
            "websocket": True,
            "host_header": "backend",
            "timeout": RELAY46_TIMEOUT,
        },
    ],
    "relay46_tcp_services": [
        {"name": "ssh", "listen_port": 2222, "backend_port": 22},
        {"name": "router-ssh", "listen_port": 2223, "backend_port": 2223, "local_backend": "192.168.0.2:22"},
    ],
    "relay46_cloudflare": {
        "enabled": True,
        "api_token": "{{ vault_relay46_cloudflare_api_token }}",
        "zone_id": RELAY46_ZONE,
        "proxied": False,
    },
}
RELAY46_HOSTS: dict[str, Any] = {
    "all": {
        "children": {
            "vps": {"hosts": {"vps1": {"ansible_host": "203.0.113.10", "ansible_port": 22, "ansible_user": "root"}}},
            "nas": {"hosts": {"nas1": {"ansible_host": "nas", "ansible_user": "your_user"}}},
        }
    }
}


def relay46_files(site: str) -> tuple[Path, Path, Path]:
    base = ROOT / "inventories" / site
    return base / "hosts.yml", base / "group_vars" / "all" / "relay46.yml", base / "group_vars" / "all" / "vault.yml"


def write_relay46(directory: Path, text: str = RELAY46_SEED) -> Path:
    path = directory / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_verbose(*args: str) -> tuple[int, str]:
    """ansible-playbook with -vvv from the repository root: everything a run can print."""
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-vvv", *args],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}, "ANSIBLE_NOCOLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture(scope="module")
def imported_relay46(
    module_site: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, int, str]]:
    """One import of the seed README's config.yaml, run with -vvv, shared by the read-only tests below."""
    # module_site is shared with the .env tests of this module: this import gets a site of its own.
    site = f"{module_site}-relay46"
    config = write_relay46(tmp_path_factory.mktemp("relay46"))
    returncode, output = run_verbose(PLAYBOOK, "-e", f"relay46_config={config}", "-e", f"site={site}")
    yield site, config, returncode, output
    shutil.rmtree(ROOT / "inventories" / site, ignore_errors=True)


def test_relay46_first_run_writes_the_inventory(imported_relay46: tuple[str, Path, int, str]) -> None:
    site, config, returncode, output = imported_relay46
    assert returncode == 0, output
    hosts, relay46, vault = relay46_files(site)
    assert yaml.safe_load(hosts.read_text(encoding="utf-8")) == RELAY46_HOSTS
    assert yaml.safe_load(relay46.read_text(encoding="utf-8")) == RELAY46_VARS
    assert yaml.safe_load(vault.read_text(encoding="utf-8")) == {"vault_relay46_cloudflare_api_token": RELAY46_TOKEN}
    assert not (hosts.parent / "group_vars" / "relays").exists()
    for path in (hosts, relay46, vault):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("---\n") and text.endswith("\n")
        assert f"{config}" in text  # where it came from
    for path in (hosts, relay46):
        assert f"-e relay46_config={config}" in path.read_text(encoding="utf-8")  # how to run it again
    # nas.host is an SSH alias: kept, and said so.
    assert 'nas.host "nas" is a single word: most likely an SSH config alias' in hosts.read_text(encoding="utf-8")
    assert f"ansible-vault encrypt inventories/{site}/group_vars/all/vault.yml" in vault.read_text(encoding="utf-8")
    assert "Not imported" not in relay46.read_text(encoding="utf-8")  # the seed example maps entirely


def test_relay46_token_is_only_in_the_vault_file(imported_relay46: tuple[str, Path, int, str]) -> None:
    site, _, _, output = imported_relay46
    hosts, relay46, vault = relay46_files(site)
    assert RELAY46_TOKEN in vault.read_text(encoding="utf-8")
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert stat.S_IMODE(relay46.stat().st_mode) == 0o644
    for path in (hosts, relay46):
        assert RELAY46_TOKEN not in path.read_text(encoding="utf-8")
    assert RELAY46_TOKEN not in output  # not even with -vvv
    assert f"ansible-vault encrypt inventories/{site}/group_vars/all/vault.yml" in output


def test_relay46_second_run_changes_nothing(imported_relay46: tuple[str, Path, int, str], playbook: Playbook) -> None:
    site, config, _, _ = imported_relay46
    before = [path.read_text(encoding="utf-8") for path in relay46_files(site)]
    again = playbook(PLAYBOOK, relay46_config=config, site=site)
    assert again.returncode == 0, again.output
    assert again.changed == 0, again.output
    assert [path.read_text(encoding="utf-8") for path in relay46_files(site)] == before


def test_relay46_inventory_validates(imported_relay46: tuple[str, Path, int, str]) -> None:
    """validate.yml accepts the written site (its hosts forced to a refused loopback port)."""
    site, _, _, _ = imported_relay46
    returncode, output = run_verbose(
        "-i",
        f"inventories/{site}/hosts.yml",
        "playbooks/validate.yml",
        "-e",
        "ansible_host=127.0.0.1",
        "-e",
        "ansible_port=1",
    )
    assert returncode == 0, output
    assert "UNREACHABLE" not in output
    assert re.search(r"TASK \[Validate the Relay46 services.*\n(.*\n)*?ok: \[vps1\]", output), output
    assert RELAY46_TOKEN not in output


def test_relay46_generated_files_pass_yamllint(imported_relay46: tuple[str, Path, int, str], venv_tool: Tool) -> None:
    site, _, _, _ = imported_relay46
    linted = venv_tool("yamllint", "--strict", f"inventories/{site}")
    assert linted.returncode == 0, linted.output


def test_relay46_reimport_refuses_without_force(site: str, playbook: Playbook, tmp_path: Path) -> None:
    config = write_relay46(tmp_path)
    assert playbook(PLAYBOOK, relay46_config=config, site=site).returncode == 0
    hosts, relay46, vault = relay46_files(site)
    before = [path.read_text(encoding="utf-8") for path in (hosts, relay46, vault)]
    # The config changes: another backend port and another token.
    new_token = "cf-rotated-token-fedcba9876543210"
    write_relay46(tmp_path, RELAY46_SEED.replace("5666", "5667").replace(RELAY46_TOKEN, new_token))

    refused = playbook(PLAYBOOK, relay46_config=config, site=site)
    assert refused.returncode != 0
    assert (
        f"inventories/{site}/group_vars/all/relay46.yml (- in the file now, + what the import writes)" in refused.output
    )
    assert "-     backend_port: 5666" in refused.output
    assert "+     backend_port: 5667" in refused.output
    assert (
        f"inventories/{site}/group_vars/all/vault.yml: holds the API token, so its lines are not shown"
        in refused.output
    )
    assert f"inventories/{site}/hosts.yml (" not in refused.output  # unchanged, not listed
    assert "-e force=true" in refused.output
    assert RELAY46_TOKEN not in refused.output and new_token not in refused.output
    assert [path.read_text(encoding="utf-8") for path in (hosts, relay46, vault)] == before

    forced = playbook(PLAYBOOK, relay46_config=config, site=site, force=True)
    assert forced.returncode == 0, forced.output
    assert RELAY46_TOKEN not in forced.output and new_token not in forced.output
    assert yaml.safe_load(vault.read_text(encoding="utf-8")) == {"vault_relay46_cloudflare_api_token": new_token}
    assert stat.S_IMODE(vault.stat().st_mode) == 0o600
    assert "backend_port: 5667" in relay46.read_text(encoding="utf-8")
    backups = sorted(path.name for path in hosts.parent.rglob("*~"))
    assert len(backups) == 2 and backups[0].startswith("relay46.yml.") and backups[1].startswith("vault.yml."), backups
    vault_backup = next(vault.parent.glob("vault.yml.*~"))
    assert stat.S_IMODE(vault_backup.stat().st_mode) == 0o600  # the old token stays private too


def test_relay46_encrypted_vault_file_is_compared_with_the_vault_password(
    site: str, playbook: Playbook, tmp_path: Path
) -> None:
    config = write_relay46(tmp_path)
    assert playbook(PLAYBOOK, relay46_config=config, site=site).returncode == 0
    _, _, vault = relay46_files(site)
    password = tmp_path / "vault-pass"
    password.write_text("relaykit-test\n", encoding="utf-8")
    vault_tool = str(ROOT / ".venv" / "bin" / "ansible-vault")
    subprocess.run([vault_tool, "encrypt", "--vault-password-file", str(password), str(vault)], check=True, cwd=ROOT)
    encrypted = vault.read_text(encoding="utf-8")

    refused = playbook(PLAYBOOK, relay46_config=config, site=site)  # no password: it cannot be compared
    assert refused.returncode != 0
    assert "vault.yml: encrypted, and no vault password was given to compare it" in refused.output
    returncode, output = run_verbose(
        PLAYBOOK, "-e", f"relay46_config={config}", "-e", f"site={site}", "--vault-password-file", str(password)
    )
    assert returncode == 0, output
    assert vault.read_text(encoding="utf-8") == encrypted  # the same token: left encrypted
    assert RELAY46_TOKEN not in output


def test_relay46_bad_config_writes_nothing(site: str, playbook: Playbook, tmp_path: Path) -> None:
    config = write_relay46(
        tmp_path, RELAY46_SEED.replace('domain: "router.example.com"', 'domain: "panel.example.com"')
    )
    failed = playbook(PLAYBOOK, relay46_config=config, site=site)
    assert failed.returncode != 0
    assert (
        f"{config}: services[1] (name 'router'): domain panel.example.com is already used by services[0] "
        "(name 'web-panel')"
    ) in failed.output
    assert RELAY46_TOKEN not in failed.output
    assert not (ROOT / "inventories" / site).exists()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('api_token: "' + RELAY46_TOKEN + '"', "api_token:", "cloudflare: enabled is true but api_token is missing"),
        ("listen_port: 2223", "listen_port: 2222", "tcp_services[1] (name 'router-ssh'): listen_port 2222 is already"),
        (
            'local_backend: "192.168.0.2:80"',
            'local_backend: "192.168.0.2"',
            "services[1] (name 'router'): local_backend",
        ),
        (
            '  - name: "ssh"\n',
            '  - name: "ssh"\n    protocol: udp\n',
            "tcp_services[0] (name 'ssh'): protocol must be tcp",
        ),
        ('host: "203.0.113.10"', 'host: "YOUR_VPS_IP"', "server.host must be an IP address, a DNS name or an SSH"),
        ("server:", "server: [", "config.yaml line 3: did not find expected ',' or ']'"),  # not YAML
    ],
)
def test_relay46_bad_config_is_named(
    site: str, playbook: Playbook, tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in RELAY46_SEED
    config = write_relay46(tmp_path, RELAY46_SEED.replace(old, new, 1))
    failed = playbook(PLAYBOOK, relay46_config=config, site=site)
    assert failed.returncode != 0
    assert message in failed.output, failed.output
    assert RELAY46_TOKEN not in failed.output
    assert not (ROOT / "inventories" / site).exists()


def test_relay46_missing_file_is_named(site: str, playbook: Playbook, tmp_path: Path) -> None:
    failed = playbook(PLAYBOOK, relay46_config=tmp_path / "nowhere.yaml", site=site)
    assert failed.returncode != 0
    assert f"path: {tmp_path / 'nowhere.yaml'} does not exist" in failed.output
    assert not (ROOT / "inventories" / site).exists()


def test_env_and_relay46_in_one_site(site: str, playbook: Playbook, tmp_path: Path) -> None:
    env, config = write_env(tmp_path), write_relay46(tmp_path)
    both = playbook(PLAYBOOK, port_relay_env=env, relay46_config=config, site=site, relay_host=RELAY_HOST)
    assert both.returncode == 0, both.output
    hosts, relay46, vault = relay46_files(site)
    _, port_relay = site_files(site)
    expected = copy.deepcopy(RELAY46_HOSTS)
    expected["all"]["children"] = {**expected_hosts()["all"]["children"], **expected["all"]["children"]}
    assert yaml.safe_load(hosts.read_text(encoding="utf-8")) == expected
    assert yaml.safe_load(port_relay.read_text(encoding="utf-8")) == PORT_RELAY_VARS
    assert yaml.safe_load(relay46.read_text(encoding="utf-8")) == RELAY46_VARS
    assert vault.is_file()
    text = hosts.read_text(encoding="utf-8")
    assert f"Imported from {env} and {config} by playbooks/import.yml" in text
    assert f"-e port_relay_env={env}" in text and f"-e relay46_config={config}" in text
    again = playbook(PLAYBOOK, port_relay_env=env, relay46_config=config, site=site, relay_host=RELAY_HOST)
    assert again.returncode == 0 and again.changed == 0, again.output
