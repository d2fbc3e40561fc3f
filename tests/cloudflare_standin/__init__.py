# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the Cloudflare DNS API (v4), for tests: see :mod:`tests.cloudflare_standin.server`.

Nothing is imported here, so that ``python -m tests.cloudflare_standin.server`` runs without runpy's
"found in sys.modules" warning.
"""
