# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module_utils a host program imports, gathered from this collection as files to install on the host.

The host programs (``relaykit``, ``relaykit-ddns``) import the collection's own stdlib-only modules instead of
carrying copies; the roles install those modules, and every module they import in turn, under a directory of the
host (``DEST/ansible_collections/relaykit/edge/plugins/module_utils``), as regular packages so that no other
``ansible_collections`` on the host's path can stand in for them. A module that imports Ansible (or anything but
the standard library and its sibling modules) is refused: the host has no Ansible.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

PACKAGE = ("ansible_collections", "relaykit", "edge", "plugins", "module_utils")
SIBLING_RE = re.compile(r"^\s*from ansible_collections\.relaykit\.edge\.plugins\.module_utils\.(\w+) import", re.M)
IMPORT_RE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)
NAME_RE = re.compile(r"_[a-z][a-z0-9_]*")
HEADER = "# Installed by relaykit from its collection relaykit.edge: edit the collection, not this file.\n"


class HostCoreError(RelaykitError):
    """A module the host programs cannot import from the standard library alone."""


def source_dir() -> str:
    return os.path.dirname(os.path.abspath(__file__))


def stdlib(module: str) -> bool:
    """Whether a module is the standard library's. The controller (Python 3.11+) knows; an interpreter before 3.10
    has no list, and takes every module for one (the check is the controller's, where the files are gathered)."""
    names = getattr(sys, "stdlib_module_names", None)
    return names is None or module.split(".")[0] in names


def closure(names: list[str], directory: str) -> dict[str, str]:
    """Every module the named ones need, by file name, with its text; refuses imports beyond the stdlib."""
    found: dict[str, str] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise HostCoreError(f"host_core: {name!r} is not a module_utils name (such as _relays)")
        path = os.path.join(directory, f"{name}.py")
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise HostCoreError(f"host_core: cannot read {path}: {exc.strerror}") from exc
        for imported, bare in IMPORT_RE.findall(text):
            module = imported or bare
            if module.startswith("ansible_collections.relaykit.edge.plugins.module_utils."):
                continue
            if not stdlib(module):
                raise HostCoreError(f"host_core: {name} imports {module}, which a host without Ansible lacks")
        found[name] = text
        pending += SIBLING_RE.findall(text)
    return found


def host_core(names: list[str], dest: str, directory: str | None = None) -> dict[str, Any]:
    """relaykit.edge.host_files' ``directories`` and ``files`` that install the modules under ``dest``."""
    modules = closure(list(names), directory or source_dir())
    levels = [os.path.join(dest, *PACKAGE[: depth + 1]) for depth in range(len(PACKAGE))]
    files = [{"path": os.path.join(level, "__init__.py"), "content": HEADER} for level in levels]
    files += [
        {"path": os.path.join(levels[-1], f"{name}.py"), "content": text} for name, text in sorted(modules.items())
    ]
    return {"directories": [{"path": dest}, *({"path": level} for level in levels)], "files": files}
