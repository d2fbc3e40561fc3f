# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate once, normalize once: the site's normalized configuration (the relay46_site fact, without the token)
is what the plans take as it is, and the DDNS values are checked by the rules the relay46 contract uses.

Standard library and pytest only (make unit-hostpy runs these on Python 3.9 without PyYAML).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils import _relay46
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._net import ZONE_ID_EXPECTED
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import (
    is_normalized,
    normalize_relay46,
    normalized,
    public_config,
)
from ansible_collections.relaykit.edge.plugins.module_utils._relay46_plans import dns_records, nas_plan, vps_plan
from ansible_collections.relaykit.edge.plugins.module_utils._values import check_values

TOKEN = "cf-site-token-0123456789"
ZONE = "0123456789abcdef0123456789abcdef"
SERVICES: list[dict[str, Any]] = [
    {"name": "web", "domain": "www.example.com", "backend_port": 8080, "websocket": True},
    {"name": "router", "domain": "router.example.com", "backend_port": 8082, "local_backend": "192.168.0.2:80"},
]
TCP_SERVICES: list[dict[str, Any]] = [
    {"name": "ssh", "listen_port": 2222, "backend_port": 22},
    {"name": "lan-ssh", "listen_port": 2223, "backend_port": 2223, "local_backend": "192.168.0.2:22"},
]


def site(**cloudflare: Any) -> dict[str, Any]:
    return normalize_relay46(
        copy.deepcopy(SERVICES),
        copy.deepcopy(TCP_SERVICES),
        80,
        8444,
        {"enabled": True, "api_token": TOKEN, "zone_id": ZONE, **cloudflare},
    )


@pytest.fixture
def normalizer_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every call of the normalizer the plans would make (normalize_config), recorded."""
    calls: list[Any] = []
    original = _relay46.normalize_config

    def counting(config: Any, labels: Any = None) -> dict[str, Any]:
        calls.append(config)
        return original(config, labels)

    monkeypatch.setattr(_relay46, "normalize_config", counting)
    return calls


# --- the public view --------------------------------------------------------------------


def test_public_config_leaves_out_the_token_and_nothing_else() -> None:
    full = site(proxied=True)
    public = public_config(full)
    assert public["cloudflare"] == {"enabled": True, "zone_id": ZONE, "proxied": True}
    assert TOKEN not in repr(public)
    assert {key: value for key, value in public.items() if key != "cloudflare"} == {
        key: value for key, value in full.items() if key != "cloudflare"
    }
    assert full["cloudflare"]["api_token"] == TOKEN  # the normalized configuration itself is left as it was


def test_public_config_of_a_site_without_cloudflare() -> None:
    assert public_config(normalize_relay46([]))["cloudflare"] == {"enabled": False, "zone_id": "", "proxied": False}


# --- the plans take the normalized configuration as it is --------------------------------


@pytest.mark.parametrize("view", [site, lambda: public_config(site())], ids=["with-token", "public"])
def test_a_normalized_configuration_is_recognised(view: Any) -> None:
    assert is_normalized(view())


def test_the_plans_do_not_normalize_a_normalized_configuration(normalizer_calls: list[Any]) -> None:
    config = public_config(site())
    vps_plan(config, "nas.example.com")
    nas_plan(config)
    dns_records(config, "203.0.113.10", "2001:db8::5", ["nas.example.com"])
    assert normalized(config) is config
    assert normalizer_calls == []


def test_the_plans_are_the_same_from_the_public_view() -> None:
    full, public = site(), public_config(site())
    assert vps_plan(full, "nas.example.com") == vps_plan(public, "nas.example.com")
    assert nas_plan(full) == nas_plan(public)
    assert dns_records(full, "203.0.113.10", "2001:db8::5") == dns_records(public, "203.0.113.10", "2001:db8::5")


def test_a_raw_configuration_is_still_validated_by_the_plans(normalizer_calls: list[Any]) -> None:
    raw = {"services": copy.deepcopy(SERVICES), "tcp_services": copy.deepcopy(TCP_SERVICES), "https_port": "8444"}
    assert nas_plan(raw) == nas_plan(site())
    assert len(normalizer_calls) == 1
    with pytest.raises(RelaykitError, match=r"relay46_services\[0\] \(name 'web'\): domain is missing"):
        vps_plan({"services": [{"name": "web", "backend_port": 8080}]}, "nas.example.com")


def mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    config = public_config(site())
    target: Any = config
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return config


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("http_port",), "80"),  # a numeric string: the normalizer's output has an int
        (("https_port",), True),
        (("https_port",), 70000),
        (("services",), None),
        (("services", 0, "backend_port"), "8080"),
        (("services", 0, "websocket"), "yes"),
        (("services", 0, "host_header"), "Frontend"),
        (("services", 0, "timeout"), None),
        (("services", 0, "timeout", "read"), KeyError),
        (("services", 0, "timeout", "read"), "30"),
        (("services", 0, "local_backend"), 80),
        (("services", 0, "extra"), 1),
        (("services", 0, "name"), KeyError),
        (("tcp_services", 0, "protocol"), "tcp"),  # accepted by the normalizer, never in its output
        (("tcp_services", 0, "listen_port"), 0),
        (("cloudflare", "enabled"), "true"),
        (("cloudflare", "zone_id"), None),
        (("cloudflare", "zone"), ZONE),
        (("cloudflare",), KeyError),
        (("extra",), []),
    ],
)
def test_anything_else_is_not_taken_as_normalized(path: tuple[Any, ...], value: Any) -> None:
    assert not is_normalized(mutated(path, value))


@pytest.mark.parametrize("value", [None, [], "config", {"services": []}])
def test_not_a_configuration(value: Any) -> None:
    assert not is_normalized(value)


# --- one rule for a zone id and a DNS record name -----------------------------------------

ZONE_IDS = [
    ZONE,
    ZONE.upper(),
    f" {ZONE}\n",
    ZONE[:-1],
    ZONE + "0",
    ZONE[:-1] + "g",
    "0123456789abcdef-0123456789abcdef",
    "\uff10" * 32,  # fullwidth digits: no zone id
    "",
]


@pytest.mark.parametrize("zone_id", ZONE_IDS)
def test_a_zone_id_the_relay46_contract_accepts_is_one_the_ddns_role_accepts(zone_id: str) -> None:
    """relay46_cloudflare.zone_id (the normalizer) and ddns_zone_id (checked_values kind zone_id, the ddns role's
    check) agree on every zone id, and the ddns role gets the normalized one."""
    try:
        relay46_zone: str | None = site(zone_id=zone_id)["cloudflare"]["zone_id"]
        relay46_message = ""
    except RelaykitError as exc:
        relay46_zone, relay46_message = None, str(exc)
    try:
        check_values({"ddns_zone_id": ["zone_id", zone_id]})
        ddns_ok, ddns_message = True, ""
    except RelaykitError as exc:
        ddns_ok, ddns_message = False, str(exc)
    assert (relay46_zone is not None) == ddns_ok, (relay46_message, ddns_message)
    if relay46_zone is not None:
        check_values({"ddns_zone_id": ["zone_id", relay46_zone]})
    elif zone_id.strip():
        assert ZONE_ID_EXPECTED in relay46_message and ZONE_ID_EXPECTED in ddns_message
        assert ddns_message.startswith("ddns_zone_id must be ")


RECORD_NAMES_GOOD = [
    "nas.example.com",
    "NAS.Example.COM.",
    "_acme-challenge.example.com",
    "*.lan.example.com",
    "xn--nas-1na.example",
]
RECORD_NAMES_BAD = [
    "bad name.example.com",
    "-nas.example.com",
    "nas-.example.com",
    "a..example.com",
    "198.51.100.7",
    "2001:db8::1",
    "nas.example.123",
    "nas.exam_ple_.c_m",
    "a" * 64 + ".example.com",
    ("a" * 60 + ".") * 5 + "com",
    "nas.\u212aexample.com",
    "*",
    "nas.example.com\n",
    "nas",  # relaykit-ddns publishes names of a zone: one label is none (the same rule, _net.record_name)
]


@pytest.mark.parametrize("name", RECORD_NAMES_GOOD)
def test_record_name_takes_the_names_a_record_may_have(name: str) -> None:
    assert check_values({"ddns_names": ["record_name", [name]]}) == {"ddns_names": [name]}


@pytest.mark.parametrize("name", RECORD_NAMES_BAD)
def test_record_name_refuses_what_is_no_record_name(name: str) -> None:
    with pytest.raises(RelaykitError, match=r"^ddns_names\[1\] must be a DNS record name .*, got "):
        check_values({"ddns_names": ["record_name", ["nas.example.com", name]]})


@pytest.mark.parametrize("suffix", ["\n", "\nExecStartPre=/bin/true", ";", "}", "{", "$x", "%n", '"', "'", " x"])
def test_record_name_refuses_the_injection_cases(suffix: str) -> None:
    with pytest.raises(RelaykitError, match="must be"):
        check_values({"ddns_names": ["record_name", ["nas.example.com" + suffix]]})


def test_every_service_domain_is_a_record_name() -> None:
    """The ddns role publishes the service domains the normalizer accepted: its check must take each of them."""
    domains = [service["domain"] for service in site()["services"]]
    assert check_values({"ddns_names": ["record_name", domains]}) == {"ddns_names": domains}
