# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cloudflare API stand-in (tests/cloudflare_standin), driven by the official ``cloudflare`` SDK.

Every API test talks HTTP to a real server on 127.0.0.1 through ``Cloudflare(base_url=...)``,
exactly as a module would talk to api.cloudflare.com; the stand-in's request log shows what
went over the wire.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import cloudflare
import pytest
from cloudflare import Cloudflare

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) does not put the root on the path
    sys.path.insert(0, str(ROOT))

from tests.cloudflare_standin.server import StandIn  # noqa: E402

ZONES = ["example.com", "example.net"]
TOKENS: dict[str, dict[str, Any]] = {
    "edit-token": {"permissions": ["zone:read", "dns:read", "dns:edit"]},
    "read-token": {"permissions": ["zone:read", "dns:read"]},
    "dns-only-token": {"permissions": ["dns:edit"]},
    "scoped-token": {"permissions": ["zone:read", "dns:read", "dns:edit"], "zones": ["example.com"]},
}


@pytest.fixture(scope="module")
def server() -> Iterator[StandIn]:
    with StandIn(ZONES, TOKENS) as standin:
        yield standin


@pytest.fixture
def standin(server: StandIn) -> StandIn:
    server.set_dns_hook(None)  # first: a reset mirrors its deletions to the hook
    server.reset()
    return server


def make_client(standin: StandIn, token: str = "edit-token", retries: int = 0) -> Cloudflare:
    return Cloudflare(api_token=token, base_url=standin.base_url, max_retries=retries, timeout=10)


@pytest.fixture
def cf(standin: StandIn) -> Cloudflare:
    return make_client(standin)


@pytest.fixture
def zone_id(standin: StandIn) -> str:
    return standin.zone_id("example.com")


def codes(exc: cloudflare.APIStatusError) -> list[int]:
    assert isinstance(exc.body, dict)
    return [item["code"] for item in exc.body["errors"]]


def raw_request(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: Any = None) -> Any:
    """(status, headers, JSON body) of one request made without the SDK."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, json.loads(exc.read())


def add_a(cf: Cloudflare, zone_id: str, name: str, content: str, **extra: Any) -> Any:
    return cf.dns.records.create(zone_id=zone_id, type="A", name=name, content=content, ttl=300, **extra)


# ---------------------------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------------------------


def test_zone_lookup_by_name(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    page = cf.zones.list(name="EXAMPLE.com")
    assert [(zone.id, zone.name, zone.status) for zone in page.result] == [(zone_id, "example.com", "active")]
    assert cf.zones.list(name="nothing.example").result == []
    assert cf.zones.get(zone_id=zone_id).name == "example.com"
    assert standin.requests("/zones")[0]["query"] == {"name": "EXAMPLE.com"}
    assert len(zone_id) == 32 and int(zone_id, 16) >= 0


def test_token_zone_scope_hides_other_zones(standin: StandIn) -> None:
    scoped = make_client(standin, "scoped-token")
    assert [zone.name for zone in scoped.zones.list().result] == ["example.com"]
    assert scoped.zones.list(name="example.net").result == []
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        scoped.dns.records.list(zone_id=standin.zone_id("example.net")).result  # noqa: B018
    assert codes(caught.value) == [10000]


# ---------------------------------------------------------------------------------------------
# Records: create, get, update (PUT), edit (PATCH), delete
# ---------------------------------------------------------------------------------------------


def test_record_lifecycle(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    created = add_a(cf, zone_id, "www", "192.0.2.1", comment="web")
    assert (created.name, created.type, created.content, created.proxied) == (
        "www.example.com",
        "A",
        "192.0.2.1",
        False,
    )
    assert len(created.id) == 32 and created.proxiable is True and created.tags == []

    fetched = cf.dns.records.get(created.id, zone_id=zone_id)
    assert (fetched.id, fetched.comment) == (created.id, "web")

    updated = cf.dns.records.update(
        created.id, zone_id=zone_id, type="A", name="www.example.com", content="192.0.2.2", ttl=120
    )
    assert (updated.content, updated.ttl, updated.comment) == ("192.0.2.2", 120.0, None)  # PUT replaces everything
    assert updated.created_on == created.created_on and updated.modified_on > created.modified_on

    edited = cf.dns.records.edit(created.id, zone_id=zone_id, type="A", name="www", ttl=600, proxied=True)
    assert (edited.content, edited.proxied, edited.ttl) == ("192.0.2.2", True, 1.0)  # proxied: ttl automatic

    assert cf.dns.records.delete(created.id, zone_id=zone_id).id == created.id
    with pytest.raises(cloudflare.NotFoundError) as caught:
        cf.dns.records.get(created.id, zone_id=zone_id)
    assert codes(caught.value) == [81044]
    assert [entry["method"] for entry in standin.requests("/dns_records")] == [
        "POST",
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
        "GET",
    ]
    assert standin.records("example.com") == []


def test_filters_name_type_content(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    add_a(cf, zone_id, "www", "192.0.2.1")
    add_a(cf, zone_id, "www", "192.0.2.2")
    add_a(cf, zone_id, "api", "192.0.2.1")
    cf.dns.records.create(zone_id=zone_id, type="AAAA", name="www", content="2001:db8::1", ttl=1)
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="www", content="hello world", ttl=1)

    def names_contents(**filters: Any) -> list[tuple[str, str, str]]:
        return [(rec.type, rec.name, rec.content) for rec in cf.dns.records.list(zone_id=zone_id, **filters)]

    assert len(names_contents(name={"exact": "WWW.example.com."})) == 4
    assert names_contents(name={"exact": "www.example.com"}, type="A") == [
        ("A", "www.example.com", "192.0.2.1"),
        ("A", "www.example.com", "192.0.2.2"),
    ]
    assert [name for _, name, _ in names_contents(content={"exact": "192.0.2.1"})] == [
        "www.example.com",
        "api.example.com",
    ]
    assert names_contents(content={"exact": "hello world"}) == [("TXT", "www.example.com", '"hello world"')]
    assert len(names_contents(name={"endswith": "example.com"}, type="AAAA")) == 1
    assert len(names_contents(type="AAAA", content={"exact": "192.0.2.2"}, match="any")) == 2
    ordered = names_contents(order="content", direction="desc", type="A")
    assert [content for _, _, content in ordered] == ["192.0.2.2", "192.0.2.1", "192.0.2.1"]
    legacy = cf.dns.records.list(zone_id=zone_id, extra_query={"name": "api.example.com", "content": "192.0.2.1"})
    assert [rec.name for rec in legacy] == ["api.example.com"]

    sent = [entry["query"] for entry in standin.requests("/dns_records", "GET")]
    assert {k: v for k, v in sent[2].items() if k != "page"} == {"name.exact": "www.example.com", "type": "A"}
    assert sent[4] == {"content.exact": "192.0.2.1"}


def test_pagination_follows_until_an_empty_page(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    posts = [
        {"type": "A", "name": f"host{i:03d}", "content": f"198.51.100.{i % 250 + 1}", "ttl": 1} for i in range(300)
    ]
    cf.dns.records.batch(zone_id=zone_id, posts=posts)

    seen = [rec.name for rec in cf.dns.records.list(zone_id=zone_id, per_page=100)]

    assert len(seen) == 300 and len(set(seen)) == 300
    assert seen[0] == "host000.example.com" and seen[-1] == "host299.example.com"
    pages = [
        (e["query"].get("page"), e["query"]["per_page"], e["result_count"]) for e in standin.requests(method="GET")
    ]
    assert pages == [(None, "100", 100), ("2", "100", 100), ("3", "100", 100), ("4", "100", 0)]


def test_max_per_page_caps_the_page_size() -> None:
    with StandIn(ZONES, TOKENS, max_per_page=10) as standin:
        cf = make_client(standin)
        zone_id = standin.zone_id("example.com")
        cf.dns.records.batch(
            zone_id=zone_id, posts=[{"type": "A", "name": f"h{i}", "content": "192.0.2.1", "ttl": 1} for i in range(25)]
        )
        first = cf.dns.records.list(zone_id=zone_id, per_page=5000)
        assert len(first.result) == 10 and first.result_info is not None and first.result_info.per_page == 10
        assert len(list(cf.dns.records.list(zone_id=zone_id, per_page=5000))) == 25  # the pager follows the pages


def test_page_result_info(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    for i in range(7):
        add_a(cf, zone_id, f"h{i}", "192.0.2.1")
    status, _, body = raw_request(
        f"{standin.base_url}/zones/{zone_id}/dns_records?page=2&per_page=5",
        headers={"Authorization": "Bearer read-token"},
    )
    assert status == 200 and body["success"] is True and body["errors"] == []
    assert body["result_info"] == {"page": 2, "per_page": 5, "count": 2, "total_count": 7, "total_pages": 2}


# ---------------------------------------------------------------------------------------------
# What the real API does to values
# ---------------------------------------------------------------------------------------------


def test_ttl_comes_back_as_a_float(cf: Cloudflare, zone_id: str) -> None:
    created = add_a(cf, zone_id, "ttl", "192.0.2.1")
    raw = cf.dns.records.with_raw_response.get(created.id, zone_id=zone_id)
    wire = raw.http_response.json()["result"]["ttl"]
    assert wire == 300.0 and isinstance(wire, float)
    assert created.ttl == 300.0


def test_aaaa_content_is_canonical(cf: Cloudflare, zone_id: str) -> None:
    created = cf.dns.records.create(
        zone_id=zone_id, type="AAAA", name="v6", content="2001:0DB8:0000:0000:0000:0000:0000:0001", ttl=1
    )
    assert created.content == "2001:db8::1"
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.create(zone_id=zone_id, type="AAAA", name="v6", content="2001:db8:0::1", ttl=1)
    assert codes(caught.value) == [81058]
    assert [rec.id for rec in cf.dns.records.list(zone_id=zone_id, content={"exact": "2001:DB8::0:1"})] == [created.id]


def test_txt_content_is_stored_quoted(cf: Cloudflare, zone_id: str) -> None:
    plain = cf.dns.records.create(zone_id=zone_id, type="TXT", name="@", content="v=spf1 -all", ttl=1)
    quoted = cf.dns.records.create(zone_id=zone_id, type="TXT", name="q", content='"already quoted"', ttl=1)
    long = cf.dns.records.create(zone_id=zone_id, type="TXT", name="long", content="x" * 300, ttl=1)
    assert (plain.name, plain.content) == ("example.com", '"v=spf1 -all"')
    assert quoted.content == '"already quoted"'
    assert long.content == f'"{"x" * 255}" "{"x" * 45}"'
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.create(zone_id=zone_id, type="TXT", name="example.com", content="v=spf1 -all", ttl=1)
    assert codes(caught.value) == [81058]


# ---------------------------------------------------------------------------------------------
# Errors, each as the SDK's exception class with the real code
# ---------------------------------------------------------------------------------------------


def test_unknown_token_is_401(standin: StandIn) -> None:
    with pytest.raises(cloudflare.AuthenticationError) as caught:
        make_client(standin, "no-such-token").zones.list()
    assert caught.value.status_code == 401 and codes(caught.value) == [9109]


def test_missing_or_malformed_authorization_is_400(standin: StandIn) -> None:
    status, _, body = raw_request(standin.base_url + "/zones")
    assert status == 400 and body["errors"][0]["code"] == 6003
    assert body["errors"][0]["error_chain"][0]["code"] == 9106
    status, _, body = raw_request(standin.base_url + "/zones", headers={"Authorization": "Basic abc"})
    assert status == 400 and body["errors"][0]["error_chain"][0]["code"] == 6111


def test_missing_permission_is_403(standin: StandIn, zone_id: str) -> None:
    reader = make_client(standin, "read-token")
    assert list(reader.dns.records.list(zone_id=zone_id)) == []
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        reader.dns.records.create(zone_id=zone_id, type="A", name="x", content="192.0.2.1", ttl=1)
    assert codes(caught.value) == [10000]
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        make_client(standin, "dns-only-token").zones.list(name="example.com")
    assert codes(caught.value) == [0]  # what certbot-dns-cloudflare looks for:
    assert "requires permission 'com.cloudflare.api.account.zone.list'" in caught.value.body["errors"][0]["message"]
    assert make_client(standin, "dns-only-token").dns.records.list(zone_id=zone_id).result == []


def test_not_found_errors(cf: Cloudflare, zone_id: str) -> None:
    with pytest.raises(cloudflare.NotFoundError) as caught:
        cf.dns.records.list(zone_id="0" * 32).result  # noqa: B018
    assert codes(caught.value) == [7003, 7000]
    assert "/zones/" + "0" * 32 in caught.value.body["errors"][0]["message"]
    with pytest.raises(cloudflare.NotFoundError) as caught:
        cf.dns.records.update("f" * 32, zone_id=zone_id, type="A", name="x", content="192.0.2.1", ttl=1)
    assert codes(caught.value) == [81044]
    with pytest.raises(cloudflare.NotFoundError) as caught:
        cf.get("/no/such/route", cast_to=object)
    assert codes(caught.value) == [7000]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"type": "A", "content": "300.1.1.1"}, 9005),
        ({"type": "A", "content": "2001:db8::1"}, 9005),
        ({"type": "AAAA", "content": "192.0.2.1"}, 9006),
        ({"type": "CNAME", "content": "bad..name"}, 9007),
        ({"type": "A", "content": "192.0.2.1", "ttl": 5}, 9021),
        ({"type": "A", "content": "192.0.2.1", "ttl": 86401}, 9021),
        ({"type": "TXT", "content": "x", "proxied": True}, 9004),
        ({"type": "A", "content": "10.1.2.3", "proxied": True}, 9041),
        ({"type": "MX", "content": "mail.example.com"}, 9100),
        ({"type": "SRV", "content": "0 5 5060 sip.example.com"}, 9020),
        ({"type": "A", "content": "192.0.2.1", "name": "bad name"}, 9000),
    ],
)
def test_invalid_records_are_400(cf: Cloudflare, zone_id: str, fields: dict[str, Any], code: int) -> None:
    body = {"name": "x", "ttl": 300, **fields}
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.create(zone_id=zone_id, **body)
    assert caught.value.status_code == 400 and codes(caught.value) == [code]


def test_same_name_conflicts(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    a = add_a(cf, zone_id, "www", "192.0.2.1")

    def refused(code: int, **fields: Any) -> None:
        with pytest.raises(cloudflare.BadRequestError) as caught:
            cf.dns.records.create(zone_id=zone_id, **{"ttl": 1, **fields})
        assert codes(caught.value) == [code]

    refused(81053, type="CNAME", name="www", content="example.net")
    refused(81058, type="A", name="WWW.example.com", content="192.0.2.1")
    refused(81059, type="AAAA", name="www", content="2001:db8::1", proxied=True)
    cf.dns.records.create(zone_id=zone_id, type="CNAME", name="alias", content="example.net", ttl=1)
    refused(81054, type="A", name="alias", content="192.0.2.1")
    refused(81054, type="TXT", name="alias", content="beside a DNS-only CNAME")
    cf.dns.records.create(zone_id=zone_id, type="CNAME", name="flat", content="example.net", ttl=1, proxied=True)
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="flat", content="beside a proxied CNAME", ttl=1)

    other = add_a(cf, zone_id, "www", "192.0.2.2")
    cf.dns.records.update(a.id, zone_id=zone_id, type="A", name="www", content="192.0.2.1", ttl=60)  # itself: fine
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.update(other.id, zone_id=zone_id, type="A", name="www", content="192.0.2.1", ttl=60)
    assert codes(caught.value) == [81058]


def test_mixed_proxied_rule_can_be_switched_off() -> None:
    with StandIn(["example.com"], TOKENS, reject_mixed_proxied=False) as standin:
        cf = make_client(standin)
        zone_id = standin.zone_id("example.com")
        add_a(cf, zone_id, "www", "192.0.2.1")
        assert add_a(cf, zone_id, "www", "192.0.2.2", proxied=True).proxied is True


# ---------------------------------------------------------------------------------------------
# Batch
# ---------------------------------------------------------------------------------------------


def test_batch_is_atomic(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    keep = add_a(cf, zone_id, "keep", "192.0.2.1")
    before = standin.records("example.com")

    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.batch(
            zone_id=zone_id,
            deletes=[{"id": keep.id}],
            posts=[
                {"type": "A", "name": "good", "content": "192.0.2.2", "ttl": 1},
                {"type": "A", "name": "bad", "content": "not-an-address", "ttl": 1},
            ],
        )
    assert codes(caught.value) == [9005]
    assert caught.value.body["errors"][0]["source"] == {"pointer": "/posts/1"}
    assert standin.records("example.com") == before

    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.dns.records.batch(zone_id=zone_id, patches=[{"id": "0" * 32, "type": "A", "name": "x", "ttl": 1}])
    assert codes(caught.value) == [81044]


def test_batch_order_and_result(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    old = add_a(cf, zone_id, "www", "192.0.2.1")
    txt = cf.dns.records.create(zone_id=zone_id, type="TXT", name="www", content="a", ttl=1)
    mx = cf.dns.records.create(zone_id=zone_id, type="MX", name="@", content="mail.example.com", priority=10, ttl=1)

    # The A record is deleted before the CNAME is posted, so the CNAME does not conflict with it;
    # the TXT is deleted too (a DNS-only CNAME stands alone).
    result = cf.dns.records.batch(
        zone_id=zone_id,
        deletes=[{"id": old.id}, {"id": txt.id}],
        patches=[{"id": mx.id, "type": "MX", "name": "@", "ttl": 300, "priority": 20}],
        posts=[{"type": "CNAME", "name": "www", "content": "example.net", "ttl": 1}],
    )
    assert result is not None
    assert [rec.id for rec in result.deletes] == [old.id, txt.id] and result.deletes[0].content == "192.0.2.1"
    assert (result.patches[0].priority, result.patches[0].ttl, result.patches[0].content) == (
        20,
        300.0,
        "mail.example.com",
    )
    assert (result.posts[0].type, result.posts[0].name, len(result.posts[0].id)) == ("CNAME", "www.example.com", 32)
    assert sorted(rec["type"] for rec in standin.records("example.com")) == ["CNAME", "MX"]
    assert [entry["method"] for entry in standin.requests("/batch")] == ["POST"]


def test_certbot_dns_cloudflare_call_pattern(standin: StandIn, cf: Cloudflare) -> None:
    """The calls certbot-dns-cloudflare 5.x makes: zone guesses with per_page=1 iterated to the end,
    a TXT create, then a lookup by exact name and the unquoted validation, and a delete."""
    guesses = ["_acme-challenge.www.example.com", "www.example.com", "example.com", "com"]
    found = next(zones for name in guesses if (zones := list(cf.zones.list(name=name, per_page=1))))
    zone_id = found[0].id
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge.www.example.com", content="tok", ttl=120)
    records = list(
        cf.dns.records.list(
            zone_id=zone_id,
            type="TXT",
            name={"exact": "_acme-challenge.www.example.com"},
            content={"exact": "tok"},
            per_page=1,
        )
    )
    assert [rec.content for rec in records] == ['"tok"']
    cf.dns.records.delete(dns_record_id=records[0].id, zone_id=zone_id)
    assert standin.records("example.com") == []


def test_concurrent_writers(standin: StandIn, zone_id: str) -> None:
    def writer(worker: int) -> None:
        cf = make_client(standin)
        for i in range(10):
            add_a(cf, zone_id, f"w{worker}-{i}", "192.0.2.1")

    threads = [threading.Thread(target=writer, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    records = standin.records("example.com")
    assert len(records) == 80 and len({rec["id"] for rec in records}) == 80
    assert all(entry["status"] == 200 for entry in standin.requests())


# ---------------------------------------------------------------------------------------------
# Faults and the SDK's retries
# ---------------------------------------------------------------------------------------------


def test_429_with_retry_after_then_success(standin: StandIn) -> None:
    standin.add_fault(429, 1, retry_after=0, path_contains="/zones")
    cf = make_client(standin, retries=2)
    assert cf.zones.list(name="example.com").result[0].name == "example.com"
    assert [(e["path"], e["status"]) for e in standin.requests()] == [
        ("/client/v4/zones", 429),
        ("/client/v4/zones", 200),
    ]


def test_503_then_success(standin: StandIn) -> None:
    standin.add_fault(503, 1, retry_after_ms=10)
    cf = make_client(standin, retries=2)
    assert cf.zones.list().result
    assert [e["status"] for e in standin.requests()] == [503, 200]


def test_faults_outlasting_the_retries(standin: StandIn) -> None:
    cf = make_client(standin, retries=2)
    standin.add_fault(429, 3, retry_after_ms=1)
    with pytest.raises(cloudflare.RateLimitError) as caught:
        cf.zones.list()
    assert codes(caught.value) == [971]
    standin.add_fault(500, 3, retry_after_ms=1)
    with pytest.raises(cloudflare.InternalServerError) as failed:
        cf.zones.list()
    assert failed.value.status_code == 500 and codes(failed.value) == [10001]
    assert [e["status"] for e in standin.requests()] == [429] * 3 + [500] * 3


def test_fault_filters_and_headers(standin: StandIn, zone_id: str) -> None:
    standin.add_fault(429, 1, retry_after=7, method="POST", path_contains="/dns_records")
    cf = make_client(standin)
    assert cf.zones.list().result  # a GET: not hit
    with pytest.raises(cloudflare.RateLimitError) as caught:
        add_a(cf, zone_id, "x", "192.0.2.1")
    assert caught.value.response.headers["Retry-After"] == "7"
    assert add_a(cf, zone_id, "x", "192.0.2.1").name == "x.example.com"  # used up
    standin.add_fault(502, 5)
    standin.clear_faults()
    assert cf.zones.list().result


# ---------------------------------------------------------------------------------------------
# Persistence, controls, the DNS hook (ACME TXT, A, AAAA), the command line
# ---------------------------------------------------------------------------------------------


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with StandIn(["example.com"], TOKENS, state_file=state_file) as first:
        zone_id = first.zone_id("example.com")
        created = add_a(make_client(first), zone_id, "www", "192.0.2.1")
    assert json.loads(state_file.read_text())["records"][zone_id][0]["id"] == created.id
    assert not list(tmp_path.glob(".standin-state-*"))  # written atomically, nothing left behind

    with StandIn(["example.com", "example.org"], TOKENS, state_file=state_file) as second:
        assert second.zone_id("example.com") == zone_id
        cf = make_client(second)
        assert [zone.name for zone in cf.zones.list().result] == ["example.com", "example.org"]
        assert [(rec.id, rec.content) for rec in cf.dns.records.list(zone_id=zone_id)] == [(created.id, "192.0.2.1")]


def test_a_zone_id_set_in_the_config_moves_a_kept_zone_with_its_records(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    with StandIn(["example.com"], TOKENS, state_file=state_file) as first:
        old_id = first.zone_id("example.com")
        created = add_a(make_client(first), old_id, "www", "192.0.2.1")
    fixed = "7e57ab1e0000000000000000000000a1"
    with StandIn([{"name": "example.com", "id": fixed}], TOKENS, state_file=state_file) as second:
        assert old_id != fixed
        assert second.zone_id("example.com") == fixed
        records = list(make_client(second).dns.records.list(zone_id=fixed))
        assert [(rec.id, rec.content, rec.zone_id) for rec in records] == [(created.id, "192.0.2.1", fixed)]
    assert list(json.loads(state_file.read_text())["records"]) == [fixed]


def test_control_endpoints(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    control = standin.root_url + "/__standin__"
    status, _, body = raw_request(control + "/zones", "POST", body={"name": "Example.ORG"})
    assert status == 200 and body["name"] == "example.org" and len(body["id"]) == 32
    add_a(cf, zone_id, "www", "192.0.2.1")
    assert raw_request(control + "/faults", "POST", body={"status": 503, "count": 2})[0] == 200
    assert raw_request(control + "/faults", "POST", body={"status": 404})[0] == 400
    state = raw_request(control + "/state")[2]
    assert {zone["name"] for zone in state["zones"]} >= {"example.com", "example.net", "example.org"}
    assert [rec["name"] for rec in state["records"]] == ["www.example.com"]
    assert [(e["method"], e["status"]) for e in state["requests"]] == [("POST", 200)]  # controls are not logged
    assert state["faults"][0]["remaining"] == 2
    assert raw_request(control + "/faults", "DELETE")[0] == 200
    assert raw_request(control + "/reset", "POST")[0] == 200
    assert raw_request(control + "/state")[2]["records"] == [] and standin.requests() == []
    assert raw_request(control + "/nothing")[0] == 404


class Receiver(BaseHTTPRequestHandler):
    """A tiny stand-in for challtestsrv's management API: records what it is sent."""

    calls: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.calls.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    handler = type("RecordingReceiver", (Receiver,), {"calls": calls})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", calls
    httpd.shutdown()
    httpd.server_close()


def test_txt_hook_mirrors_acme_challenges(standin: StandIn, cf: Cloudflare, zone_id: str, receiver: Any) -> None:
    url, calls = receiver
    assert raw_request(standin.root_url + "/__standin__/txt-hook", "POST", body={"url": url})[0] == 200
    host = "_acme-challenge.www.example.com."

    first = cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge.www", content="tok-1", ttl=60)
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge.www", content="tok-2", ttl=60)
    assert calls == [("/set-txt", {"host": host, "value": "tok-1"}), ("/set-txt", {"host": host, "value": "tok-2"})]

    calls.clear()
    cf.dns.records.delete(first.id, zone_id=zone_id)  # challtestsrv clears every value: set the other again
    assert calls == [("/clear-txt", {"host": host}), ("/set-txt", {"host": host, "value": "tok-2"})]

    calls.clear()
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="www", content="not a challenge", ttl=60)
    cf.dns.records.create(zone_id=zone_id, type="MX", name="www", content="mx.example.com", priority=10, ttl=60)
    cf.dns.records.create(zone_id=zone_id, type="CNAME", name="alias", content="www.example.com", ttl=60)
    assert calls == []
    assert all(entry["ok"] for entry in standin.state()["txt_hook_log"])


def test_txt_hook_failures_are_logged_not_raised(standin: StandIn, cf: Cloudflare, zone_id: str) -> None:
    standin.set_txt_hook(f"http://127.0.0.1:{closed_port()}")
    created = cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge", content="t", ttl=60)
    assert created.content == '"t"'
    log = standin.state()["txt_hook_log"]
    assert [(entry["action"], entry["host"], entry["ok"]) for entry in log] == [
        ("set-txt", "_acme-challenge.example.com.", False)
    ]


def a_calls(name: str, addresses: list[str], kind: str = "a") -> list[tuple[str, dict[str, Any]]]:
    """What challtestsrv must be sent when a name's A (kind "aaaa": AAAA) set becomes ``addresses``."""
    host = name + "."
    calls: list[tuple[str, dict[str, Any]]] = [(f"/clear-{kind}", {"host": host})]
    if addresses:
        calls.append((f"/add-{kind}", {"host": host, "addresses": addresses}))
    return calls


def test_dns_hook_mirrors_address_sets(standin: StandIn, cf: Cloudflare, zone_id: str, receiver: Any) -> None:
    url, calls = receiver
    assert raw_request(standin.root_url + "/__standin__/dns-hook", "POST", body={"url": url})[2]["url"] == url
    assert calls == []  # nothing to push yet

    first = add_a(cf, zone_id, "www", "192.0.2.1")
    assert calls == a_calls("www.example.com", ["192.0.2.1"])
    calls.clear()
    second = add_a(cf, zone_id, "WWW.example.com.", "192.0.2.2")  # a second address: the whole set again
    assert calls == a_calls("www.example.com", ["192.0.2.1", "192.0.2.2"])
    calls.clear()
    six = cf.dns.records.create(zone_id=zone_id, type="AAAA", name="www", content="2001:DB8:0::1", ttl=300)
    assert calls == a_calls("www.example.com", ["2001:db8::1"], "aaaa")  # canonical, as stored

    calls.clear()
    cf.dns.records.update(first.id, zone_id=zone_id, type="A", name="www", content="192.0.2.3", ttl=300)
    assert calls == a_calls("www.example.com", ["192.0.2.3", "192.0.2.2"])
    calls.clear()
    cf.dns.records.edit(
        second.id, zone_id=zone_id, type="A", name="www", content="192.0.2.2", ttl=600, comment="only metadata"
    )
    assert calls == []  # a resolver sees the same
    cf.dns.records.edit(second.id, zone_id=zone_id, type="A", name="api", content="192.0.2.2", ttl=600)  # moves
    assert calls == a_calls("www.example.com", ["192.0.2.3"]) + a_calls("api.example.com", ["192.0.2.2"])

    calls.clear()
    cf.dns.records.delete(first.id, zone_id=zone_id)
    cf.dns.records.delete(six.id, zone_id=zone_id)
    assert calls == a_calls("www.example.com", []) + a_calls("www.example.com", [], "aaaa")  # gone: clear only
    log = standin.hook_log()
    assert log and all(entry["ok"] for entry in log)
    assert standin.state()["dns_hook"] == url and standin.state()["txt_hook"] == url


def test_dns_hook_mirrors_batches(standin: StandIn, cf: Cloudflare, zone_id: str, receiver: Any) -> None:
    url, calls = receiver
    keep = add_a(cf, zone_id, "www", "192.0.2.1")
    drop = add_a(cf, zone_id, "www", "192.0.2.2")
    standin.set_dns_hook(url)  # setting the hook pushes what is there
    assert calls == a_calls("www.example.com", ["192.0.2.1", "192.0.2.2"])

    calls.clear()
    cf.dns.records.batch(
        zone_id=zone_id,
        deletes=[{"id": drop.id}],
        patches=[{"id": keep.id, "content": "192.0.2.9"}],
        posts=[
            {"type": "A", "name": "api", "content": "198.51.100.7", "ttl": 1},
            {"type": "AAAA", "name": "api", "content": "2001:db8::7", "ttl": 1},
            {"type": "A", "name": "api", "content": "198.51.100.8", "ttl": 1},
        ],
    )
    assert calls == (
        a_calls("www.example.com", ["192.0.2.9"])  # delete and patch of one name: one push
        + a_calls("api.example.com", ["198.51.100.7", "198.51.100.8"])
        + a_calls("api.example.com", ["2001:db8::7"], "aaaa")
    )

    calls.clear()
    with pytest.raises(cloudflare.BadRequestError):  # atomic: nothing applied, nothing mirrored
        cf.dns.records.batch(
            zone_id=zone_id,
            posts=[
                {"type": "A", "name": "new", "content": "192.0.2.5", "ttl": 1},
                {"type": "A", "name": "new", "content": "not an address", "ttl": 1},
            ],
        )
    assert calls == []


def test_dns_hook_reset_clears_every_mirrored_name(
    standin: StandIn, cf: Cloudflare, zone_id: str, receiver: Any
) -> None:
    url, calls = receiver
    add_a(cf, zone_id, "www", "192.0.2.1")
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge", content="tok", ttl=60)
    cf.dns.records.create(zone_id=zone_id, type="TXT", name="www", content="not a challenge", ttl=60)
    standin.set_dns_hook(url)
    calls.clear()
    assert raw_request(standin.root_url + "/__standin__/reset", "POST")[0] == 200
    assert calls == [*a_calls("www.example.com", []), ("/clear-txt", {"host": "_acme-challenge.example.com."})]
    assert raw_request(standin.root_url + "/__standin__/dns-hook", "DELETE")[2] == {"ok": True, "url": None}
    assert raw_request(standin.root_url + "/__standin__/dns-hook", "POST", body={"url": 5})[0] == 400


def test_dns_hook_last_push_has_the_final_set(standin: StandIn, zone_id: str, receiver: Any) -> None:
    url, calls = receiver
    standin.set_dns_hook(url)
    addresses = [f"192.0.2.{n}" for n in range(1, 17)]
    cf = make_client(standin)
    threads = [threading.Thread(target=add_a, args=(cf, zone_id, "www", address)) for address in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    adds = [body for path, body in calls if path == "/add-a"]
    assert len(adds) == len(addresses)
    assert sorted(adds[-1]["addresses"]) == sorted(addresses)  # whatever the order of the writers


def test_dns_hook_replays_the_state_at_start(tmp_path: Path, receiver: Any) -> None:
    url, calls = receiver
    state_file = tmp_path / "state.json"
    with StandIn(["example.com"], TOKENS, state_file=state_file) as first:
        cf = make_client(first)
        zone_id = first.zone_id("example.com")
        add_a(cf, zone_id, "www", "192.0.2.1")
        cf.dns.records.create(zone_id=zone_id, type="AAAA", name="www", content="2001:db8::1", ttl=300)
        add_a(cf, zone_id, "www", "192.0.2.2")
        cf.dns.records.create(zone_id=zone_id, type="TXT", name="_acme-challenge.www", content="tok", ttl=60)
        cf.dns.records.create(zone_id=zone_id, type="TXT", name="www", content="not mirrored", ttl=60)
        add_a(cf, zone_id, "@", "198.51.100.1")
    assert calls == []  # no hook: nothing sent

    config = {"zones": ["example.com"], "tokens": TOKENS, "dns_hook": url}
    standin = StandIn.from_config(config, state_file=state_file)
    assert calls == []  # not before start
    with standin:
        assert calls == (
            a_calls("www.example.com", ["192.0.2.1", "192.0.2.2"])
            + a_calls("www.example.com", ["2001:db8::1"], "aaaa")
            + [
                ("/clear-txt", {"host": "_acme-challenge.www.example.com."}),
                ("/set-txt", {"host": "_acme-challenge.www.example.com.", "value": "tok"}),
            ]
            + a_calls("example.com", ["198.51.100.1"])
        )


def closed_port() -> int:
    """A port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_command_line_prints_ready_and_serves(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"zones": ["example.com"], "tokens": TOKENS}))
    command = [sys.executable, "-m", "tests.cloudflare_standin.server", "--listen", "127.0.0.1", "--port", "0"]
    command += ["--config", str(config), "--state-file", str(tmp_path / "state.json"), "--print-ready"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("READY http://127.0.0.1:") and line.rstrip().endswith("/client/v4"), line
        assert time.monotonic() - started < 10
        cf = Cloudflare(api_token="edit-token", base_url=line.split()[1], max_retries=0, timeout=10)
        zone_id = cf.zones.list(name="example.com").result[0].id
        add_a(cf, zone_id, "www", "192.0.2.1")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["records"][zone_id][0]["name"] == "www.example.com"


def test_command_line_dns_hook_replays_before_ready(tmp_path: Path, receiver: Any) -> None:
    url, calls = receiver
    state_file = tmp_path / "state.json"
    with StandIn(["example.com"], TOKENS, state_file=state_file) as first:
        add_a(make_client(first), first.zone_id("example.com"), "www", "192.0.2.1")
    config = tmp_path / "config.json"  # the flag wins over the config's hook (a closed port)
    config.write_text(
        json.dumps({"zones": ["example.com"], "tokens": TOKENS, "dns_hook": f"http://127.0.0.1:{closed_port()}"})
    )
    command = [sys.executable, "-m", "tests.cloudflare_standin.server", "--listen", "127.0.0.1", "--port", "0"]
    command += ["--config", str(config), "--state-file", str(state_file), "--dns-hook", url, "--print-ready"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("READY "), line
        assert calls == a_calls("www.example.com", ["192.0.2.1"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
