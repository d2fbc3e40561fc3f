# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.relaykit.edge`` importable outside ansible-test.

The ``collections`` directory (five levels up) becomes the first entry on sys.path.
The ``ansible_collections`` package of the installed ansible distribution is a
namespace package too, so both trees merge under the one name.
"""

from __future__ import annotations

import sys
from pathlib import Path

COLLECTIONS_ROOT = str(Path(__file__).resolve().parents[5])

if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
