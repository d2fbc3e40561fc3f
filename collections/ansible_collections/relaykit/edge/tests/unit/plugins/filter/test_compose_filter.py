# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the relaykit.edge.docker_compose_source filter: host facts in, the Compose v2 source out."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.compose import FilterModule, docker_compose_source
from ansible_collections.relaykit.edge.plugins.module_utils._compose import ComposeSourceError

PACKAGES = {
    "Debian": {"since": "13", "package": "docker-compose"},
    "Ubuntu": {"since": "22.04", "package": "docker-compose-v2"},
}
ARM64 = {
    "url": "http://deb.debian.org/debian/pool/main/d/docker-compose/docker-compose_2.26.1-4_arm64.deb",
    "sha256": "bbafaa666f3e7fa00ad36f2a8bab889f1c791ca8743d674e7267a3d07203869c",
}
FALLBACK = {"Debian": {"since": "12", "debs": {"arm64": ARM64}}}


def facts(distribution: str, version: str, release: str, architecture: str, **more: str) -> dict[str, Any]:
    return {
        "distribution": distribution,
        "distribution_version": version,
        "distribution_major_version": version.split(".")[0],
        "distribution_release": release,
        "architecture": architecture,
        "os_family": "Debian",
        **more,
    }


def test_is_registered() -> None:
    assert FilterModule().filters() == {"docker_compose_source": docker_compose_source}


@pytest.mark.parametrize("release", [("22.04", "jammy"), ("24.04", "noble")])
@pytest.mark.parametrize("architecture", ["x86_64", "aarch64"])
def test_ubuntu_facts(release: tuple[str, str], architecture: str) -> None:
    host = facts("Ubuntu", *release, architecture)
    assert docker_compose_source(host, packages=PACKAGES, fallback=FALLBACK) == {
        "method": "apt",
        "package": "docker-compose-v2",
        "origin": "docker_engine_compose_packages.Ubuntu",
    }


def test_debian_12_arm64_facts() -> None:
    chosen = docker_compose_source(
        facts("Debian", "12.11", "bookworm", "aarch64"), packages=PACKAGES, fallback=FALLBACK
    )
    assert chosen == {
        "method": "deb",
        **ARM64,
        "arch": "arm64",
        "file": "docker-compose_2.26.1-4_arm64.deb",
        "origin": "docker_engine_compose_fallback.Debian.debs.arm64",
    }


def test_dpkg_architecture_is_passed_on() -> None:
    with pytest.raises(AnsibleFilterError, match=r"on armhf \(dpkg; the kernel reports aarch64\)"):
        docker_compose_source(
            facts("Debian", "12.11", "bookworm", "aarch64"), dpkg_architecture="armhf", packages=PACKAGES
        )


def test_the_major_version_stands_in_for_a_version_that_is_not_one() -> None:
    host = facts("Debian", "n/a", "trixie", "x86_64", distribution_major_version="13")
    assert docker_compose_source(host, packages=PACKAGES)["package"] == "docker-compose"
    del host["distribution_version"]
    assert docker_compose_source(host, packages=PACKAGES)["package"] == "docker-compose"


def test_the_users_settings_are_passed_on() -> None:
    host = facts("Debian", "12.11", "bookworm", "armv7l")
    chosen = docker_compose_source(
        host, packages=PACKAGES, fallback=FALLBACK, deb_url="https://example.com/dc_armhf.deb", deb_sha256="0" * 64
    )
    assert (chosen["arch"], chosen["origin"]) == ("armhf", "docker_engine_compose_deb_url")
    chosen = docker_compose_source(host, source="apt", package="docker-compose-plugin")
    assert chosen["package"] == "docker-compose-plugin"


def test_no_source_is_a_filter_error_naming_the_architecture_and_the_variable() -> None:
    with pytest.raises(AnsibleFilterError) as info:
        docker_compose_source(facts("Debian", "12.11", "bookworm", "armv7l"), packages=PACKAGES, fallback=FALLBACK)
    assert isinstance(info.value.__cause__, ComposeSourceError)
    message = str(info.value)
    assert "no Compose v2 source for Debian 12.11 (bookworm) on armhf" in message
    assert "docker_engine_compose_deb_url" in message


def test_an_os_family_apt_does_not_manage() -> None:
    with pytest.raises(AnsibleFilterError, match="family is RedHat"):
        docker_compose_source(facts("Fedora", "40", "", "x86_64", os_family="RedHat"), packages=PACKAGES)


def test_rejects_what_is_not_facts() -> None:
    with pytest.raises(AnsibleFilterError, match="expects the host's facts, got str"):
        docker_compose_source("Debian")
