# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certbot_certificates inventory contract as a filter: validate, normalize."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._acme_requests import normalize_certificates
from ansible_collections.relaykit.edge.plugins.module_utils._certificates import serving_certificates
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

DOCUMENTATION = r"""
name: certbot_certificates
short_description: Validate and normalize the certificates a host asks an ACME CA for
version_added: 0.1.0
description:
  - Each entry is C(name) (certbot's C(--cert-name)), C(domains) and an optional C(challenge) (C(http-01) or C(dns-01)).
  - Returns one mapping per certificate with the challenge filled in and the domains normalized (lower case, no
    trailing dot, A-labels), or fails naming the entry and the field (a bad name, a domain that is not a DNS name,
    a wildcard without C(dns-01), C(dns-01) without a token, a name used twice).
positional: _input
options:
  _input:
    description: The C(certbot_certificates) list.
    type: list
    elements: raw
    required: true
  challenge:
    description: Challenge of entries that do not give one.
    type: str
    default: http-01
  dns_token_set:
    description: Whether a Cloudflare API token is configured (C(dns-01) needs one).
    type: bool
    default: false
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Normalize the certificates
  ansible.builtin.set_fact:
    certificates: >-
      {{ certbot_certificates | relaykit.edge.certbot_certificates(challenge='http-01',
         dns_token_set=certbot_cloudflare_api_token | length > 0) }}
"""

RETURN = r"""
_value:
  description: One mapping per certificate with name, domains and challenge.
  type: list
  elements: dict
"""


def certbot_certificates(entries: object, challenge: str = "http-01", dns_token_set: bool = False) -> list[dict]:
    try:
        return normalize_certificates(entries, challenge, bool(dns_token_set))
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def serving_certificates_filter(wanted: object, existing: object, states: object = ()) -> dict[str, str]:
    try:
        return serving_certificates(wanted, existing, states)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"certbot_certificates": certbot_certificates, "serving_certificates": serving_certificates_filter}
