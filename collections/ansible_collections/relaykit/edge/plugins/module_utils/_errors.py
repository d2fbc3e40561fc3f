# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception family of the collection: every module turns it into fail_json in one place."""

from __future__ import annotations


class RelaykitError(Exception):
    """A failure to report to the user, with a message that names the field and what was expected."""
