# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Cloudflare's error codes and statuses mean to a user, in one place (stdlib only): the modules (through the
SDK, _cloudflare_api) and the host's relaykit-ddns (through urllib) explain the same answer the same way."""

from __future__ import annotations

from collections.abc import Iterable

# Codes of the real API (and of the project's stand-in).
CODE_MESSAGES = {
    9109: "the API token is invalid or expired",
    6003: "the request carried no valid API token",
    7003: "no zone with this zone id",
    10000: "the token lacks DNS:Edit on this zone, or the zone id is not the token's",
    81044: "the record does not exist any more (changed by someone else during the run?)",
    81053: "conflicting record: an A, AAAA or CNAME record of that name exists (a CNAME cannot share a name)",
    81054: "conflicting record: a CNAME record of that name exists (a CNAME cannot share a name)",
    81059: "proxied: a name cannot mix proxied and DNS-only A/AAAA records (the project's stand-in refuses it)",
    81057: "an identical record already exists",
    81058: "an identical record already exists",
}
INVALID_CREDENTIAL_HINT = "the API token is not valid"


def status_hint(status: int, codes: Iterable[object]) -> str:
    """A parenthesised hint for a failed call's status and error codes (the token's, the zone's), or ""."""
    known = {str(code) for code in codes}
    if "9109" in known or status == 401:
        return f" ({INVALID_CREDENTIAL_HINT})"
    if "10000" in known or status == 403:
        return f" ({CODE_MESSAGES[10000]})"
    if "7003" in known:
        return f" ({CODE_MESSAGES[7003]})"
    return ""
