# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers behind relaykit.edge.host_info: what a host is and what relaykit has on it."""

from __future__ import annotations

import os
import re

from ansible_collections.relaykit.edge.plugins.module_utils._packages import parse_installed

UFW_CONF = "/etc/ufw/ufw.conf"
SMALL_FILE = 1 << 20
RECORD_RE = re.compile(r"(?P<owner>[a-z0-9-]+)\.ipv[46]\.json")


def ufw_enabled(path: str = UFW_CONF) -> bool:
    """ufw starts at boot (ENABLED=yes in its configuration)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return False
    found = re.search(r"^\s*ENABLED\s*=\s*[\"']?(\w+)", text, re.MULTILINE)
    return bool(found) and found.group(1).lower() == "yes"


def netfilter_owners(state_dir: str) -> list[str]:
    """Owners with a record (OWNER.FAMILY.json) of chains relaykit applied."""
    try:
        names = os.listdir(state_dir)
    except OSError:
        return []
    return sorted({found.group("owner") for found in map(RECORD_RE.fullmatch, names) if found})


def parse_installed_packages(output: str) -> list[str]:
    return sorted(parse_installed(output))


def parse_unit_files(output: str) -> dict[str, str]:
    """``systemctl list-unit-files --no-legend --plain``: unit -> its enablement (enabled, disabled, static...)."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            found[parts[0]] = parts[1]
    return found


def parse_units(files: dict[str, str], loaded: str) -> dict[str, dict[str, str]]:
    """Every unit that has a file or is loaded, with ``enabled`` and ``active`` as is-enabled/is-active say them."""
    active: dict[str, str] = {}
    for line in loaded.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            active[parts[0]] = parts[2]
    return {
        name: {"enabled": files.get(name, "not-found"), "active": active.get(name, "inactive")}
        for name in sorted(set(files) | set(active))
    }


def parse_docker_images(output: str) -> dict[str, str]:
    """``docker image ls --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'``: reference -> image id.

    Untagged images (``<none>``) name no reference and are left out.
    """
    found: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and "<none>" not in parts[0]:
            found[parts[0]] = parts[1]
    return found


def image_reference(name: str) -> str:
    """The reference ``docker image ls`` shows for ``name``: a missing tag is ``latest``."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last or "@" in last else f"{name}:latest"


def images_missing(references: list[str], held: dict[str, str]) -> list[str]:
    """The references of ``references`` that are not among the engine's images ``held``."""
    return [name for name in references if image_reference(name) not in held]


def read_small_file(path: str) -> str | None:
    """The text of a regular file up to 1 MiB; None when it does not exist (or is no such file)."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > SMALL_FILE:
            return None
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None
