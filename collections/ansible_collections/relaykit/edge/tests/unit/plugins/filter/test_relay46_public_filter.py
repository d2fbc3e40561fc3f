# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""relay46_config(public=true): the relay46_site fact playbooks/validate.yml sets, which the plans take as it is."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.relay46 import FilterModule

FILTERS = FilterModule().filters()
SERVICES = [{"name": "web", "domain": "www.example.com", "backend_port": 8080}]
TOKEN = "cf-public-token-0123456789"
CLOUDFLARE = {"enabled": True, "api_token": TOKEN, "zone_id": "0123456789ABCDEF0123456789abcdef", "proxied": True}


def test_the_public_view_has_no_token() -> None:
    site = FILTERS["relay46_config"](SERVICES, cloudflare=CLOUDFLARE, public=True)
    assert site["cloudflare"] == {"enabled": True, "zone_id": "0123456789abcdef0123456789abcdef", "proxied": True}
    assert TOKEN not in repr(site)
    full = FILTERS["relay46_config"](SERVICES, cloudflare=CLOUDFLARE)
    assert full["cloudflare"]["api_token"] == TOKEN
    assert {**full, "cloudflare": site["cloudflare"]} == site


def test_the_plans_take_the_public_view() -> None:
    site = FILTERS["relay46_config"](SERVICES, cloudflare=CLOUDFLARE, public=True)
    full = FILTERS["relay46_config"](SERVICES, cloudflare=CLOUDFLARE)
    assert FILTERS["relay46_vps_plan"](site, "nas.example.com") == FILTERS["relay46_vps_plan"](full, "nas.example.com")
    assert FILTERS["relay46_nas_plan"](site) == FILTERS["relay46_nas_plan"](full)
    records = FILTERS["relay46_dns_records"](site, "203.0.113.10", "")
    assert records == [{"name": "www.example.com", "type": "A", "content": "203.0.113.10", "proxied": True}]


@pytest.mark.parametrize("public", ["yes", 1, None])
def test_public_is_true_or_false(public: object) -> None:
    with pytest.raises(AnsibleFilterError, match="relay46_config: public must be true or false"):
        FILTERS["relay46_config"](SERVICES, public=public)


def test_errors_of_the_public_view_do_not_show_the_token() -> None:
    with pytest.raises(AnsibleFilterError, match=r"relay46_cloudflare: zone_id must be 32 hexadecimal digits") as info:
        FILTERS["relay46_config"](SERVICES, cloudflare={**CLOUDFLARE, "zone_id": "zone"}, public=True)
    assert TOKEN not in str(info.value)
