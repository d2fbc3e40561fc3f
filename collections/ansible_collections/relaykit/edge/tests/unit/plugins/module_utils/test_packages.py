"""relaykit.edge.packages: install what is missing, never at the cost of another package."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils import _packages
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._packages import (
    PackageError,
    Packages,
    parse_installed,
    parse_plan,
    validate_names,
)

# apt-get -s install netfilter-persistent on a Debian 12 host with ufw (ufw Breaks netfilter-persistent).
REMOVES_UFW = """\
NOTE: This is only a simulation!
Reading package lists...
Building dependency tree...
Reading state information...
The following packages will be REMOVED:
  ufw
The following NEW packages will be installed:
  netfilter-persistent
0 upgraded, 1 newly installed, 1 to remove and 0 not upgraded.
Remv ufw [0.36.2-1]
Inst netfilter-persistent (1.0.20 Debian:12.8/stable [all])
Conf netfilter-persistent (1.0.20 Debian:12.8/stable [all])
"""
INSTALLS_SOCAT = """\
The following NEW packages will be installed:
  libwrap0 socat
Inst libwrap0 (7.6.q-32 Debian:12.8/stable [amd64])
Inst socat (1.7.4.4-2 Debian:12.8/stable [amd64])
Conf libwrap0 (7.6.q-32 Debian:12.8/stable [amd64])
Conf socat (1.7.4.4-2 Debian:12.8/stable [amd64])
"""
BREAKS_EXPLAINED = """\
The following packages have unmet dependencies:
 ufw : Breaks: netfilter-persistent but 1.0.20 is to be installed
Remv ufw [0.36.2-1]
Inst netfilter-persistent (1.0.20 Debian:12.8/stable [all])
"""


class FakeApt:
    """dpkg-query and apt-get as a host would answer them; records every command."""

    def __init__(self, installed: set[str], plan: str = INSTALLS_SOCAT, install_rc: int = 0) -> None:
        self.installed = set(installed)
        self.plan = plan
        self.install_rc = install_rc
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> tuple[int, str, str]:
        argv = list(argv)
        self.calls.append(argv)
        if argv[0] == "dpkg-query":
            names = argv[4:]
            lines = [f"{name} ii " for name in names if name in self.installed]
            missing = [name for name in names if name not in self.installed]
            err = "".join(f"dpkg-query: no packages found matching {name}\n" for name in missing)
            return (1 if missing else 0), "\n".join(lines) + "\n", err
        if argv[:2] == ["apt-get", "-s"]:
            return 0, self.plan, ""
        if argv[:3] == ["apt-get", "-q", "update"]:
            return 0, "Reading package lists...\n", ""
        if argv[0] == "apt-get" and "install" in argv:
            if self.install_rc == 0:
                self.installed.update(argv[argv.index("install") + 1 :])
            return self.install_rc, "", "E: Sub-process /usr/bin/dpkg returned an error code (1)"
        raise AssertionError(f"unexpected command {argv}")

    def verbs(self) -> list[str]:
        return [" ".join(call[:3]) for call in self.calls]


@pytest.fixture
def fresh_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").write_text("")
    monkeypatch.setattr(_packages, "LISTS_DIR", str(lists))
    monkeypatch.setattr(_packages, "UPDATE_STAMP", str(tmp_path / "no-stamp"))
    return lists


def test_everything_installed_asks_dpkg_only(fresh_lists: Path) -> None:
    apt = FakeApt({"socat", "conntrack"})
    result = Packages(run=apt).ensure(["socat", "conntrack"], check_mode=False)
    assert result == {"changed": False, "installed": [], "missing": []}
    assert [call[0] for call in apt.calls] == ["dpkg-query"]


def test_missing_package_is_simulated_then_installed(fresh_lists: Path) -> None:
    apt = FakeApt({"conntrack"})
    result = Packages(run=apt).ensure(["socat", "conntrack"], check_mode=False)
    assert result["changed"] is True
    assert result["missing"] == ["socat"]
    assert result["installed"] == ["libwrap0", "socat"]
    assert result["diff"] == {"before": "socat: absent\n", "after": "socat: installed\n"}
    install = [call for call in apt.calls if call[0] == "apt-get" and "-s" not in call]
    assert install[-1][-2:] == ["install", "socat"]
    assert "--no-install-recommends" in install[-1]
    assert "socat" in apt.installed


def test_check_mode_simulates_and_installs_nothing(fresh_lists: Path) -> None:
    apt = FakeApt(set())
    result = Packages(run=apt).ensure(["socat"], check_mode=True)
    assert result["changed"] is True
    assert result["installed"] == ["libwrap0", "socat"]
    assert apt.installed == set()
    assert not [call for call in apt.calls if call[0] == "apt-get" and "-s" not in call and "update" not in call]


def test_an_install_that_removes_a_package_is_refused_before_anything_changes(fresh_lists: Path) -> None:
    apt = FakeApt({"ufw"}, plan=REMOVES_UFW)
    with pytest.raises(PackageError) as failure:
        Packages(run=apt).ensure(["netfilter-persistent"], check_mode=False)
    message = str(failure.value)
    assert "would make apt remove ufw" in message
    assert "netfilter-persistent" in message
    assert "never removes a package it did not install" in message
    assert "ufw" in apt.installed
    assert not [call for call in apt.calls if call[0] == "apt-get" and "install" in call and "-s" not in call]


def test_refusal_quotes_apts_reason(fresh_lists: Path) -> None:
    apt = FakeApt({"ufw"}, plan=BREAKS_EXPLAINED)
    with pytest.raises(PackageError, match=r"ufw : Breaks: netfilter-persistent"):
        Packages(run=apt).ensure(["netfilter-persistent"], check_mode=True)


@pytest.fixture
def no_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A host whose package lists were never downloaded."""
    empty = tmp_path / "lists"
    empty.mkdir()
    monkeypatch.setattr(_packages, "LISTS_DIR", str(empty))
    monkeypatch.setattr(_packages, "UPDATE_STAMP", str(tmp_path / "no-stamp"))
    return empty


def test_stale_lists_are_refreshed_once_before_simulating(no_lists: Path) -> None:
    apt = FakeApt(set())
    Packages(run=apt).ensure(["socat"], check_mode=True)
    assert apt.verbs().count("apt-get -q update") == 1
    assert apt.verbs().index("apt-get -q update") < apt.verbs().index("apt-get -s -q")


def test_downloads_are_tried_again_when_a_mirror_fails(no_lists: Path) -> None:
    apt = FakeApt(set())
    Packages(run=apt).ensure(["socat"], check_mode=False)
    downloads = [call for call in apt.calls if call[0] == "apt-get" and call[1] != "-s"]
    assert [("update" in call, "install" in call) for call in downloads] == [(True, False), (False, True)]
    assert all("Acquire::Retries=3" in call for call in downloads)


def test_fresh_lists_are_not_refreshed(fresh_lists: Path) -> None:
    apt = FakeApt(set())
    Packages(run=apt, cache_valid_time=3600).ensure(["socat"], check_mode=False)
    assert "apt-get -q update" not in apt.verbs()


def test_old_lists_are_refreshed(fresh_lists: Path) -> None:
    old = 1_000_000.0
    os.utime(fresh_lists, (old, old))
    apt = FakeApt(set())
    Packages(run=apt, cache_valid_time=3600, clock=lambda: old + 3601).ensure(["socat"], check_mode=False)
    assert "apt-get -q update" in apt.verbs()


def test_failed_install_names_the_packages(fresh_lists: Path) -> None:
    apt = FakeApt(set(), install_rc=100)
    with pytest.raises(PackageError, match=r"apt-get install socat failed: E: Sub-process"):
        Packages(run=apt).ensure(["socat"], check_mode=False)


@pytest.mark.parametrize("name", ["", "Socat", "socat; reboot", "-y", "a", 5])
def test_bad_names_are_refused(name: object) -> None:
    with pytest.raises(RelaykitError, match="is not a Debian package name"):
        validate_names([name])  # type: ignore[list-item]


def test_names_are_deduplicated_in_order() -> None:
    assert validate_names(["socat", "conntrack", "socat", "docker.io", "libc6:amd64"]) == [
        "socat",
        "conntrack",
        "docker.io",
        "libc6:amd64",
    ]


def test_parsers() -> None:
    assert parse_installed("socat ii \nufw rc \nlibc6:amd64 ii \n") == {"socat", "libc6"}
    plan = parse_plan(REMOVES_UFW)
    assert plan.install == ["netfilter-persistent"]
    assert plan.remove == ["ufw"]
