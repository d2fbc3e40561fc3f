# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The small files a role owns on a host, compared and written in one pass.

A role declares its directories, files (rendered on the controller) and paths that must be
gone; one module call compares them all with the host and writes only what differs, each file
atomically. A no-change run costs one round trip however many files a role owns.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic

MODE_RE = re.compile(r"0?[0-7]{3,4}")


class HostFileError(RelaykitError):
    """A declared path that is not usable; the message names it and what was expected."""


@dataclass(frozen=True)
class Want:
    path: str
    kind: str  # directory | file | absent
    content: str = ""
    mode: int = 0o644
    owner: str = "root"
    group: str = "root"


def parse_mode(where: str, value: Any, default: int) -> int:
    if value is None:
        return default
    text = str(value)
    if not MODE_RE.fullmatch(text):
        raise HostFileError(f"{where}: mode must be an octal string such as '0644', got {value!r}")
    return int(text, 8)


def check_path(where: str, path: Any) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path or "\n" in path:
        raise HostFileError(f"{where}: path must be an absolute path, got {path!r}")
    normalized = os.path.normpath(path)
    if normalized == "/":
        raise HostFileError(f"{where}: path must not be /")
    return normalized


def parse_wants(directories: Sequence[dict], files: Sequence[dict], absent: Sequence[str]) -> list[Want]:
    wants: list[Want] = []
    for index, entry in enumerate(directories):
        where = f"directories[{index}]"
        wants.append(
            Want(
                check_path(where, entry.get("path")),
                "directory",
                mode=parse_mode(where, entry.get("mode"), 0o755),
                owner=str(entry.get("owner") or "root"),
                group=str(entry.get("group") or "root"),
            )
        )
    for index, entry in enumerate(files):
        where = f"files[{index}]"
        content = entry.get("content")
        if not isinstance(content, str):
            raise HostFileError(f"{where} ({entry.get('path')}): content must be a string")
        wants.append(
            Want(
                check_path(where, entry.get("path")),
                "file",
                content=content,
                mode=parse_mode(where, entry.get("mode"), 0o644),
                owner=str(entry.get("owner") or "root"),
                group=str(entry.get("group") or "root"),
            )
        )
    wants += [Want(check_path(f"absent[{index}]", path), "absent") for index, path in enumerate(absent)]
    seen: set[str] = set()
    for want in wants:
        if want.path in seen:
            raise HostFileError(f"{want.path} is declared twice")
        seen.add(want.path)
    return wants


def ids(want: Want) -> tuple[int, int]:
    try:
        uid = pwd.getpwnam(want.owner).pw_uid
    except KeyError:
        raise HostFileError(f"{want.path}: owner {want.owner!r} does not exist on this host") from None
    try:
        gid = grp.getgrnam(want.group).gr_gid
    except KeyError:
        raise HostFileError(f"{want.path}: group {want.group!r} does not exist on this host") from None
    return uid, gid


def describe(info: os.stat_result | None) -> str:
    if info is None:
        return "absent"
    kind = "directory" if stat.S_ISDIR(info.st_mode) else "file"
    return f"{kind} {stat.S_IMODE(info.st_mode):04o} {info.st_uid}:{info.st_gid}"


def lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def plan_one(want: Want) -> dict[str, Any] | None:
    """What would change for one path: None when it is as wanted, else its diff entry."""
    info = lstat(want.path)
    if want.kind == "absent":
        if info is None:
            return None
        return {
            "before_header": want.path,
            "after_header": want.path,
            "before": describe(info) + "\n",
            "after": "absent\n",
        }
    uid, gid = ids(want)
    if want.kind == "directory":
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise HostFileError(
                f"{want.path} should be a directory but is something else: relaykit does not replace it"
            )
        wanted = f"directory {want.mode:04o} {uid}:{gid}"
        have = describe(info)
        return (
            None
            if have == wanted
            else {"before_header": want.path, "after_header": want.path, "before": have + "\n", "after": wanted + "\n"}
        )
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise HostFileError(f"{want.path} should be a regular file but is something else: relaykit does not replace it")
    current = read_text(want.path) if info is not None else None
    same_meta = (
        info is not None and stat.S_IMODE(info.st_mode) == want.mode and (info.st_uid, info.st_gid) == (uid, gid)
    )
    if current == want.content and same_meta:
        return None
    before = current if current is not None else ""
    after = want.content
    if current == want.content:
        before, after = describe(info) + "\n", f"file {want.mode:04o} {uid}:{gid}\n"
    return {"before_header": want.path, "after_header": want.path, "before": before, "after": after}


def apply_one(want: Want) -> None:
    if want.kind == "absent":
        info = lstat(want.path)
        if info is not None and stat.S_ISDIR(info.st_mode):
            shutil.rmtree(want.path)
        elif info is not None:
            os.unlink(want.path)
        return
    uid, gid = ids(want)
    try:
        if want.kind == "directory":
            os.makedirs(want.path, mode=want.mode, exist_ok=True)
            os.chmod(want.path, want.mode)
            os.chown(want.path, uid, gid)
            return
        if read_text(want.path) != want.content:
            write_text_atomic(want.path, want.content, mode=want.mode)
        os.chmod(want.path, want.mode)
        os.chown(want.path, uid, gid)
    except OSError as exc:
        raise HostFileError(f"cannot write {want.path}: {exc.strerror}") from exc


def ensure(wants: Sequence[Want], check_mode: bool) -> dict[str, Any]:
    """Compare every path first (a bad one fails before anything is written), then write what differs."""
    planned = [(want, plan_one(want)) for want in wants]
    changes = [(want, diff) for want, diff in planned if diff is not None]
    if not check_mode:
        for want, _diff in changes:
            apply_one(want)
    return {
        "changed": bool(changes),
        "changed_paths": [want.path for want, _diff in changes],
        "diff": [diff for _want, diff in changes],
    }
