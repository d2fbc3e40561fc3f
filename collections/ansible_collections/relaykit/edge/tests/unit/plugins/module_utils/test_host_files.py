"""relaykit.edge.host_files: a role's directories and files in one pass, compared before anything is written."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._host_files import HostFileError, ensure, parse_wants

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def wants(tmp: Path, content: str = "a = 1\n", mode: str = "0644") -> list:
    return parse_wants(
        [{"path": str(tmp / "etc" / "relaykit"), "mode": "0750", "owner": ME, "group": MY_GROUP}],
        [
            {
                "path": str(tmp / "etc" / "relaykit" / "relays.json"),
                "content": content,
                "mode": mode,
                "owner": ME,
                "group": MY_GROUP,
            }
        ],
        [str(tmp / "old.service")],
    )


def test_first_run_creates_everything_second_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "old.service").write_text("[Unit]\n")
    first = ensure(wants(tmp_path), check_mode=False)
    assert first["changed"] is True
    assert first["changed_paths"] == [
        str(tmp_path / "etc" / "relaykit"),
        str(tmp_path / "etc" / "relaykit" / "relays.json"),
        str(tmp_path / "old.service"),
    ]
    assert (tmp_path / "etc" / "relaykit" / "relays.json").read_text() == "a = 1\n"
    assert stat.S_IMODE((tmp_path / "etc" / "relaykit").stat().st_mode) == 0o750
    assert not (tmp_path / "old.service").exists()
    assert ensure(wants(tmp_path), check_mode=False) == {"changed": False, "changed_paths": [], "diff": []}


def test_check_mode_reports_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    result = ensure(wants(tmp_path), check_mode=True)
    assert result["changed"] is True
    diff = {entry["after_header"]: entry for entry in result["diff"]}
    assert diff[str(tmp_path / "etc" / "relaykit" / "relays.json")]["after"] == "a = 1\n"
    assert diff[str(tmp_path / "etc" / "relaykit" / "relays.json")]["before"] == ""
    assert not (tmp_path / "etc").exists()


def test_changed_content_and_mode_only_are_told_apart(tmp_path: Path) -> None:
    ensure(wants(tmp_path), check_mode=False)
    changed = ensure(wants(tmp_path, content="a = 2\n"), check_mode=False)
    assert changed["diff"] == [
        {
            "before_header": str(tmp_path / "etc" / "relaykit" / "relays.json"),
            "after_header": str(tmp_path / "etc" / "relaykit" / "relays.json"),
            "before": "a = 1\n",
            "after": "a = 2\n",
        }
    ]
    mode_only = ensure(wants(tmp_path, content="a = 2\n", mode="0600"), check_mode=False)
    assert mode_only["changed_paths"] == [str(tmp_path / "etc" / "relaykit" / "relays.json")]
    assert "0600" in mode_only["diff"][0]["after"]
    assert stat.S_IMODE((tmp_path / "etc" / "relaykit" / "relays.json").stat().st_mode) == 0o600


def test_a_directory_where_a_file_belongs_fails_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "etc" / "relaykit" / "relays.json").mkdir(parents=True)
    (tmp_path / "old.service").write_text("[Unit]\n")
    with pytest.raises(HostFileError, match=r"relays.json should be a regular file"):
        ensure(wants(tmp_path), check_mode=False)
    assert (tmp_path / "old.service").exists()


@pytest.mark.parametrize(
    ("directories", "files", "absent", "message"),
    [
        ([{"path": "etc/relaykit"}], [], [], r"directories\[0\]: path must be an absolute path"),
        ([], [{"path": "/etc/x", "content": "x", "mode": "644x"}], [], r"files\[0\]: mode must be an octal"),
        ([], [{"path": "/etc/x\nExecStart=/bin/sh", "content": ""}], [], r"files\[0\]: path must be an absolute"),
        ([], [{"path": "/etc/x", "content": None}], [], r"files\[0\] \(/etc/x\): content must be a string"),
        ([], [], ["/"], r"absent\[0\]: path must not be /"),
        ([{"path": "/etc/x"}], [{"path": "/etc/x/", "content": ""}], [], r"/etc/x is declared twice"),
    ],
)
def test_bad_declarations_name_the_entry(directories: list, files: list, absent: list, message: str) -> None:
    with pytest.raises(HostFileError, match=message):
        parse_wants(directories, files, absent)


def test_unknown_owner_is_named(tmp_path: Path) -> None:
    bad = parse_wants([], [{"path": str(tmp_path / "x"), "content": "", "owner": "no-such-user-relaykit"}], [])
    with pytest.raises(HostFileError, match=r"owner 'no-such-user-relaykit' does not exist"):
        ensure(bad, check_mode=True)
