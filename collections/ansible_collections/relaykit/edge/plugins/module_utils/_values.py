# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the single values an inventory sets that end up written into nginx configurations, unit files,
cron lines, iptables rules and the programs' configuration files (stdlib only).

Each kind accepts exactly what its consumer reads and nothing it could take for more syntax: no newline,
no ``;``, ``{``, ``}``, ``$``, ``%`` or quote where the consumer would read one. An empty value is "not set"
where the kind allows it (the ``optional`` kinds).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind
from ansible_collections.relaykit.edge.plugins.module_utils._net import ZONE_ID_EXPECTED, as_port, ip_version
from ansible_collections.relaykit.edge.plugins.module_utils._net import dns_name as is_dns_name
from ansible_collections.relaykit.edge.plugins.module_utils._net import record_name as is_record_name
from ansible_collections.relaykit.edge.plugins.module_utils._net import zone_id as _zone_id

URL = re.compile(
    r"https?://(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(?P<port>[0-9]{1,5}))?(/([A-Za-z0-9._~/+-]|%[0-9A-Fa-f]{2})*)?"
)
# A proxy may carry credentials; never % (a systemd specifier), ; or a double quote.
PROXY_URL = re.compile(
    r"https?://([A-Za-z0-9._~!&'()*+,=:-]+@)?(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:(?P<port>[0-9]{1,5}))?/?"
)
NGINX_TIME = re.compile(r"[0-9]{1,9}(ms|s|m|h|d|w|M|y)?")
CALENDAR_WORDS = {"minutely", "hourly", "daily", "weekly", "monthly", "yearly", "annually", "quarterly", "semiannually"}
CALENDAR_WEEKDAYS = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*((\.\.|,)(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*)*")
CALENDAR_NUMBERS = re.compile(r"[0-9*:,./~-]+")
CALENDAR_TIMEZONE = re.compile(r"[A-Za-z_]+(/[A-Za-z_+-]+)*")
SYSTEMD_TIMESPAN = re.compile(
    r"[0-9]{1,9} ?(us|ms|s|sec|m|min|h|hr|d|w|M|y)?( [0-9]{1,9} ?(us|ms|s|sec|m|min|h|hr|d|w|M|y)?)*"
)
CRON_FIELD = re.compile(r"[0-9*/,-]{1,40}")
SAFE_PATH = re.compile(r"(/[A-Za-z0-9._+-]+)+/?")
# registry[:port]/path:tag or @sha256:digest, as Docker reads a reference (lower-case path components).
IMAGE = re.compile(
    r"([A-Za-z0-9.-]+(:[0-9]{1,5})?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?"
)
CONTAINER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
NO_PROXY = re.compile(r"[A-Za-z0-9.,:*/\[\]_-]{0,1000}")


class BadValueError(RelaykitError):
    """A single inventory value that its consumer could not read as meant."""


def address(value: str, version: int | None = None) -> str:
    if "%" in value:  # a scoped address (fe80::1%eth0) means nothing to another host
        raise BadValueError(f"an IPv{version} address" if version else "an IP address")
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        raise BadValueError(f"an IPv{version} address" if version else "an IP address") from None
    if version and parsed.version != version:
        raise BadValueError(f"an IPv{version} address")
    return str(parsed)


def network(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise BadValueError("an IP address or network (198.51.100.0/24, 2001:db8::/64)") from None


RESOLVER_ENTRY = re.compile(
    r"\[(?P<v6>[0-9A-Fa-f:.]+)\](:(?P<port6>[0-9]+))?|(?P<v4>[0-9.]+)(:(?P<port4>[0-9]+))?|(?P<bare>[0-9A-Fa-f:.]+)"
)


def resolver(value: str) -> str:
    """nginx's ``resolver``: addresses, each optionally with a port (``[IPv6]:53``), separated by spaces."""
    expected = "DNS server addresses separated by spaces (198.51.100.53, [2001:db8::53]:53)"
    for part in value.split(" "):
        found = RESOLVER_ENTRY.fullmatch(part)
        if not found:
            raise BadValueError(expected)
        host = found.group("v6") or found.group("v4") or found.group("bare")
        port = found.group("port6") or found.group("port4")
        version = 6 if found.group("v6") or found.group("bare") else 4
        if ip_version(host) != version or (port and not valid_port(port)):
            raise BadValueError(expected)
    return value


def valid_port(value: str) -> bool:
    return value.isdigit() and as_port(value) is not None


def dns_name(value: str) -> str:
    if not is_dns_name(value):
        raise BadValueError("a DNS name (nas.example.com)")
    return value


def record_name(value: str) -> str:
    if not is_record_name(value):
        raise BadValueError(
            "a DNS record name of two labels at least (nas.example.com; '_' in a label and a leading '*.' allowed)"
        )
    return value


def zone_id(value: str) -> str:
    if _zone_id(value) is None:
        raise BadValueError(ZONE_ID_EXPECTED)
    return value


def url(value: str) -> str:
    found = URL.fullmatch(value)
    if not found or (found.group("port") and not valid_port(found.group("port"))):
        raise BadValueError(
            "an http:// or https:// URL of letters, digits and ._~%/+- (https://api.example.com/client/v4)"
        )
    return value


def systemd_calendar(value: str) -> str:
    """A systemd calendar event: shortcuts (daily), weekdays (Mon..Fri), dates and times, one trailing time zone."""
    tokens = value.split(" ")
    for index, token in enumerate(tokens):
        if token in CALENDAR_WORDS or CALENDAR_WEEKDAYS.fullmatch(token) or CALENDAR_NUMBERS.fullmatch(token):
            continue
        if index == len(tokens) - 1 and index > 0 and CALENDAR_TIMEZONE.fullmatch(token):
            continue
        raise BadValueError("a systemd calendar event (daily, *-*-* 03:00:00, Mon..Fri 03:00)")
    return value


def proxy_url(value: str) -> str:
    found = PROXY_URL.fullmatch(value)
    if not found or (found.group("port") and not valid_port(found.group("port"))):
        raise BadValueError("an http:// proxy URL (http://proxy.example.com:3128, credentials without % ; or quotes)")
    return value


def safe_path(value: str) -> str:
    if not SAFE_PATH.fullmatch(value) or "/../" in value + "/" or "/./" in value + "/":
        raise BadValueError("an absolute path of letters, digits and ._+- (no .. or . parts)")
    return value


def pattern(regex: re.Pattern[str], expected: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.isascii() or not regex.fullmatch(value):
            raise BadValueError(expected)
        return value

    return check


KINDS: dict[str, Callable[[str], str]] = {
    "ipv4": lambda value: address(value, 4),
    "ipv6": lambda value: address(value, 6),
    "ip_network": network,
    "dns_name": dns_name,
    "record_name": record_name,
    "url": url,
    "proxy_url": proxy_url,
    "resolver": resolver,
    "nginx_time": pattern(NGINX_TIME, "an nginx time (10s, 5m, 1h)"),
    "systemd_calendar": systemd_calendar,
    "systemd_timespan": pattern(SYSTEMD_TIMESPAN, "a systemd time span (1h, 30min, 3600)"),
    "cron_field": pattern(CRON_FIELD, "a cron field of digits and * / , - (*/5, 0-59/10)"),
    "path": safe_path,
    "docker_image": pattern(
        IMAGE, "a Docker image reference (docker.io/library/nginx:1.28, registry:5000/nginx@sha256:...)"
    ),
    "container_name": pattern(CONTAINER_NAME, "a Docker container name (letters, digits and _.-)"),
    "zone_id": zone_id,
    "email": pattern(EMAIL, "an e-mail address (admin@example.com)"),
    "no_proxy": pattern(NO_PROXY, "host names, addresses and networks separated by commas (localhost,10.0.0.0/8)"),
}


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{variable: [kind, value]}`` (kind ``optional_...`` allows empty; a list value checks each entry):
    the values unchanged, or RelaykitError naming every bad variable and what was expected."""
    problems = []
    for variable, spec in values.items():
        kind_name, value = spec
        optional = kind_name.startswith("optional_")
        check = KINDS[kind_name.removeprefix("optional_")]
        entries = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, entry in entries:
            where = variable if index is None else f"{variable}[{index}]"
            if entry is None or entry == "":
                if optional and index is None:
                    continue
                problems.append(f"{where} must be set")
                continue
            if not isinstance(entry, str):
                problems.append(f"{where} must be text, got {kind(entry)}")
                continue
            try:
                check(entry)
            except BadValueError as exc:
                problems.append(f"{where} must be {exc}, got {entry!r}")
    if problems:
        raise RelaykitError("; ".join(problems))
    return {variable: spec[1] for variable, spec in values.items()}
