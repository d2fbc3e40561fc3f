# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.relay46 import FilterModule

FILTERS = FilterModule().filters()
SERVICES = [{"name": "web", "domain": "www.example.com", "backend_port": 8080}]
TCP_SERVICES = [{"name": "ssh", "listen_port": 2222, "backend_port": 22, "local_backend": "192.168.0.2:22"}]
TOKEN = "cf-secret-token-0123456789"


def test_the_five_filters_are_registered() -> None:
    assert sorted(FILTERS) == [
        "relay46_config",
        "relay46_dns_records",
        "relay46_nas_plan",
        "relay46_settings_key",
        "relay46_vps_plan",
    ]


def test_each_filter_has_its_documentation_next_to_the_plugin() -> None:
    # The plugin file hosts several filters: ansible-doc reads each one's <name>.yml next to it.
    directory = Path(__file__).resolve().parents[4] / "plugins" / "filter"
    for name in FILTERS:
        doc = yaml.safe_load((directory / f"{name}.yml").read_text(encoding="utf-8"))
        assert doc["DOCUMENTATION"]["name"] == name
        assert {"EXAMPLES", "RETURN"} <= set(doc)


def test_config_and_plans_chain() -> None:
    config = FILTERS["relay46_config"](SERVICES, TCP_SERVICES, "80", 8444, {"enabled": False})
    assert config["https_port"] == 8444
    vps = FILTERS["relay46_vps_plan"](config, "nas.example.com")
    assert vps["sites"][0]["upstream"] == "nas.example.com:8080"
    assert vps["streams"] == [{"name": "ssh", "listen_port": 2222, "upstream": "nas.example.com:22"}]
    nas = FILTERS["relay46_nas_plan"](config)
    assert nas["streams"] == [{"name": "ssh", "listen_port": 22, "upstream": "192.168.0.2:22"}]
    assert nas["relay_ports"] == [22, 8080]
    records = FILTERS["relay46_dns_records"](config, "203.0.113.10", "2001:db8::5", extra_names=["nas.example.com"])
    assert [(record["name"], record["type"]) for record in records] == [
        ("www.example.com", "A"),
        ("www.example.com", "AAAA"),
        ("nas.example.com", "AAAA"),
    ]


def test_config_defaults() -> None:
    assert FILTERS["relay46_config"]([]) == {
        "services": [],
        "tcp_services": [],
        "http_port": 80,
        "https_port": 443,
        "cloudflare": {"enabled": False, "zone_id": "", "proxied": False, "api_token": ""},
    }


def test_config_errors_are_filter_errors_without_the_token() -> None:
    with pytest.raises(AnsibleFilterError, match=r"relay46_cloudflare: enabled is true but zone_id is missing") as info:
        FILTERS["relay46_config"](SERVICES, cloudflare={"enabled": True, "api_token": TOKEN})
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("relay46_vps_plan", ({"services": SERVICES}, "bad host"), "nas_host must be"),
        (
            "relay46_nas_plan",
            ({"services": [{"name": "web"}]},),
            r"relay46_services\[0\] \(name 'web'\): domain is missing",
        ),
        ("relay46_dns_records", ({"services": SERVICES}, "x", "2001:db8::5"), "vps_ipv4 must be"),
    ],
)
def test_plan_errors_are_filter_errors(name: str, args: tuple, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS[name](*args)
