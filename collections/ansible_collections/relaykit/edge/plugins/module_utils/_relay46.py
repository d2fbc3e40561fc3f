# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relay46: one URL, IPv4 clients through the VPS, IPv6 clients straight to the NAS.

The inventory contract (``relay46_services``, ``relay46_tcp_services``, ``relay46_http_port``,
``relay46_https_port``, ``relay46_cloudflare``, with the field names of Relay46's ``config.yaml``)
is parsed, validated and normalized here in one place; the plans each host's nginx is rendered
from, and the DNS records of the site, are pure functions of the normalized configuration
(:mod:`_relay46_plans`).

Every error names the entry (its position and name) and the field, and says what was expected.
The Cloudflare API token never appears in a message.

The import of a whole Relay46 ``config.yaml`` is :mod:`_relay46_import`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._certificates import CertificateError, requested_name
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._errors import kind as kind_of
from ansible_collections.relaykit.edge.plugins.module_utils._net import (
    ZONE_ID_EXPECTED,
    as_port,
    bracket,
    ip_version,
    valid_host,
)
from ansible_collections.relaykit.edge.plugins.module_utils._net import zone_id as parse_zone_id

SERVICE_FIELDS = ("name", "domain", "backend_port", "websocket", "host_header", "timeout", "local_backend")
# protocol: Relay46's config.example.yaml writes `protocol: "tcp"`; nginx streams here are TCP only.
TCP_FIELDS = ("name", "listen_port", "backend_port", "local_backend", "protocol")
NORMALIZED_TCP_FIELDS = ("name", "listen_port", "backend_port", "local_backend")
CLOUDFLARE_FIELDS = ("enabled", "api_token", "zone_id", "proxied")
TIMEOUT_FIELDS = ("connect", "send", "read")
CONFIG_FIELDS = ("services", "tcp_services", "http_port", "https_port", "cloudflare")
HOST_HEADERS = ("frontend", "backend")
DEFAULT_TIMEOUT = 60
DEFAULT_HTTP_PORT = 80
DEFAULT_HTTPS_PORT = 443
NAS_LOOPBACK = "127.0.0.1"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
# nginx takes timeouts as a number of seconds; a day is more than any proxy should wait.
MAX_TIMEOUT_SECONDS = 86400
USER_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
HOST_PORT_EXAMPLES = "host:port, as in 192.168.0.2:80, nas.lan:80 or [fd00::5]:80"

# How the variables are named in messages: the inventory's names, or config.yaml's (import).
LABELS: dict[str, str] = {
    "services": "relay46_services",
    "tcp_services": "relay46_tcp_services",
    "http_port": "relay46_http_port",
    "https_port": "relay46_https_port",
    "cloudflare": "relay46_cloudflare",
}
CONFIG_LABELS: dict[str, str] = {
    "services": "services",
    "tcp_services": "tcp_services",
    "http_port": "server.http_port",
    "https_port": "server.https_port",
    "cloudflare": "cloudflare",
}


def fail(message: str) -> RelaykitError:
    return RelaykitError(message)


# --- small parsers --------------------------------------------------------------------


def describe(label: str, index: int, entry: Any) -> str:
    if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and entry["name"].strip():
        return f"{label}[{index}] (name '{entry['name'].strip()}')"
    return f"{label}[{index}]"


def check_fields(where: str, entry: Any, fields: tuple[str, ...], what: str) -> Mapping[str, Any]:
    if not isinstance(entry, Mapping):
        raise fail(f"{where} must be a mapping ({what}), got {kind_of(entry)}")
    unknown = sorted(str(key) for key in entry if key not in fields)
    if unknown:
        raise fail(f"{where}: unknown field {unknown[0]!r}; expected {', '.join(fields)}")
    return entry


def parse_bool(where: str, field: str, value: Any, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise fail(f"{where}: {field} must be true or false, got {value!r}")
    return value


def parse_positive(where: str, field: str, value: Any) -> int:
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_TIMEOUT_SECONDS:
        raise fail(f"{where}: {field} must be 1 to {MAX_TIMEOUT_SECONDS} seconds, got {text or kind_of(value)}")
    return int(text)


def parse_name(where: str, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail(f"{where}: name is missing")
    name = value.strip() if isinstance(value, str) else value
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise fail(
            f"{where}: name must be 1-63 letters, digits, '.', '-' or '_', starting with a letter or a digit, "
            f"got {value!r}"
        )
    return name


def parse_domain(where: str, value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail(f"{where}: domain is missing (the service's DNS name, as in panel.example.com)")
    try:
        domain = requested_name(value, 1)
    except CertificateError:
        raise fail(f"{where}: domain must be a DNS name, as in panel.example.com, got {value!r}") from None
    if domain.startswith("*."):
        raise fail(f"{where}: domain must be one DNS name, not a wildcard, got {value!r}")
    if "." not in domain:
        raise fail(f"{where}: domain must be a fully qualified DNS name, as in panel.example.com, got {value!r}")
    return domain


def parse_port(where: str, field: str, value: Any) -> int:
    port = as_port(value)
    if port is None:
        raise fail(f"{where}: {field} must be a port number 1..65535, got {value!r}")
    return port


def required_port(where: str, field: str, value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise fail(f"{where}: {field} is missing (a port number 1..65535)")
    return parse_port(where, field, value)


def parse_host(value: str) -> str | None:
    """A DNS name, an IPv4 or an IPv6 address (bare or in brackets), normalized; None when it is none of them."""
    host = value.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        return str(ipaddress.ip_address(host)) if ip_version(host) == 6 else None
    if ip_version(host) is not None:
        return str(ipaddress.ip_address(host))
    if not valid_host(host):
        return None
    return host.rstrip(".").lower()


def parse_host_port(where: str, field: str, value: Any) -> str:
    """``host:port`` (host a DNS name, an IPv4 address or an IPv6 address in brackets), normalized."""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES}, got {value!r}")
    text = value.strip()
    if "/" in text:
        raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES}, not a URL, got {value!r}")
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[1:end], text[end + 1 :]
        if end < 0 or not rest.startswith(":") or ip_version(host) != 6:
            raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES} (an IPv6 address in brackets), got {value!r}")
        port_text = rest[1:]
    else:
        host, colon, port_text = text.rpartition(":")
        if not colon or not host:
            raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES}, got {value!r}")
        if ":" in host:
            raise fail(f"{where}: {field}: an IPv6 address must be in brackets, as in [fd00::5]:80, got {value!r}")
    normalized = parse_host(host)
    if normalized is None:
        raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES}; {host!r} is not a host name or an IP address")
    if not port_text.strip().isdigit():
        raise fail(f"{where}: {field} must be {HOST_PORT_EXAMPLES}; the port is missing or not a number: {value!r}")
    port = parse_port(where, f"{field}'s port", port_text)
    return f"{bracket(normalized)}:{port}"


# --- the contract ---------------------------------------------------------------------


def normalize_timeout(where: str, value: Any) -> dict[str, int]:
    if value is None:
        return dict.fromkeys(TIMEOUT_FIELDS, DEFAULT_TIMEOUT)
    timeout = check_fields(f"{where}: timeout", value, TIMEOUT_FIELDS, "connect, send and read in seconds")
    return {
        field: DEFAULT_TIMEOUT
        if timeout.get(field) is None
        else parse_positive(where, f"timeout.{field}", timeout[field])
        for field in TIMEOUT_FIELDS
    }


def normalize_local_backend(where: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_host_port(where, "local_backend", value)


def normalize_service(where: str, entry: Any) -> dict[str, Any]:
    service = check_fields(where, entry, SERVICE_FIELDS, "an HTTPS service with name, domain and backend_port")
    host_header = service.get("host_header")
    if host_header is None:
        host_header = "frontend"
    if not isinstance(host_header, str) or host_header.strip().lower() not in HOST_HEADERS:
        raise fail(f"{where}: host_header must be one of {', '.join(HOST_HEADERS)}, got {host_header!r}")
    return {
        "name": parse_name(where, service.get("name")),
        "domain": parse_domain(where, service.get("domain")),
        "backend_port": required_port(where, "backend_port", service.get("backend_port")),
        "websocket": parse_bool(where, "websocket", service.get("websocket"), False),
        "host_header": host_header.strip().lower(),
        "timeout": normalize_timeout(where, service.get("timeout")),
        "local_backend": normalize_local_backend(where, service.get("local_backend")),
    }


def normalize_tcp_service(where: str, entry: Any) -> dict[str, Any]:
    service = check_fields(where, entry, TCP_FIELDS, "a TCP service with name, listen_port and backend_port")
    protocol = service.get("protocol")
    if protocol is not None and (not isinstance(protocol, str) or protocol.strip().lower() != "tcp"):
        raise fail(f"{where}: protocol must be tcp (nginx relays TCP streams only), got {protocol!r}")
    return {
        "name": parse_name(where, service.get("name")),
        "listen_port": required_port(where, "listen_port", service.get("listen_port")),
        "backend_port": required_port(where, "backend_port", service.get("backend_port")),
        "local_backend": normalize_local_backend(where, service.get("local_backend")),
    }


def normalize_list(label: str, entries: Any, normalize_entry: Any) -> list[dict[str, Any]]:
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise fail(f"{label} must be a list of mappings, got {kind_of(entries)}")
    return [normalize_entry(describe(label, index, entry), entry) for index, entry in enumerate(entries)]


def normalize_cloudflare(label: str, value: Any) -> dict[str, Any]:
    # Never show a value of this mapping: api_token is a secret (and a mistyped key may hold it).
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise fail(f"{label} must be a mapping with enabled, api_token, zone_id and proxied, got {kind_of(value)}")
    unknown = sorted(str(key) for key in value if key not in CLOUDFLARE_FIELDS)
    if unknown:
        raise fail(f"{label}: unknown field {unknown[0]!r}; expected {', '.join(CLOUDFLARE_FIELDS)}")
    enabled = parse_bool(label, "enabled", value.get("enabled"), False)
    proxied = parse_bool(label, "proxied", value.get("proxied"), False)
    token = value.get("api_token")
    if token is None:
        token = ""
    if not isinstance(token, str):
        raise fail(f"{label}: api_token must be a string (its value is not shown), got {kind_of(token)}")
    zone_id = value.get("zone_id")
    if zone_id is None:
        zone_id = ""
    if not isinstance(zone_id, str):
        raise fail(f"{label}: zone_id must be a string, got {zone_id!r}")
    token, zone_id = token.strip(), zone_id.strip()
    if enabled and not token:
        raise fail(
            f"{label}: enabled is true but api_token is missing or empty "
            "(a Cloudflare API token with Zone:DNS:Edit on the zone; keep it in a vault file)"
        )
    if enabled and not zone_id:
        raise fail(f"{label}: enabled is true but zone_id is missing or empty (the id of the domain's Cloudflare zone)")
    if enabled:
        if parse_zone_id(zone_id) is None:
            raise fail(f"{label}: zone_id must be {ZONE_ID_EXPECTED}, got {zone_id!r}")
        zone_id = zone_id.lower()
    return {"enabled": enabled, "zone_id": zone_id, "proxied": proxied, "api_token": token}


def normalize_relay46(
    services: Any,
    tcp_services: Any = None,
    http_port: Any = DEFAULT_HTTP_PORT,
    https_port: Any = DEFAULT_HTTPS_PORT,
    cloudflare: Any = None,
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The whole configuration, validated, with every default filled in; RelaykitError on the first problem.

    Normalizing a normalized configuration again gives the same configuration.
    """
    names = dict(LABELS, **(labels or {}))
    ports: dict[str, int] = {}
    for key, value, default in (
        ("http_port", http_port, DEFAULT_HTTP_PORT),
        ("https_port", https_port, DEFAULT_HTTPS_PORT),
    ):
        port = default if value is None or (isinstance(value, str) and not value.strip()) else as_port(value)
        if port is None:
            raise fail(f"{names[key]} must be a port number 1..65535, got {value!r}")
        ports[key] = port
    if ports["http_port"] == ports["https_port"]:
        raise fail(
            f"{names['https_port']}: {ports['https_port']} is also {names['http_port']}; "
            "HTTP (ACME challenges, the redirect) and HTTPS need a port each"
        )
    config = {
        "services": normalize_list(names["services"], services, normalize_service),
        "tcp_services": normalize_list(names["tcp_services"], tcp_services, normalize_tcp_service),
        "http_port": ports["http_port"],
        "https_port": ports["https_port"],
        "cloudflare": normalize_cloudflare(names["cloudflare"], cloudflare),
    }
    check_unique(config, names)
    check_vps_ports(config, names)
    check_nas_ports(config, names)
    return config


def normalize_config(config: Any, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A configuration as one mapping (the output of :func:`normalize_relay46`, or the same keys unnormalized)."""
    if not isinstance(config, Mapping):
        raise fail(f"the Relay46 configuration must be a mapping with {', '.join(CONFIG_FIELDS)}")
    unknown = sorted(str(key) for key in config if key not in CONFIG_FIELDS)
    if unknown:
        raise fail(f"the Relay46 configuration: unknown key {unknown[0]!r}; expected {', '.join(CONFIG_FIELDS)}")
    return normalize_relay46(
        config.get("services"),
        config.get("tcp_services"),
        config.get("http_port"),
        config.get("https_port"),
        config.get("cloudflare"),
        labels=labels,
    )


def public_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """A normalized configuration without ``cloudflare.api_token``: the view that may be shown (a fact, a module's
    result, a plan's input). The one place the token is left out; whoever needs it reads the inventory's."""
    cloudflare = {key: value for key, value in config["cloudflare"].items() if key != "api_token"}
    return {**config, "cloudflare": cloudflare}


def _is_port(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _has_fields(entry: Any, fields: tuple[str, ...] | set[str]) -> bool:
    return isinstance(entry, Mapping) and set(entry) == set(fields)


def _is_normalized_service(entry: Any) -> bool:
    timeout = entry.get("timeout") if isinstance(entry, Mapping) else None
    return (
        _has_fields(entry, SERVICE_FIELDS)
        and isinstance(entry["name"], str)
        and isinstance(entry["domain"], str)
        and _is_port(entry["backend_port"])
        and isinstance(entry["websocket"], bool)
        and entry["host_header"] in HOST_HEADERS
        and _has_fields(timeout, TIMEOUT_FIELDS)
        and all(isinstance(timeout[field], int) and not isinstance(timeout[field], bool) for field in TIMEOUT_FIELDS)
        and (entry["local_backend"] is None or isinstance(entry["local_backend"], str))
    )


def _is_normalized_tcp_service(entry: Any) -> bool:
    return (
        _has_fields(entry, NORMALIZED_TCP_FIELDS)
        and isinstance(entry["name"], str)
        and _is_port(entry["listen_port"])
        and _is_port(entry["backend_port"])
        and (entry["local_backend"] is None or isinstance(entry["local_backend"], str))
    )


def is_normalized(config: Any) -> bool:
    """Whether ``config`` has the shape :func:`normalize_relay46` returns (with or without ``cloudflare.api_token``,
    see :func:`public_config`): every key, no other, each value of its normalized type. A shape check only: it
    does not repeat the normalizer's checks of the values and of their collisions."""
    if not _has_fields(config, CONFIG_FIELDS):
        return False
    cloudflare = config["cloudflare"]
    return (
        isinstance(config["services"], list)
        and all(_is_normalized_service(entry) for entry in config["services"])
        and isinstance(config["tcp_services"], list)
        and all(_is_normalized_tcp_service(entry) for entry in config["tcp_services"])
        and _is_port(config["http_port"])
        and _is_port(config["https_port"])
        and isinstance(cloudflare, Mapping)
        and set(cloudflare) in ({"enabled", "zone_id", "proxied"}, set(CLOUDFLARE_FIELDS))
        and isinstance(cloudflare["enabled"], bool)
        and isinstance(cloudflare["proxied"], bool)
        and isinstance(cloudflare["zone_id"], str)
    )


def normalized(config: Any) -> Mapping[str, Any]:
    """The configuration a plan works from: ``config`` as it is when it is the normalizer's output (the site's
    ``relay46_site`` fact, normalized once by playbooks/validate.yml), else :func:`normalize_config` of it
    (validated, or RelaykitError naming the entry and the field)."""
    return config if is_normalized(config) else normalize_config(config)


def where_of(names: Mapping[str, str], kind: str, index: int, entry: dict[str, Any]) -> str:
    return f"{names[kind]}[{index}] (name '{entry['name']}')"


def check_unique(config: dict[str, Any], names: Mapping[str, str]) -> None:
    for kind in ("services", "tcp_services"):
        seen: dict[str, int] = {}
        for index, entry in enumerate(config[kind]):
            if entry["name"] in seen:
                earlier = seen[entry["name"]]
                raise fail(
                    f"{where_of(names, kind, index, entry)}: name '{entry['name']}' is already used by "
                    f"{names[kind]}[{earlier}]; names must be unique"
                )
            seen[entry["name"]] = index
    domains: dict[str, int] = {}
    for index, entry in enumerate(config["services"]):
        if entry["domain"] in domains:
            earlier = domains[entry["domain"]]
            raise fail(
                f"{where_of(names, 'services', index, entry)}: domain {entry['domain']} is already used by "
                f"{where_of(names, 'services', earlier, config['services'][earlier])}"
            )
        domains[entry["domain"]] = index


def check_vps_ports(config: dict[str, Any], names: Mapping[str, str]) -> None:
    """On the VPS nginx listens on the HTTP and HTTPS ports and on every TCP service's listen_port."""
    taken: dict[int, str] = {
        config["http_port"]: f"{names['http_port']} (HTTP on the VPS)",
        config["https_port"]: f"{names['https_port']} (HTTPS on the VPS)",
    }
    for index, entry in enumerate(config["tcp_services"]):
        where = where_of(names, "tcp_services", index, entry)
        port = entry["listen_port"]
        if port in taken:
            raise fail(
                f"{where}: listen_port {port} is already used by {taken[port]}; each port of the VPS listens once"
            )
        taken[port] = where_of(names, "tcp_services", index, entry)


def check_nas_ports(config: dict[str, Any], names: Mapping[str, str]) -> None:
    """On the NAS nginx listens on the HTTP and HTTPS ports and, for the VPS, on the backend_port of every
    service with a local_backend (its relay port). The other backend ports are the NAS's own services."""
    entries = [
        (where_of(names, kind, index, entry), kind, entry)
        for kind in ("services", "tcp_services")
        for index, entry in enumerate(config[kind])
    ]
    nginx: dict[int, str] = {
        config["http_port"]: f"{names['http_port']} (HTTP on the NAS)",
        config["https_port"]: f"{names['https_port']} (HTTPS on the NAS)",
    }
    for where, kind, entry in entries:
        port = entry["backend_port"]
        if kind == "services" and entry["local_backend"] is None and port in nginx:
            raise fail(
                f"{where}: backend_port {port} is {nginx[port]}, where the NAS's nginx itself listens; "
                "backend_port is the port of the service on the NAS (or of the relay to its local_backend)"
            )
    own = {}
    for where, _kind, entry in entries:
        if entry["local_backend"] is None:
            own.setdefault(entry["backend_port"], where)
    for where, _kind, entry in entries:
        port = entry["backend_port"]
        if entry["local_backend"] is None:
            continue
        if port in nginx:
            raise fail(
                f"{where}: backend_port {port} is already used on the NAS by {nginx[port]}; with local_backend, "
                "the NAS's nginx listens on backend_port for the VPS, and each port takes one service"
            )
        if port in own:
            raise fail(
                f"{where}: backend_port {port} is already used on the NAS by {own[port]}, a service of the NAS "
                "itself (no local_backend); with local_backend, the NAS's nginx listens on backend_port for the VPS"
            )
        nginx[port] = where


def settings_key(services: Any, tcp_services: Any, http_port: Any, https_port: Any, cloudflare: Any) -> str:
    """A digest of the Relay46 settings that tells whether they were normalized already in this run, derived from
    everything but the API token's value (only what the normalizer checks of it: its kind and whether it is empty),
    so the digest may be shown."""
    if isinstance(cloudflare, Mapping):
        token = cloudflare.get("api_token")
        shown = {key: value for key, value in cloudflare.items() if key != "api_token"}
        shown["api_token"] = kind_of(token) + (" (empty)" if isinstance(token, str) and not token.strip() else "")
    else:
        shown = cloudflare
    text = json.dumps([services, tcp_services, http_port, https_port, shown], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
