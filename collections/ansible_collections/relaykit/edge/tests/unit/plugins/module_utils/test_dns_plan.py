# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the Cloudflare DNS record-set planner (normalisation, plan, conflicts, proxied mix).

Existing records are built the way the Cloudflare API returns them (ttl as a float, TXT content
quoted, comment None, tags a list), so the tests also prove that comparisons survive that shape.
"""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._dns_plan import (
    DnsPlanError,
    Plan,
    Wanted,
    check_proxied_mix,
    existing_view,
    normalize_content,
    normalize_name,
    normalize_ttl,
    normalize_wanted,
    plan,
    unquote_txt,
)
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

ZONE = "example.com"
PANEL = "panel.example.com"
TTL_RANGE = "30..86400"


def api_record(
    record_id: str,
    name: str,
    rtype: str,
    content: str,
    ttl: float = 300.0,
    proxied: bool = False,
    comment: str | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """A record shaped like the Cloudflare API returns it."""
    return {
        "id": record_id,
        "name": name,
        "type": rtype,
        "content": content,
        "ttl": ttl,
        "proxied": proxied,
        "comment": comment,
        "tags": [] if tags is None else tags,
    }


def make_plan(records: list[dict[str, Any]], existing: list[dict[str, Any]], state: str = "present") -> Plan:
    return plan(normalize_wanted(records, ZONE, state), existing, state)


def by_content(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["name"], r["type"], r["content"]))


def ids(records: list[dict[str, Any]]) -> list[str]:
    return sorted(r["id"] for r in records)


# --------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Panel.Example.COM.", PANEL),
        ("panel.example.com", PANEL),
        ("panel", PANEL),
        ("PANEL", PANEL),
        ("www.panel", "www.panel.example.com"),
        ("@", ZONE),
        ("example.com", ZONE),
        ("Example.COM.", ZONE),
        ("  panel  ", PANEL),
    ],
)
def test_normalize_name_with_zone(name: str, expected: str) -> None:
    assert normalize_name(name, ZONE) == expected


def test_normalize_name_zone_itself_is_normalised() -> None:
    assert normalize_name("panel", "Example.COM.") == PANEL
    assert normalize_name("@", "Example.COM.") == ZONE


def test_normalize_name_without_zone_only_lowercases_and_strips_the_dot() -> None:
    assert normalize_name("Panel.Example.COM.", None) == PANEL
    assert normalize_name("panel", None) == "panel"


def test_normalize_name_empty_without_zone_is_rejected() -> None:
    with pytest.raises(DnsPlanError, match="needs a name"):
        normalize_name("  ", None)


def test_dns_plan_error_is_a_relaykit_error() -> None:
    assert issubclass(DnsPlanError, RelaykitError)


# --------------------------------------------------------------------------------------------- content


@pytest.mark.parametrize(
    ("rtype", "content", "expected"),
    [
        ("AAAA", "2001:DB8:0:0::10", "2001:db8::10"),
        ("AAAA", "2001:0db8:0000:0000:0000:0000:0000:0010", "2001:db8::10"),
        ("A", " 203.0.113.10 ", "203.0.113.10"),
        ("CNAME", "Target.Example.NET.", "target.example.net"),
        ("TXT", '"hello"', "hello"),
        ("TXT", "hello", "hello"),
        ("TXT", '"v=spf1 -all"', "v=spf1 -all"),
    ],
)
def test_normalize_content_canonical_forms(rtype: str, content: str, expected: str) -> None:
    assert normalize_content(rtype, content, "records[0]") == expected


def test_normalize_content_txt_is_not_lowercased() -> None:
    assert normalize_content("TXT", "Hello World", "records[0]") == "Hello World"


@pytest.mark.parametrize(
    ("content", "expected"),
    [('"hello"', "hello"), ("hello", "hello"), ('"', '"'), ('""', ""), ('  "x"  ', "x"), ('"a" "b"', 'a" "b')],
)
def test_unquote_txt(content: str, expected: str) -> None:
    assert unquote_txt(content) == expected


@pytest.mark.parametrize(
    ("rtype", "content", "family"),
    [("A", "2001:db8::10", "IPv4"), ("AAAA", "203.0.113.10", "IPv6"), ("A", "panel.example.net", "IPv4")],
)
def test_wrong_address_family_is_rejected_naming_the_record(rtype: str, content: str, family: str) -> None:
    records = [
        {"name": "other", "type": "A", "content": "203.0.113.1"},
        {"name": "panel", "type": rtype, "content": content},
    ]
    with pytest.raises(DnsPlanError) as info:
        normalize_wanted(records, ZONE, "present")
    message = str(info.value)
    assert f"records[1] ({PANEL} {rtype})" in message
    assert family in message
    assert content in message


# --------------------------------------------------------------------------------------------- ttl


@pytest.mark.parametrize(
    ("value", "expected"),
    [("auto", 1), ("Automatic", 1), (" AUTO ", 1), (1, 1), (300.0, 300), ("300", 300), (30, 30), (86400, 86400)],
)
def test_normalize_ttl_accepts(value: Any, expected: int) -> None:
    result = normalize_ttl(value, "records[0]")
    assert result == expected
    assert isinstance(result, int) and not isinstance(result, bool)


@pytest.mark.parametrize("value", [29, 86401, 0, 2, -1, "soon", None])
def test_normalize_ttl_rejects_naming_ttl_and_range(value: Any) -> None:
    with pytest.raises(DnsPlanError) as info:
        normalize_ttl(value, f"records[1] ({PANEL} A)")
    message = str(info.value)
    assert f"records[1] ({PANEL} A)" in message
    assert "ttl" in message
    assert TTL_RANGE in message
    assert "1 (automatic)" in message


def test_bad_ttl_in_records_names_the_record() -> None:
    records = [
        {"name": "other", "type": "A", "content": "203.0.113.1"},
        {"name": "panel", "type": "A", "content": "203.0.113.10", "ttl": 86401},
    ]
    with pytest.raises(DnsPlanError, match=r"records\[1\] \(panel\.example\.com A\): ttl must be .*30\.\.86400"):
        normalize_wanted(records, ZONE, "present")


# --------------------------------------------------------------------------------------------- normalize_wanted


def test_normalize_wanted_builds_wanted_records() -> None:
    records = [
        {"name": "Panel", "type": "aaaa", "content": "2001:DB8:0:0::10", "ttl": "auto", "proxied": True},
        {"name": "@", "type": "txt", "content": '"hello"', "comment": "why", "tags": ["b:2", "a:1"]},
    ]
    assert normalize_wanted(records, ZONE, "present") == [
        Wanted(PANEL, "AAAA", "2001:db8::10", (("proxied", True), ("ttl", 1))),
        Wanted(ZONE, "TXT", "hello", (("comment", "why"), ("tags", ["a:1", "b:2"]))),
    ]


def test_normalize_wanted_only_given_fields_are_kept() -> None:
    (item,) = normalize_wanted([{"name": "panel", "type": "A", "content": "203.0.113.10"}], ZONE, "present")
    assert item.given == {}
    (item,) = normalize_wanted(
        [{"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": False, "comment": ""}], ZONE, "present"
    )
    assert item.given == {"proxied": False, "comment": ""}


def test_tags_are_sorted() -> None:
    (item,) = normalize_wanted(
        [{"name": "panel", "type": "A", "content": "203.0.113.10", "tags": ["zeta", "alpha", "mid"]}], ZONE, "present"
    )
    assert item.given["tags"] == ["alpha", "mid", "zeta"]


def test_proxied_txt_is_rejected() -> None:
    records = [
        {"name": "other", "type": "A", "content": "203.0.113.1"},
        {"name": "panel", "type": "TXT", "content": "hello", "proxied": True},
    ]
    with pytest.raises(DnsPlanError) as info:
        normalize_wanted(records, ZONE, "present")
    message = str(info.value)
    assert f"records[1] ({PANEL} TXT)" in message
    assert "proxied" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"name": "panel", "content": "2001:db8::10"}, {"name": "PANEL.example.com.", "content": "2001:DB8:0:0::10"}),
        ({"name": "@", "content": "2001:db8::1"}, {"name": "example.com", "content": "2001:db8::1"}),
    ],
)
def test_duplicate_records_are_rejected(first: dict[str, str], second: dict[str, str]) -> None:
    records = [{"type": "AAAA", **first}, {"type": "aaaa", **second}]
    with pytest.raises(DnsPlanError, match="listed twice"):
        normalize_wanted(records, ZONE, "present")


def test_same_content_of_other_name_or_type_is_not_a_duplicate() -> None:
    records = [
        {"name": "panel", "type": "TXT", "content": "hello"},
        {"name": "www", "type": "TXT", "content": "hello"},
        {"name": "panel", "type": "SPF", "content": "hello"},
    ]
    assert len(normalize_wanted(records, ZONE, "present")) == 3


@pytest.mark.parametrize("content", [None, ""])
def test_content_is_required_with_state_present(content: str | None) -> None:
    records = [
        {"name": "other", "type": "A", "content": "203.0.113.1"},
        {"name": "panel", "type": "A", "content": content},
    ]
    with pytest.raises(DnsPlanError) as info:
        normalize_wanted(records, ZONE, "present")
    message = str(info.value)
    assert f"records[1] ({PANEL} A)" in message
    assert "content is required" in message


def test_content_is_optional_with_state_absent() -> None:
    assert normalize_wanted([{"name": "panel", "type": "TXT"}], ZONE, "absent") == [Wanted(PANEL, "TXT", None)]


def test_missing_type_is_rejected() -> None:
    records = [{"name": "other", "type": "A", "content": "203.0.113.1"}, {"name": "panel", "content": "x"}]
    with pytest.raises(DnsPlanError, match=r"records\[1\]: type is missing"):
        normalize_wanted(records, ZONE, "present")


def test_record_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(DnsPlanError, match=r"records\[0\]: must be a mapping"):
        normalize_wanted(["panel A 203.0.113.10"], ZONE, "present")  # type: ignore[list-item]


# --------------------------------------------------------------------------------------------- existing_view


def test_existing_view_normalises_api_records() -> None:
    view = existing_view(
        api_record("r1", "Panel.Example.COM.", "aaaa", "2001:DB8:0:0::10", ttl=300.0, tags=["b", "a"], comment="c")
    )
    assert view == {
        "id": "r1",
        "name": PANEL,
        "type": "AAAA",
        "content": "2001:db8::10",
        "ttl": 300,
        "proxied": False,
        "comment": "c",
        "tags": ["a", "b"],
        "priority": None,
    }
    assert isinstance(view["ttl"], int) and not isinstance(view["ttl"], bool)


def test_existing_view_unquotes_txt_and_defaults() -> None:
    view = existing_view({"id": "t1", "name": "PANEL.example.com", "type": "TXT", "content": '"hello"'})
    assert view["content"] == "hello"
    assert view["name"] == PANEL
    assert view["ttl"] == 1
    assert view["proxied"] is False
    assert view["tags"] == []


def test_existing_view_keeps_content_it_cannot_normalise() -> None:
    view = existing_view(api_record("r1", PANEL, "A", "not-an-address"))
    assert view["content"] == "not-an-address"


# --------------------------------------------------------------------------------------------- plan: present


def test_new_name_is_created() -> None:
    result = make_plan(
        [{"name": "panel", "type": "A", "content": "203.0.113.10"}],
        [api_record("o1", "other.example.com", "A", "203.0.113.99")],
    )
    assert result.creates == [{"name": PANEL, "type": "A", "content": "203.0.113.10", "ttl": 1}]
    assert result.patches == []
    assert result.deletes == []
    assert result.changed is True
    assert result.before == []
    assert result.after == [
        {
            "id": None,
            "name": PANEL,
            "type": "A",
            "content": "203.0.113.10",
            "ttl": 1,
            "proxied": False,
            "comment": None,
            "tags": [],
            "priority": None,
        }
    ]


def test_new_record_carries_given_fields() -> None:
    result = make_plan(
        [
            {
                "name": "panel",
                "type": "AAAA",
                "content": "2001:DB8::10",
                "ttl": 300,
                "comment": "nas",
                "tags": ["b", "a"],
            }
        ],
        [],
    )
    assert result.creates == [
        {"name": PANEL, "type": "AAAA", "content": "2001:db8::10", "ttl": 300, "comment": "nas", "tags": ["a", "b"]}
    ]


def test_unspecified_fields_are_preserved() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10", ttl=3600.0, proxied=True, comment="keep", tags=["x:1"])]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10"}], existing)
    assert result.changed is False
    assert result.creates == []
    assert result.patches == []
    assert result.deletes == []
    assert result.before == [existing_view(existing[0])]
    assert result.after == [existing_view(existing[0])]


def test_given_fields_equal_after_normalisation_change_nothing() -> None:
    existing = [api_record("r1", PANEL, "AAAA", "2001:db8::10", ttl=300.0, proxied=True, comment="c", tags=["b", "a"])]
    result = make_plan(
        [
            {
                "name": "PANEL.example.com.",
                "type": "AAAA",
                "content": "2001:DB8:0:0::10",
                "ttl": 300,
                "proxied": True,
                "comment": "c",
                "tags": ["a", "b"],
            }
        ],
        existing,
    )
    assert result.changed is False


def test_different_ttl_patches_only_ttl() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10", ttl=300.0, proxied=False, comment="c")]
    result = make_plan(
        [{"name": "panel", "type": "A", "content": "203.0.113.10", "ttl": 600, "proxied": False}], existing
    )
    assert result.patches == [{"id": "r1", "ttl": 600}]
    assert result.creates == []
    assert result.deletes == []
    assert result.after == [{**existing_view(existing[0]), "ttl": 600}]


def test_changed_address_is_updated_in_place() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10", ttl=300.0)]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.20"}], existing)
    assert result.patches == [{"id": "r1", "content": "203.0.113.20"}]
    assert result.creates == []
    assert result.deletes == []
    assert result.before == [existing_view(existing[0])]
    assert result.after == [{**existing_view(existing[0]), "content": "203.0.113.20"}]


def test_in_place_update_also_patches_given_fields_that_differ() -> None:
    existing = [api_record("r1", PANEL, "AAAA", "2001:db8::10", ttl=300.0, comment="same")]
    result = make_plan(
        [{"name": "panel", "type": "AAAA", "content": "2001:db8::20", "ttl": 120, "comment": "same"}], existing
    )
    assert result.patches == [{"id": "r1", "content": "2001:db8::20", "ttl": 120}]
    assert result.creates == []
    assert result.deletes == []


def test_two_existing_one_wanted_matching_keeps_it_and_deletes_the_other() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10"), api_record("r2", PANEL, "A", "203.0.113.11")]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.11"}], existing)
    assert result.creates == []
    assert result.patches == []
    assert ids(result.deletes) == ["r1"]
    assert [r["id"] for r in result.after] == ["r2"]


def test_two_existing_one_wanted_new_updates_one_and_deletes_the_other() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10"), api_record("r2", PANEL, "A", "203.0.113.11")]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.12"}], existing)
    assert result.creates == []
    assert len(result.patches) == 1
    (patch,) = result.patches
    assert patch["content"] == "203.0.113.12"
    assert set(patch) == {"id", "content"}
    assert len(result.deletes) == 1
    assert {patch["id"], result.deletes[0]["id"]} == {"r1", "r2"}
    assert [(r["id"], r["content"]) for r in result.after] == [(patch["id"], "203.0.113.12")]


def test_two_wanted_one_existing_new_content_patches_one_and_creates_one() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.10")]
    result = make_plan(
        [
            {"name": "panel", "type": "A", "content": "203.0.113.20"},
            {"name": "panel", "type": "A", "content": "203.0.113.21"},
        ],
        existing,
    )
    assert result.deletes == []
    assert len(result.patches) == 1
    assert result.patches[0]["id"] == "r1"
    assert len(result.creates) == 1
    assert {result.patches[0]["content"], result.creates[0]["content"]} == {"203.0.113.20", "203.0.113.21"}
    assert sorted(r["content"] for r in result.after) == ["203.0.113.20", "203.0.113.21"]


def test_two_wanted_one_existing_matching_keeps_it_and_creates_one() -> None:
    existing = [api_record("r1", PANEL, "A", "203.0.113.21")]
    result = make_plan(
        [
            {"name": "panel", "type": "A", "content": "203.0.113.20"},
            {"name": "panel", "type": "A", "content": "203.0.113.21"},
        ],
        existing,
    )
    assert result.deletes == []
    assert result.patches == []
    assert result.creates == [{"name": PANEL, "type": "A", "content": "203.0.113.20", "ttl": 1}]
    assert sorted((r["id"] or "", r["content"]) for r in result.after) == [("", "203.0.113.20"), ("r1", "203.0.113.21")]


def test_records_of_other_names_and_types_are_never_touched() -> None:
    existing = [
        api_record("a1", PANEL, "A", "203.0.113.10"),
        api_record("x1", PANEL, "AAAA", "2001:db8::10"),
        api_record("t1", PANEL, "TXT", '"hello"'),
        api_record("m1", PANEL, "MX", "mail.example.com"),
        api_record("o1", "other.example.com", "A", "203.0.113.10"),
        api_record("p1", "www.panel.example.com", "A", "203.0.113.10"),
    ]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.20"}], existing)
    assert result.patches == [{"id": "a1", "content": "203.0.113.20"}]
    assert result.creates == []
    assert result.deletes == []
    assert [r["id"] for r in result.before] == ["a1"]
    assert [r["id"] for r in result.after] == ["a1"]


def test_unlisted_records_of_other_types_are_not_deleted_even_with_new_content() -> None:
    existing = [api_record("x1", PANEL, "AAAA", "2001:db8::10"), api_record("t1", PANEL, "TXT", '"old"')]
    result = make_plan([{"name": "panel", "type": "TXT", "content": "new"}], existing)
    assert result.patches == [{"id": "t1", "content": "new"}]
    assert result.deletes == []


def test_txt_unquoted_matches_quoted_existing() -> None:
    existing = [api_record("t1", PANEL, "TXT", '"hello"')]
    assert make_plan([{"name": "panel", "type": "TXT", "content": "hello"}], existing).changed is False
    assert make_plan([{"name": "panel", "type": "TXT", "content": '"hello"'}], existing).changed is False


def test_cname_target_compared_normalised() -> None:
    existing = [api_record("c1", PANEL, "CNAME", "target.example.net")]
    result = make_plan([{"name": "panel", "type": "CNAME", "content": "Target.Example.NET."}], existing)
    assert result.changed is False


def test_changed_cname_target_is_updated_in_place() -> None:
    existing = [api_record("c1", PANEL, "CNAME", "old.example.net")]
    result = make_plan([{"name": "panel", "type": "CNAME", "content": "new.example.net"}], existing)
    assert result.patches == [{"id": "c1", "content": "new.example.net"}]
    assert result.creates == []
    assert result.deletes == []


def test_plan_is_idempotent_against_its_own_after() -> None:
    existing = [
        api_record("r1", PANEL, "A", "203.0.113.10"),
        api_record("r2", PANEL, "A", "203.0.113.11"),
        api_record("x1", PANEL, "AAAA", "2001:db8::10"),
    ]
    records = [
        {"name": "panel", "type": "A", "content": "203.0.113.12", "ttl": 120},
        {"name": "panel", "type": "AAAA", "content": "2001:db8::10"},
        {"name": "panel", "type": "AAAA", "content": "2001:db8::11", "comment": "new"},
    ]
    first = make_plan(records, existing)
    assert first.changed is True
    applied = [{**r, "id": r["id"] or f"new{index}"} for index, r in enumerate(first.after)]
    second = make_plan(records, applied)
    assert second.changed is False
    assert by_content(second.after) == by_content(applied)


# --------------------------------------------------------------------------------------------- plan: absent


def test_absent_with_content_deletes_only_that_record() -> None:
    existing = [
        api_record("x1", PANEL, "AAAA", "2001:db8::10"),
        api_record("x2", PANEL, "AAAA", "2001:db8::11"),
        api_record("a1", PANEL, "A", "203.0.113.10"),
    ]
    result = make_plan([{"name": "panel", "type": "AAAA", "content": "2001:DB8:0:0::10"}], existing, "absent")
    assert ids(result.deletes) == ["x1"]
    assert result.creates == []
    assert result.patches == []
    assert ids(result.before) == ["x1", "x2"]
    assert ids(result.after) == ["x2"]


def test_absent_without_content_deletes_the_whole_name_and_type() -> None:
    existing = [
        api_record("t1", PANEL, "TXT", '"one"'),
        api_record("t2", PANEL, "TXT", '"two"'),
        api_record("a1", PANEL, "A", "203.0.113.10"),
        api_record("t3", "other.example.com", "TXT", '"one"'),
    ]
    result = make_plan([{"name": "panel", "type": "TXT"}], existing, "absent")
    assert ids(result.deletes) == ["t1", "t2"]
    assert result.creates == []
    assert result.patches == []
    assert ids(result.before) == ["t1", "t2"]
    assert result.after == []
    assert result.changed is True


def test_absent_txt_matches_quoted_existing() -> None:
    existing = [api_record("t1", PANEL, "TXT", '"one"'), api_record("t2", PANEL, "TXT", '"two"')]
    result = make_plan([{"name": "panel", "type": "TXT", "content": "two"}], existing, "absent")
    assert ids(result.deletes) == ["t2"]


@pytest.mark.parametrize(
    "record",
    [
        {"name": "panel", "type": "A", "content": "203.0.113.99"},
        {"name": "panel", "type": "TXT"},
        {"name": "missing", "type": "A"},
    ],
)
def test_absent_of_something_missing_changes_nothing(record: dict[str, Any]) -> None:
    existing = [api_record("a1", PANEL, "A", "203.0.113.10")]
    result = make_plan([record], existing, "absent")
    assert result.changed is False
    assert result.deletes == []


# --------------------------------------------------------------------------------------------- conflicts


def test_a_on_a_name_with_a_cname_is_a_conflict() -> None:
    existing = [api_record("c1", PANEL, "CNAME", "target.example.net")]
    with pytest.raises(DnsPlanError) as info:
        make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10"}], existing)
    message = str(info.value)
    assert "conflicting record" in message
    assert PANEL in message
    assert "CNAME" in message


def test_cname_on_a_name_with_a_records_is_a_conflict() -> None:
    existing = [api_record("a1", PANEL, "A", "203.0.113.10"), api_record("x1", PANEL, "AAAA", "2001:db8::10")]
    with pytest.raises(DnsPlanError) as info:
        make_plan([{"name": "panel", "type": "CNAME", "content": "target.example.net"}], existing)
    message = str(info.value)
    assert "conflicting record" in message
    assert PANEL in message
    assert "A, AAAA" in message


def test_two_cnames_for_one_name_are_a_conflict() -> None:
    records = [
        {"name": "panel", "type": "CNAME", "content": "one.example.net"},
        {"name": "panel", "type": "CNAME", "content": "two.example.net"},
    ]
    with pytest.raises(DnsPlanError) as info:
        make_plan(records, [])
    message = str(info.value)
    assert PANEL in message
    assert "conflicting record" in message


def test_cname_and_a_listed_together_for_one_name_are_a_conflict() -> None:
    """The module documents that a CNAME on a name that should get A/AAAA records is found before any write."""
    records = [
        {"name": "panel", "type": "CNAME", "content": "target.example.net"},
        {"name": "panel", "type": "A", "content": "203.0.113.10"},
    ]
    with pytest.raises(DnsPlanError) as info:
        make_plan(records, [])
    message = str(info.value)
    assert "conflicting record" in message
    assert PANEL in message


def test_cname_of_another_name_is_no_conflict() -> None:
    existing = [api_record("c1", "www.example.com", "CNAME", PANEL)]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10"}], existing)
    assert len(result.creates) == 1


# --------------------------------------------------------------------------------------------- proxied mix


def test_wanted_proxied_mix_of_a_and_aaaa_is_rejected() -> None:
    records = [
        {"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True},
        {"name": "panel", "type": "AAAA", "content": "2001:db8::10", "proxied": False},
    ]
    with pytest.raises(DnsPlanError) as info:
        make_plan(records, [])
    message = str(info.value)
    assert "proxied" in message
    assert PANEL in message


def test_proxying_a_while_unmanaged_aaaa_stays_dns_only_is_rejected() -> None:
    existing = [
        api_record("a1", PANEL, "A", "203.0.113.10", proxied=False),
        api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False),
    ]
    with pytest.raises(DnsPlanError) as info:
        make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True}], existing)
    message = str(info.value)
    assert "proxied" in message
    assert PANEL in message


def test_new_proxied_a_next_to_dns_only_aaaa_is_rejected() -> None:
    existing = [api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False)]
    with pytest.raises(DnsPlanError, match="proxied"):
        make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True}], existing)


def test_proxying_a_and_aaaa_together_is_fine() -> None:
    existing = [
        api_record("a1", PANEL, "A", "203.0.113.10", proxied=False),
        api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False),
    ]
    result = make_plan(
        [
            {"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True},
            {"name": "panel", "type": "AAAA", "content": "2001:db8::10", "proxied": True},
        ],
        existing,
    )
    assert sorted(result.patches, key=lambda p: p["id"]) == [
        {"id": "a1", "proxied": True},
        {"id": "x1", "proxied": True},
    ]
    assert result.deletes == []


def test_deleting_the_dns_only_aaaa_while_proxying_the_a_is_fine() -> None:
    a_record = existing_view(api_record("a1", PANEL, "A", "203.0.113.10", proxied=False))
    aaaa_record = existing_view(api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False))
    check_proxied_mix([{**a_record, "proxied": True}], [a_record, aaaa_record], [aaaa_record])


def test_deleting_the_dns_only_aaaa_left_over_while_proxying_is_fine() -> None:
    existing = [
        api_record("a1", PANEL, "A", "203.0.113.10", proxied=False),
        api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False),
        api_record("x2", PANEL, "AAAA", "2001:db8::11", proxied=False),
    ]
    result = make_plan(
        [
            {"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True},
            {"name": "panel", "type": "AAAA", "content": "2001:db8::10", "proxied": True},
        ],
        existing,
    )
    assert ids(result.deletes) == ["x2"]


def test_check_proxied_mix_counts_untouched_records() -> None:
    a_record = existing_view(api_record("a1", PANEL, "A", "203.0.113.10", proxied=False))
    aaaa_record = existing_view(api_record("x1", PANEL, "AAAA", "2001:db8::10", proxied=False))
    with pytest.raises(DnsPlanError, match="proxied"):
        check_proxied_mix([{**a_record, "proxied": True}], [a_record, aaaa_record], [])


def test_different_names_may_differ_in_proxied() -> None:
    existing = [api_record("o1", "other.example.com", "A", "203.0.113.20", proxied=False)]
    result = make_plan([{"name": "panel", "type": "A", "content": "203.0.113.10", "proxied": True}], existing)
    assert result.creates == [{"name": PANEL, "type": "A", "content": "203.0.113.10", "ttl": 1, "proxied": True}]


def test_txt_next_to_proxied_a_is_no_mix() -> None:
    existing = [api_record("a1", PANEL, "A", "203.0.113.10", proxied=True)]
    result = make_plan([{"name": "panel", "type": "TXT", "content": "hello"}], existing)
    assert len(result.creates) == 1
