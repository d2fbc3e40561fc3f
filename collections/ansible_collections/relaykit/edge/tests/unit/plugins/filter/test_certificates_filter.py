# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.certificates import FilterModule


def test_filter_is_registered_and_normalizes() -> None:
    certbot_certificates = FilterModule().filters()["certbot_certificates"]
    assert certbot_certificates([{"name": "www", "domains": ["WWW.example.com"]}]) == [
        {"name": "www", "domains": ["www.example.com"], "challenge": "http-01"}
    ]


def test_filter_turns_errors_into_filter_errors() -> None:
    certbot_certificates = FilterModule().filters()["certbot_certificates"]
    with pytest.raises(AnsibleFilterError, match=r"certbot_certificates\[0\] \(name 'www'\): challenge dns-01 needs"):
        certbot_certificates([{"name": "www", "domains": ["a.example.com"]}], challenge="dns-01", dns_token_set=False)
