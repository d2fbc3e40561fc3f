# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificates a host asks an ACME CA for (certbot_certificates): validated and normalized."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._certificates import CertificateError, requested_name
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind

CHALLENGES = ("http-01", "dns-01")
FIELDS = ("name", "domains", "challenge")
CERT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def normalize_certificates(
    entries: Any, challenge: str = "http-01", dns_token_set: bool = False, field: str = "certbot_certificates"
) -> list[dict[str, Any]]:
    """One ``{name, domains, challenge}`` per entry, or RelaykitError naming the entry and the field."""
    if challenge not in CHALLENGES:
        raise RelaykitError(f"certbot_challenge must be one of {', '.join(CHALLENGES)}, got {challenge!r}")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise RelaykitError(f"{field} must be a list of certificates, got {kind(entries)}")
    result: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        result.append(normalize_entry(entry, index, challenge, dns_token_set, field))
        name = result[-1]["name"]
        if name in seen:
            raise RelaykitError(f"{field}[{index}] (name {name!r}): name is already used by {field}[{seen[name]}]")
        seen[name] = index
    return result


def normalize_entry(entry: Any, index: int, challenge: str, dns_token_set: bool, field: str) -> dict[str, Any]:
    where = f"{field}[{index}]"
    if not isinstance(entry, dict):
        raise RelaykitError(f"{where} must be a mapping with name and domains, got {entry!r}")
    name = entry.get("name")
    if isinstance(name, str):
        where = f"{where} (name {name!r})"
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise RelaykitError(f"{where}: unknown field {unknown[0]!r}; expected {', '.join(FIELDS)}")
    if not isinstance(name, str) or not CERT_NAME.match(name):
        raise RelaykitError(f"{where}: name must be letters, digits, dots, dashes and underscores, got {name!r}")
    domains = entry.get("domains")
    if not isinstance(domains, list) or not domains:
        raise RelaykitError(f"{where}: domains must be a non-empty list of DNS names, got {domains!r}")
    normalized: list[str] = []
    for position, domain in enumerate(domains, start=1):
        try:
            wanted = requested_name(domain, position)
        except CertificateError as exc:
            raise RelaykitError(f"{where}: {exc}") from None
        if wanted in normalized:
            raise RelaykitError(f"{where}: domains: entry {position} ({domain!r}) is listed twice")
        normalized.append(wanted)
    kind = entry.get("challenge") or challenge
    if kind not in CHALLENGES:
        raise RelaykitError(f"{where}: challenge must be one of {', '.join(CHALLENGES)}, got {kind!r}")
    wildcards = [domain for domain in normalized if domain.startswith("*.")]
    if wildcards and kind != "dns-01":
        raise RelaykitError(f"{where}: {wildcards[0]} is a wildcard, which only challenge dns-01 can prove, got {kind}")
    if kind == "dns-01" and not dns_token_set:
        raise RelaykitError(f"{where}: challenge dns-01 needs certbot_cloudflare_api_token, which is not set")
    return {"name": name, "domains": normalized, "challenge": kind}
