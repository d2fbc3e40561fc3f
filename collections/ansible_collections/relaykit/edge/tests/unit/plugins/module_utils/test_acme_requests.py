# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._acme_requests import normalize_certificates
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError


def test_defaults_are_filled_in_and_names_normalized() -> None:
    result = normalize_certificates(
        [
            {"name": "www", "domains": ["WWW.Example.com."]},
            {"name": "lan", "domains": ["*.lan.example.com", "bücher.example.com"], "challenge": "dns-01"},
        ],
        challenge="http-01",
        dns_token_set=True,
    )
    assert result == [
        {"name": "www", "domains": ["www.example.com"], "challenge": "http-01"},
        {"name": "lan", "domains": ["*.lan.example.com", "xn--bcher-kva.example.com"], "challenge": "dns-01"},
    ]


def test_site_wide_challenge_applies_to_entries_without_one() -> None:
    result = normalize_certificates([{"name": "a", "domains": ["a.example.com"]}], "dns-01", dns_token_set=True)
    assert result[0]["challenge"] == "dns-01"


def test_nothing_asked_is_an_empty_list() -> None:
    assert normalize_certificates(None) == []
    assert normalize_certificates([]) == []


@pytest.mark.parametrize(
    ("entries", "token", "expected"),
    [
        pytest.param("www", False, "certbot_certificates must be a list", id="not-a-list"),
        pytest.param(["www"], False, "certbot_certificates[0] must be a mapping", id="entry-not-a-mapping"),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com"], "challange": "dns-01"}],
            True,
            "certbot_certificates[0] (name 'www'): unknown field 'challange'",
            id="typo-in-a-field",
        ),
        pytest.param(
            [{"name": "../etc", "domains": ["a.example.com"]}],
            False,
            "certbot_certificates[0] (name '../etc'): name must be letters",
            id="name-with-a-path",
        ),
        pytest.param(
            [{"name": "www", "domains": []}],
            False,
            "certbot_certificates[0] (name 'www'): domains must be a non-empty list",
            id="no-domains",
        ),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com", "bad name.example.com"]}],
            False,
            "certbot_certificates[0] (name 'www'): domains: entry 2 ('bad name.example.com') is not a valid DNS name",
            id="domain-not-a-dns-name",
        ),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com", "A.example.com."]}],
            False,
            "domains: entry 2 ('A.example.com.') is listed twice",
            id="domain-twice",
        ),
        pytest.param(
            [{"name": "www", "domains": ["*.example.com"]}],
            True,
            "certbot_certificates[0] (name 'www'): *.example.com is a wildcard, which only challenge dns-01 can prove",
            id="wildcard-over-http-01",
        ),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com"], "challenge": "dns-01"}],
            False,
            "certbot_certificates[0] (name 'www'): challenge dns-01 needs certbot_cloudflare_api_token",
            id="dns-01-without-token",
        ),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com"], "challenge": "tls-alpn-01"}],
            False,
            "challenge must be one of http-01, dns-01, got 'tls-alpn-01'",
            id="unknown-challenge",
        ),
        pytest.param(
            [{"name": "www", "domains": ["a.example.com"]}, {"name": "www", "domains": ["b.example.com"]}],
            False,
            "certbot_certificates[1] (name 'www'): name is already used by certbot_certificates[0]",
            id="name-twice",
        ),
    ],
)
def test_bad_entries_are_refused_naming_entry_and_field(entries: Any, token: bool, expected: str) -> None:
    with pytest.raises(RelaykitError) as caught:
        normalize_certificates(entries, "http-01", dns_token_set=token)
    assert expected in str(caught.value)


def test_an_unknown_site_wide_challenge_is_refused() -> None:
    with pytest.raises(RelaykitError, match="certbot_challenge must be one of http-01, dns-01, got 'http'"):
        normalize_certificates([], "http")
