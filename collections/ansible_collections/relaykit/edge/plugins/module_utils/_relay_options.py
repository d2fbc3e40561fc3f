# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The port relays' options (port_relay_*), checked in one place.

The argument specs check types; this checks what each value may be: its range (what socat, the
kernel and systemd accept) and, for values that are written into unit files, logrotate's
configuration or a command line, the characters they may hold. The controller checks with the
inventory's names (``port_relay_keepalive_idle``) before any host is touched; the modules check
again with their parameters' names, so that a direct call fails the same way.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind

# option: (lowest, highest, what it is). Linux caps TCP_KEEPIDLE/KEEPINTVL at 32767 s, KEEPCNT at 127.
RANGES: dict[str, tuple[int, int, str]] = {
    "connect_timeout": (1, 3600, "seconds"),
    "keepalive_idle": (1, 32767, "seconds"),
    "keepalive_interval": (1, 32767, "seconds"),
    "keepalive_count": (1, 127, "probes"),
    "buffer_bytes": (1024, 64 * 1024 * 1024, "bytes"),
    "backlog": (1, 65535, "connections"),
    "max_connections": (0, 1_000_000, "connections (0: no limit)"),
    "health_check_timeout": (1, 3600, "seconds"),
    "health_check_retries": (1, 100, "attempts"),
    "health_check_interval": (10, 86400, "seconds"),
    "firewall_ssh_port": (1, 65535, "a TCP port"),
    "firewall_rollback_seconds": (10, 3600, "seconds"),
}
# A path written into unit files (StandardError=append:), logrotate's configuration and relays.json:
# absolute, plain characters only (no whitespace, newline, %, $, quotes, ;, braces), no "..".
SAFE_PATH_RE = re.compile(r"/[A-Za-z0-9._+-]+(?:/[A-Za-z0-9._+-]+)*")
PATHS = ("log_file",)
# A group name, written into systemd-tmpfiles' configuration (useradd's rule).
GROUP_RE = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
GROUPS = ("log_group",)


class OptionError(RelaykitError, ValueError):
    """Bad option values; the message names each variable and what was expected."""


def whole_number(value: Any) -> int | None:
    """An int, or text of one (an inventory may quote numbers); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def check(values: dict[str, Any], prefix: str = "") -> None:
    """Raise OptionError naming every bad value (as ``prefix + option``); options not given are skipped."""
    problems = []
    for option, (lowest, highest, unit) in RANGES.items():
        if option not in values or values[option] is None:
            continue
        value = whole_number(values[option])
        if value is None:
            problems.append(f"{prefix}{option} must be a whole number of {unit}, got {kind(values[option])}")
        elif not lowest <= value <= highest:
            problems.append(f"{prefix}{option} must be {lowest} to {highest} {unit}, got {value}")
    for option in PATHS:
        value = values.get(option)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"{prefix}{option} must be an absolute path, got {kind(value)}")
        elif not SAFE_PATH_RE.fullmatch(value) or "/../" in f"{value}/" or "/./" in f"{value}/":
            problems.append(
                f"{prefix}{option} must be an absolute path of letters, digits and . _ + - (no spaces, newlines, "
                f"%, $, quotes, ; or ..), got {str(value)!r}"
            )
    for option in GROUPS:
        value = values.get(option)
        if value is not None and not (isinstance(value, str) and GROUP_RE.fullmatch(value)):
            got = repr(str(value)) if isinstance(value, str) else kind(value)
            problems.append(
                f"{prefix}{option} must be a group name (lowercase letters, digits, _ and -, up to 32), got {got}"
            )
    if problems:
        raise OptionError("; ".join(problems))
