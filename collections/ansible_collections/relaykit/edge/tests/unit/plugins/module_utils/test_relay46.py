# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the Relay46 contract (relay46_* variables), the plans of the VPS and the NAS, the DNS
records, and the import of a Relay46 config.yaml.

Bad entries are put behind good ones, so the assertions prove that a message names the right entry
(its position and name) and the field.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import (
    CONFIG_LABELS,
    normalize_config,
    normalize_relay46,
)
from ansible_collections.relaykit.edge.plugins.module_utils._relay46_import import import_config
from ansible_collections.relaykit.edge.plugins.module_utils._relay46_plans import dns_records, nas_plan, vps_plan

TOKEN = "cf-secret-token-0123456789"
ZONE = "0123456789abcdef0123456789abcdef"
TIMEOUTS = {"connect": 60, "send": 60, "read": 60}

# The seed README's example, as relay46_* variables.
SERVICES: list[dict[str, Any]] = [
    {
        "name": "web-panel",
        "domain": "panel.example.com",
        "backend_port": 5666,
        "websocket": True,
        "host_header": "frontend",
        "timeout": {"connect": 60, "send": 60, "read": 60},
    },
    {
        "name": "router",
        "domain": "router.example.com",
        "backend_port": 8082,
        "local_backend": "192.168.0.2:80",
        "websocket": True,
        "host_header": "backend",
    },
]
TCP_SERVICES: list[dict[str, Any]] = [
    {"name": "ssh", "listen_port": 2222, "backend_port": 22},
    {"name": "router-ssh", "listen_port": 2223, "backend_port": 2223, "local_backend": "192.168.0.2:22"},
]
CLOUDFLARE = {"enabled": True, "api_token": TOKEN, "zone_id": ZONE, "proxied": False}


def config(**changes: Any) -> dict[str, Any]:
    """The seed example as one mapping (the arguments of normalize_relay46), with changes."""
    base: dict[str, Any] = {
        "services": copy.deepcopy(SERVICES),
        "tcp_services": copy.deepcopy(TCP_SERVICES),
        "http_port": 80,
        "https_port": 8444,
        "cloudflare": dict(CLOUDFLARE),
    }
    base.update(changes)
    return base


def normalized(**changes: Any) -> dict[str, Any]:
    return normalize_config(config(**changes))


def error(**changes: Any) -> str:
    with pytest.raises(RelaykitError) as info:
        normalize_config(config(**changes))
    message = str(info.value)
    assert TOKEN not in message
    return message


def service(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "media", "domain": "media.example.com", "backend_port": 8096}
    entry.update(changes)
    return entry


def tcp(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": "db", "listen_port": 3307, "backend_port": 3306}
    entry.update(changes)
    return entry


def assert_mentions(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


# --- normalize ------------------------------------------------------------------------


def test_the_seed_example_is_normalized_with_defaults_filled_in() -> None:
    result = normalize_relay46(SERVICES, TCP_SERVICES, 80, 8444, CLOUDFLARE)
    assert result == {
        "services": [
            {
                "name": "web-panel",
                "domain": "panel.example.com",
                "backend_port": 5666,
                "websocket": True,
                "host_header": "frontend",
                "timeout": TIMEOUTS,
                "local_backend": None,
            },
            {
                "name": "router",
                "domain": "router.example.com",
                "backend_port": 8082,
                "websocket": True,
                "host_header": "backend",
                "timeout": TIMEOUTS,
                "local_backend": "192.168.0.2:80",
            },
        ],
        "tcp_services": [
            {"name": "ssh", "listen_port": 2222, "backend_port": 22, "local_backend": None},
            {"name": "router-ssh", "listen_port": 2223, "backend_port": 2223, "local_backend": "192.168.0.2:22"},
        ],
        "http_port": 80,
        "https_port": 8444,
        "cloudflare": {"enabled": True, "zone_id": ZONE, "proxied": False, "api_token": TOKEN},
    }


def test_normalizing_twice_changes_nothing() -> None:
    once = normalized()
    assert normalize_config(once) == once


def test_defaults_of_an_empty_site() -> None:
    assert normalize_relay46(None) == {
        "services": [],
        "tcp_services": [],
        "http_port": 80,
        "https_port": 443,
        "cloudflare": {"enabled": False, "zone_id": "", "proxied": False, "api_token": ""},
    }


def test_minimal_service_gets_every_default() -> None:
    result = normalize_relay46([{"name": "a", "domain": "A.Example.COM.", "backend_port": "8080"}])
    assert result["services"] == [
        {
            "name": "a",
            "domain": "a.example.com",
            "backend_port": 8080,
            "websocket": False,
            "host_header": "frontend",
            "timeout": TIMEOUTS,
            "local_backend": None,
        }
    ]


def test_partial_timeout_keeps_the_other_defaults() -> None:
    result = normalized(services=[service(timeout={"read": "300"})])
    assert result["services"][0]["timeout"] == {"connect": 60, "send": 60, "read": 300}


def test_numeric_strings_become_ints() -> None:
    result = normalize_relay46(
        [service(backend_port=" 8096 ")], [tcp(listen_port="3307", backend_port="3306")], "8080", "8443"
    )
    assert result["services"][0]["backend_port"] == 8096
    assert result["tcp_services"][0]["listen_port"] == 3307
    assert (result["http_port"], result["https_port"]) == (8080, 8443)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("192.168.0.2:80", "192.168.0.2:80"),
        ("[FD00:0::5]:80", "[fd00::5]:80"),
        ("NAS.lan:8080", "nas.lan:8080"),
        ("printer:631", "printer:631"),
    ],
)
def test_local_backend_is_normalized(given: str, expected: str) -> None:
    assert normalized(services=[service(local_backend=given)])["services"][0]["local_backend"] == expected


def test_empty_local_backend_is_none() -> None:
    assert normalized(services=[service(local_backend="")])["services"][0]["local_backend"] is None


def test_tcp_protocol_of_the_seed_example_is_accepted() -> None:
    result = normalized(tcp_services=[tcp(protocol="TCP")])
    assert result["tcp_services"] == [{"name": "db", "listen_port": 3307, "backend_port": 3306, "local_backend": None}]


def test_host_header_is_case_insensitive() -> None:
    assert normalized(services=[service(host_header="Backend")])["services"][0]["host_header"] == "backend"


# --- errors: one per rule, each naming the entry and the field -------------------------


@pytest.mark.parametrize(
    ("changes", "parts"),
    [
        pytest.param(
            {"services": [*SERVICES, service(domain="PANEL.example.com")]},
            [
                "relay46_services[2] (name 'media'): domain panel.example.com is already used by relay46_services[0] "
                "(name 'web-panel')"
            ],
            id="domain-twice",
        ),
        pytest.param(
            {"services": [*SERVICES, service(name="router")]},
            ["relay46_services[2] (name 'router'): name 'router' is already used by relay46_services[1]"],
            id="service-name-twice",
        ),
        pytest.param(
            {"tcp_services": [*TCP_SERVICES, tcp(name="ssh")]},
            ["relay46_tcp_services[2] (name 'ssh'): name 'ssh' is already used by relay46_tcp_services[0]"],
            id="tcp-name-twice",
        ),
        pytest.param(
            {"services": [*SERVICES, {"domain": "x.example.com", "backend_port": 1}]},
            ["relay46_services[2]: name is missing"],
            id="name-missing",
        ),
        pytest.param(
            {"services": [*SERVICES, service(name="bad name")]},
            ["relay46_services[2] (name 'bad name'): name must be", "got 'bad name'"],
            id="name-bad",
        ),
        pytest.param(
            {"services": [*SERVICES, service(domain=None)]},
            ["relay46_services[2] (name 'media'): domain is missing"],
            id="domain-missing",
        ),
        pytest.param(
            {"services": [*SERVICES, service(domain="bad_host name")]},
            ["relay46_services[2] (name 'media'): domain must be a DNS name", "'bad_host name'"],
            id="domain-not-dns",
        ),
        pytest.param(
            {"services": [*SERVICES, service(domain="*.example.com")]},
            ["relay46_services[2] (name 'media'): domain must be one DNS name, not a wildcard"],
            id="domain-wildcard",
        ),
        pytest.param(
            {"services": [*SERVICES, service(domain="localhost")]},
            ["relay46_services[2] (name 'media'): domain must be a fully qualified DNS name"],
            id="domain-single-label",
        ),
        pytest.param(
            {"services": [*SERVICES, service(backend_port=70000)]},
            ["relay46_services[2] (name 'media'): backend_port must be a port number 1..65535, got 70000"],
            id="backend-port-out-of-range",
        ),
        pytest.param(
            {"services": [*SERVICES, service(backend_port=0)]},
            ["relay46_services[2] (name 'media'): backend_port must be a port number 1..65535, got 0"],
            id="backend-port-zero",
        ),
        pytest.param(
            {"services": [*SERVICES, service(backend_port=True)]},
            ["relay46_services[2] (name 'media'): backend_port must be a port number 1..65535, got True"],
            id="backend-port-bool",
        ),
        pytest.param(
            {"services": [*SERVICES, {"name": "media", "domain": "media.example.com"}]},
            ["relay46_services[2] (name 'media'): backend_port is missing"],
            id="backend-port-missing",
        ),
        pytest.param(
            {"tcp_services": [*TCP_SERVICES, tcp(listen_port="http")]},
            ["relay46_tcp_services[2] (name 'db'): listen_port must be a port number 1..65535, got 'http'"],
            id="listen-port-not-a-number",
        ),
        pytest.param(
            {"services": [*SERVICES, service(websocket="yes")]},
            ["relay46_services[2] (name 'media'): websocket must be true or false, got 'yes'"],
            id="websocket-not-bool",
        ),
        pytest.param(
            {"services": [*SERVICES, service(host_header="origin")]},
            ["relay46_services[2] (name 'media'): host_header must be one of frontend, backend, got 'origin'"],
            id="host-header-choice",
        ),
        pytest.param(
            {"services": [*SERVICES, service(timeout={"read": 0})]},
            ["relay46_services[2] (name 'media'): timeout.read must be 1 to 86400 seconds, got 0"],
            id="timeout-zero",
        ),
        pytest.param(
            {"services": [*SERVICES, service(timeout={"read": "1m"})]},
            ["relay46_services[2] (name 'media'): timeout.read must be 1 to 86400 seconds, got 1m"],
            id="timeout-unit",
        ),
        pytest.param(
            {"services": [*SERVICES, service(timeout={"reed": 5})]},
            ["relay46_services[2] (name 'media'): timeout: unknown field 'reed'; expected connect, send, read"],
            id="timeout-unknown-field",
        ),
        pytest.param(
            {"services": [*SERVICES, service(timeout=30)]},
            ["relay46_services[2] (name 'media'): timeout must be a mapping"],
            id="timeout-not-a-mapping",
        ),
        pytest.param(
            {"services": [*SERVICES, service(websockets=True)]},
            ["relay46_services[2] (name 'media'): unknown field 'websockets'; expected name, domain"],
            id="service-unknown-field",
        ),
        pytest.param(
            {"tcp_services": [*TCP_SERVICES, tcp(listen=1)]},
            ["relay46_tcp_services[2] (name 'db'): unknown field 'listen'; expected name, listen_port"],
            id="tcp-unknown-field",
        ),
        pytest.param(
            {"tcp_services": [*TCP_SERVICES, tcp(protocol="udp")]},
            ["relay46_tcp_services[2] (name 'db'): protocol must be tcp", "got 'udp'"],
            id="tcp-udp",
        ),
        pytest.param(
            {"services": [*SERVICES, "media.example.com"]},
            ["relay46_services[2] must be a mapping", "got text"],
            id="service-not-a-mapping",
        ),
        pytest.param(
            {"services": {"name": "media"}},
            ["relay46_services must be a list of mappings, got a mapping"],
            id="services-not-a-list",
        ),
    ],
)
def test_bad_entry_is_named(changes: dict[str, Any], parts: list[str]) -> None:
    assert_mentions(error(**changes), *parts)


@pytest.mark.parametrize(
    ("value", "part"),
    [
        ("192.168.0.2", "must be host:port"),
        ("192.168.0.2:", "the port is missing or not a number"),
        (":80", "must be host:port"),
        ("192.168.0.2:http", "the port is missing or not a number"),
        ("192.168.0.2:70000", "local_backend's port must be a port number 1..65535, got '70000'"),
        ("fd00::5:80", "an IPv6 address must be in brackets, as in [fd00::5]:80"),
        ("[fd00::5:80", "an IPv6 address in brackets"),
        ("[192.168.0.2]:80", "an IPv6 address in brackets"),
        ("bad_host:80", "'bad_host' is not a host name or an IP address"),
        ("192.168.0.256:80", "'192.168.0.256' is not a host name or an IP address"),
        ("http://192.168.0.2:80", "must be host:port"),
        (8080, "must be host:port"),
    ],
)
def test_local_backend_must_be_host_port(value: Any, part: str) -> None:
    message = error(services=[*SERVICES, service(local_backend=value)])
    assert_mentions(message, "relay46_services[2] (name 'media'): local_backend", part)


def test_tcp_local_backend_must_be_host_port() -> None:
    message = error(tcp_services=[*TCP_SERVICES, tcp(local_backend="nas")])
    assert_mentions(message, "relay46_tcp_services[2] (name 'db'): local_backend must be host:port")


# --- ports: the VPS ---------------------------------------------------------------------


def test_two_tcp_services_on_one_listen_port() -> None:
    message = error(tcp_services=[*TCP_SERVICES, tcp(listen_port=2222)])
    assert_mentions(
        message,
        "relay46_tcp_services[2] (name 'db'): listen_port 2222 is already used by relay46_tcp_services[0] (name 'ssh')",
    )


@pytest.mark.parametrize(("port", "variable"), [(80, "relay46_http_port"), (8444, "relay46_https_port")])
def test_tcp_listen_port_on_the_http_or_https_port(port: int, variable: str) -> None:
    message = error(tcp_services=[*TCP_SERVICES, tcp(listen_port=port)])
    assert_mentions(message, f"relay46_tcp_services[2] (name 'db'): listen_port {port} is already used by {variable}")


def test_http_and_https_port_differ() -> None:
    assert_mentions(error(http_port=8444), "relay46_https_port: 8444 is also relay46_http_port")


@pytest.mark.parametrize(("field", "value"), [("http_port", 0), ("https_port", "https"), ("https_port", 65536)])
def test_http_and_https_port_range(field: str, value: Any) -> None:
    assert_mentions(error(**{field: value}), f"relay46_{field} must be a port number 1..65535, got {value!r}")


def test_same_port_on_vps_and_nas_sides_is_fine() -> None:
    # A TCP service's listen_port is on the VPS, its backend_port on the NAS: equal numbers do not clash.
    result = normalized(tcp_services=[tcp(listen_port=2223, backend_port=2223, local_backend="192.168.0.2:22")])
    assert result["tcp_services"][0]["listen_port"] == 2223


# --- ports: the NAS ---------------------------------------------------------------------


def test_two_relay_ports_on_the_nas() -> None:
    message = error(services=[*SERVICES, service(backend_port=8082, local_backend="192.168.0.3:80")])
    assert_mentions(
        message,
        "relay46_services[2] (name 'media'): backend_port 8082 is already used on the NAS by relay46_services[1] "
        "(name 'router')",
    )


def test_http_and_tcp_relay_ports_on_the_nas() -> None:
    message = error(tcp_services=[*TCP_SERVICES, tcp(backend_port=8082, local_backend="192.168.0.3:22")])
    assert_mentions(
        message,
        "relay46_tcp_services[2] (name 'db'): backend_port 8082 is already used on the NAS by relay46_services[1]",
    )


@pytest.mark.parametrize(("port", "variable"), [(80, "relay46_http_port"), (8444, "relay46_https_port")])
def test_relay_port_on_the_nas_http_or_https_port(port: int, variable: str) -> None:
    message = error(tcp_services=[*TCP_SERVICES, tcp(backend_port=port, local_backend="192.168.0.3:22")])
    assert_mentions(
        message, f"relay46_tcp_services[2] (name 'db'): backend_port {port} is already used on the NAS by {variable}"
    )


def test_relay_port_on_a_port_of_the_nas_itself() -> None:
    # ssh (no local_backend) is the NAS's own SSH on 22: nginx cannot listen there for a LAN device.
    message = error(tcp_services=[*TCP_SERVICES, tcp(backend_port=22, local_backend="192.168.0.3:22")])
    assert_mentions(
        message,
        "relay46_tcp_services[2] (name 'db'): backend_port 22 is already used on the NAS by relay46_tcp_services[0] "
        "(name 'ssh'), a service of the NAS itself",
    )


def test_http_service_on_the_nas_https_port() -> None:
    message = error(services=[*SERVICES, service(backend_port=8444)])
    assert_mentions(message, "relay46_services[2] (name 'media'): backend_port 8444 is relay46_https_port")


def test_tcp_service_may_pass_through_to_the_nas_https_port() -> None:
    result = normalized(tcp_services=[tcp(listen_port=9443, backend_port=8444)])
    assert result["tcp_services"][0]["backend_port"] == 8444


def test_two_services_of_the_nas_itself_may_share_a_port() -> None:
    result = normalized(services=[service(), service(name="media2", domain="media2.example.com")])
    assert [entry["backend_port"] for entry in result["services"]] == [8096, 8096]


# --- cloudflare -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloudflare", "part"),
    [
        ({"enabled": True, "zone_id": ZONE}, "relay46_cloudflare: enabled is true but api_token is missing or empty"),
        ({"enabled": True, "zone_id": ZONE, "api_token": " "}, "api_token is missing or empty"),
        ({"enabled": True, "api_token": TOKEN}, "relay46_cloudflare: enabled is true but zone_id is missing or empty"),
        ({"enabled": "yes", "api_token": TOKEN, "zone_id": ZONE}, "relay46_cloudflare: enabled must be true or false"),
        ({"enabled": True, "api_token": TOKEN, "zone_id": ZONE, "proxied": 1}, "proxied must be true or false, got 1"),
        (
            {"enabled": True, "api_token": TOKEN, "zone_id": ZONE, "zone": "x"},
            "relay46_cloudflare: unknown field 'zone'",
        ),
        (
            {"enabled": True, "api_token": TOKEN, "zone_id": "a zone"},
            "zone_id must be 32 hexadecimal digits (a Cloudflare zone id)",
        ),
        ([TOKEN], "relay46_cloudflare must be a mapping"),
    ],
)
def test_bad_cloudflare_is_named_without_the_token(cloudflare: Any, part: str) -> None:
    assert_mentions(error(cloudflare=cloudflare), part)  # error() asserts the token is not in the message


def test_a_token_that_is_not_a_string_is_not_shown() -> None:
    message = error(cloudflare={"enabled": True, "api_token": 123456789, "zone_id": ZONE})
    assert_mentions(message, "api_token must be a string (its value is not shown), got a number")
    assert "123456789" not in message


def test_a_token_under_a_mistyped_key_is_not_shown() -> None:
    message = error(cloudflare={"enabled": True, "api_tokne": TOKEN, "zone_id": ZONE})
    assert_mentions(message, "unknown field 'api_tokne'")


def test_disabled_cloudflare_needs_nothing() -> None:
    result = normalized(cloudflare={"enabled": False, "api_token": "YOUR_API_TOKEN", "zone_id": "YOUR ZONE"})
    assert result["cloudflare"] == {
        "enabled": False,
        "zone_id": "YOUR ZONE",
        "proxied": False,
        "api_token": "YOUR_API_TOKEN",
    }


def test_unknown_configuration_key() -> None:
    with pytest.raises(RelaykitError, match="unknown key 'servics'"):
        normalize_config({"servics": []})


def test_labels_rename_the_variables() -> None:
    with pytest.raises(RelaykitError) as info:
        normalize_relay46(
            [*SERVICES, service(domain="panel.example.com")], http_port=1, https_port=1, labels=CONFIG_LABELS
        )
    assert (
        str(info.value) == "server.https_port: 1 is also server.http_port; HTTP (ACME challenges, the redirect) "
        "and HTTPS need a port each"
    )
    with pytest.raises(RelaykitError, match=r"^services\[2\] \(name 'media'\): domain panel.example.com is already"):
        normalize_relay46([*SERVICES, service(domain="panel.example.com")], labels=CONFIG_LABELS)


# --- plans ------------------------------------------------------------------------------


def test_vps_plan_of_the_seed_example() -> None:
    assert vps_plan(normalized(), "nas.example.com") == {
        "certificates": [
            {"name": "web-panel", "domains": ["panel.example.com"]},
            {"name": "router", "domains": ["router.example.com"]},
        ],
        "sites": [
            {
                "name": "web-panel",
                "domains": ["panel.example.com"],
                "certificate": "web-panel",
                "upstream": "nas.example.com:5666",
                "websocket": True,
                "host_header": "frontend",
                "timeouts": TIMEOUTS,
            },
            {
                "name": "router",
                "domains": ["router.example.com"],
                "certificate": "router",
                "upstream": "nas.example.com:8082",
                "websocket": True,
                "host_header": "backend",
                "timeouts": TIMEOUTS,
            },
        ],
        "http_relays": [],
        "streams": [
            {"name": "ssh", "listen_port": 2222, "upstream": "nas.example.com:22"},
            {"name": "router-ssh", "listen_port": 2223, "upstream": "nas.example.com:2223"},
        ],
        "ufw_rules": [
            {"name": "http", "port": 80},
            {"name": "https", "port": 8444},
            {"name": "stream-ssh", "port": 2222},
            {"name": "stream-router-ssh", "port": 2223},
        ],
        "listen_ports": [
            {"port": 80, "what": "relay46_http_port"},
            {"port": 8444, "what": "relay46_https_port"},
            {"port": 2222, "what": "relay46_tcp_services ssh: listen_port"},
            {"port": 2223, "what": "relay46_tcp_services router-ssh: listen_port"},
        ],
    }


@pytest.mark.parametrize("nas_host", ["2001:db8::5", "[2001:DB8:0::5]"])
def test_vps_plan_brackets_an_ipv6_nas(nas_host: str) -> None:
    plan = vps_plan(normalized(), nas_host)
    assert [site["upstream"] for site in plan["sites"]] == ["[2001:db8::5]:5666", "[2001:db8::5]:8082"]
    assert [stream["upstream"] for stream in plan["streams"]] == ["[2001:db8::5]:22", "[2001:db8::5]:2223"]


@pytest.mark.parametrize("nas_host", ["", None, "bad host", "fe80::1%eth0", "[nas.example.com]"])
def test_vps_plan_needs_a_nas_host(nas_host: Any) -> None:
    with pytest.raises(RelaykitError, match="nas_host must be the NAS's DNS name or IP address"):
        vps_plan(normalized(), nas_host)


def test_vps_plan_validates_its_configuration() -> None:
    with pytest.raises(RelaykitError, match=r"relay46_services\[0\]: name is missing"):
        vps_plan({"services": [{"domain": "a.example.com", "backend_port": 1}]}, "nas.example.com")


def test_nas_plan_of_the_seed_example() -> None:
    assert nas_plan(normalized()) == {
        "certificates": [
            {"name": "web-panel", "domains": ["panel.example.com"], "challenge": "dns-01"},
            {"name": "router", "domains": ["router.example.com"], "challenge": "dns-01"},
        ],
        "sites": [
            {
                "name": "web-panel",
                "domains": ["panel.example.com"],
                "certificate": "web-panel",
                "upstream": "127.0.0.1:5666",
                "websocket": True,
                "host_header": "frontend",
                "timeouts": TIMEOUTS,
            },
            {
                "name": "router",
                "domains": ["router.example.com"],
                "certificate": "router",
                "upstream": "192.168.0.2:80",
                "websocket": True,
                "host_header": "backend",
                "timeouts": TIMEOUTS,
            },
        ],
        "http_relays": [
            {
                "name": "router",
                "listen_port": 8082,
                "upstream": "192.168.0.2:80",
                "websocket": True,
                "host_header": "backend",
                "timeouts": TIMEOUTS,
            }
        ],
        "streams": [{"name": "router-ssh", "listen_port": 2223, "upstream": "192.168.0.2:22"}],
        "relay_ports": [22, 2223, 5666, 8082],
        "ufw_rules": [{"name": "http", "port": 80}, {"name": "https", "port": 8444}],
        "ufw_relay_rules": [
            {"name": "relay-22", "port": 22},
            {"name": "relay-2223", "port": 2223},
            {"name": "relay-5666", "port": 5666},
            {"name": "relay-8082", "port": 8082},
        ],
        # Only the relay ports nginx serves (to a local_backend); 22 and 5666 are the NAS's own services.
        "listen_ports": [
            {"port": 80, "what": "relay46_http_port"},
            {"port": 8444, "what": "relay46_https_port"},
            {"port": 8082, "what": "relay46_services router: backend_port (relay to local_backend)"},
            {"port": 2223, "what": "relay46_tcp_services router-ssh: backend_port (relay to local_backend)"},
        ],
    }


def test_nas_plan_relay_ports_are_unique_and_sorted() -> None:
    plan = nas_plan(normalized(services=[service(), service(name="b", domain="b.example.com")], tcp_services=[]))
    assert plan["relay_ports"] == [8096]


def test_plans_of_an_empty_site() -> None:
    empty = normalize_relay46([])
    edge = [{"name": "http", "port": 80}, {"name": "https", "port": 443}]
    edge_listen = [{"port": 80, "what": "relay46_http_port"}, {"port": 443, "what": "relay46_https_port"}]
    assert vps_plan(empty, "nas.example.com") == {
        "certificates": [],
        "sites": [],
        "http_relays": [],
        "streams": [],
        "ufw_rules": edge,
        "listen_ports": edge_listen,
    }
    assert nas_plan(empty) == {
        "certificates": [],
        "sites": [],
        "http_relays": [],
        "streams": [],
        "relay_ports": [],
        "ufw_rules": edge,
        "listen_ports": edge_listen,
        "ufw_relay_rules": [],
    }


def test_plans_do_not_share_timeouts_with_the_configuration() -> None:
    source = normalized()
    plan = nas_plan(source)
    plan["sites"][0]["timeouts"]["read"] = 1
    assert plan["http_relays"][0]["timeouts"]["read"] == 60


# --- DNS records ------------------------------------------------------------------------


def test_dns_records_a_to_the_vps_aaaa_to_the_nas() -> None:
    records = dns_records(normalized(), "203.0.113.10", "2001:DB8:0::5", ["NAS.example.com", "panel.example.com"])
    assert records == [
        {"name": "panel.example.com", "type": "A", "content": "203.0.113.10", "proxied": False},
        {"name": "panel.example.com", "type": "AAAA", "content": "2001:db8::5", "proxied": False},
        {"name": "router.example.com", "type": "A", "content": "203.0.113.10", "proxied": False},
        {"name": "router.example.com", "type": "AAAA", "content": "2001:db8::5", "proxied": False},
        {"name": "nas.example.com", "type": "AAAA", "content": "2001:db8::5", "proxied": False},
    ]


def test_dns_records_proxied_as_configured_but_never_the_extra_names() -> None:
    records = dns_records(
        normalized(cloudflare=dict(CLOUDFLARE, proxied=True)), "203.0.113.10", "2001:db8::5", ["nas.example.com"]
    )
    assert [(record["name"], record["type"], record["proxied"]) for record in records] == [
        ("panel.example.com", "A", True),
        ("panel.example.com", "AAAA", True),
        ("router.example.com", "A", True),
        ("router.example.com", "AAAA", True),
        ("nas.example.com", "AAAA", False),
    ]


@pytest.mark.parametrize("nas_ipv6", [None, "", "  "])
def test_dns_records_without_the_nas_address_are_the_a_records_only(nas_ipv6: Any) -> None:
    records = dns_records(normalized(), "203.0.113.10", nas_ipv6, ["nas.example.com"])
    assert records
    assert {record["type"] for record in records} == {"A"}
    assert {record["content"] for record in records} == {"203.0.113.10"}


@pytest.mark.parametrize(
    ("vps_ipv4", "nas_ipv6", "extra", "part"),
    [
        ("2001:db8::1", "2001:db8::5", [], "vps_ipv4 must be the VPS's IPv4 address"),
        ("203.0.113.10", "203.0.113.11", [], "nas_ipv6 must be the NAS's IPv6 address"),
        ("203.0.113.10", "2001:db8::5", "nas.example.com", "extra_names must be a list"),
        ("203.0.113.10", "2001:db8::5", ["bad name"], "extra_names: entry 1 must be a DNS name"),
        ("203.0.113.10", "2001:db8::5", ["*.example.com"], "extra_names: entry 1 must be one DNS name, not a wildcard"),
    ],
)
def test_dns_records_bad_arguments(vps_ipv4: str, nas_ipv6: str, extra: Any, part: str) -> None:
    with pytest.raises(RelaykitError) as info:
        dns_records(normalized(), vps_ipv4, nas_ipv6, extra)
    assert_mentions(str(info.value), part)


# --- import of a config.yaml ------------------------------------------------------------


def seed_config(**changes: Any) -> dict[str, Any]:
    """The seed README's config.yaml (server, nas, services, tcp_services, cloudflare), loaded."""
    data: dict[str, Any] = {
        "server": {"host": "203.0.113.10", "port": 22, "user": "root", "http_port": 80, "https_port": 8444},
        "nas": {"host": "nas", "user": "your_user"},
        "services": copy.deepcopy(SERVICES),
        "tcp_services": copy.deepcopy(TCP_SERVICES),
        "cloudflare": dict(CLOUDFLARE),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_import_of_the_seed_example() -> None:
    result = import_config(seed_config())
    assert result["hosts"] == {
        "vps": {"ansible_host": "203.0.113.10", "ansible_port": 22, "ansible_user": "root"},
        "nas": {"ansible_host": "nas", "ansible_user": "your_user"},
    }
    assert result["ssh_aliases"] == ["nas"]
    expected = normalized()
    del expected["cloudflare"]["api_token"]
    assert result["config"] == expected
    assert result["api_token_set"] is True
    assert TOKEN not in repr(result)
    assert (result["nas_name"], result["nas_ipv6"], result["certbot_email"], result["ignored"]) == ("", "", "", [])


def test_import_maps_the_other_keys_and_reports_the_unused_ones() -> None:
    result = import_config(
        seed_config(
            server={"host": "vps.example.com", "user": "root", "password": "x", "identity_file": "~/.ssh/id_ed25519"},
            nas={"host": "[2001:db8::5]", "port": "2222", "user": "me", "ipv6": "2001:db8::5", "deploy_path": "~/r"},
            backend={"host": "NAS.example.com"},
            ssl={"email": "ops@example.com"},
            resolver={"servers": ["8.8.8.8"]},
            extra=1,
        )
    )
    assert result["hosts"] == {
        "vps": {
            "ansible_host": "vps.example.com",
            "ansible_user": "root",
            "ansible_ssh_private_key_file": "~/.ssh/id_ed25519",
        },
        "nas": {"ansible_host": "2001:db8::5", "ansible_port": 2222, "ansible_user": "me"},
    }
    assert result["ssh_aliases"] == []
    assert (result["nas_name"], result["nas_ipv6"]) == ("nas.example.com", "2001:db8::5")
    assert result["certbot_email"] == "ops@example.com"
    assert result["config"]["http_port"] == 80 and result["config"]["https_port"] == 443
    assert result["ignored"] == ["server.password", "nas.deploy_path", "resolver", "extra"]
    assert result["ignored_reasons"]["server.password"] == "relaykit connects with SSH keys"
    assert result["ignored_reasons"]["resolver"].startswith("nginx re-resolves")
    assert result["ignored_reasons"]["extra"] == "relaykit has no equivalent"


def test_import_without_a_nas_section_uses_backend_host_as_relay46_does() -> None:
    result = import_config(seed_config(nas=None, backend={"host": "nas.example.com"}))
    assert result["hosts"]["nas"] == {"ansible_host": "nas.example.com", "ansible_user": "root"}


def test_import_without_a_token() -> None:
    result = import_config(seed_config(cloudflare={"enabled": False}))
    assert result["api_token_set"] is False
    assert result["config"]["cloudflare"] == {"enabled": False, "zone_id": "", "proxied": False}


@pytest.mark.parametrize(
    ("changes", "part"),
    [
        ({"server": None}, "server is missing"),
        ({"server": {"port": 22}}, "server.host is missing"),
        ({"server": {"host": "YOUR_VPS_IP"}}, "server.host must be an IP address, a DNS name or an SSH config alias"),
        ({"server": {"host": "vps", "port": 0}}, "server: port must be a port number 1..65535, got 0"),
        ({"server": {"host": "vps", "user": "a b"}}, "server.user must be a user name"),
        ({"server": {"host": "vps", "https_port": 70000}}, "server.https_port must be a port number 1..65535"),
        ({"nas": None}, "nas is missing"),
        ({"nas": "nas"}, "nas must be a mapping"),
        ({"ssl": {"email": "nobody"}}, "ssl.email must be an e-mail address"),
        ({"backend": {"host": "bad host"}}, "backend.host must be the NAS's DNS name"),
        ({"backend": {"host": "2001:db8::5"}}, "backend.host must be the NAS's DNS name"),
        ({"nas": {"host": "nas", "ipv6": "203.0.113.5"}}, "nas.ipv6 must be the NAS's IPv6 address"),
        (
            {"services": [*SERVICES, service(domain="panel.example.com")]},
            "services[2] (name 'media'): domain panel.example.com is already used by services[0] (name 'web-panel')",
        ),
        ({"tcp_services": [*TCP_SERVICES, tcp(listen_port=2222)]}, "tcp_services[2] (name 'db'): listen_port 2222"),
        ({"cloudflare": {"enabled": True, "api_token": TOKEN}}, "cloudflare: enabled is true but zone_id is missing"),
    ],
)
def test_import_errors_use_the_names_of_config_yaml(changes: dict[str, Any], part: str) -> None:
    with pytest.raises(RelaykitError) as info:
        import_config(seed_config(**changes))
    assert_mentions(str(info.value), part)
    assert "relay46_" not in str(info.value)
    assert TOKEN not in str(info.value)


def test_import_needs_a_mapping() -> None:
    with pytest.raises(RelaykitError, match="the file must hold a mapping"):
        import_config(["server"])
