"""The file helpers every module uses: read, and replace atomically."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils import _files
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import FileError, read_text, write_text_atomic

# --- write_text_atomic / read_text ----------------------------------------------------


def test_write_text_atomic_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "sysctl.d" / "90-relaykit.conf"
    write_text_atomic(str(target), "a = 1\n", mode=0o640)
    assert target.read_text() == "a = 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640

    write_text_atomic(str(target), "a = 2\n")
    assert target.read_text() == "a = 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert os.listdir(target.parent) == [target.name]  # no temp file left behind


def test_write_text_atomic_failure_keeps_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "90-relaykit.conf"
    target.write_text("old\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(_files.os, "replace", refuse)
    with pytest.raises(FileError, match=r"cannot write .*90-relaykit\.conf: Invalid cross-device link"):
        write_text_atomic(str(target), "new\n")
    monkeypatch.undo()

    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == [target.name]


def test_read_text(tmp_path: Path) -> None:
    assert read_text(str(tmp_path / "absent")) is None
    (tmp_path / "present").write_text("x = 1\n")
    assert read_text(str(tmp_path / "present")) == "x = 1\n"


def test_unreadable_path_is_a_relaykit_error(tmp_path: Path) -> None:
    """Modules report every RelaykitError with fail_json; a directory where a file should be is one."""
    with pytest.raises(RelaykitError, match="cannot read"):
        read_text(str(tmp_path))
