# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relay46's plans: what each host's nginx serves and the site's DNS records, pure functions of the
configuration that :mod:`_relay46` normalizes (the inventory contract).

Each plan takes the normalized configuration (the site's ``relay46_site`` fact) as it is; any other mapping is
normalized (validated) first, so a plan never works from an unchecked configuration."""

from __future__ import annotations

import ipaddress
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._certificates import CertificateError, requested_name
from ansible_collections.relaykit.edge.plugins.module_utils._errors import kind as kind_of
from ansible_collections.relaykit.edge.plugins.module_utils._net import host_port, ip_version
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import (
    NAS_LOOPBACK,
    fail,
    normalized,
    parse_host,
)

# --- plans ----------------------------------------------------------------------------


def upstream(host: str, port: int) -> str:
    return host_port(host, port)


def site(service: dict[str, Any], target: str) -> dict[str, Any]:
    return {
        "name": service["name"],
        "domains": [service["domain"]],
        "certificate": service["name"],
        "upstream": target,
        "websocket": service["websocket"],
        "host_header": service["host_header"],
        "timeouts": dict(service["timeout"]),
    }


def parse_nas_host(value: Any) -> str:
    host = parse_host(value) if isinstance(value, str) and value.strip() else None
    if host is None:
        raise fail(
            "nas_host must be the NAS's DNS name or IP address (the name the VPS reaches it by, "
            f"as in nas.example.com or [2001:db8::5]), got {value!r}"
        )
    return host


def vps_plan(config: Any, nas_host: Any) -> dict[str, Any]:
    """What nginx on the VPS serves: an HTTPS site per service, proxied to the NAS; a stream per TCP service."""
    config = normalized(config)
    nas = parse_nas_host(nas_host)
    return {
        "certificates": [{"name": svc["name"], "domains": [svc["domain"]]} for svc in config["services"]],
        "sites": [site(svc, upstream(nas, svc["backend_port"])) for svc in config["services"]],
        "http_relays": [],
        "streams": [
            {"name": tcp["name"], "listen_port": tcp["listen_port"], "upstream": upstream(nas, tcp["backend_port"])}
            for tcp in config["tcp_services"]
        ],
        # Where ufw is the VPS's firewall: every client may reach these.
        "ufw_rules": edge_ports(config)
        + [{"name": f"stream-{tcp['name']}", "port": tcp["listen_port"]} for tcp in config["tcp_services"]],
        # What nginx binds on the VPS: no other service of the host may hold these.
        "listen_ports": edge_listen_ports(config)
        + [
            {"port": tcp["listen_port"], "what": f"relay46_tcp_services {tcp['name']}: listen_port"}
            for tcp in config["tcp_services"]
        ],
    }


def edge_listen_ports(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The HTTP and HTTPS ports nginx binds, named by the variables that set them."""
    return [
        {"port": config["http_port"], "what": "relay46_http_port"},
        {"port": config["https_port"], "what": "relay46_https_port"},
    ]


def edge_ports(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The HTTP and HTTPS ports every client reaches (ACME challenges, redirects, the services)."""
    return [{"name": "http", "port": config["http_port"]}, {"name": "https", "port": config["https_port"]}]


def nas_plan(config: Any) -> dict[str, Any]:
    """What nginx on the NAS serves: the same HTTPS sites for IPv6 clients, and a relay port for the VPS per
    service that forwards to a local_backend (HTTP relays and TCP streams)."""
    config = normalized(config)
    services, tcp_services = config["services"], config["tcp_services"]
    return {
        "certificates": [{"name": svc["name"], "domains": [svc["domain"]], "challenge": "dns-01"} for svc in services],
        "sites": [site(svc, svc["local_backend"] or upstream(NAS_LOOPBACK, svc["backend_port"])) for svc in services],
        "http_relays": [
            {
                "name": svc["name"],
                "listen_port": svc["backend_port"],
                "upstream": svc["local_backend"],
                "websocket": svc["websocket"],
                "host_header": svc["host_header"],
                "timeouts": dict(svc["timeout"]),
            }
            for svc in services
            if svc["local_backend"]
        ],
        "streams": [
            {"name": tcp["name"], "listen_port": tcp["backend_port"], "upstream": tcp["local_backend"]}
            for tcp in tcp_services
            if tcp["local_backend"]
        ],
        "relay_ports": sorted({entry["backend_port"] for entry in services + tcp_services}),
        # Where ufw is the NAS's firewall: HTTP and HTTPS for everyone; the relay ports for the VPS
        # only (the role adds its addresses as each relay rule's sources).
        "ufw_rules": edge_ports(config),
        # What nginx binds on the NAS: no other service of the host may hold these (a relay port without a
        # local_backend is the NAS's own service, which nginx does not bind).
        "listen_ports": edge_listen_ports(config)
        + [
            {
                "port": svc["backend_port"],
                "what": f"relay46_services {svc['name']}: backend_port (relay to local_backend)",
            }
            for svc in services
            if svc["local_backend"]
        ]
        + [
            {
                "port": tcp["backend_port"],
                "what": f"relay46_tcp_services {tcp['name']}: backend_port (relay to local_backend)",
            }
            for tcp in tcp_services
            if tcp["local_backend"]
        ],
        "ufw_relay_rules": [
            {"name": f"relay-{port}", "port": port}
            for port in sorted({e["backend_port"] for e in services + tcp_services})
        ],
    }


def dns_records(config: Any, vps_ipv4: Any, nas_ipv6: Any, extra_names: Any = None) -> list[dict[str, Any]]:
    """Records for relaykit.edge.cloudflare_dns: per service domain A -> VPS and AAAA -> NAS, proxied as
    configured; each extra name (the NAS's own name, which the VPS reaches it by) AAAA -> NAS, never proxied.
    An extra name that is a service domain is skipped (it has its records already). With no nas_ipv6
    (None or empty: the NAS's DDNS job owns the AAAA records) only the A records are returned."""
    config = normalized(config)
    text = vps_ipv4.strip() if isinstance(vps_ipv4, str) else ""
    if ip_version(text) != 4:
        raise fail(f"vps_ipv4 must be the VPS's IPv4 address, got {vps_ipv4!r}")
    ipv4 = str(ipaddress.ip_address(text))
    proxied = config["cloudflare"]["proxied"]
    records: list[dict[str, Any]] = []
    if nas_ipv6 is None or (isinstance(nas_ipv6, str) and not nas_ipv6.strip()):
        return [{"name": svc["domain"], "type": "A", "content": ipv4, "proxied": proxied} for svc in config["services"]]
    text = nas_ipv6.strip().strip("[]") if isinstance(nas_ipv6, str) else ""
    if ip_version(text) != 6:
        raise fail(f"nas_ipv6 must be the NAS's IPv6 address, got {nas_ipv6!r}")
    ipv6 = str(ipaddress.ip_address(text))
    for svc in config["services"]:
        records.append({"name": svc["domain"], "type": "A", "content": ipv4, "proxied": proxied})
        records.append({"name": svc["domain"], "type": "AAAA", "content": ipv6, "proxied": proxied})
    if extra_names is None:
        extra_names = []
    if not isinstance(extra_names, list):
        raise fail(f"extra_names must be a list of DNS names, got {kind_of(extra_names)}")
    done = {svc["domain"] for svc in config["services"]}
    for position, name in enumerate(extra_names, start=1):
        try:
            domain = requested_name(name, position)
        except CertificateError:
            raise fail(f"extra_names: entry {position} must be a DNS name, got {name!r}") from None
        if domain.startswith("*."):
            raise fail(f"extra_names: entry {position} must be one DNS name, not a wildcard, got {name!r}")
        if domain not in done:
            records.append({"name": domain, "type": "AAAA", "content": ipv6, "proxied": False})
            done.add(domain)
    return records
