# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception family of the collection: every module turns it into fail_json in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def kind(value: Any) -> str:
    """What a value is, in the inventory's words (never a Python or Ansible type name such as _AnsibleTaggedStr)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, (list, tuple)) else "a value"


class RelaykitError(Exception):
    """A failure to report to the user, with a message that names the field and what was expected."""


def run_module(module: Any, work: Callable[[Any], dict]) -> None:
    """Run a module's work and report: the one place where a RelaykitError becomes fail_json."""
    try:
        result = work(module)
    except RelaykitError as exc:
        module.fail_json(msg=str(exc))
    if not getattr(module, "_diff", False):
        result.pop("diff", None)
    module.exit_json(**result)
