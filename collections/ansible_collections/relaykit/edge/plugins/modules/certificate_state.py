#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_state
short_description: Report the state of a TLS certificate file, and whether it needs renewal
version_added: 0.1.0
description:
  - Read-only. Reads a PEM certificate file (a leaf certificate, optionally followed by its intermediates)
    and returns its names, dates and issuer, whether it covers O(domains), whether its private key matches,
    and whether it needs renewal with a machine-readable reason.
  - A missing or unreadable file is a state (RV(reason=missing) or RV(reason=unreadable)), not a failure.
    A file that holds no certificate (not PEM, or PEM without a C(CERTIFICATE) block) is a failure naming the file.
  - Names are compared case-insensitively, without a trailing dot. The certificate's names are the DNS names of its
    subjectAltName extension, or its subject's common name when it has no such extension.
    A wildcard C(*.example.com) in the certificate covers C(a.example.com), but neither C(example.com)
    nor C(a.b.example.com). A wildcard in O(domains) is covered only by the same wildcard in the certificate.
  - The private key is secret; the module never returns its content and never quotes it in a message.
author:
  - relaykit contributors (@relaykit)
requirements:
  - cryptography >= 38.0 (on Debian and Ubuntu, the C(python3-cryptography) package)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
options:
  path:
    description: The PEM certificate file, for example certbot's C(fullchain.pem).
    type: path
    required: true
  key_path:
    description:
      - The PEM private key file that should belong to the certificate, for example certbot's C(privkey.pem).
      - When given, RV(key_matches) tells whether the key belongs to the certificate.
        A missing key, an encrypted one (it cannot be read without its passphrase) or a key of another certificate
        makes the certificate need renewal.
      - A file without a private key PEM block is a failure.
    type: path
  domains:
    description:
      - DNS names the certificate must cover. A wildcard is allowed as the whole leftmost label (C(*.example.com)).
      - Empty checks no names.
    type: list
    elements: str
    default: []
  renew_before_days:
    description:
      - The certificate needs renewal (RV(reason=expiring)) when fewer than this many days of validity are left.
      - V(0) reports only certificates that have expired.
    type: int
    default: 30
notes:
  - RV(reasons) holds every reason that applies, most pressing first, in this order; RV(reason) is the first of them.
  - V(missing) - O(path) does not exist.
  - V(unreadable) - O(path) cannot be read (permissions, a directory, an I/O error).
  - V(expired) - the certificate's C(notAfter) is in the past.
  - V(not_yet_valid) - the certificate's C(notBefore) is in the future.
  - V(expiring) - fewer than O(renew_before_days) days of validity are left.
  - V(domains_not_covered) - a name of O(domains) is not covered; RV(missing_domains) lists them.
  - V(key_missing) - O(key_path) does not exist.
  - V(key_unreadable) - O(key_path) cannot be read, or the key is encrypted.
  - V(key_mismatch) - the key of O(key_path) does not belong to the certificate.
  - When the certificate is missing or unreadable, that is the only reason; the key is not looked at.
"""

EXAMPLES = r"""
- name: Is the panel's certificate good for another month?
  relaykit.edge.certificate_state:
    path: /opt/relaykit/certs/live/panel.example.com/fullchain.pem
    key_path: /opt/relaykit/certs/live/panel.example.com/privkey.pem
    domains: [panel.example.com]
    renew_before_days: 30
  register: cert

- name: Say why it needs renewal
  ansible.builtin.debug:
    msg: "{{ cert.reason }}: {{ cert.message }}"
  when: cert.needs_renewal

- name: Stop when the certificate does not cover a name
  ansible.builtin.assert:
    that: cert.reason != 'domains_not_covered'
    fail_msg: "not covered: {{ cert.missing_domains | join(', ') }}"
"""

RETURN = r"""
exists:
  description: Whether O(path) exists.
  returned: always
  type: bool
  sample: true
subject:
  description: The leaf certificate's subject, as an RFC 4514 string. V(null) when the certificate was not read.
  returned: always
  type: str
  sample: CN=panel.example.com
issuer:
  description: The leaf certificate's issuer, as an RFC 4514 string. V(null) when the certificate was not read.
  returned: always
  type: str
  sample: CN=R11,O=Let's Encrypt,C=US
serial:
  description:
    - The leaf certificate's serial number in lowercase hexadecimal, without colons or leading zeros
      (as C(certbot certificates) shows it). V(null) when the certificate was not read.
  returned: always
  type: str
  sample: 3a9f0c4e5b6d7e8f90a1b2c3d4e5f60718
sans:
  description:
    - The DNS names of the subjectAltName extension, as written in the certificate.
      Empty when it has no such extension (then its common name is what O(domains) are checked against).
  returned: always
  type: list
  elements: str
  sample: [panel.example.com, "*.panel.example.com"]
names:
  description:
    - The names O(domains) are checked against - the subjectAltName's DNS names, or the subject's common name when
      the certificate has no such extension. Empty when the certificate was not read.
  returned: always
  type: list
  elements: str
  sample: [panel.example.com]
not_before:
  description: The start of validity, ISO 8601 in UTC. V(null) when the certificate was not read.
  returned: always
  type: str
  sample: "2026-08-24T03:51:54Z"
not_after:
  description: The end of validity, ISO 8601 in UTC. V(null) when the certificate was not read.
  returned: always
  type: str
  sample: "2026-11-22T03:51:53Z"
days_left:
  description:
    - Whole days of validity left (rounded down); negative once expired. V(null) when the certificate was not read.
  returned: always
  type: int
  sample: 83
self_signed:
  description:
    - Whether the leaf certificate is its own issuer (issuer and subject are equal and its signature verifies
      with its own key). V(null) when the certificate was not read.
  returned: always
  type: bool
  sample: false
chain_length:
  description: How many certificates O(path) holds (the leaf and its intermediates); V(0) when it was not read.
  returned: always
  type: int
  sample: 2
key_matches:
  description:
    - Whether the private key of O(key_path) belongs to the certificate.
    - V(null) when O(key_path) is not given, the key cannot be read, or the certificate was not read.
  returned: always
  type: bool
  sample: true
covers_domains:
  description: Whether the certificate was read and covers every name of O(domains).
  returned: always
  type: bool
  sample: true
missing_domains:
  description: The names of O(domains) the certificate does not cover (all of them when it was not read), as given.
  returned: always
  type: list
  elements: str
  sample: [www.example.com]
needs_renewal:
  description: Whether any reason applies (RV(reasons) is not empty).
  returned: always
  type: bool
  sample: false
reason:
  description:
    - The most pressing reason the certificate needs renewal, V(null) when it does not. See the notes for the values.
  returned: always
  type: str
  sample: expiring
reasons:
  description: Every reason that applies, most pressing first. See the notes for the values.
  returned: always
  type: list
  elements: str
  sample: [expiring, domains_not_covered]
message:
  description: The state in words, for people; match on RV(reason) or RV(reasons) instead.
  returned: always
  type: str
  sample: expires on 2026-11-22T03:51:53Z, in 12 days (renew_before_days is 30)
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.relaykit.edge.plugins.module_utils._certificates import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    DEFAULT_RENEW_BEFORE_DAYS,
    certificate_state,
)
from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module


def run(module: AnsibleModule) -> dict:
    params = module.params
    state = certificate_state(
        params["path"],
        key_path=params["key_path"],
        domains=params["domains"],
        renew_before_days=params["renew_before_days"],
    )
    return {"changed": False, **state}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "key_path": {"type": "path", "no_log": False},
            "domains": {"type": "list", "elements": "str", "default": []},
            "renew_before_days": {"type": "int", "default": DEFAULT_RENEW_BEFORE_DAYS},
        },
        supports_check_mode=True,
    )
    # A missing certificate is a state that needs no library: check mode on a host where the
    # package is not installed yet (the certbot role installs it) still tells what a run would do.
    if CRYPTOGRAPHY_IMPORT_ERROR is not None and os.path.lexists(module.params["path"]):
        module.fail_json(
            msg=missing_required_lib("cryptography")
            + " On Debian and Ubuntu, install the python3-cryptography package.",
            exception=CRYPTOGRAPHY_IMPORT_ERROR,
        )
    run_module(module, run)


if __name__ == "__main__":
    main()
