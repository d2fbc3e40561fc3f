# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The attributes every read-only module shares: it changes nothing, so check mode is a normal run."""

    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: Read-only; runs in check mode too, with the same result.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to compare.
  idempotent:
    support: full
    description: Never changes anything.
"""
