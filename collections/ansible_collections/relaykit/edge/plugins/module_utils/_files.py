# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading and atomically replacing the small files relaykit owns on a host."""

from __future__ import annotations

import os
import tempfile

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError


class FileError(RelaykitError):
    """A file relaykit owns could not be read or written."""


def read_text(path: str) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from exc


def write_text_atomic(path: str, content: str, mode: int = 0o644) -> None:
    """Write next to the target and rename over it, so readers see the old or the new file, never half of one."""
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".relaykit-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())  # on disk before the rename: a crash leaves the old file or the new one
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise FileError(f"cannot write {path}: {exc.strerror}") from exc
