# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Addresses, ports, DNS names and Cloudflare zone ids: the one definition every validator uses (stdlib only).

The controller's filters and modules and the host programs (``relaykit``, ``relaykit-ddns``) read the same rules
from here, so a value that passes the inventory's validation is a value the host takes.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

# ASCII only: with re.IGNORECASE, [a-z] would also match the Kelvin sign (U+212A) and others.
HOST_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
HOST_LABEL_RE = re.compile(HOST_LABEL)
# A DNS record's name may hold underscores (_acme-challenge, _dmarc) and start with a wildcard label.
RECORD_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
# What inet_aton (and so getaddrinfo) reads as an IPv4 address although it is no dotted quad:
# 0x7f000001, 2130706433, 127.1, 0177.0.0.1. Not a name, and not an address relaykit writes.
NUMERIC_IPV4_RE = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)
# A Cloudflare zone id: 32 hexadecimal digits (the API and the DDNS job take nothing else).
ZONE_ID_RE = re.compile(r"[0-9a-f]{32}")
ZONE_ID_EXPECTED = "32 hexadecimal digits (a Cloudflare zone id)"
MAX_NAME_LENGTH = 253


def ip_version(value: str) -> int | None:
    """4 or 6 for an IP address literal, None for anything else (a scoped fe80::1%eth0 is no usable address)."""
    if not isinstance(value, str) or "%" in value:
        return None
    try:
        return ipaddress.ip_address(value).version
    except ValueError:
        return None


def is_ip(value: str) -> bool:
    return ip_version(value) is not None


def canonical_ip(value: str) -> str:
    """An address literal in its canonical text (fd00:0::1 -> fd00::1). Raises ValueError for anything else."""
    if ip_version(value) is None:
        raise ValueError(f"not an IP address: {value!r}")
    return str(ipaddress.ip_address(value))


def dns_name(value: str, *, record: bool = False) -> bool:
    """Whether ``value`` is a DNS name: ASCII labels of 1-63 letters, digits and '-' (``record``: also '_' and a
    leading ``*.``), at most 253 characters, an optional final dot, a last label that is not a number (so no
    address in any form passes as a name)."""
    if not isinstance(value, str) or not value.isascii():
        return False
    name = value[:-1] if value.endswith(".") else value
    if record and name.startswith("*."):
        name = name[2:]
    labels = name.split(".")
    if not 0 < len(name) <= MAX_NAME_LENGTH or labels[-1].isdigit() or NUMERIC_IPV4_RE.fullmatch(name):
        return False
    label_re = RECORD_LABEL_RE if record else HOST_LABEL_RE
    return all(label_re.fullmatch(label) for label in labels[:-1]) and bool(HOST_LABEL_RE.fullmatch(labels[-1]))


def record_name(value: str) -> bool:
    """A fully qualified name a DNS record can have (a zone's name and more): a ``dns_name(record=True)`` of two
    labels at least."""
    return dns_name(value, record=True) and "." in value.rstrip(".")


def valid_host(value: str) -> bool:
    """A host a relay or a proxy can reach: an IPv4 or IPv6 literal, or a DNS name."""
    return ip_version(value) is not None or dns_name(value)


def as_port(value: Any) -> int | None:
    """A port number 1..65535 from an int or a numeric string (YAML, extra vars, JSON); None when it is not one."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        return None
    return int(text)


def bracket(host: str) -> str:
    """``host`` as the host part of ``host:port``: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def host_port(host: str, port: int | str) -> str:
    """``198.51.100.7:80``, ``[2001:db8::7]:80``, ``nas.example.com:80``."""
    return f"{bracket(host)}:{port}"


def zone_id(value: Any) -> str | None:
    """A Cloudflare zone id, lower-cased; None when it is not 32 hexadecimal digits."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return text if ZONE_ID_RE.fullmatch(text) else None
