# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the Cloudflare API v4 (zones and DNS records), for tests.

It is a stand-in, not a mock: it keeps state (optionally in a JSON file), checks bearer tokens
and their scopes, paginates, validates records and refuses conflicts the way the real API does,
and answers with the real envelope, so the official ``cloudflare`` SDK (and certbot-dns-cloudflare,
ddclient and friends) talk to it exactly as to ``https://api.cloudflare.com/client/v4``.

Run it::

    python -m tests.cloudflare_standin.server --listen 127.0.0.1 --port 8787 \\
        --config CONFIG.json [--state-file STATE.json] [--dns-hook URL] [--print-ready]

CONFIG.json::

    {"zones": ["example.com", {"name": "example.net", "id": "<32 hex>"}],
     "tokens": {"TOKEN": {"permissions": ["zone:read", "dns:read", "dns:edit"],
                          "zones": ["example.com"]}},
     "reject_mixed_proxied": true, "max_per_page": 50000,
     "dns_hook": "http://127.0.0.1:8055"}

``zones`` of a token is optional (default: every zone). In pytest use :class:`StandIn`
(``start()``, ``stop()``, ``base_url``, and helpers that read or change the state directly).

DNS hook (``dns_hook`` in the config, ``--dns-hook`` on the command line, which wins, or the
``dns-hook``/``txt-hook`` control at run time): the stand-in mirrors what a resolver would see
into pebble-challtestsrv's management API, so pebble (``-dnsserver`` pointed at challtestsrv)
resolves the zone as the stand-in holds it:

- A and AAAA: on every change of a name's address set, ``POST /clear-a {"host": "<name>."}``
  then, unless the set is now empty, ``POST /add-a {"host": "<name>.", "addresses": [...]}``
  with the whole set (``/clear-aaaa``, ``/add-aaaa`` for AAAA). challtestsrv appends on
  ``add-a`` and refuses an empty list (400), hence clear first and no empty add. Proxied records
  are mirrored with their origin address (there is no Cloudflare edge in a lab).
- ``_acme-challenge`` TXT: a new value is ``POST /set-txt {"host", "value"}`` (unquoted); a value
  that goes away or changes is ``POST /clear-txt {"host"}`` then ``set-txt`` of each value left
  (challtestsrv keeps several values per name and clears them all).
- Other types are not mirrored (challtestsrv has no MX/NS/PTR; wildcard names are sent as they
  are and challtestsrv matches them literally).
- When the stand-in starts with a hook (and records, e.g. from its state file), when the hook is
  set through the control API, and on ``reset``, it pushes the whole current state (clear, then
  add, per name and type), so a restarted challtestsrv or stand-in is consistent again. At start
  it waits up to ``hook_wait`` seconds (command line: 10) for the management port to accept
  connections. Hook calls are serialized and always send the state current at call time, so
  concurrent API writes cannot leave an older set behind.
- Hook failures are logged (``dns_hook_log`` in the state), never raised: the API answer does
  not depend on challtestsrv.

API (under ``/client/v4``): ``GET /zones``, ``GET /zones/{id}``, ``GET|POST /zones/{id}/dns_records``,
``POST /zones/{id}/dns_records/batch``, ``GET|PUT|PATCH|DELETE /zones/{id}/dns_records/{rid}``,
``GET /user/tokens/verify``.

Test controls (no auth, never logged), under ``/__standin__``: ``GET state``, ``POST reset``,
``POST zones`` ``{"name"}``, ``POST|DELETE faults``, ``POST|DELETE dns-hook`` (``txt-hook`` is the
same control under its older name) (see :class:`App`).

Error codes (HTTP status, code, message). "real" = seen in answers of api.cloudflare.com;
"chosen" = the stand-in's own pick where the real code is not known:

====  =====  ============================================================================  ======
HTTP  code   message                                                                       origin
====  =====  ============================================================================  ======
400   6003   Invalid request headers (error_chain 9106 missing header / 6111 bad format)   real
401   9109   Invalid access token                                                          real
403   9103   Unknown X-Auth-Key or X-Auth-Email (global API keys are not supported here)   real
403   10000  Authentication error (token lacks the permission or the zone)                 real
403   0      Actor 'com.cloudflare.api.token.<id>' requires permission                     real
             'com.cloudflare.api.account.zone.list' to list zones (GET /zones, no zone:read)
404   7003   Could not route to /zones/..., perhaps your object identifier is invalid?     real
             (followed by 7000, as the real API answers)
404   7000   No route for that URI                                                         real
404   81044  Record does not exist.                                                        real
400   81053  An A, AAAA, or CNAME record with that host already exists. (new CNAME)        real
400   81054  A CNAME record with that host already exists. (new record, CNAME there)       real
400   81058  An identical record already exists.                                           real
400   81059  A/AAAA records of one name must all be proxied or all DNS-only.               chosen
400   9000   DNS name is invalid.                                                          real
400   9004   This kind of record cannot be proxied.                                        real
400   9005   Content for A record must be a valid IPv4 address.                            real
400   9006   Content for AAAA record must be a valid IPv6 address.                         real
400   9007   Content for <TYPE> record is invalid.                                         real
400   9020   Invalid DNS record type / type not supported by this stand-in                 chosen
400   9021   Invalid TTL. Must be between 30 and 86400 seconds, or 1 for automatic.        real
400   9041   This DNS record cannot be proxied. (private/loopback address)                 real
400   9100   MX records need a priority between 0 and 65535.                               chosen
400   9207   Request body is invalid. (not JSON, or a field of the wrong JSON type)        chosen
400   1001   Invalid query parameter (page/per_page not a number)                          chosen
400   1999   Filter not supported by this stand-in (tag.*, search, shadow*)                chosen
429   971    Please wait and consider throttling your request speed (injected faults)      real
5xx   10001  Internal error (injected faults)                                              chosen
====  =====  ============================================================================  ======

Behaviour copied from the real API (and where the stand-in is stricter or simpler):

- Names are stored lowercase without the trailing dot; ``@`` is the apex; a name that does not
  end in the zone's name is taken as relative and the zone is appended (``www`` ->
  ``www.example.com``, and ``www.other.org`` -> ``www.other.org.example.com``, as the real API does).
- ``ttl`` is required, 1 (automatic) or 30..86400; it is sent back as a float (``300.0``);
  a proxied record always gets ``ttl`` 1.
- AAAA content is stored in canonical compressed form; TXT content is stored quoted
  (``v=spf1 -all`` -> ``"v=spf1 -all"``, split in 255-character strings). ``content`` filters
  match TXT records with or without the quotes.
- Only A, AAAA and CNAME can be proxied; A/AAAA on private or loopback addresses are not proxiable.
- A DNS-only CNAME cannot share its name with any record; a proxied CNAME (flattened) may share
  it with records other than A/AAAA/CNAME. With ``reject_mixed_proxied`` (default) the A/AAAA
  records of a name must be all proxied or all DNS-only.
- Record types: A, AAAA, CNAME, TXT, MX, NS, PTR (others: 400 9020).
- Lists: ``page`` (default 1), ``per_page`` (DNS 100, clamped to 5..``max_per_page``, default
  50000, lower it to test clients that must follow pages; zones 20, clamped to 5..50); a page past
  the end is ``[]`` with success; ``result_info.per_page`` is the size actually used.
  Default order: creation order.
- The batch endpoint runs deletes, patches, puts, posts in that order on a copy and commits only
  if all succeed; a failure answers 400 with the failing operation's code (the error carries
  ``source.pointer``, e.g. ``/posts/1``).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import math
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qsl, urlsplit

LOG = logging.getLogger("cloudflare_standin")

API_PREFIX = "/client/v4"
CONTROL_PREFIX = "/__standin__"
PERMISSIONS = frozenset({"zone:read", "dns:read", "dns:edit"})

# Error codes (see the module docstring).
CODE_INVALID_HEADERS = 6003
CODE_MISSING_AUTH = 9106
CODE_BAD_AUTH_FORMAT = 6111
CODE_INVALID_TOKEN = 9109
CODE_UNKNOWN_KEY = 9103
CODE_AUTH_ERROR = 10000
CODE_ZONE_LIST_DENIED = 0
CODE_NO_ROUTE = 7000
CODE_BAD_OBJECT_ID = 7003
CODE_RECORD_NOT_FOUND = 81044
CODE_CNAME_CONFLICT = 81053
CODE_HOST_HAS_CNAME = 81054
CODE_IDENTICAL = 81058
CODE_MIXED_PROXIED = 81059
CODE_NAME_INVALID = 9000
CODE_NOT_PROXIABLE_TYPE = 9004
CODE_A_CONTENT = 9005
CODE_AAAA_CONTENT = 9006
CODE_CONTENT_INVALID = 9007
CODE_TYPE_INVALID = 9020
CODE_TTL = 9021
CODE_NOT_PROXIABLE_TARGET = 9041
CODE_PRIORITY = 9100
CODE_BODY_INVALID = 9207
CODE_BAD_PARAM = 1001
CODE_UNSUPPORTED = 1999
CODE_RATE_LIMITED = 971
CODE_INTERNAL = 10001

A_CONTENT_MESSAGE = "Content for A record must be a valid IPv4 address."
AAAA_CONTENT_MESSAGE = "Content for AAAA record must be a valid IPv6 address."

SUPPORTED_TYPES = frozenset({"A", "AAAA", "CNAME", "TXT", "MX", "NS", "PTR"})
PROXIABLE_TYPES = frozenset({"A", "AAAA", "CNAME"})
ADDRESS_TYPES = frozenset({"A", "AAAA"})
TTL_AUTO = 1
TTL_MIN = 30
TTL_MAX = 86400
TXT_CHUNK = 255
MIN_PER_PAGE = 5
DNS_DEFAULT_PER_PAGE = 100
DNS_MAX_PER_PAGE = 50000
ZONE_PER_PAGE = (20, 50)
HOOK_TIMEOUT = 2.0
HOOK_WAIT = 10.0  # seconds the command line waits for challtestsrv's management port at start
ACME_PREFIX = "_acme-challenge."

# Addresses Cloudflare will not proxy to (records on them are "proxiable": false).
NOT_PROXIABLE_NETS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)
LABEL_RE = re.compile(r"^(?:\*|[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$")
FAULT_STATUSES = frozenset({429, 500, 502, 503})


# --------------------------------------------------------------------------------------------
# Errors and small helpers
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An API failure: HTTP status, the ``errors`` list of the envelope, and extra headers."""

    def __init__(self, status: int, errors: list[dict[str, Any]], headers: Mapping[str, str] | None = None) -> None:
        super().__init__(errors[0]["message"] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = dict(headers or {})


def error_item(code: int, message: str, **extra: Any) -> dict[str, Any]:
    """One entry of the envelope's ``errors`` list, as the real API writes it."""
    return {"code": code, "message": message, **extra}


def bad_request(code: int, message: str) -> ApiError:
    """A 400 answer with one error, the form of every validation failure of the real API."""
    return ApiError(400, [error_item(code, message)])


def now_iso() -> str:
    """A timestamp in the real API's format: ``2024-05-01T12:00:00.123456Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    """A Cloudflare identifier: 32 lowercase hex digits."""
    return uuid.uuid4().hex


def normalize_zone_name(name: str) -> str:
    """Zone names compare case-insensitively and without the trailing dot."""
    return name.strip().lower().rstrip(".")


def flat_query(query_string: str) -> dict[str, Any]:
    """The query as a dict: one value -> str, a repeated key -> list of str."""
    flat: dict[str, Any] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        if key not in flat:
            flat[key] = value
        elif isinstance(flat[key], list):
            flat[key].append(value)
        else:
            flat[key] = [flat[key], value]
    return flat


def query_str(query: Mapping[str, Any], key: str) -> str | None:
    """The last value of a query parameter (repeated parameters: the last one wins)."""
    value = query.get(key)
    if isinstance(value, list):
        return value[-1]
    return value


def int_param(query: Mapping[str, Any], key: str, default: int) -> int:
    """An integer query parameter; the SDK may send ``100.0`` for a float-typed parameter."""
    raw = query_str(query, key)
    if raw is None or raw == "":
        return default
    try:
        return int(float(raw))
    except ValueError:
        raise bad_request(CODE_BAD_PARAM, f"Invalid {key}: {raw!r}") from None


def paginate(items: list[Any], query: Mapping[str, Any], limits: tuple[int, int]) -> tuple[list[Any], dict[str, int]]:
    """One page and its ``result_info``; a page past the end is empty (the SDK's pager stops on it)."""
    default, maximum = limits
    page = max(1, int_param(query, "page", 1))
    per_page = min(max(int_param(query, "per_page", default), MIN_PER_PAGE), maximum)
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": max(1, math.ceil(len(items) / per_page)),
    }
    return chunk, info


# --------------------------------------------------------------------------------------------
# Tokens, zones, faults
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """An API token: its permissions and, optionally, the only zones (by name) it may touch."""

    value: str
    permissions: frozenset[str]
    zones: frozenset[str] | None = None

    def may(self, *any_of: str) -> bool:
        """Whether the token holds at least one of these permissions (no argument: always)."""
        return not any_of or any(perm in self.permissions for perm in any_of)

    def sees(self, zone_name: str) -> bool:
        """Whether the token's zone resources include this zone."""
        return self.zones is None or zone_name in self.zones

    @property
    def token_id(self) -> str:
        """A stable id for ``/user/tokens/verify`` (never the token itself)."""
        return uuid.uuid5(uuid.NAMESPACE_URL, "standin-token:" + self.value).hex


def parse_tokens(raw: Mapping[str, Any]) -> dict[str, Token]:
    """Tokens from the config's ``tokens`` mapping; unknown permissions are refused."""
    tokens: dict[str, Token] = {}
    for value, spec in raw.items():
        perms = frozenset(spec.get("permissions", []))
        unknown = perms - PERMISSIONS
        if unknown:
            raise ValueError(f"token permissions must be among {sorted(PERMISSIONS)}, not {sorted(unknown)}")
        zones = spec.get("zones")
        scope = None if zones is None else frozenset(normalize_zone_name(z) for z in zones)
        tokens[value] = Token(value, perms, scope)
    return tokens


@dataclass
class Zone:
    """A zone: the real API's object has many more fields; these are the ones clients read."""

    id: str
    name: str
    created_on: str

    def to_api(self) -> dict[str, Any]:
        """The zone as ``GET /zones`` shows it (status active, a full setup, a free plan)."""
        return {
            "id": self.id,
            "name": self.name,
            "status": "active",
            "paused": False,
            "type": "full",
            "development_mode": 0,
            "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
            "original_name_servers": None,
            "original_registrar": None,
            "original_dnshost": None,
            "created_on": self.created_on,
            "modified_on": self.created_on,
            "activated_on": self.created_on,
            "meta": {"step": 4, "phishing_detected": False},
            "owner": {"id": None, "type": "user", "email": None},
            "account": {"id": "0" * 32, "name": "stand-in account"},
            "permissions": ["#dns_records:edit", "#dns_records:read", "#zone:read"],
            "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "legacy_id": "free"},
        }


@dataclass
class Fault:
    """An injected failure for the next ``remaining`` matching API requests."""

    status: int
    remaining: int
    retry_after: float | None = None
    retry_after_ms: int | None = None
    path_contains: str | None = None
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (method and path substring, when given)."""
        if self.method and self.method.upper() != method:
            return False
        return not self.path_contains or self.path_contains in path

    def to_error(self) -> ApiError:
        """The answer: 429 with the real rate-limit code, or a 5xx, with Retry-After when asked."""
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            value = self.retry_after
            headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)  # non-standard; the SDK honours it
        if self.status == 429:
            item = error_item(CODE_RATE_LIMITED, "Please wait and consider throttling your request speed")
        else:
            item = error_item(CODE_INTERNAL, "Internal error")
        return ApiError(self.status, [item], headers)


def parse_fault(body: Mapping[str, Any]) -> Fault:
    """A fault from the control endpoint's JSON (status 429/500/502/503, count >= 1)."""
    status = body.get("status")
    count = body.get("count", 1)
    if status not in FAULT_STATUSES:
        raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("count must be a positive integer")
    for key in ("retry_after", "retry_after_ms"):
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise ValueError(f"{key} must be a number >= 0")
    return Fault(
        status=status,
        remaining=count,
        retry_after=body.get("retry_after"),
        retry_after_ms=body.get("retry_after_ms"),
        path_contains=body.get("path_contains"),
        method=body.get("method"),
    )


# --------------------------------------------------------------------------------------------
# Record validation (what the real API checks on create, update, edit and in batches)
# --------------------------------------------------------------------------------------------


def normalize_name(raw: Any, zone_name: str) -> str:
    """The record's absolute name: lowercase, no trailing dot, ``@`` is the apex, relative names
    get the zone appended (the real API turns ``www`` into ``www.example.com``)."""
    if not isinstance(raw, str) or not raw.strip().rstrip("."):
        raise bad_request(CODE_NAME_INVALID, "DNS name is invalid.")
    name = raw.strip().lower().rstrip(".")
    try:
        name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        raise bad_request(CODE_NAME_INVALID, "DNS name is invalid.") from None
    if name == "@":
        return zone_name
    if name != zone_name and not name.endswith("." + zone_name):
        name = f"{name}.{zone_name}"
    check_hostname(name, CODE_NAME_INVALID, "DNS name is invalid.", wildcard=True)
    return name


def check_hostname(name: str, code: int, message: str, *, wildcard: bool) -> None:
    """Labels of 1..63 letters, digits, ``-`` or ``_``; 253 characters at most; ``*`` only first."""
    labels = name.split(".")
    if len(name) > 253 or not all(LABEL_RE.match(label) for label in labels):
        raise bad_request(code, message)
    if "*" in labels[1:] or (labels[0] == "*" and not wildcard):
        raise bad_request(code, message)


def quote_txt(content: str) -> str:
    """TXT content as the real API stores it: already quoted stays, else quoted in 255-char strings."""
    if len(content) >= 2 and content.startswith('"') and content.endswith('"'):
        return content
    escaped = content.replace("\\", "\\\\").replace('"', '\\"')
    chunks = [escaped[i : i + TXT_CHUNK] for i in range(0, len(escaped), TXT_CHUNK)] or [""]
    return " ".join(f'"{chunk}"' for chunk in chunks)


def unquote_txt(content: str) -> str:
    """The TXT value a resolver returns: the quoted strings concatenated, escapes undone."""
    if not content.startswith('"'):
        return content
    out: list[str] = []
    inside = False
    escape = False
    for char in content:
        if escape:
            out.append(char)
            escape = False
        elif inside and char == "\\":
            escape = True
        elif char == '"':
            inside = not inside
        elif inside:
            out.append(char)
    return "".join(out)


def normalize_content(rtype: str, raw: Any) -> str:
    """Content checked and put in the real API's stored form for the record type."""
    if rtype == "A":
        return parse_address(raw, ipaddress.IPv4Address, CODE_A_CONTENT, A_CONTENT_MESSAGE)
    if rtype == "AAAA":
        return parse_address(raw, ipaddress.IPv6Address, CODE_AAAA_CONTENT, AAAA_CONTENT_MESSAGE)
    invalid = f"Content for {rtype} record is invalid."
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request(CODE_CONTENT_INVALID, invalid)
    if rtype == "TXT":
        return quote_txt(raw)
    host = raw.strip().lower().rstrip(".")
    check_hostname(host, CODE_CONTENT_INVALID, invalid, wildcard=False)
    return host


def parse_address(raw: Any, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address], code: int, message: str) -> str:
    """An IPv4/IPv6 address in canonical (for IPv6: compressed) form; Python refuses leading zeros."""
    if not isinstance(raw, str):
        raise bad_request(code, message)
    try:
        return str(kind(raw.strip()))
    except ValueError:
        raise bad_request(code, message) from None


def normalize_ttl(raw: Any) -> int:
    """TTL: 1 (automatic) or 30..86400 seconds; the real API refuses anything else with 9021."""
    message = f"Invalid TTL. Must be between {TTL_MIN} and {TTL_MAX} seconds, or 1 for automatic."
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not float(raw).is_integer():
        raise bad_request(CODE_TTL, message)
    ttl = int(raw)
    if ttl != TTL_AUTO and not TTL_MIN <= ttl <= TTL_MAX:
        raise bad_request(CODE_TTL, message)
    return ttl


def normalize_type(raw: Any) -> str:
    """The record type, uppercased; types outside :data:`SUPPORTED_TYPES` are refused."""
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request(CODE_TYPE_INVALID, "Invalid DNS record type.")
    rtype = raw.strip().upper()
    if rtype not in SUPPORTED_TYPES:
        raise bad_request(CODE_TYPE_INVALID, f"Invalid DNS record type {rtype} (not supported by this stand-in).")
    return rtype


def is_proxiable(rtype: str, content: str) -> bool:
    """A, AAAA and CNAME are proxiable, except addresses Cloudflare cannot reach (private, loopback)."""
    if rtype not in PROXIABLE_TYPES:
        return False
    if rtype in ADDRESS_TYPES:
        address = ipaddress.ip_address(content)
        return not any(address in net for net in NOT_PROXIABLE_NETS)
    return True


def expect_type(fields: Mapping[str, Any], key: str, kinds: tuple[type, ...], allow_none: bool = False) -> None:
    """A body field of the wrong JSON type is refused as an invalid request body."""
    if key not in fields or (allow_none and fields[key] is None):
        return
    value = fields[key]
    if isinstance(value, bool) and bool not in kinds:
        raise bad_request(CODE_BODY_INVALID, f"Request body is invalid: {key} has the wrong type.")
    if not isinstance(value, kinds):
        raise bad_request(CODE_BODY_INVALID, f"Request body is invalid: {key} has the wrong type.")


def validate_fields(fields: Mapping[str, Any], zone_name: str) -> dict[str, Any]:
    """All of a record's fields (a POST/PUT body, or a PATCH body merged over the record) checked
    and normalized, in the order the real API reports problems: type, name, content, ttl, proxied."""
    expect_type(fields, "proxied", (bool,), allow_none=True)
    expect_type(fields, "comment", (str,), allow_none=True)
    expect_type(fields, "tags", (list,), allow_none=True)
    rtype = normalize_type(fields.get("type"))
    name = normalize_name(fields.get("name"), zone_name)
    content = normalize_content(rtype, fields.get("content"))
    if "ttl" not in fields:
        raise bad_request(CODE_TTL, "Invalid TTL. A ttl is required (1 for automatic).")
    ttl = normalize_ttl(fields.get("ttl"))
    proxied = bool(fields.get("proxied", False))
    proxiable = is_proxiable(rtype, content)
    if proxied and rtype not in PROXIABLE_TYPES:
        raise bad_request(CODE_NOT_PROXIABLE_TYPE, "This kind of record cannot be proxied.")
    if proxied and not proxiable:
        raise bad_request(CODE_NOT_PROXIABLE_TARGET, "This DNS record cannot be proxied.")
    tags = fields.get("tags") or []
    if not all(isinstance(tag, str) for tag in tags):
        raise bad_request(CODE_BODY_INVALID, "Request body is invalid: tags must be strings.")
    valid: dict[str, Any] = {
        "type": rtype,
        "name": name,
        "content": content,
        "ttl": TTL_AUTO if proxied else ttl,
        "proxied": proxied,
        "proxiable": proxiable,
        "comment": fields.get("comment"),
        "tags": list(tags),
    }
    if rtype == "MX":
        valid["priority"] = validate_priority(fields.get("priority"))
    return valid


def validate_priority(raw: Any) -> int:
    """MX priority: an integer 0..65535, required."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not float(raw).is_integer():
        raise bad_request(CODE_PRIORITY, "MX records need a priority between 0 and 65535.")
    if not 0 <= int(raw) <= 65535:
        raise bad_request(CODE_PRIORITY, "MX records need a priority between 0 and 65535.")
    return int(raw)


def check_conflicts(candidate: Mapping[str, Any], others: Iterable[Mapping[str, Any]], reject_mixed: bool) -> None:
    """The real API's same-name rules, against every other record of the zone."""
    same_name = [rec for rec in others if rec["name"] == candidate["name"]]
    for rec in same_name:
        # Contents are stored normalized (hostnames lowercase, IPv6 compressed, TXT quoted, case kept).
        if (rec["type"], rec["content"], rec.get("priority")) == (
            candidate["type"],
            candidate["content"],
            candidate.get("priority"),
        ):
            raise bad_request(CODE_IDENTICAL, "An identical record already exists.")
    if candidate["type"] == "CNAME":
        check_new_cname(candidate, same_name)
    else:
        check_existing_cname(candidate, same_name)
    if reject_mixed and candidate["type"] in ADDRESS_TYPES:
        for rec in same_name:
            if rec["type"] in ADDRESS_TYPES and rec["proxied"] != candidate["proxied"]:
                raise bad_request(CODE_MIXED_PROXIED, "A/AAAA records of one name must all be proxied or all DNS-only.")


def check_new_cname(candidate: Mapping[str, Any], same_name: list[Mapping[str, Any]]) -> None:
    """A CNAME may not join A/AAAA/CNAME records; DNS-only it may not join any record."""
    for rec in same_name:
        if rec["type"] in PROXIABLE_TYPES or not candidate["proxied"]:
            raise bad_request(CODE_CNAME_CONFLICT, "An A, AAAA, or CNAME record with that host already exists.")


def check_existing_cname(candidate: Mapping[str, Any], same_name: list[Mapping[str, Any]]) -> None:
    """No A/AAAA beside a CNAME; other types only beside a proxied (flattened) CNAME."""
    for rec in same_name:
        if rec["type"] == "CNAME" and (candidate["type"] in ADDRESS_TYPES or not rec["proxied"]):
            raise bad_request(CODE_HOST_HAS_CNAME, "A CNAME record with that host already exists.")


def render(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as the API returns it (``ttl`` as a float, as the real API sends it)."""
    out = dict(record)
    out["ttl"] = float(record["ttl"])
    out["tags"] = list(record.get("tags") or [])
    out["meta"] = dict(record.get("meta") or {})
    out["settings"] = dict(record.get("settings") or {})
    return out


# --------------------------------------------------------------------------------------------
# Changing one zone's records (a working copy, committed only if every step succeeds)
# --------------------------------------------------------------------------------------------

# Optional, not X | None: a type alias is evaluated at run time, and Python 3.9 has no X | None there.
Change = tuple[Optional[dict[str, Any]], Optional[dict[str, Any]]]  # (before, after); None = absent


class ZoneEditor:
    """Applies create/update/edit/delete to a copy of a zone's records; the store commits the copy."""

    RECORD_FIELDS = ("type", "name", "content", "ttl", "proxied", "comment", "tags", "priority")

    def __init__(self, zone: Zone, records: Mapping[str, dict[str, Any]], reject_mixed: bool) -> None:
        self.zone = zone
        self.records: dict[str, dict[str, Any]] = dict(records)
        self.reject_mixed = reject_mixed
        self.changes: list[Change] = []

    def existing(self, record_id: Any) -> dict[str, Any]:
        """The record with this id, or the real API's 404 81044."""
        record = self.records.get(record_id) if isinstance(record_id, str) else None
        if record is None:
            raise ApiError(404, [error_item(CODE_RECORD_NOT_FOUND, "Record does not exist.")])
        return record

    def create(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST: proxied defaults to false, comment to null, tags to []."""
        return self._store(validate_fields(body, self.zone.name), None)

    def replace(self, record_id: Any, body: Mapping[str, Any]) -> dict[str, Any]:
        """PUT: the body replaces the record (type, name, content, ttl required)."""
        before = self.existing(record_id)
        return self._store(validate_fields(body, self.zone.name), before)

    def edit(self, record_id: Any, body: Mapping[str, Any]) -> dict[str, Any]:
        """PATCH: the given fields over the record's, then the same checks as PUT."""
        before = self.existing(record_id)
        merged = {key: before[key] for key in self.RECORD_FIELDS if key in before}  # TXT stays quoted
        merged.update({key: value for key, value in body.items() if key in self.RECORD_FIELDS})
        return self._store(validate_fields(merged, self.zone.name), before)

    def delete(self, record_id: Any) -> dict[str, Any]:
        """DELETE: removes the record, returns it."""
        before = self.existing(record_id)
        del self.records[before["id"]]
        self.changes.append((before, None))
        return before

    def batch(self, body: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """Deletes, patches, puts, posts, in that order; the first failure aborts (the store then
        drops the working copy, so nothing is applied)."""
        result: dict[str, list[dict[str, Any]]] = {"deletes": [], "patches": [], "puts": [], "posts": []}
        steps: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "deletes": lambda item: self.delete(item.get("id")),
            "patches": lambda item: self.edit(item.get("id"), without_id(item)),
            "puts": lambda item: self.replace(item.get("id"), without_id(item)),
            "posts": self.create,
        }
        for key, step in steps.items():
            items = body.get(key) or []
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise bad_request(CODE_BODY_INVALID, f"Request body is invalid: {key} must be a list of objects.")
            for index, item in enumerate(items):
                try:
                    result[key].append(render(step(item)))
                except ApiError as exc:
                    pointer = {"pointer": f"/{key}/{index}"}
                    raise ApiError(400, [dict(err, source=pointer) for err in exc.errors]) from None
        return result

    def _store(self, valid: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
        """Checks conflicts with the other records, then puts the record in the working copy."""
        others = (rec for rec in self.records.values() if before is None or rec["id"] != before["id"])
        check_conflicts(valid, others, self.reject_mixed)
        stamp = now_iso()
        record = {
            "id": before["id"] if before else new_id(),
            "zone_id": self.zone.id,
            "zone_name": self.zone.name,
            **valid,
            "settings": {},
            "meta": {},
            "created_on": before["created_on"] if before else stamp,
            "modified_on": stamp,
        }
        self.records[record["id"]] = record
        self.changes.append((before, record))
        return record


def without_id(item: Mapping[str, Any]) -> dict[str, Any]:
    """A batch patch/put item without its ``id`` (the rest is the record body)."""
    return {key: value for key, value in item.items() if key != "id"}


# --------------------------------------------------------------------------------------------
# Listing records and zones (filters, order, pages)
# --------------------------------------------------------------------------------------------

Predicate = Callable[[Mapping[str, Any]], bool]
STRING_OPS: dict[str, Callable[[str, str], bool]] = {
    "exact": lambda have, want: have == want,
    "contains": lambda have, want: want in have,
    "startswith": lambda have, want: have.startswith(want),
    "endswith": lambda have, want: have.endswith(want),
}
UNSUPPORTED_FILTERS = ("tag", "tag_match", "search", "shadowed_by_name", "shadowing_name")
ORDER_KEYS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "type": lambda rec: rec["type"],
    "name": lambda rec: rec["name"],
    "content": lambda rec: rec["content"],
    "ttl": lambda rec: rec["ttl"],
    "proxied": lambda rec: rec["proxied"],
}


def record_names(rec: Mapping[str, Any]) -> list[str]:
    """The values a name filter compares with."""
    return [rec["name"]]


def record_contents(rec: Mapping[str, Any]) -> list[str]:
    """The values a content filter compares with (TXT: quoted as stored, and unquoted)."""
    content = rec["content"].lower()
    return [content, unquote_txt(content)] if rec["type"] == "TXT" else [content]


def record_comments(rec: Mapping[str, Any]) -> list[str]:
    """The values a comment filter compares with."""
    return [(rec.get("comment") or "").lower()]


def wanted_values(field_name: str, raw: str) -> list[str]:
    """The filter value in the forms that may match: names without the trailing dot, IPv6 canonical."""
    value = raw.strip().lower()
    if field_name == "name":
        return [value.rstrip(".")]
    if field_name == "content":
        try:
            return [value, str(ipaddress.ip_address(value))]
        except ValueError:
            return [value]
    return [value]


def string_predicate(field_name: str, op: str, raw: str) -> Predicate:
    """``name.exact=...`` and friends: case-insensitive, as the real API documents them."""
    getter = {"name": record_names, "content": record_contents, "comment": record_comments}[field_name]
    if op == "present":
        return lambda rec: bool(rec.get("comment"))
    if op == "absent":
        return lambda rec: not rec.get("comment")
    compare = STRING_OPS[op]
    wants = wanted_values(field_name, raw)
    return lambda rec: any(compare(have, want) for have in getter(rec) for want in wants)


def field_equals(key: str, want: Any) -> Predicate:
    """``type=A``, ``proxied=true``: plain equality."""
    return lambda rec: rec[key] == want


def record_predicates(query: Mapping[str, Any]) -> list[Predicate]:
    """One predicate per filter of the query (unknown keys are ignored, unsupported ones refused)."""
    predicates: list[Predicate] = []
    for key in query:
        value = query_str(query, key) or ""
        base, _, op = key.partition(".")
        if base in UNSUPPORTED_FILTERS:
            raise bad_request(CODE_UNSUPPORTED, f"Filter {key} is not supported by this stand-in.")
        if base in ("name", "content", "comment"):
            op = op or "exact"  # the older clients' name= and content= are exact matches
            if op in STRING_OPS or (base == "comment" and op in ("present", "absent")):
                predicates.append(string_predicate(base, op, value))
        elif key == "type":
            predicates.append(field_equals("type", value.upper()))
        elif key == "proxied":
            predicates.append(field_equals("proxied", value.lower() == "true"))
    return predicates


def select(items: list[Mapping[str, Any]], predicates: list[Predicate], match: str | None) -> list[Any]:
    """Items passing all filters (``match=all``, the default) or any of them (``match=any``)."""
    if not predicates:
        return list(items)
    combine = any if match == "any" else all
    return [item for item in items if combine(pred(item) for pred in predicates)]


def order_items(
    items: list[Any], query: Mapping[str, Any], keys: Mapping[str, Callable[[Mapping[str, Any]], Any]]
) -> list[Any]:
    """``order`` and ``direction``; without ``order`` the creation order is kept."""
    order = query_str(query, "order")
    reverse = (query_str(query, "direction") or "asc").lower() == "desc"
    if order in keys:
        return sorted(items, key=keys[order], reverse=reverse)
    return list(reversed(items)) if reverse else list(items)


ZONE_NAME_OPS: dict[str, Callable[[str, str], bool]] = {
    "equal": lambda have, want: have == want,
    "not_equal": lambda have, want: have != want,
    "starts_with": lambda have, want: have.startswith(want),
    "ends_with": lambda have, want: have.endswith(want),
    "contains": lambda have, want: want in have,
}


def zone_predicates(query: Mapping[str, Any]) -> list[Predicate]:
    """``name`` (``example.com`` or ``contains:example`` ...) and ``status`` filters of ``GET /zones``."""
    predicates: list[Predicate] = []
    name = query_str(query, "name")
    if name:
        op, sep, value = name.partition(":")
        if not sep or op.removesuffix("_case_sensitive") not in ZONE_NAME_OPS:
            op, value = "equal", name
        compare = ZONE_NAME_OPS[op.removesuffix("_case_sensitive")]
        want = normalize_zone_name(value)
        predicates.append(lambda zone: compare(zone["name"], want))
    status = query_str(query, "status")
    if status:
        predicates.append(lambda zone: zone["status"] == status)
    return predicates


# --------------------------------------------------------------------------------------------
# The state: zones, records, request log, faults, hook settings; persisted atomically
# --------------------------------------------------------------------------------------------


class Store:
    """Everything the stand-in knows, behind one lock. With a state file, zones and records
    survive restarts (written to a temporary file and renamed after each change)."""

    def __init__(
        self,
        zones: Iterable[str | Mapping[str, str]] = (),
        tokens: Mapping[str, Token] | None = None,
        state_file: str | None = None,
        reject_mixed_proxied: bool = True,
        max_per_page: int = DNS_MAX_PER_PAGE,
    ) -> None:
        if max_per_page < MIN_PER_PAGE:
            raise ValueError(f"max_per_page must be at least {MIN_PER_PAGE}")
        self.lock = threading.RLock()
        self.max_per_page = max_per_page
        self.tokens = dict(tokens or {})
        self.state_file = state_file
        self.reject_mixed_proxied = reject_mixed_proxied
        self.zones: dict[str, Zone] = {}
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.dns_hook_url: str | None = None
        self.dns_hook_log: list[dict[str, Any]] = []
        self._load()
        for zone in zones:
            if isinstance(zone, str):
                self.add_zone(zone)
            else:
                self.add_zone(zone["name"], zone.get("id"))

    # -- zones ---------------------------------------------------------------------------------

    def add_zone(self, name: str, zone_id: str | None = None) -> Zone:
        """The zone of this name, created (and saved) if new. A zone kept in the state file under
        another id than the one now asked for takes the new id, with its records."""
        name = normalize_zone_name(name)
        with self.lock:
            found = self.zone_by_name(name)
            if found and zone_id and found.id != zone_id:
                moved = Zone(id=zone_id, name=found.name, created_on=found.created_on)
                self.zones[zone_id] = moved
                self.records[zone_id] = {
                    rid: {**rec, "zone_id": zone_id} for rid, rec in self.records.pop(found.id, {}).items()
                }
                del self.zones[found.id]
                self.save()
                return moved
            if found:
                return found
            zone = Zone(id=zone_id or new_id(), name=name, created_on=now_iso())
            self.zones[zone.id] = zone
            self.records[zone.id] = {}
            self.save()
            return zone

    def zone_by_name(self, name: str) -> Zone | None:
        """A zone by its name (case-insensitive)."""
        name = normalize_zone_name(name)
        return next((zone for zone in self.zones.values() if zone.name == name), None)

    # -- records -------------------------------------------------------------------------------

    def zone_records(self, zone_id: str) -> list[dict[str, Any]]:
        """The zone's records in creation order (a snapshot)."""
        with self.lock:
            return list(self.records.get(zone_id, {}).values())

    def edit_zone(
        self, zone: Zone, action: Callable[[ZoneEditor], Any]
    ) -> tuple[Any, list[Change], list[dict[str, Any]]]:
        """Runs ``action`` on a working copy; commits and saves only if it raised nothing.
        Returns the action's result, the changes, and the zone's records after them."""
        with self.lock:
            editor = ZoneEditor(zone, self.records[zone.id], self.reject_mixed_proxied)
            result = action(editor)
            self.records[zone.id] = editor.records
            self.save()
            return result, editor.changes, list(editor.records.values())

    # -- request log and faults ----------------------------------------------------------------

    def log_request(self, method: str, path: str, query: dict[str, Any]) -> dict[str, Any]:
        """Appends an API request to the log; the caller fills in ``status`` once answered (and
        ``result_count`` for lists)."""
        entry = {"method": method, "path": path, "query": query, "status": None}
        with self.lock:
            self.requests.append(entry)
        return entry

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first pending fault matching the request, used up by one."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def add_fault(self, fault: Fault) -> None:
        """Queues an injected failure."""
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        """Drops every pending fault."""
        with self.lock:
            self.faults.clear()

    def reset(self) -> list[dict[str, Any]]:
        """Clears records, the request log, faults and the hook log; keeps zones, tokens, hook URL.
        Returns the records it removed (the caller mirrors their removal)."""
        with self.lock:
            removed = self.all_records()
            self.records = {zone_id: {} for zone_id in self.zones}
            self.requests.clear()
            self.faults.clear()
            self.dns_hook_log.clear()
            self.save()
            return removed

    def all_records(self) -> list[dict[str, Any]]:
        """Every record of every zone (a snapshot, creation order within a zone)."""
        with self.lock:
            return [rec for recs in self.records.values() for rec in recs.values()]

    def snapshot(self) -> dict[str, Any]:
        """Zones, records, the request log, pending faults and the hook's settings and log."""
        with self.lock:
            return {
                "zones": [zone.to_api() for zone in self.zones.values()],
                "records": [render(rec) for recs in self.records.values() for rec in recs.values()],
                "requests": [dict(entry) for entry in self.requests],
                "faults": [asdict(fault) for fault in self.faults],
                "dns_hook": self.dns_hook_url,
                "dns_hook_log": [dict(entry) for entry in self.dns_hook_log],
                # the older names of the same two entries
                "txt_hook": self.dns_hook_url,
                "txt_hook_log": [dict(entry) for entry in self.dns_hook_log],
            }

    # -- persistence ---------------------------------------------------------------------------

    def save(self) -> None:
        """Writes zones and records to the state file atomically (temporary file, fsync, rename)."""
        if not self.state_file:
            return
        data = {
            "version": 1,
            "zones": [asdict(zone) for zone in self.zones.values()],
            "records": {zone_id: list(recs.values()) for zone_id, recs in self.records.items()},
        }
        directory = os.path.dirname(os.path.abspath(self.state_file))
        fd, tmp = tempfile.mkstemp(prefix=".standin-state-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.state_file)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def _load(self) -> None:
        """Reads zones and records back from the state file, when there is one."""
        if not self.state_file or not os.path.exists(self.state_file):
            return
        with open(self.state_file, encoding="utf-8") as handle:
            data = json.load(handle)
        for raw in data.get("zones", []):
            zone = Zone(**raw)
            self.zones[zone.id] = zone
            self.records[zone.id] = {rec["id"]: rec for rec in data.get("records", {}).get(zone.id, [])}


# --------------------------------------------------------------------------------------------
# Mirroring A, AAAA and _acme-challenge TXT records to pebble-challtestsrv
# --------------------------------------------------------------------------------------------

MirrorKey = tuple[str, str]  # (type, absolute name without the trailing dot)
ADDRESS_ACTIONS = {"A": ("clear-a", "add-a"), "AAAA": ("clear-aaaa", "add-aaaa")}


def is_acme_txt(record: Mapping[str, Any] | None) -> bool:
    """A TXT record of an ``_acme-challenge.`` name."""
    return bool(record) and record["type"] == "TXT" and record["name"].startswith(ACME_PREFIX)


def mirror_key(record: Mapping[str, Any] | None) -> MirrorKey | None:
    """The (type, name) challtestsrv answers for this record, or None: A, AAAA, ACME TXT."""
    if record and (record["type"] in ADDRESS_ACTIONS or is_acme_txt(record)):
        return record["type"], record["name"]
    return None


def mirror_values(records: Iterable[Mapping[str, Any]], key: MirrorKey) -> list[str]:
    """The values challtestsrv should serve for a key: addresses, or unquoted TXT values."""
    values = [rec["content"] for rec in records if mirror_key(rec) == key]
    return [unquote_txt(value) for value in values] if key[0] == "TXT" else values


def plan_mirror(changes: list[Change]) -> tuple[list[MirrorKey], list[tuple[str, str]]]:
    """Keys to push again in full (clear, then the whole current set): every A/AAAA name whose set
    changed, and ACME TXT names that lost or changed a value; and ACME TXT values only added."""
    resync: list[MirrorKey] = []
    added: list[tuple[str, str]] = []
    for before, after in changes:
        if before and after and all(before[key] == after[key] for key in ("type", "name", "content")):
            continue  # only ttl, proxied, comment or tags changed: what a resolver sees is the same
        old, new = mirror_key(before), mirror_key(after)
        if old:
            resync.append(old)
        if new and after:
            if before is None and new[0] == "TXT":
                added.append((new[1], unquote_txt(after["content"])))
            else:
                resync.append(new)
    resync = list(dict.fromkeys(resync))
    return resync, [(name, value) for name, value in added if ("TXT", name) not in resync]


class DnsMirror:
    """Copies what a resolver would see of the stand-in's zones to challtestsrv's management API,
    best effort (see the module docstring): A/AAAA sets as ``clear-a`` + ``add-a`` (``-aaaa``), ACME
    TXT as ``set-txt`` / ``clear-txt``. One push at a time, each reading the state current when it
    runs, so the last push always leaves challtestsrv with the latest state."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()

    def mirror(self, changes: list[Change]) -> None:
        """Sends the calls for these changes; failures are logged, never raised."""
        url = self.store.dns_hook_url
        if not url:
            return
        resync, added = plan_mirror(changes)
        if not resync and not added:
            return
        with self.lock:
            records = self.store.all_records()
            for key in resync:
                self.push(url, key, records)
            for name, value in added:
                if value in mirror_values(records, ("TXT", name)):  # not deleted again meanwhile
                    self.call(url, "set-txt", {"host": name + ".", "value": value})

    def replay(self, wait: float = 0.0) -> None:
        """Pushes the whole current state (every mirrored name and type: clear, then add); first
        waits up to ``wait`` seconds for the hook's port to accept connections."""
        url = self.store.dns_hook_url
        if not url:
            return
        with self.lock:
            records = self.store.all_records()
            keys = list(dict.fromkeys(key for key in map(mirror_key, records) if key))
            if keys and wait > 0:
                wait_for_port(url, wait)
            for key in keys:
                self.push(url, key, records)

    def push(self, url: str, key: MirrorKey, records: list[dict[str, Any]]) -> None:
        """One name and type in full: clear, then the current values (none: only the clear)."""
        rtype, name = key
        host = name + "."
        values = mirror_values(records, key)
        if rtype == "TXT":
            self.call(url, "clear-txt", {"host": host})
            for value in values:
                self.call(url, "set-txt", {"host": host, "value": value})
            return
        clear, add = ADDRESS_ACTIONS[rtype]
        self.call(url, clear, {"host": host})
        if values:  # challtestsrv answers 400 to an empty list
            self.call(url, add, {"host": host, "addresses": values})

    def call(self, url: str, action: str, payload: dict[str, Any]) -> None:
        """One POST to the management API, recorded in the hook log."""
        entry: dict[str, Any] = {"action": action, **payload, "ok": True, "error": None}
        request = urllib.request.Request(
            url.rstrip("/") + "/" + action,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=HOOK_TIMEOUT) as answer:
                answer.read()
        except (OSError, ValueError) as exc:
            entry.update(ok=False, error=str(exc))
            LOG.warning("dns-hook %s %s failed: %s", action, payload.get("host"), exc)
        with self.store.lock:
            self.store.dns_hook_log.append(entry)


def wait_for_port(url: str, timeout: float) -> bool:
    """Whether the URL's host:port accepts a TCP connection within ``timeout`` seconds."""
    parts = urlsplit(url)
    try:
        address = (parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80))
    except ValueError:
        return False
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(address, timeout=1.0):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                LOG.warning("dns-hook %s: nothing listens after %.0f s", url, timeout)
                return False
            time.sleep(0.2)


# --------------------------------------------------------------------------------------------
# The application: routing, auth, the handlers
# --------------------------------------------------------------------------------------------


@dataclass
class Response:
    """What the HTTP layer sends: status, a JSON body, extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    """An API route: method, path pattern, handler name, permissions (any one suffices)."""

    method: str
    pattern: re.Pattern[str]
    handler: str
    permissions: tuple[str, ...]


ZONE = r"/zones/(?P<zone_id>[^/]+)"
RECORDS = ZONE + "/dns_records"
READ_DNS = ("dns:read", "dns:edit")
ROUTES = tuple(
    Route(method, re.compile(f"^{pattern}/?$"), handler, perms)
    for method, pattern, handler, perms in (
        ("GET", "/zones", "list_zones", ("zone:read",)),
        ("GET", ZONE, "get_zone", ("zone:read",)),
        ("GET", RECORDS, "list_records", READ_DNS),
        ("POST", RECORDS, "create_record", ("dns:edit",)),
        ("POST", RECORDS + "/batch", "batch", ("dns:edit",)),
        ("GET", RECORDS + "/(?P<record_id>[^/]+)", "get_record", READ_DNS),
        ("PUT", RECORDS + "/(?P<record_id>[^/]+)", "replace_record", ("dns:edit",)),
        ("PATCH", RECORDS + "/(?P<record_id>[^/]+)", "edit_record", ("dns:edit",)),
        ("DELETE", RECORDS + "/(?P<record_id>[^/]+)", "delete_record", ("dns:edit",)),
        ("GET", "/user/tokens/verify", "verify_token", ()),
    )
)

Result = tuple[Any, Optional[dict[str, int]]]  # the envelope's result and result_info


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object request body (empty body: ``{}``)."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise bad_request(CODE_BODY_INVALID, "Request body is invalid.") from None
    if not isinstance(data, dict):
        raise bad_request(CODE_BODY_INVALID, "Request body is invalid.")
    return data


def permission_denied(route: Route, token: Token) -> ApiError:
    """403: listing zones without Zone:Read names the missing permission (code 0, as the real API
    does; certbot-dns-cloudflare looks for that text); everything else is 10000."""
    if route.handler == "list_zones":
        message = (
            f"Actor 'com.cloudflare.api.token.{token.token_id}' requires permission "
            "'com.cloudflare.api.account.zone.list' to list zones"
        )
        return ApiError(403, [error_item(CODE_ZONE_LIST_DENIED, message)])
    return ApiError(403, [error_item(CODE_AUTH_ERROR, "Authentication error")])


def envelope(result: Any, result_info: dict[str, int] | None = None) -> dict[str, Any]:
    """The real API's success envelope."""
    out: dict[str, Any] = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        out["result_info"] = result_info
    return out


def error_envelope(exc: ApiError) -> dict[str, Any]:
    """The real API's failure envelope."""
    return {"success": False, "errors": exc.errors, "messages": [], "result": None}


class App:
    """Answers the API under ``/client/v4`` from a :class:`Store`, and the test controls.

    Controls (JSON in and out, no auth, not in the request log):
    ``GET /__standin__/state``; ``POST /__standin__/reset``; ``POST /__standin__/zones {"name"}``;
    ``POST /__standin__/faults {"status", "count", "retry_after", "retry_after_ms", "path_contains",
    "method"}``, ``DELETE /__standin__/faults``; ``POST /__standin__/dns-hook {"url"}`` (null clears;
    a URL is sent the whole current state), ``DELETE /__standin__/dns-hook``; ``txt-hook`` is the
    older name of ``dns-hook``, same control.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.mirror = DnsMirror(store)

    def handle(self, method: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Dispatches one HTTP request."""
        parts = urlsplit(raw_path)
        if parts.path == CONTROL_PREFIX or parts.path.startswith(CONTROL_PREFIX + "/"):
            return self.handle_control(method, parts.path[len(CONTROL_PREFIX) :].strip("/"), body)
        return self.handle_api(method, parts.path, flat_query(parts.query), headers, body)

    # -- API -----------------------------------------------------------------------------------

    def handle_api(
        self, method: str, path: str, query: dict[str, Any], headers: Mapping[str, str], body: bytes
    ) -> Response:
        """Faults first (as a rate limiter in front of the API), then route, token, zone, handler."""
        entry = self.store.log_request(method, path, query)
        try:
            fault = self.store.take_fault(method, path)
            if fault:
                raise fault.to_error()
            route, params = self.route(method, path)
            token = self.authenticate(headers)
            if not token.may(*route.permissions):
                raise permission_denied(route, token)
            zone = self.zone_for(params, path, token)
            result, info = getattr(self, route.handler)(zone=zone, params=params, query=query, body=body, token=token)
            response = Response(200, envelope(result, info))
            if info is not None:
                entry["result_count"] = info["count"]  # lets tests see the pager's empty last page
        except ApiError as exc:
            response = Response(exc.status, error_envelope(exc), exc.headers)
        except Exception:  # a stand-in bug: answer like the real API's 500 rather than drop the connection
            LOG.exception("stand-in failure on %s %s", method, path)
            failure = ApiError(500, [error_item(CODE_INTERNAL, "Internal error")])
            response = Response(500, error_envelope(failure))
        entry["status"] = response.status
        return response

    def route(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route of a path under /client/v4, or the real API's 404 7000."""
        if path.startswith(API_PREFIX + "/"):
            api_path = path[len(API_PREFIX) :]
            for route in ROUTES:
                found = route.pattern.match(api_path)
                if found and route.method == method:
                    return route, found.groupdict()
        raise ApiError(404, [error_item(CODE_NO_ROUTE, "No route for that URI")])

    def authenticate(self, headers: Mapping[str, str]) -> Token:
        """The bearer token: missing/malformed header 400 6003, unknown token 401 9109."""
        auth = headers.get("Authorization")
        if auth is None:
            if headers.get("X-Auth-Key") or headers.get("X-Auth-Email"):
                raise ApiError(403, [error_item(CODE_UNKNOWN_KEY, "Unknown X-Auth-Key or X-Auth-Email")])
            chain = [error_item(CODE_MISSING_AUTH, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")]
            raise ApiError(400, [error_item(CODE_INVALID_HEADERS, "Invalid request headers", error_chain=chain)])
        scheme, _, value = auth.strip().partition(" ")
        if scheme != "Bearer" or not value.strip():
            chain = [error_item(CODE_BAD_AUTH_FORMAT, "Invalid format for Authorization header")]
            raise ApiError(400, [error_item(CODE_INVALID_HEADERS, "Invalid request headers", error_chain=chain)])
        token = self.store.tokens.get(value.strip())
        if token is None:
            raise ApiError(401, [error_item(CODE_INVALID_TOKEN, "Invalid access token")])
        return token

    def zone_for(self, params: Mapping[str, str], path: str, token: Token) -> Zone | None:
        """The zone of the path: unknown 404 7003+7000, outside the token's zones 403 10000."""
        zone_id = params.get("zone_id")
        if zone_id is None:
            return None
        zone = self.store.zones.get(zone_id)
        if zone is None:
            route_path = path[len(API_PREFIX) :]
            raise ApiError(
                404,
                [
                    error_item(
                        CODE_BAD_OBJECT_ID,
                        f"Could not route to {route_path}, perhaps your object identifier is invalid?",
                    ),
                    error_item(CODE_NO_ROUTE, "No route for that URI"),
                ],
            )
        if not token.sees(zone.name):
            raise ApiError(403, [error_item(CODE_AUTH_ERROR, "Authentication error")])
        return zone

    def list_zones(self, *, query: Mapping[str, Any], token: Token, **_: Any) -> Result:
        """``GET /zones``: the zones the token can see, filtered, ordered, one page."""
        zones = [zone.to_api() for zone in self.store.zones.values() if token.sees(zone.name)]
        zones = select(zones, zone_predicates(query), query_str(query, "match"))
        zones = order_items(zones, query, {"name": lambda z: z["name"], "status": lambda z: z["status"]})
        return paginate(zones, query, ZONE_PER_PAGE)

    def get_zone(self, *, zone: Zone, **_: Any) -> Result:
        """``GET /zones/{id}``."""
        return zone.to_api(), None

    def list_records(self, *, zone: Zone, query: Mapping[str, Any], **_: Any) -> Result:
        """``GET /zones/{id}/dns_records``: filters, ``match``, ``order``/``direction``, pages."""
        records = select(self.store.zone_records(zone.id), record_predicates(query), query_str(query, "match"))
        limits = (min(DNS_DEFAULT_PER_PAGE, self.store.max_per_page), self.store.max_per_page)
        page, info = paginate(order_items(records, query, ORDER_KEYS), query, limits)
        return [render(rec) for rec in page], info

    def get_record(self, *, zone: Zone, params: Mapping[str, str], **_: Any) -> Result:
        """``GET /zones/{id}/dns_records/{rid}``."""
        records = {rec["id"]: rec for rec in self.store.zone_records(zone.id)}
        if params["record_id"] not in records:
            raise ApiError(404, [error_item(CODE_RECORD_NOT_FOUND, "Record does not exist.")])
        return render(records[params["record_id"]]), None

    def create_record(self, *, zone: Zone, body: bytes, **_: Any) -> Result:
        """``POST /zones/{id}/dns_records``."""
        data = parse_json_object(body)
        return render(self.change(zone, lambda editor: editor.create(data))), None

    def replace_record(self, *, zone: Zone, params: Mapping[str, str], body: bytes, **_: Any) -> Result:
        """``PUT /zones/{id}/dns_records/{rid}`` (update)."""
        data = parse_json_object(body)
        return render(self.change(zone, lambda editor: editor.replace(params["record_id"], data))), None

    def edit_record(self, *, zone: Zone, params: Mapping[str, str], body: bytes, **_: Any) -> Result:
        """``PATCH /zones/{id}/dns_records/{rid}`` (edit)."""
        data = parse_json_object(body)
        return render(self.change(zone, lambda editor: editor.edit(params["record_id"], data))), None

    def delete_record(self, *, zone: Zone, params: Mapping[str, str], **_: Any) -> Result:
        """``DELETE /zones/{id}/dns_records/{rid}``: the result is just ``{"id": ...}``."""
        deleted = self.change(zone, lambda editor: editor.delete(params["record_id"]))
        return {"id": deleted["id"]}, None

    def batch(self, *, zone: Zone, body: bytes, **_: Any) -> Result:
        """``POST /zones/{id}/dns_records/batch``: all or nothing."""
        data = parse_json_object(body)
        return self.change(zone, lambda editor: editor.batch(data)), None

    def verify_token(self, *, token: Token, **_: Any) -> Result:
        """``GET /user/tokens/verify`` (any valid token)."""
        return {"id": token.token_id, "status": "active", "not_before": None, "expires_on": None}, None

    def change(self, zone: Zone, action: Callable[[ZoneEditor], Any]) -> Any:
        """Runs a change on the zone, then mirrors it to the DNS hook (outside the store's lock, before
        answering, so challtestsrv already serves the new data when the client hears back)."""
        result, changes, _ = self.store.edit_zone(zone, action)
        self.mirror.mirror(changes)
        return result

    def reset(self) -> None:
        """Clears the state (see :meth:`Store.reset`) and the removed records from the DNS hook."""
        removed = self.store.reset()
        self.mirror.mirror([(rec, None) for rec in removed])

    def set_dns_hook(self, url: str | None) -> None:
        """Sets (None: clears) the DNS hook's URL and sends it the whole current state."""
        if url is not None and not isinstance(url, str):
            raise ValueError("url must be a string or null")
        with self.store.lock:
            self.store.dns_hook_url = url or None
        self.mirror.replay()

    # -- controls ------------------------------------------------------------------------------

    def handle_control(self, method: str, name: str, body: bytes) -> Response:
        """The test controls (see the class docstring)."""
        try:
            data = parse_json_object(body) if method in ("POST", "PUT") else {}
            return self.control(method, name, data)
        except (ApiError, ValueError, KeyError, TypeError) as exc:
            return Response(400, {"ok": False, "error": str(exc)})

    def control(self, method: str, name: str, data: dict[str, Any]) -> Response:
        """One control action."""
        store = self.store
        if (method, name) == ("GET", "state"):
            return Response(200, store.snapshot())
        if (method, name) == ("POST", "reset"):
            self.reset()
            return Response(200, {"ok": True})
        if (method, name) == ("POST", "zones"):
            zone = store.add_zone(str(data["name"]), data.get("id"))
            return Response(200, {"ok": True, "id": zone.id, "name": zone.name})
        if (method, name) == ("POST", "faults"):
            store.add_fault(parse_fault(data))
            return Response(200, {"ok": True})
        if (method, name) == ("DELETE", "faults"):
            store.clear_faults()
            return Response(200, {"ok": True})
        if method in ("POST", "DELETE") and name in ("dns-hook", "txt-hook"):
            self.set_dns_hook(data.get("url") if method == "POST" else None)
            return Response(200, {"ok": True, "url": store.dns_hook_url})
        return Response(404, {"ok": False, "error": f"no control {method} {CONTROL_PREFIX}/{name}"})


# --------------------------------------------------------------------------------------------
# HTTP server and the in-process handle
# --------------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Reads a request, lets the :class:`App` answer, writes JSON (HTTP/1.1 keep-alive, as httpx likes)."""

    protocol_version = "HTTP/1.1"
    server_version = "cloudflare-standin/1.0"
    # Headers and body in one segment: unbuffered writes plus Nagle and delayed ACKs cost 40 ms a request.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: StandInHTTPServer

    def do_GET(self) -> None:
        """GET, like every method, goes to :meth:`answer`."""
        self.answer()

    def do_POST(self) -> None:
        """See :meth:`answer`."""
        self.answer()

    def do_PUT(self) -> None:
        """See :meth:`answer`."""
        self.answer()

    def do_PATCH(self) -> None:
        """See :meth:`answer`."""
        self.answer()

    def do_DELETE(self) -> None:
        """See :meth:`answer`."""
        self.answer()

    def answer(self) -> None:
        """Reads the body (Content-Length), asks the app, writes the JSON answer."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.app.handle(self.command, self.path, self.headers, body)
        data = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Access log at debug level only."""
        LOG.debug("%s " + format, self.address_string(), *args)


class StandInHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server carrying the app; IPv6 when the address has a colon."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(address, Handler)


class StandIn:
    """The stand-in in a background thread, for pytest: ``with StandIn(...) as standin: ...``.

    The helpers read and change the state directly (no HTTP, nothing logged)."""

    def __init__(
        self,
        zones: Iterable[str | Mapping[str, str]] = ("example.com",),
        tokens: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike[str] | None = None,
        reject_mixed_proxied: bool = True,
        max_per_page: int = DNS_MAX_PER_PAGE,
        dns_hook: str | None = None,
        hook_wait: float = 0.0,
    ) -> None:
        self.host = host
        self.port = port
        self.hook_wait = hook_wait
        self.store = Store(
            zones,
            parse_tokens(tokens or {}),
            os.fspath(state_file) if state_file else None,
            reject_mixed_proxied,
            max_per_page,
        )
        self.store.dns_hook_url = dns_hook or None
        self.app = App(self.store)
        self._server: StandInHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> StandIn:
        """From a config mapping: ``zones``, ``tokens``, ``reject_mixed_proxied``, ``max_per_page``,
        ``dns_hook`` (a ``dns_hook`` keyword argument wins over the config's)."""
        kwargs.setdefault("dns_hook", config.get("dns_hook"))
        return cls(
            config.get("zones", []),
            config.get("tokens", {}),
            reject_mixed_proxied=config.get("reject_mixed_proxied", True),
            max_per_page=config.get("max_per_page", DNS_MAX_PER_PAGE),
            **kwargs,
        )

    def start(self) -> StandIn:
        """Pushes the whole state to the DNS hook (if any; waiting up to ``hook_wait`` seconds for it),
        then listens (port 0: any free port) and serves in a daemon thread."""
        self.app.mirror.replay(wait=self.hook_wait)
        self._server = StandInHTTPServer((self.host, self.port), self.app)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="cloudflare-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """``http://HOST:PORT`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The SDK's ``base_url``: ``http://HOST:PORT/client/v4``."""
        return self.root_url + API_PREFIX

    def zone_id(self, name: str) -> str:
        """The id of a zone by name (KeyError if unknown)."""
        zone = self.store.zone_by_name(name)
        if zone is None:
            raise KeyError(name)
        return zone.id

    def add_zone(self, name: str, zone_id: str | None = None) -> str:
        """Creates a zone (or finds it) and returns its id."""
        return self.store.add_zone(name, zone_id).id

    def state(self) -> dict[str, Any]:
        """Same as ``GET /__standin__/state``."""
        return self.store.snapshot()

    def requests(self, path_contains: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The API request log, optionally only matching requests."""
        with self.store.lock:
            entries = [dict(entry) for entry in self.store.requests]
        if path_contains is not None:
            entries = [entry for entry in entries if path_contains in entry["path"]]
        return [entry for entry in entries if method is None or entry["method"] == method]

    def records(self, zone: str | None = None) -> list[dict[str, Any]]:
        """Every record (as the API renders it), optionally of one zone (by name)."""
        zones = [self.zone_id(zone)] if zone else list(self.store.zones)
        return [render(rec) for zone_id in zones for rec in self.store.zone_records(zone_id)]

    def reset(self) -> None:
        """Same as ``POST /__standin__/reset``."""
        self.app.reset()

    def add_fault(
        self,
        status: int,
        count: int = 1,
        *,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Same as ``POST /__standin__/faults``."""
        body = {
            "status": status,
            "count": count,
            "retry_after": retry_after,
            "retry_after_ms": retry_after_ms,
            "path_contains": path_contains,
            "method": method,
        }
        self.store.add_fault(parse_fault(body))

    def clear_faults(self) -> None:
        """Same as ``DELETE /__standin__/faults``."""
        self.store.clear_faults()

    def set_dns_hook(self, url: str | None) -> None:
        """Same as ``POST /__standin__/dns-hook``; None switches mirroring off."""
        self.app.set_dns_hook(url)

    def set_txt_hook(self, url: str | None) -> None:
        """The older name of :meth:`set_dns_hook`."""
        self.app.set_dns_hook(url)

    def hook_log(self) -> list[dict[str, Any]]:
        """The DNS hook's calls so far (``dns_hook_log`` of the state)."""
        with self.store.lock:
            return [dict(entry) for entry in self.store.dns_hook_log]


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def load_config(path: str | None) -> dict[str, Any]:
    """The JSON config file (none: no zones, no tokens)."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    if not isinstance(config, dict):
        raise ValueError(f"{path}: the config must be a JSON object")
    return config


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="A local stand-in for the Cloudflare DNS API v4.")
    parser.add_argument("--listen", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8787, help="port (default 8787; 0 = any free port)")
    parser.add_argument("--config", help="JSON config: zones, tokens, reject_mixed_proxied, max_per_page, dns_hook")
    parser.add_argument("--state-file", help="keep zones and records in this JSON file across restarts")
    parser.add_argument(
        "--dns-hook",
        metavar="URL",
        help="challtestsrv management URL to mirror A/AAAA/ACME TXT records to (overrides the config's dns_hook)",
    )
    parser.add_argument("--print-ready", action="store_true", help="print 'READY <base_url>' once listening")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the stand-in until SIGINT or SIGTERM."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(message)s")
    try:
        overrides: dict[str, Any] = {"dns_hook": args.dns_hook} if args.dns_hook else {}
        standin = StandIn.from_config(
            load_config(args.config),
            host=args.listen,
            port=args.port,
            state_file=args.state_file,
            hook_wait=HOOK_WAIT,
            **overrides,
        )
        standin.start()
    except (OSError, ValueError) as exc:
        print(f"cloudflare stand-in: {exc}", file=sys.stderr)
        return 2
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    if args.print_ready:
        print(f"READY {standin.base_url}", flush=True)
    LOG.info("Cloudflare stand-in at %s", standin.base_url)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
