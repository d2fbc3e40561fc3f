# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS record sets: normalisation and planning, pure functions (no API, no AnsibleModule).

The records listed for one name and type are the desired set for that name and type:
- a desired record whose content exists is kept (its given fields are patched if they differ);
- a desired record with new content takes over an existing record of the set that nobody
  wants any more (updated in place: same id), else it is created;
- existing records of the set that are left over are deleted.
A field that is not given (ttl, proxied, comment, tags) is left as it is on an existing record.
``state=absent`` deletes the listed contents, or the whole name and type when no content is given.
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

PROXIABLE = ("A", "AAAA", "CNAME")
HOSTNAME_CONTENT = ("CNAME", "NS", "MX", "PTR")


class DnsPlanError(RelaykitError):
    """Bad input or a conflict found before any write."""


def normalize_name(name: str, zone: str | None) -> str:
    value = str(name).strip().lower().rstrip(".")
    if value == "@" and not zone:
        raise DnsPlanError("records: the name '@' (the zone apex) needs the zone's name in zone")
    if zone:
        zone = zone.strip().lower().rstrip(".")
        if value in ("@", ""):
            return zone
        if value != zone and not value.endswith("." + zone):
            value = f"{value}.{zone}"
    if not value:
        raise DnsPlanError("records: a record needs a name")
    return value


def unquote_txt(content: str) -> str:
    """TXT content as Cloudflare stores it is quoted; compare it unquoted."""
    value = content.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def normalize_content(rtype: str, content: Any, where: str) -> str:
    value = str(content).strip()
    if rtype in ("A", "AAAA"):
        family = "IPv4" if rtype == "A" else "IPv6"
        try:
            address = ipaddress.ip_address(value) if "%" not in value else None
        except ValueError:
            address = None
        if address is None or (address.version == 4) != (rtype == "A"):
            raise DnsPlanError(f"{where}: content must be an {family} address, got {value!r}")
        return str(address)
    if rtype == "TXT":
        return unquote_txt(value)
    if rtype in HOSTNAME_CONTENT:
        return value.lower().rstrip(".")
    return value


def normalize_ttl(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().lower() in ("auto", "automatic"):
        return 1
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.5  # not a whole number: rejected below
    if number != int(number) or isinstance(value, bool):
        raise DnsPlanError(f"{where}: ttl must be 1 (automatic) or 30..86400 seconds, got {value!r}")
    ttl = int(number)
    if ttl != 1 and not 30 <= ttl <= 86400:
        raise DnsPlanError(f"{where}: ttl must be 1 (automatic) or 30..86400 seconds, got {value!r}")
    return ttl


@dataclass(frozen=True)
class Wanted:
    name: str
    type: str
    content: str | None
    fields: tuple[tuple[str, Any], ...] = ()  # only the optional fields that were given

    @property
    def given(self) -> dict[str, Any]:
        return dict(self.fields)


def normalize_wanted(records: list[dict[str, Any]], zone: str | None, state: str) -> list[Wanted]:
    wanted: list[Wanted] = []
    for index, record in enumerate(records):
        where = f"records[{index}]"
        if not isinstance(record, dict):
            raise DnsPlanError(f"{where}: must be a mapping with name, type and content")
        rtype = str(record.get("type") or "").strip().upper()
        if not rtype:
            raise DnsPlanError(f"{where}: type is missing (A, AAAA, CNAME, TXT, ...)")
        name = normalize_name(record.get("name") or "", zone)
        where = f"{where} ({name} {rtype})"
        content = record.get("content")
        if content in (None, ""):
            if state == "present":
                raise DnsPlanError(f"{where}: content is required with state=present")
            content_value = None
        else:
            content_value = normalize_content(rtype, content, where)
        given: dict[str, Any] = {}
        if record.get("ttl") is not None:
            given["ttl"] = normalize_ttl(record["ttl"], where)
        if record.get("proxied") is not None:
            if rtype not in PROXIABLE and record["proxied"]:
                raise DnsPlanError(f"{where}: only A, AAAA and CNAME records can be proxied")
            given["proxied"] = bool(record["proxied"])
        if record.get("comment") is not None:
            given["comment"] = str(record["comment"])
        if record.get("tags") is not None:
            given["tags"] = sorted(str(tag) for tag in record["tags"])
        if record.get("priority") is not None:
            given["priority"] = int(record["priority"])
        wanted.append(Wanted(name, rtype, content_value, tuple(sorted(given.items()))))
    seen: set[tuple[str, str, str | None]] = set()
    for item in wanted:
        key = (item.name, item.type, item.content)
        if key in seen:
            raise DnsPlanError(f"records: {item.name} {item.type} {item.content} is listed twice")
        seen.add(key)
    return wanted


def existing_view(record: dict[str, Any]) -> dict[str, Any]:
    """A record from the API, normalised for comparison (and for output)."""
    rtype = str(record.get("type", "")).upper()
    content = str(record.get("content", ""))
    with contextlib.suppress(DnsPlanError):  # a record the API holds is compared as it is
        content = normalize_content(rtype, content, "existing record")
    return {
        "id": record.get("id"),
        "name": str(record.get("name", "")).lower().rstrip("."),
        "type": rtype,
        "content": content,
        "ttl": int(float(record.get("ttl") or 1)),
        "proxied": bool(record.get("proxied", False)),
        "comment": record.get("comment"),
        "tags": sorted(record.get("tags") or []),
        "priority": record.get("priority"),
    }


@dataclass
class Plan:
    creates: list[dict[str, Any]] = field(default_factory=list)
    patches: list[dict[str, Any]] = field(default_factory=list)  # {"id": ..., fields to change}
    deletes: list[dict[str, Any]] = field(default_factory=list)  # the existing records
    before: list[dict[str, Any]] = field(default_factory=list)
    after: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.creates or self.patches or self.deletes)


def changed_fields(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in given.items() if current.get(key) != value}


def plan(wanted: list[Wanted], existing: list[dict[str, Any]], state: str, check_proxied: bool = True) -> Plan:
    """What to create, patch and delete so that every listed name and type holds exactly the wanted set.

    ``check_proxied``: refuse a plan that leaves a name with proxied and DNS-only A/AAAA records (Cloudflare
    refuses it); the DDNS job leaves that answer to Cloudflare, as it changes only the AAAA records."""
    current = [existing_view(record) for record in existing]
    result = Plan()
    groups: dict[tuple[str, str], list[Wanted]] = {}
    for item in wanted:
        groups.setdefault((item.name, item.type), []).append(item)
    if state == "present":
        check_wanted_conflicts(groups)
    for (name, rtype), items in groups.items():
        have = [record for record in current if record["name"] == name and record["type"] == rtype]
        result.before += have
        if state == "absent":
            contents = {item.content for item in items}
            doomed = have if None in contents else [r for r in have if r["content"] in contents]
            result.deletes += doomed
            result.after += [r for r in have if r not in doomed]
            continue
        check_conflicts(name, rtype, items, current)
        free = [record for record in have if record["content"] not in {item.content for item in items}]
        for item in items:
            match = next((record for record in have if record["content"] == item.content), None)
            if match is not None:
                delta = changed_fields(match, item.given)
                if delta:
                    result.patches.append({"id": match["id"], **delta})
                result.after.append({**match, **delta})
            elif free:
                reused = free.pop(0)
                delta = {"content": item.content, **changed_fields(reused, item.given)}
                result.patches.append({"id": reused["id"], **delta})
                result.after.append({**reused, **delta})
            else:
                created = {"name": name, "type": rtype, "content": item.content, "ttl": 1, **item.given}
                result.creates.append(created)
                result.after.append(
                    {"id": None, "proxied": False, "comment": None, "tags": [], "priority": None, **created}
                )
        result.deletes += free
    if check_proxied:
        check_proxied_mix(result.after, current, result.deletes)
    return result


def check_wanted_conflicts(groups: dict[tuple[str, str], list[Wanted]]) -> None:
    """A CNAME cannot share its name with any other record, nor come twice: also among the listed records."""
    types_by_name: dict[str, set[str]] = {}
    for (name, rtype), items in groups.items():
        types_by_name.setdefault(name, set()).add(rtype)
        if rtype == "CNAME" and len(items) > 1:
            raise DnsPlanError(f"conflicting record: {name} can have only one CNAME, {len(items)} are listed")
    for name, types in types_by_name.items():
        if "CNAME" in types and len(types) > 1:
            others = ", ".join(sorted(types - {"CNAME"}))
            raise DnsPlanError(
                f"conflicting record: {name} is listed as a CNAME and as {others}; a CNAME cannot share its name"
            )


def check_conflicts(name: str, rtype: str, items: list[Wanted], current: list[dict[str, Any]]) -> None:
    others = [r for r in current if r["name"] == name and r["type"] != rtype]
    if rtype == "CNAME" and others:
        kinds = ", ".join(sorted({r["type"] for r in others}))
        raise DnsPlanError(
            f"conflicting record: {name} already has {kinds} record(s), and a CNAME cannot share its name; "
            "remove them or list them here with state=absent"
        )
    cnames = [r for r in others if r["type"] == "CNAME"]
    if cnames:
        raise DnsPlanError(
            f"conflicting record: {name} is a CNAME (to {cnames[0]['content']}), so it cannot have {rtype} records; "
            "remove the CNAME first or list it here with state=absent"
        )


def check_proxied_mix(
    after: list[dict[str, Any]], current: list[dict[str, Any]], deleted: list[dict[str, Any]]
) -> None:
    """Cloudflare refuses a name whose A/AAAA records are partly proxied and partly DNS-only."""
    deleted_ids = {record["id"] for record in deleted}
    planned_ids = {record["id"] for record in after if record.get("id")}
    untouched = [
        r for r in current if r["type"] in ("A", "AAAA") and r["id"] not in deleted_ids and r["id"] not in planned_ids
    ]
    by_name: dict[str, set[bool]] = {}
    for record in [*after, *untouched]:
        if record["type"] in ("A", "AAAA"):
            by_name.setdefault(record["name"], set()).add(bool(record.get("proxied")))
    mixed = sorted(name for name, values in by_name.items() if len(values) > 1)
    if mixed:
        raise DnsPlanError(
            f"proxied: {', '.join(mixed)} would have both proxied and DNS-only A/AAAA records, which Cloudflare "
            "refuses; give every A and AAAA record of a name the same proxied value"
        )
