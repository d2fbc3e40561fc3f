# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker_engine role chooses where Compose v2 comes from before it changes anything.

One real ansible-playbook run of the role's preflight (tasks_from: preflight) on several local
hosts, each with the facts of another system (set as cacheable facts, as a fact gathering would)
and its own stand-ins for ``docker`` and ``dpkg`` first on PATH: ``docker compose version`` answers
as on a host without Compose v2 (or with it), ``dpkg --print-architecture`` with the host's
architecture. The stand-ins log every call, so the test also shows that the preflight only asks.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PIN_ARM64 = (
    "http://deb.debian.org/debian/pool/main/d/docker-compose/docker-compose_2.26.1-4_arm64.deb",
    "bbafaa666f3e7fa00ad36f2a8bab889f1c791ca8743d674e7267a3d07203869c",
)


def facts(distribution: str, version: str, release: str, architecture: str) -> dict[str, str]:
    return {
        "distribution": distribution,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "distribution_release": release,
        "architecture": architecture,
        "os_family": "Debian",
    }


# host: (facts, dpkg's architecture, what `docker compose version --short` answers or None for no Compose v2).
# The whole matrix of releases and architectures is in the filter's unit tests; here, one of each outcome.
HOSTS: dict[str, tuple[dict[str, str], str, str | None]] = {
    "ubuntu-noble-arm64": (facts("Ubuntu", "24.04", "noble", "aarch64"), "arm64", None),
    "debian-trixie-amd64": (facts("Debian", "13.1", "trixie", "x86_64"), "amd64", None),
    "debian-bookworm-arm64": (facts("Debian", "12.11", "bookworm", "aarch64"), "arm64", None),
    "debian-bookworm-armhf": (facts("Debian", "12.11", "bookworm", "armv7l"), "armhf", None),
    # Raspberry Pi OS 32-bit: a 64-bit kernel (aarch64) under an armhf userland; dpkg decides.
    "raspios-bookworm-armhf-on-arm64": (facts("Debian", "12.11", "bookworm", "aarch64"), "armhf", None),
    # Compose v2 already there: nothing to choose, even where there would be no source.
    "debian-bookworm-armhf-with-compose": (facts("Debian", "12.11", "bookworm", "armv7l"), "armhf", "2.29.1"),
    # The preflight role's snapshot (relaykit.edge.host_info) is in the play: the role does not ask again.
    "debian-trixie-snapshot-with-compose": (facts("Debian", "13.1", "trixie", "x86_64"), "amd64", None),
    "debian-trixie-snapshot-without-engine": (facts("Debian", "13.1", "trixie", "x86_64"), "amd64", None),
    # A snapshot without the Docker part (preflight_docker false: a play that runs no Docker of relaykit's).
    "debian-trixie-snapshot-without-docker": (facts("Debian", "13.1", "trixie", "x86_64"), "amd64", "2.26.1"),
}


def snapshot(server_rc: int, compose_rc: int, compose_version: str) -> dict[str, Any]:
    return {
        "docker": {
            "cli": server_rc != 127,
            "server_rc": server_rc,
            "server_version": "26.1.5" if server_rc == 0 else "",
            "server_error": "" if server_rc == 0 else "docker: command not found",
            "compose_rc": compose_rc,
            "compose_version": compose_version,
            "images": {},
        },
        "files": {},
        "exists": {},
    }


# host: preflight_host as relaykit.edge.host_info returns it (hosts not named here have none).
SNAPSHOTS = {
    "debian-trixie-snapshot-with-compose": snapshot(0, 0, "2.26.1"),
    "debian-trixie-snapshot-without-engine": snapshot(127, 127, ""),
    "debian-trixie-snapshot-without-docker": {"files": {}, "exists": {}},
}

PLAYBOOK = """\
- name: The docker_engine preflight on faked systems
  hosts: all
  gather_facts: false
  environment:
    PATH: "{{ fake_bin }}:/usr/bin:/bin"
  tasks:
    - name: Fake the facts a gathering would find
      ansible.builtin.set_fact:
        cacheable: true
        distribution: "{{ fake_facts.distribution }}"
        distribution_version: "{{ fake_facts.distribution_version }}"
        distribution_major_version: "{{ fake_facts.distribution_major_version }}"
        distribution_release: "{{ fake_facts.distribution_release }}"
        architecture: "{{ fake_facts.architecture }}"
        os_family: "{{ fake_facts.os_family }}"

    - name: Run the role's preflight, keeping its failure
      block:
        - name: The preflight
          ansible.builtin.include_role:
            name: docker_engine
            tasks_from: preflight
      rescue:
        - name: Keep the failure
          ansible.builtin.set_fact:
            preflight_failure: "{{ ansible_failed_result.msg }}"
            preflight_failed_task: "{{ ansible_failed_task.name }}"

    # Base64, so that no output format can wrap or quote it.
    - name: Show what the preflight chose
      ansible.builtin.debug:
        msg: >-
          compose-result:{{ inventory_hostname }}:{{ {'missing': docker_engine_compose_missing | default(None),
          'chosen': docker_engine_compose_from | default(None),
          'failure': preflight_failure | default(None), 'failed_task': preflight_failed_task | default(None)}
          | to_json | b64encode }}
"""
ASK_ENGINE = "docker version --format {{.Server.Version}}"
ASK_COMPOSE = "docker compose version --short"
CHOOSE = "Choose the distribution's Compose v2 package, else the pinned .deb for the host's architecture"
RESULT_RE = re.compile(r"compose-result:([a-z0-9-]+):([A-Za-z0-9+/=]+)")


def fake_tool(path: Path, log: Path, body: str) -> None:
    path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n{body}')
    path.chmod(0o755)


def run_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update({"ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1", "ANSIBLE_FORCE_COLOR": "0"})
    return env


@pytest.fixture(scope="module")
def preflight(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the preflight once for every host of HOSTS; each host's result, calls and recap."""
    base = tmp_path_factory.mktemp("compose-source")
    hosts: dict[str, Any] = {}
    for name, (host_facts, dpkg_arch, compose) in HOSTS.items():
        fake_bin = base / name / "bin"
        fake_bin.mkdir(parents=True)
        log = base / name / "calls.log"
        log.touch()
        if compose is None:
            docker = "echo \"docker: 'compose' is not a docker command.\" >&2\nexit 1\n"
        else:
            docker = f'[ "$1 $2 $3" = "compose version --short" ] && echo {compose} && exit 0\nexit 1\n'
        fake_tool(fake_bin / "docker", log, docker)
        fake_tool(fake_bin / "dpkg", log, f'[ "$1" = "--print-architecture" ] && echo {dpkg_arch} && exit 0\nexit 2\n')
        hosts[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "fake_bin": str(fake_bin),
            "fake_facts": host_facts,
            **({"preflight_host": SNAPSHOTS[name]} if name in SNAPSHOTS else {}),
        }
    inventory = base / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    playbook = base / "preflight.yml"
    playbook.write_text(PLAYBOOK)
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook)],
        cwd=REPO,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    shown = {name: json.loads(base64.b64decode(data)) for name, data in RESULT_RE.findall(output)}
    results = {}
    for name in HOSTS:
        recap = re.search(
            rf"^{re.escape(name)}\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output, re.M
        )
        assert recap, f"no recap for {name}:\n{output}"
        results[name] = {
            **shown[name],
            "calls": (base / name / "calls.log").read_text().splitlines(),
            "changed": int(recap.group(1)),
        }
    return {"hosts": results, "output": output}


def result(preflight: dict[str, Any], host: str) -> dict[str, Any]:
    found = preflight["hosts"][host]
    assert found["changed"] == 0, preflight["output"]
    return found


def apt(package: str, origin: str) -> dict[str, str]:
    return {"method": "apt", "package": package, "origin": origin}


def deb(pin: tuple[str, str], arch: str) -> dict[str, str]:
    url, sha256 = pin
    return {
        "method": "deb",
        "url": url,
        "sha256": sha256,
        "arch": arch,
        "file": url.rsplit("/", 1)[1],
        "origin": f"docker_engine_compose_fallback.Debian.debs.{arch}",
    }


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("ubuntu-noble-arm64", apt("docker-compose-v2", "docker_engine_compose_packages.Ubuntu")),
        ("debian-trixie-amd64", apt("docker-compose", "docker_engine_compose_packages.Debian")),
        ("debian-bookworm-arm64", deb(PIN_ARM64, "arm64")),
    ],
)
def test_the_source_is_chosen_by_distribution_release_and_architecture(
    preflight: dict[str, Any], host: str, expected: dict[str, str]
) -> None:
    found = result(preflight, host)
    assert found["failure"] is None, found["failure"]
    assert found["missing"] is True
    assert found["chosen"] == expected
    assert found["calls"] == [ASK_ENGINE, ASK_COMPOSE, "dpkg --print-architecture"]


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (
            "debian-bookworm-armhf",
            [
                "no Compose v2 source for Debian 12.11 (bookworm) on armhf",
                "docker_engine_compose_fallback.Debian.debs has no package for armhf (it has: amd64, arm64)",
                "set docker_engine_compose_deb_url and docker_engine_compose_deb_sha256 to a Compose v2 .deb for armhf",
            ],
        ),
        (
            "raspios-bookworm-armhf-on-arm64",
            [
                "no Compose v2 source for Debian 12.11 (bookworm) on armhf (dpkg; the kernel reports aarch64)",
                "docker_engine_compose_deb_url",
            ],
        ),
    ],
)
def test_no_source_fails_the_preflight_naming_the_architecture_and_the_variable(
    preflight: dict[str, Any], host: str, expected: list[str]
) -> None:
    found = result(preflight, host)
    assert found["chosen"] is None
    assert found["failed_task"] == CHOOSE, found
    for part in expected:
        assert part in found["failure"], f"{part!r} missing from {found['failure']!r}"
    assert found["calls"] == [ASK_ENGINE, ASK_COMPOSE, "dpkg --print-architecture"]


def test_a_host_with_compose_v2_needs_no_source(preflight: dict[str, Any]) -> None:
    found = result(preflight, "debian-bookworm-armhf-with-compose")
    assert found == {**found, "missing": False, "chosen": None, "failure": None, "failed_task": None}
    assert found["calls"] == [ASK_ENGINE, ASK_COMPOSE]


def test_the_preflight_snapshot_spares_asking_docker_again(preflight: dict[str, Any]) -> None:
    found = result(preflight, "debian-trixie-snapshot-with-compose")
    assert found == {**found, "missing": False, "chosen": None, "failure": None}
    assert found["calls"] == []
    # A snapshot taken before the engine was installed: Compose is missing, chosen without asking docker.
    found = result(preflight, "debian-trixie-snapshot-without-engine")
    assert found["missing"] is True
    assert found["chosen"] == apt("docker-compose", "docker_engine_compose_packages.Debian")
    assert found["calls"] == ["dpkg --print-architecture"]
    # A snapshot that did not ask Docker (preflight_docker false): the role asks itself.
    found = result(preflight, "debian-trixie-snapshot-without-docker")
    assert found == {**found, "missing": False, "chosen": None, "failure": None}
    assert found["calls"] == [ASK_ENGINE, ASK_COMPOSE]


def test_the_preflight_comes_before_the_engine_is_installed(tmp_path: Path) -> None:
    """The role's task list: the choice is made before its first task that can change the host."""
    playbook = tmp_path / "role.yml"
    playbook.write_text("- name: The role\n  hosts: localhost\n  gather_facts: false\n  roles: [docker_engine]\n")
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", "localhost,", "--list-tasks", str(playbook)],
        cwd=REPO,
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tasks = [line.strip().split("\t")[0] for line in done.stdout.splitlines() if "docker_engine :" in line]
    names = [task.split("docker_engine : ", 1)[1] for task in tasks]
    choose = names.index(
        "Choose the distribution's Compose v2 package, else the pinned .deb for the host's architecture"
    )
    assert names[0].startswith("Validating arguments against arg spec"), names
    assert names[1:choose] == [
        "Check the registry proxy settings",  # read-only: the values the unit drop-in would get
        "Ask the Docker Engine for its version",
        "Ask for the Compose version",
        "Note the engine's and Compose's versions",
        "Note whether the host lacks Compose v2",
        "Find the host's distribution and architecture",
        "Ask dpkg for the host's package architecture",
    ], names
    assert choose < names.index("Install the Docker Engine (none answers)")
