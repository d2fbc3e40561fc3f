# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which certificate an HTTPS server uses while its own is not issued (issue 13: a CA outage during a change)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._certificates import CertificateError, serving_certificates


def state(name: str, names: list[str], days_left: int = 60, reasons: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "item": name,
        "exists": True,
        "names": names,
        "sans": names,
        "days_left": days_left,
        "reasons": list(reasons),
    }


def site(name: str, *domains: str) -> dict[str, Any]:
    return {"name": name, "certificate": name, "domains": list(domains), "upstream": "nas:80"}


def test_a_certificate_on_disk_serves_its_own_server() -> None:
    assert serving_certificates([site("web", "web.example.com")], ["web"]) == {"web": "web"}


def test_a_renamed_service_keeps_the_certificate_it_has_until_its_own_is_issued() -> None:
    states = [state("web", ["web.example.com"])]
    assert serving_certificates([site("web2", "web.example.com")], ["web"], states) == {"web2": "web"}


def test_a_new_name_without_a_covering_certificate_gets_no_server_yet() -> None:
    states = [state("web", ["web.example.com"])]
    assert serving_certificates([site("shop", "shop.example.com")], ["web"], states) == {}
    # a certificate for some of its names is not enough
    both = site("both", "web.example.com", "www.example.com")
    assert serving_certificates([both], ["web"], states) == {}


def test_a_wildcard_covers_a_new_subdomain() -> None:
    states = [state("wild", ["*.example.com"])]
    assert serving_certificates([site("shop", "shop.example.com")], ["wild"], states) == {"shop": "wild"}


@pytest.mark.parametrize(
    "reasons", [("expired",), ("not_yet_valid",), ("key_mismatch",), ("key_missing",), ("key_unreadable",)]
)
def test_an_unusable_certificate_serves_nothing_else(reasons: tuple[str, ...]) -> None:
    states = [state("web", ["web.example.com"], reasons=reasons)]
    assert serving_certificates([site("web2", "web.example.com")], ["web"], states) == {}


def test_a_certificate_due_for_renewal_still_serves_and_the_longest_valid_is_chosen() -> None:
    states = [
        state("old", ["web.example.com"], days_left=5, reasons=("expiring",)),
        state("newer", ["web.example.com", "www.example.com"], days_left=80),
        state("gone", ["web.example.com"], days_left=90),  # not on disk any more
    ]
    assert serving_certificates([site("web2", "web.example.com")], ["newer", "old"], states) == {"web2": "newer"}


def test_states_of_a_skipped_loop_and_certificates_without_sites_are_taken() -> None:
    skipped = [{"item": "web", "skipped": True}]
    wanted = [{"name": "panel", "domains": ["panel.example.com"]}, site("web2", "web.example.com")]
    assert serving_certificates(wanted, ["panel", "web"], skipped) == {"panel": "panel"}


@pytest.mark.parametrize(
    ("wanted", "existing", "states"),
    [("web", [], []), ([], "web", []), ([], [], "x"), ([{"name": "web"}], [], [])],
)
def test_bad_input_is_refused(wanted: Any, existing: Any, states: Any) -> None:
    with pytest.raises(CertificateError, match="serving_certificates"):
        serving_certificates(wanted, existing, states)
