"""Inputs an adversarial pass got through validation (issue 13, item 7): each is refused now, on the controller."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils import _relays
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import normalize_relay46
from ansible_collections.relaykit.edge.plugins.module_utils._relays import RelayError, normalize

ZONE = "0123456789abcdef0123456789abcdef"


def relay46_error(services: list[dict[str, Any]], cloudflare: dict[str, Any] | None = None) -> str:
    with pytest.raises(RelaykitError) as raised:
        normalize_relay46(services, None, 80, 443, cloudflare or {})
    return str(raised.value)


@pytest.mark.parametrize(
    "domain",
    [
        "web.example.com\n.",  # "$" matched before the newline
        "198.51.100.7",  # an address, not a name
        "web.example.123",
        "a" * 64 + ".example.com",  # a label of 64
        ".".join(["a" * 63] * 4) + ".com",  # more than 253
        "web..example.com",
        "-web.example.com",
    ],
)
def test_a_domain_that_is_no_dns_name_is_refused(domain: str) -> None:
    message = relay46_error([{"name": "web", "domain": domain, "backend_port": 8080}])
    assert "domain" in message and "DNS name" in message, message


def test_a_63_character_label_is_a_name() -> None:
    domain = "a" * 63 + ".example.com"
    result = normalize_relay46([{"name": "web", "domain": domain, "backend_port": 8080}])
    assert result["services"][0]["domain"] == domain


@pytest.mark.parametrize(
    "zone_id", ["a zone", "0123456789abcdef", ZONE + "0", "g" * 32, "0123456789abcdef-0123456789abcde"]
)
def test_a_zone_id_that_is_not_32_hex_digits_is_refused(zone_id: str) -> None:
    service = [{"name": "web", "domain": "web.example.com", "backend_port": 8080}]
    message = relay46_error(service, {"enabled": True, "api_token": "t", "zone_id": zone_id})
    assert "zone_id must be 32 hexadecimal digits" in message


def test_an_upper_case_zone_id_is_the_same_zone() -> None:
    service = [{"name": "web", "domain": "web.example.com", "backend_port": 8080}]
    result = normalize_relay46(service, None, 80, 443, {"enabled": True, "api_token": "t", "zone_id": ZONE.upper()})
    assert result["cloudflare"]["zone_id"] == ZONE


@pytest.mark.parametrize("seconds", [10**20, 86401, 0])
def test_a_timeout_nginx_cannot_take_is_refused(seconds: int) -> None:
    service = {"name": "web", "domain": "web.example.com", "backend_port": 8080, "timeout": {"read": seconds}}
    assert f"timeout.read must be 1 to 86400 seconds, got {seconds}" in relay46_error([service])


@pytest.mark.parametrize(
    "host",
    [
        "relaykit-upstream\u212a",  # the Kelvin sign, matched by [a-z] under IGNORECASE
        "upstr\u0435am.example.com",  # a Cyrillic e
        "0x7f000001",  # inet_aton's 127.0.0.1
        "2130706433",
        "127.1",
        "0177.0.0.1",
        "example.123",
    ],
)
def test_a_target_host_that_is_no_plain_name_or_address_is_refused(host: str) -> None:
    with pytest.raises(RelayError, match="target_host must be a host name"):
        normalize([f"50025;25;{host};TCP"])


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("51820;51820;255.255.255.255;UDP", "the broadcast address"),
        ("51820;51820;0.0.0.0;UDP", "the unspecified address"),
        ({"listen_port": 51820, "target_host": "::", "target_port": 51820, "protocol": "udp"}, "unspecified"),
        ("51820;51820;224.0.0.251;UDP", "a multicast address"),
        ({"listen_port": 51820, "target_host": "ff02::1", "target_port": 51820, "protocol": "udp"}, "multicast"),
        ("51820;51820;127.0.0.1;UDP", "a loopback address, which the kernel engine cannot reach"),
        ("50025;25;0.0.0.0;TCP", "the unspecified address"),
    ],
)
def test_a_target_no_one_host_answers_as_is_refused(line: Any, why: str) -> None:
    with pytest.raises(RelayError, match=f"target_host .* is .*{why}"):
        normalize([line])


def test_socat_may_relay_to_a_service_on_the_relay_host() -> None:
    assert normalize(["50025;25;127.0.0.1;TCP"])[0].target_host == "127.0.0.1"


def test_names_and_addresses_that_are_fine_still_pass() -> None:
    hosts = [
        "mail.example.com",
        "relaykit-upstream",
        "198.51.100.7",
        "2001:db8::7",
        "xn--bcher-kva.example",
        "1a.example",
    ]
    assert [relay.target_host for relay in normalize([f"{5000 + i};25;{h};TCP" for i, h in enumerate(hosts)])] == hosts


def test_the_collision_check_does_not_compare_every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """10,000 relays on distinct ports: no pair of them shares a port, so no addresses are compared."""
    calls = []
    original = _relays.overlaps
    monkeypatch.setattr(_relays, "overlaps", lambda a, b: calls.append(1) or original(a, b))
    relays = normalize([f"{10000 + i};25;198.51.100.7;TCP" for i in range(10_000)])
    assert len(relays) == 10_000
    assert calls == []
    with pytest.raises(
        RelayError, match=r"port_relays\[10000\].*listen_port 10000/tcp is already used by port_relays\[0\]"
    ):
        normalize([f"{10000 + i};25;198.51.100.7;TCP" for i in range(10_000)] + ["10000;26;198.51.100.8;TCP"])


@pytest.mark.parametrize(
    ("value", "said"), [("x", "text"), (1, "a number"), (True, "true/false"), ({}, "a mapping"), ([], "a list")]
)
def test_kinds_are_said_in_the_inventorys_words(value: Any, said: str) -> None:
    assert kind(value) == said


def test_a_type_error_names_no_python_or_ansible_type() -> None:
    class _AnsibleTaggedStr(str):  # what Ansible 2.19 passes for an inventory string
        pass

    with pytest.raises(RelayError) as raised:
        normalize(_AnsibleTaggedStr("50025;25;example.com;TCP"))
    assert str(raised.value) == "port_relays must be a list of seed lines or mappings, got text"
