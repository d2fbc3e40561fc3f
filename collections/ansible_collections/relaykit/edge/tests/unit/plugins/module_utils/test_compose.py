# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of compose_source: the distribution's Compose v2 package, else a pinned .deb, else an error naming
the system, the architecture and the variable to set."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._compose import (
    ComposeSourceError,
    compose_source,
    debian_architecture,
    parse_version,
)
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

POOL = "http://deb.debian.org/debian/pool/main/d/docker-compose"
AMD64_URL = f"{POOL}/docker-compose_2.26.1-4_amd64.deb"
AMD64_SHA = "47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea"
ARM64_URL = f"{POOL}/docker-compose_2.26.1-4_arm64.deb"
ARM64_SHA = "bbafaa666f3e7fa00ad36f2a8bab889f1c791ca8743d674e7267a3d07203869c"
ARMHF_URL = "https://mirror.example.com/debian/docker-compose_2.26.1-4_armhf.deb"
ARMHF_SHA = "ab" * 32

# The docker_engine role's defaults.
PACKAGES = {
    "Debian": {"since": "13", "package": "docker-compose"},
    "Ubuntu": {"since": "22.04", "package": "docker-compose-v2"},
}
FALLBACK = {
    "Debian": {
        "since": "12",
        "debs": {"amd64": {"url": AMD64_URL, "sha256": AMD64_SHA}, "arm64": {"url": ARM64_URL, "sha256": ARM64_SHA}},
    }
}

SYSTEMS = {
    "debian11": ("Debian", "11.11", "bullseye"),
    "debian12": ("Debian", "12.11", "bookworm"),
    "debian13": ("Debian", "13.1", "trixie"),
    "ubuntu2004": ("Ubuntu", "20.04", "focal"),
    "ubuntu2204": ("Ubuntu", "22.04", "jammy"),
    "ubuntu2404": ("Ubuntu", "24.04", "noble"),
    "fedora40": ("Fedora", "40", ""),
}


def choose(system: str, architecture: str, **settings: Any) -> dict:
    distribution, version, release = SYSTEMS[system]
    settings.setdefault("packages", PACKAGES)
    settings.setdefault("fallback", FALLBACK)
    return compose_source(distribution, version, release, architecture, **settings)


def refusal(system: str, architecture: str, **settings: Any) -> str:
    with pytest.raises(ComposeSourceError) as info:
        choose(system, architecture, **settings)
    assert isinstance(info.value, RelaykitError)
    return str(info.value)


def apt(package: str, origin: str) -> dict:
    return {"method": "apt", "package": package, "origin": origin}


def pinned(arch: str, url: str, sha256: str) -> dict:
    return {
        "method": "deb",
        "url": url,
        "sha256": sha256,
        "arch": arch,
        "file": url.rsplit("/", 1)[1],
        "origin": f"docker_engine_compose_fallback.Debian.debs.{arch}",
    }


# --- the default tables ---------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["x86_64", "aarch64"])
def test_debian_13_takes_its_own_package(architecture: str) -> None:
    assert choose("debian13", architecture) == apt("docker-compose", "docker_engine_compose_packages.Debian")


def test_debian_12_amd64_takes_the_amd64_pin() -> None:
    assert choose("debian12", "x86_64") == pinned("amd64", AMD64_URL, AMD64_SHA)


def test_debian_12_arm64_takes_the_arm64_pin() -> None:
    assert choose("debian12", "aarch64") == pinned("arm64", ARM64_URL, ARM64_SHA)


@pytest.mark.parametrize("system", ["ubuntu2204", "ubuntu2404"])
@pytest.mark.parametrize("architecture", ["x86_64", "aarch64"])
def test_ubuntu_takes_docker_compose_v2(system: str, architecture: str) -> None:
    assert choose(system, architecture) == apt("docker-compose-v2", "docker_engine_compose_packages.Ubuntu")


def test_debian_versions_compare_as_numbers_not_text() -> None:
    """Debian 13's point releases are 13.x; a 10 sorts before 13 as a number, not as text."""
    assert choose("debian13", "x86_64", packages={"Debian": {"since": "9", "package": "docker-compose"}})["method"] == (
        "apt"
    )
    assert compose_source("Debian", "13", "trixie", "x86_64", packages=PACKAGES)["package"] == "docker-compose"


def test_debian_11_has_no_source_and_names_the_variables() -> None:
    message = refusal("debian11", "x86_64")
    assert message.startswith("no Compose v2 source for Debian 11.11 (bullseye) on amd64: ")
    assert "docker_engine_compose_packages.Debian is for 13 and later" in message
    assert "docker_engine_compose_fallback.Debian is for Debian 12 and later" in message
    assert "set docker_engine_compose_deb_url and docker_engine_compose_deb_sha256 to a Compose v2 .deb for amd64" in (
        message
    )


def test_debian_12_armhf_has_no_source_and_names_the_architecture_and_the_variables() -> None:
    message = refusal("debian12", "armv7l")
    assert message.startswith("no Compose v2 source for Debian 12.11 (bookworm) on armhf: ")
    assert "docker_engine_compose_fallback.Debian.debs has no package for armhf (it has: amd64, arm64)" in message
    assert "docker_engine_compose_deb_url and docker_engine_compose_deb_sha256" in message
    assert "docker_engine_compose_source to apt with docker_engine_compose_package" in message


def test_ubuntu_20_04_has_no_source() -> None:
    message = refusal("ubuntu2004", "x86_64")
    assert "Ubuntu 20.04 (focal) has no Compose v2 package of its own" in message
    assert "docker_engine_compose_fallback has no pinned package for Ubuntu" in message
    assert "docker_engine_compose_deb_url" in message


def test_an_unknown_distribution_has_no_source() -> None:
    message = refusal("fedora40", "x86_64")
    assert message.startswith("no Compose v2 source for Fedora 40 on amd64: ")
    assert "docker_engine_compose_packages names no Compose v2 package of Fedora" in message
    assert "docker_engine_compose_fallback has no pinned package for Fedora" in message


def test_a_system_apt_does_not_manage_is_refused_whatever_is_set() -> None:
    message = refusal("fedora40", "x86_64", os_family="RedHat", deb_url=ARMHF_URL, deb_sha256=ARMHF_SHA)
    assert "relaykit installs Compose with apt and dpkg" in message
    assert "family is RedHat" in message


# --- architectures --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "debian"),
    [
        ("x86_64", "amd64"),
        ("aarch64", "arm64"),
        ("armv7l", "armhf"),
        ("armv6l", "armhf"),
        ("i686", "i386"),
        ("ppc64le", "ppc64el"),
        ("s390x", "s390x"),
        ("riscv64", "riscv64"),
        ("amd64", "amd64"),
        ("mips64", "mips64"),
    ],
)
def test_architecture_facts_map_to_debian_names(fact: str, debian: str) -> None:
    assert debian_architecture(fact) == debian


def test_dpkg_architecture_wins_over_the_kernel() -> None:
    """Raspberry Pi OS 32-bit: the kernel is aarch64, the packages armhf; an arm64 .deb would not install."""
    assert debian_architecture("aarch64", "armhf\n") == "armhf"
    message = refusal("debian12", "aarch64", dpkg_architecture="armhf")
    assert "on armhf (dpkg; the kernel reports aarch64)" in message
    assert "for armhf" in message


def test_dpkg_architecture_alone_is_enough() -> None:
    assert choose("debian12", "", dpkg_architecture="arm64") == pinned("arm64", ARM64_URL, ARM64_SHA)


def test_no_architecture_at_all_is_an_error() -> None:
    with pytest.raises(ComposeSourceError, match="architecture is unknown"):
        choose("debian12", "")


# --- the user's choices ---------------------------------------------------------------------------------


def test_a_deb_of_the_users_own_for_armhf() -> None:
    assert choose("debian12", "armv7l", deb_url=ARMHF_URL, deb_sha256=ARMHF_SHA) == {
        "method": "deb",
        "url": ARMHF_URL,
        "sha256": ARMHF_SHA,
        "arch": "armhf",
        "file": "docker-compose_2.26.1-4_armhf.deb",
        "origin": "docker_engine_compose_deb_url",
    }


def test_a_deb_of_the_users_own_for_debian_11() -> None:
    chosen = choose("debian11", "x86_64", deb_url=ARMHF_URL, deb_sha256=ARMHF_SHA.upper())
    assert chosen["origin"] == "docker_engine_compose_deb_url"
    assert chosen["sha256"] == ARMHF_SHA


def test_the_users_deb_replaces_the_pin_but_not_the_distributions_package() -> None:
    mirror = "http://mirror.example.com/docker-compose_2.26.1-4_amd64.deb"
    assert choose("debian12", "x86_64", deb_url=mirror, deb_sha256=AMD64_SHA)["url"] == mirror
    assert choose("debian13", "x86_64", deb_url=mirror, deb_sha256=AMD64_SHA)["method"] == "apt"


def test_a_url_without_a_deb_name_is_saved_under_a_name_of_its_own() -> None:
    chosen = choose(
        "debian12", "armv7l", deb_url="https://mirror.example.com/get?package=compose", deb_sha256=ARMHF_SHA
    )
    assert chosen["file"] == "docker-compose_armhf.deb"


def test_forcing_apt_takes_the_distributions_package() -> None:
    assert choose("ubuntu2404", "aarch64", source="apt") == apt(
        "docker-compose-v2", "docker_engine_compose_packages.Ubuntu"
    )


def test_forcing_apt_with_a_package_of_the_users_own_on_any_release() -> None:
    expected = apt("docker-compose-plugin", "docker_engine_compose_package")
    assert choose("debian12", "armv7l", source="apt", package="docker-compose-plugin") == expected
    assert choose("debian11", "x86_64", source="apt", package="docker-compose-plugin") == expected


def test_a_package_of_the_users_own_replaces_the_distributions_in_auto() -> None:
    expected = apt("docker-compose-plugin", "docker_engine_compose_package")
    assert choose("ubuntu2204", "x86_64", package="docker-compose-plugin") == expected
    # Debian 12's own repositories have no Compose v2: auto still takes the pin there.
    assert choose("debian12", "x86_64", package="docker-compose-plugin")["method"] == "deb"


def test_forcing_apt_where_the_distribution_has_no_compose_v2_names_the_variable() -> None:
    message = refusal("debian12", "x86_64", source="apt")
    assert "docker_engine_compose_source is apt but Debian 12.11 (bookworm) has no Compose v2 package of its own" in (
        message
    )
    assert message.endswith("set docker_engine_compose_package to the package to install")


def test_forcing_deb_takes_the_pin_where_the_distribution_has_a_package() -> None:
    assert choose("debian13", "aarch64", source="deb") == pinned("arm64", ARM64_URL, ARM64_SHA)


def test_forcing_deb_where_there_is_no_pin_names_the_variables() -> None:
    message = refusal("ubuntu2404", "aarch64", source="deb")
    assert message.startswith("Compose v2 for Ubuntu 24.04 (noble) on arm64: docker_engine_compose_source is deb but ")
    assert "set docker_engine_compose_deb_url and docker_engine_compose_deb_sha256 to a Compose v2 .deb for arm64" in (
        message
    )


def test_forcing_deb_with_the_users_own() -> None:
    chosen = choose("ubuntu2404", "aarch64", source="deb", deb_url=ARMHF_URL, deb_sha256=ARMHF_SHA)
    assert chosen["origin"] == "docker_engine_compose_deb_url"
    assert chosen["arch"] == "arm64"


def test_an_unknown_version_needs_a_forced_source() -> None:
    message = compose_error("Debian", "n/a", "forky", "x86_64", packages=PACKAGES, fallback=FALLBACK)
    assert "Debian n/a (forky)" in message
    assert "docker_engine_compose_packages.Debian.since" in message
    assert "set docker_engine_compose_source to apt (with docker_engine_compose_package) or to deb" in message
    chosen = compose_source("Debian", "n/a", "forky", "x86_64", source="apt", package="docker-compose")
    assert chosen == apt("docker-compose", "docker_engine_compose_package")


# --- bad settings ---------------------------------------------------------------------------------------


def compose_error(*args: Any, **kwargs: Any) -> str:
    with pytest.raises(ComposeSourceError) as info:
        compose_source(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"source": "pip"}, "docker_engine_compose_source must be one of auto, apt, deb, got 'pip'"),
        ({"deb_url": ARMHF_URL}, "docker_engine_compose_deb_url and docker_engine_compose_deb_sha256 go together"),
        ({"deb_sha256": ARMHF_SHA}, "docker_engine_compose_deb_url and docker_engine_compose_deb_sha256 go together"),
        (
            {"deb_url": ARMHF_URL, "deb_sha256": "abc"},
            "docker_engine_compose_deb_sha256 must be the package's SHA-256 (64 hexadecimal digits), got 'abc'",
        ),
        (
            {"deb_url": "mirror/compose.deb", "deb_sha256": ARMHF_SHA},
            "docker_engine_compose_deb_url must be an http(s), ftp or file URL of a .deb, got 'mirror/compose.deb'",
        ),
        (
            {"source": "apt", "package": "Docker Compose"},
            "docker_engine_compose_package must be a Debian package name, got 'Docker Compose'",
        ),
        (
            {"packages": {"Debian": {"since": 13.0, "package": "docker-compose"}}},
            "docker_engine_compose_packages.Debian.since must be a version written as a string (quote it: '13.0')",
        ),
        (
            {"packages": {"Debian": {"since": "trixie", "package": "docker-compose"}}},
            "docker_engine_compose_packages.Debian.since must be a version such as '13' or '22.04', got 'trixie'",
        ),
        (
            {"packages": {"Debian": {"since": "13", "pakage": "docker-compose"}}},
            "docker_engine_compose_packages.Debian: unknown field 'pakage' (expected since, package)",
        ),
        (
            {"packages": {"Debian": {"since": "12"}}},
            "docker_engine_compose_packages.Debian.package must be a Debian package name, got None",
        ),
        ({"packages": ["Debian"]}, "docker_engine_compose_packages must be a mapping of distribution to settings"),
        ({"fallback": {"Debian": "12"}}, "docker_engine_compose_fallback.Debian must be a mapping with since, debs"),
        (
            {"fallback": {"Debian": {"since": "12", "debs": ["amd64"]}}},
            "docker_engine_compose_fallback.Debian.debs must be a mapping of Debian architecture to {url, sha256}",
        ),
        (
            {"fallback": {"Debian": {"since": "12", "debs": {"amd64": {"url": AMD64_URL, "sha": AMD64_SHA}}}}},
            "docker_engine_compose_fallback.Debian.debs.amd64 must be a mapping with url and sha256",
        ),
        (
            {"fallback": {"Debian": {"since": "12", "debs": {"amd64": {"url": AMD64_URL}}}}},
            "docker_engine_compose_fallback.Debian.debs.amd64.sha256 must be the package's SHA-256",
        ),
    ],
)
def test_bad_settings_name_the_variable(settings: dict[str, Any], expected: str) -> None:
    assert expected in refusal("debian12", "x86_64", **settings)


def test_distribution_names_match_without_regard_to_case() -> None:
    chosen = compose_source("debian", "13", "trixie", "x86_64", packages={"DEBIAN": {"since": "13", "package": "dc"}})
    assert chosen == apt("dc", "docker_engine_compose_packages.DEBIAN")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12.11", (12, 11)), ("22.04", (22, 4)), ("13", (13,)), (13, (13,)), ("n/a", None), (None, None), (True, None)],
)
def test_parse_version(value: Any, expected: tuple[int, ...] | None) -> None:
    assert parse_version(value) == expected
