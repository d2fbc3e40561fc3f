# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of roles/ddns/files/relaykit-ddns, the NAS's Cloudflare AAAA updater.

The script has no .py extension, so it is loaded with SourceFileLoader. It talks HTTP to the
Cloudflare stand-in (tests/cloudflare_standin) with a token holding DNS:Read and DNS:Edit only,
as the role's least-privilege token. The host's addresses come from ``ip -j``: in-process tests
replace ``run_ip`` (the one function that runs it); the end-to-end tests run the script as a
program with a fake ``ip`` first on PATH.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # plain `pytest` (not `python -m pytest`) does not put the root on the path
    sys.path.insert(0, str(ROOT))

from tests.cloudflare_standin.server import StandIn  # noqa: E402

SCRIPT = ROOT / "roles" / "ddns" / "files" / "relaykit-ddns"
ZONE = "relaykit.test"
OTHER_ZONE = "other.test"
TOKEN = "ddns-token-SECRET-4f2a9c"  # DNS:Read + DNS:Edit on relaykit.test, no Zone:Read
ADMIN = "admin-token"
OTHER_ZONE_TOKEN = "other-zone-token"
TOKENS: dict[str, dict[str, Any]] = {
    TOKEN: {"permissions": ["dns:read", "dns:edit"], "zones": [ZONE]},
    ADMIN: {"permissions": ["zone:read", "dns:read", "dns:edit"]},
    OTHER_ZONE_TOKEN: {"permissions": ["dns:read", "dns:edit"], "zones": [OTHER_ZONE]},
}
FOREVER = 4294967295

# Global unicast addresses (2a01:4f8::/29 is a real allocation: is_global holds).
STATIC = "2a01:4f8:10a:1::50"
STABLE = "2a01:4f8:10a:1:216:3eff:fe12:3456"  # EUI-64 SLAAC
TEMPORARY = "2a01:4f8:10a:1:8c3d:2f1a:77b0:1c2d"
NEW = "2a01:4f8:10a:2::50"
OLD = "2a01:4f8:10a:9::50"
ULA = "fd00:18:10::50"
QUOTED = r'"(?:[^"\\]|\\.)*"'
LOG_LINE = re.compile(
    rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ (ok|error) address=(\S+)"
    rf"( [^\s=]+=(?:error\({QUOTED}\)|[^\s\"]+))*( error\({QUOTED}\))?$"
)


ddns = load_script(SCRIPT, "relaykit_ddns")


# --------------------------------------------------------------------------- helpers


def addr(local: str, **extra: Any) -> dict[str, Any]:
    """One ``addr_info`` entry as ``ip -j -6 addr`` prints it (flags are ``"name": true``)."""
    info: dict[str, Any] = {
        "family": "inet6",
        "local": local,
        "prefixlen": 64,
        "scope": "global",
        "valid_life_time": FOREVER,
        "preferred_life_time": FOREVER,
    }
    info.update(extra)
    return info


def slaac(local: str, preferred: int = 3600, **flags: Any) -> dict[str, Any]:
    return addr(local, dynamic=True, valid_life_time=preferred * 2, preferred_life_time=preferred, **flags)


def link(*infos: dict[str, Any], ifname: str = "eth0") -> dict[str, Any]:
    return {"ifindex": 2, "ifname": ifname, "flags": ["UP"], "mtu": 1500, "operstate": "UP", "addr_info": list(infos)}


class FakeHost:
    """What ``ip -j -6 addr show scope global`` answers in-process tests, and how it was asked."""

    def __init__(self) -> None:
        self.links: list[dict[str, Any]] = [link(addr(STATIC))]
        self.asked: list[str] = []

    def set(self, *infos: dict[str, Any], ifname: str = "eth0") -> None:
        self.links = [link(*infos, ifname=ifname)]

    def run_ip(self, interface: str) -> Any:
        self.asked.append(interface)
        return json.loads(json.dumps(self.links))


@pytest.fixture(scope="module")
def server() -> Iterator[StandIn]:
    with StandIn([ZONE, OTHER_ZONE], TOKENS) as standin:
        yield standin


@pytest.fixture
def standin(server: StandIn) -> StandIn:
    server.reset()
    return server


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> FakeHost:
    fake = FakeHost()
    monkeypatch.setattr(ddns, "run_ip", fake.run_ip)
    return fake


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    waits: list[float] = []
    monkeypatch.setattr(ddns, "sleep", waits.append)
    return waits


class Site:
    """The files of one host (config, token, state, log) and a way to run the script on them."""

    def __init__(self, tmp_path: Path, standin: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
        self.standin = standin
        self.capsys = capsys
        self.config_file = tmp_path / "etc" / "ddns.json"
        self.token_file = tmp_path / "etc" / "ddns.token"
        self.state_file = tmp_path / "lib" / "ddns" / "state.json"
        self.log_file = tmp_path / "log" / "ddns.log"
        self.config_file.parent.mkdir()
        self.token_file.write_text(TOKEN + "\n")
        self.configure()

    def configure(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "api_base_url": self.standin.base_url,
            "zone_id": self.standin.zone_id(ZONE),
            "names": [f"nas.{ZONE}"],
            "proxied": None,
            "ttl": None,
            "interface": "",
            "allow_private": False,
            "token_file": str(self.token_file),
        }
        config.update(overrides)
        self.config_file.write_text(json.dumps(config))
        return config

    def argv(self, *args: str) -> list[str]:
        return [
            *args,
            "--config",
            str(self.config_file),
            "--state-file",
            str(self.state_file),
            "--log-file",
            str(self.log_file),
        ]

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        rc = ddns.main(self.argv(*args))
        out, err = self.capsys.readouterr()
        return rc, out, err

    def state(self) -> dict[str, Any]:
        return json.loads(self.state_file.read_text())

    def log_lines(self) -> list[str]:
        return self.log_file.read_text().splitlines()


@pytest.fixture
def site(tmp_path: Path, standin: StandIn, capsys: pytest.CaptureFixture[str], host: FakeHost) -> Site:
    return Site(tmp_path, standin, capsys)


def api(standin: StandIn, method: str, path: str, body: Any = None) -> Any:
    """A call with the admin token (test set-up, not the script)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(standin.base_url + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {ADMIN}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["result"]


def add_record(standin: StandIn, rtype: str, name: str, content: str, **extra: Any) -> dict[str, Any]:
    body = {"type": rtype, "name": name, "content": content, "ttl": 1, "proxied": False, **extra}
    return api(standin, "POST", f"/zones/{standin.zone_id(ZONE)}/dns_records", body)


def records(standin: StandIn, rtype: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
    found = standin.records(ZONE)
    return [r for r in found if (rtype is None or r["type"] == rtype) and (name is None or r["name"] == name)]


def mark(standin: StandIn) -> int:
    """The request log's length now: what a run sends comes after it."""
    return len(standin.requests())


def sent(standin: StandIn, since: int) -> list[tuple[str, str]]:
    return [(entry["method"], entry["path"]) for entry in standin.requests()[since:]]


def methods(standin: StandIn, since: int) -> list[str]:
    return [method for method, _ in sent(standin, since)]


# --------------------------------------------------------------------------- choosing the address


def pick(links: list[dict[str, Any]], interface: str = "", allow_private: bool = False) -> str | None:
    chosen = ddns.choose(ddns.classify(links, interface, allow_private)[0])
    return None if chosen is None else str(chosen.address)


def test_stable_address_wins_over_a_temporary_one_listed_first_with_a_longer_lifetime() -> None:
    links = [link(slaac(TEMPORARY, preferred=86000, temporary=True), slaac(STABLE, preferred=3600, mngtmpaddr=True))]
    assert pick(links) == STABLE


def test_temporary_deprecated_tentative_and_dadfailed_addresses_are_passed_over() -> None:
    for bad in (
        slaac(NEW, temporary=True),
        slaac(NEW, preferred=0),
        slaac(NEW, deprecated=True),
        slaac(NEW, tentative=True),
        slaac(NEW, dadfailed=True),
    ):
        links = [link(bad, slaac(OLD, preferred=60))]
        assert pick(links) == OLD, bad
    candidates, skipped = ddns.classify([link(slaac(NEW, preferred=0))])
    assert candidates == []
    assert skipped == [f"{NEW} on eth0: deprecated"]
    assert pick([link(slaac(TEMPORARY, temporary=True))]) is None


def test_static_beats_stable_slaac_which_beats_other_dynamic_addresses() -> None:
    dhcp = slaac("2a01:4f8:10a:1::1234", preferred=90000)  # dynamic, not EUI-64, no stable flag
    privacy = slaac("2a01:4f8:10a:1:1111:2222:3333:4444", preferred=100, **{"stable-privacy": True})
    assert pick([link(dhcp, privacy)]) == "2a01:4f8:10a:1:1111:2222:3333:4444"
    assert pick([link(dhcp, privacy, addr(STATIC))]) == STATIC
    assert pick([link(dhcp, slaac(STABLE, preferred=10))]) == STABLE  # EUI-64 counts as stable
    assert pick([link(dhcp)]) == "2a01:4f8:10a:1::1234"


def test_among_equals_the_longest_lifetime_then_the_lowest_address_whatever_the_order() -> None:
    entries = [
        slaac("2a01:4f8:10a:3::9", preferred=500, mngtmpaddr=True),
        slaac("2a01:4f8:10a:3::5", preferred=900, mngtmpaddr=True),
        slaac("2a01:4f8:10a:3::7", preferred=900, mngtmpaddr=True),
    ]
    picks = {pick([link(*order)]) for order in itertools.permutations(entries)}
    assert picks == {"2a01:4f8:10a:3::5"}


def test_private_addresses_only_with_allow_private_and_link_local_never() -> None:
    links = [link(addr(ULA), addr("fe80::1", scope="link"), addr("::1"), {})]
    assert pick(links) is None
    assert pick(links, allow_private=True) == ULA
    assert pick([link(addr("fe80::1"))], allow_private=True) is None
    _, skipped = ddns.classify(links)
    assert f"{ULA} on eth0: private (allow_private is false)" in skipped


def test_interface_restriction() -> None:
    links = [link(addr(STATIC), ifname="eth0"), link(slaac(STABLE), ifname="eth1")]
    assert pick(links) == STATIC
    assert pick(links, interface="eth1") == STABLE
    assert pick(links, interface="eth2") is None


# --------------------------------------------------------------------------- publishing


def test_creates_the_aaaa_record_when_missing(site: Site, standin: StandIn) -> None:
    start = mark(standin)
    rc, out, err = site.run()
    assert (rc, err) == (0, "")
    [record] = records(standin, "AAAA")
    assert (record["name"], record["content"], record["proxied"], record["ttl"]) == (f"nas.{ZONE}", STATIC, False, 1.0)
    assert methods(standin, start) == ["GET", "POST"]
    assert out.strip().endswith(f"address={STATIC} nas.{ZONE}=created")
    state = site.state()
    assert state["result"] == "ok"
    assert state["address"] == state["published_address"] == STATIC
    assert state["names"][f"nas.{ZONE}"]["record_id"] == record["id"]
    assert state["address_source"] == {
        "address": STATIC,
        "interface": "eth0",
        "kind": "static",
        "preferred_life_time": "forever",
    }


def test_the_token_needs_no_zone_read_every_call_is_under_the_zone_id(site: Site, standin: StandIn) -> None:
    site.configure(names=[f"a.{ZONE}", f"b.{ZONE}"])
    start = mark(standin)
    assert site.run()[0] == 0
    prefix = f"/client/v4/zones/{standin.zone_id(ZONE)}/dns_records"
    paths = [path for _, path in sent(standin, start)]
    assert len(paths) == 4
    assert all(path.startswith(prefix) for path in paths), paths
    assert all(entry["status"] == 200 for entry in standin.requests()[start:])


def test_nothing_is_written_when_the_record_already_has_the_address(
    site: Site, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    times = iter(["2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z"])
    monkeypatch.setattr(ddns, "utc_now", lambda: next(times))
    assert site.run()[0] == 0
    record = records(standin, "AAAA")[0]
    start = mark(standin)
    rc, out, _ = site.run()
    assert rc == 0
    assert methods(standin, start) == ["GET"]
    assert records(standin, "AAAA") == [record]
    assert out.strip() == f"2026-01-01T00:05:00Z ok address={STATIC} nas.{ZONE}=unchanged"
    state = site.state()
    assert (state["last_run"], state["last_change"]) == ("2026-01-01T00:05:00Z", "2026-01-01T00:00:00Z")


def test_an_address_change_updates_the_record_in_place(site: Site, standin: StandIn, host: FakeHost) -> None:
    assert site.run()[0] == 0
    before = records(standin, "AAAA")[0]
    host.set(addr(NEW))
    start = mark(standin)
    rc, out, _ = site.run()
    assert rc == 0
    [after] = records(standin, "AAAA")
    assert (after["id"], after["content"], after["created_on"]) == (before["id"], NEW, before["created_on"])
    assert sent(standin, start)[1] == ("PATCH", f"/client/v4/zones/{standin.zone_id(ZONE)}/dns_records/{before['id']}")
    assert methods(standin, start) == ["GET", "PATCH"]
    assert f"nas.{ZONE}=updated({STATIC}->{NEW})" in out
    assert site.state()["published_address"] == NEW


def test_a_record_changed_by_hand_is_put_back(site: Site, standin: StandIn) -> None:
    assert site.run()[0] == 0
    record = records(standin, "AAAA")[0]
    api(standin, "PATCH", f"/zones/{standin.zone_id(ZONE)}/dns_records/{record['id']}", {"content": OLD})
    rc, out, _ = site.run()
    assert rc == 0
    assert records(standin, "AAAA")[0]["content"] == STATIC
    assert f"updated({OLD}->{STATIC})" in out


def test_the_stable_address_is_published_not_the_temporary_or_deprecated_one(
    site: Site, standin: StandIn, host: FakeHost
) -> None:
    host.set(
        slaac(TEMPORARY, preferred=86000, temporary=True),
        slaac(NEW, preferred=0, mngtmpaddr=True),
        slaac(STABLE, preferred=1800, mngtmpaddr=True),
    )
    assert site.run()[0] == 0
    assert [r["content"] for r in records(standin, "AAAA")] == [STABLE]
    assert site.state()["address_source"]["kind"] == "stable"


def test_a_ula_address_is_published_only_with_allow_private(site: Site, standin: StandIn, host: FakeHost) -> None:
    host.set(addr(ULA))
    start = mark(standin)
    rc, _, err = site.run()
    assert rc == 2
    assert "no stable global IPv6 address" in err
    assert f"{ULA} on eth0: private (allow_private is false)" in err
    assert sent(standin, start) == []
    assert site.state()["result"] == "error"
    site.configure(allow_private=True)
    assert site.run()[0] == 0
    assert [r["content"] for r in records(standin, "AAAA")] == [ULA]


def test_a_records_are_never_touched(site: Site, standin: StandIn) -> None:
    a_record = add_record(standin, "A", f"nas.{ZONE}", "198.51.100.7")
    start = mark(standin)
    assert site.run()[0] == 0
    assert records(standin, "A") == [a_record | {"ttl": 1.0}]
    assert not any(a_record["id"] in path for _, path in sent(standin, start))
    assert len(records(standin, "AAAA")) == 1


def test_a_new_aaaa_follows_a_proxied_a_record_unless_proxied_is_configured(site: Site, standin: StandIn) -> None:
    add_record(standin, "A", f"nas.{ZONE}", "198.51.100.7", proxied=True)
    assert site.run()[0] == 0
    [aaaa] = records(standin, "AAAA")
    assert aaaa["proxied"] is True  # DNS-only next to a proxied A is refused (81059)
    site.configure(proxied=False)
    rc, _, err = site.run()
    assert rc == 1
    assert "81059" in err
    assert records(standin, "AAAA")[0]["proxied"] is True


def test_configured_proxied_and_ttl_are_enforced_null_keeps_them(site: Site, standin: StandIn, host: FakeHost) -> None:
    add_record(standin, "AAAA", f"nas.{ZONE}", STATIC, ttl=300)
    start = mark(standin)
    assert site.run()[0] == 0
    assert methods(standin, start) == ["GET"]  # ttl null: the record's 300 stays
    site.configure(ttl=120)
    rc, out, _ = site.run()
    assert rc == 0
    assert records(standin, "AAAA")[0]["ttl"] == 120.0
    assert "updated(ttl:300->120)" in out
    site.configure(ttl=120, proxied=True)
    host.set(addr(NEW))
    rc, out, _ = site.run()
    assert rc == 0
    [record] = records(standin, "AAAA")
    assert (record["content"], record["proxied"], record["ttl"]) == (NEW, True, 1.0)  # proxied: ttl is automatic
    assert f"updated({STATIC}->{NEW},proxied:false->true)" in out
    assert LOG_LINE.match(site.log_lines()[-1])
    start = mark(standin)
    assert site.run()[0] == 0
    assert methods(standin, start) == ["GET"]  # ttl 120 is not asked of a proxied record


def test_two_names(site: Site, standin: StandIn) -> None:
    add_record(standin, "AAAA", f"b.{ZONE}", STATIC)
    site.configure(names=[f"a.{ZONE}", f"b.{ZONE}"])
    start = mark(standin)
    rc, out, _ = site.run()
    assert rc == 0
    assert sorted((r["name"], r["content"]) for r in records(standin, "AAAA")) == [
        (f"a.{ZONE}", STATIC),
        (f"b.{ZONE}", STATIC),
    ]
    assert methods(standin, start) == ["GET", "POST", "GET"]
    assert out.strip().endswith(f"a.{ZONE}=created b.{ZONE}=unchanged")
    assert {name: r["result"] for name, r in site.state()["names"].items()} == {
        f"a.{ZONE}": "created",
        f"b.{ZONE}": "unchanged",
    }


def test_extra_aaaa_records_are_removed_keeping_the_right_one(site: Site, standin: StandIn) -> None:
    stale = add_record(standin, "AAAA", f"nas.{ZONE}", OLD)
    right = add_record(standin, "AAAA", f"nas.{ZONE}", STATIC)
    start = mark(standin)
    rc, out, _ = site.run()
    assert rc == 0
    assert [r["id"] for r in records(standin, "AAAA")] == [right["id"]]
    assert sent(standin, start)[1:] == [
        ("DELETE", f"/client/v4/zones/{standin.zone_id(ZONE)}/dns_records/{stale['id']}")
    ]
    assert f"nas.{ZONE}=unchanged+removed({OLD})" in out


def test_several_stale_records_the_first_is_updated_the_others_removed(site: Site, standin: StandIn) -> None:
    first = add_record(standin, "AAAA", f"nas.{ZONE}", OLD)
    add_record(standin, "AAAA", f"nas.{ZONE}", NEW)
    assert site.run()[0] == 0
    assert [(r["id"], r["content"]) for r in records(standin, "AAAA")] == [(first["id"], STATIC)]


def test_a_cname_on_the_name_is_an_error_and_nothing_is_written(site: Site, standin: StandIn) -> None:
    add_record(standin, "CNAME", f"nas.{ZONE}", "elsewhere.example.net")
    start = mark(standin)
    rc, _, err = site.run()
    assert rc == 1
    assert methods(standin, start) == ["GET"]
    assert f'nas.{ZONE}=error("nas.{ZONE} is a CNAME (elsewhere.example.net)' in err


def test_a_name_outside_the_zone_is_not_left_behind(site: Site, standin: StandIn) -> None:
    site.configure(names=["www.example.org"])
    rc, _, err = site.run()
    assert rc == 1
    assert "www.example.org is not in the zone" in err
    assert records(standin) == []


# --------------------------------------------------------------------------- errors


def test_an_invalid_token_is_a_clear_error_and_is_never_printed(site: Site, standin: StandIn) -> None:
    site.token_file.write_text("forged-SECRET-token-77\n")
    start = mark(standin)
    rc, out, err = site.run()
    assert rc == 1
    assert "HTTP 401, code 9109: Invalid access token (the API token is not valid)" in err
    assert methods(standin, start) == ["GET"]
    everything = out + err + site.log_file.read_text() + site.state_file.read_text()
    assert "SECRET" not in everything
    assert site.state()["names"][f"nas.{ZONE}"]["result"] == "error"


def test_a_token_without_the_zone_gets_the_permission_hint(site: Site, standin: StandIn) -> None:
    site.token_file.write_text(OTHER_ZONE_TOKEN + "\n")
    rc, _, err = site.run()
    assert rc == 1
    assert "HTTP 403, code 10000: Authentication error (the token lacks DNS:Edit" in err
    assert OTHER_ZONE_TOKEN not in err


def test_429_then_success_honours_retry_after(site: Site, standin: StandIn) -> None:
    standin.add_fault(429, 1, retry_after=1, path_contains="dns_records", method="GET")
    start = mark(standin)
    began = time.monotonic()
    rc, _, _ = site.run()
    elapsed = time.monotonic() - began
    assert rc == 0
    assert elapsed >= 0.95
    assert [entry["status"] for entry in standin.requests()[start:]] == [429, 200, 200]
    assert len(records(standin, "AAAA")) == 1


def test_retry_after_is_capped_and_5xx_is_retried(site: Site, standin: StandIn, slept: list[float]) -> None:
    standin.add_fault(503, 1, retry_after=600, method="POST")
    assert site.run()[0] == 0
    assert slept == [10.0]
    assert len(records(standin, "AAAA")) == 1


def test_retries_give_up_with_the_rate_limit_error(site: Site, standin: StandIn, slept: list[float]) -> None:
    standin.add_fault(429, 10)
    start = mark(standin)
    rc, _, err = site.run()
    assert rc == 1
    assert slept == [1.0, 2.0, 4.0]  # no Retry-After: 1, 2, 4 s
    assert len(sent(standin, start)) == 4
    assert "HTTP 429, code 971" in err


def test_an_unreachable_api_is_an_error(site: Site, slept: list[float]) -> None:
    site.configure(api_base_url="http://127.0.0.1:9/client/v4")
    rc, _, err = site.run()
    assert rc == 1
    assert len(slept) == 3
    assert "http://127.0.0.1:9/client/v4: " in err


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"zone_id": "relaykit.test"}, "zone_id must be"),
        ({"names": []}, "names must list"),
        ({"names": ["bad name.relaykit.test"]}, "names[0] ('bad name.relaykit.test') is not a DNS name"),
        ({"names": ["a.relaykit.test", "A.relaykit.test."]}, "names[1] (a.relaykit.test) is listed twice"),
        ({"ttl": 5}, "ttl must be"),
        ({"proxied": "yes"}, "proxied must be bool"),
        ({"allow_private": 1}, "allow_private must be bool"),
        ({"api_base_url": "ftp://api.example/client/v4"}, "api_base_url must be"),
    ],
)
def test_configuration_errors_name_the_field(
    site: Site, standin: StandIn, overrides: dict[str, Any], field: str
) -> None:
    site.configure(**overrides)
    start = mark(standin)
    rc, _, err = site.run()
    assert rc == 2
    assert f"{site.config_file}: {field}" in err
    assert sent(standin, start) == []


def test_a_missing_token_file_is_named(site: Site) -> None:
    site.token_file.unlink()
    rc, _, err = site.run()
    assert rc == 2
    assert f"{site.token_file}: cannot read the API token" in err


# --------------------------------------------------------------------------- modes, state, log


def test_dry_run_writes_nothing_anywhere(site: Site, standin: StandIn, host: FakeHost) -> None:
    add_record(standin, "AAAA", f"a.{ZONE}", OLD)
    site.configure(names=[f"a.{ZONE}", f"b.{ZONE}"])
    before = records(standin)
    start = mark(standin)
    rc, out, _ = site.run("--dry-run")
    assert rc == 0
    assert methods(standin, start) == ["GET", "GET"]
    assert records(standin) == before
    assert not site.state_file.exists()
    assert not site.log_file.exists()
    assert f"a.{ZONE}: would-update({OLD}->{STATIC})" in out
    assert f"b.{ZONE}: would-create" in out
    rc, out, _ = site.run("--dry-run", "--json")
    summary = json.loads(out)
    assert (rc, summary["changed"], summary["dry_run"]) == (0, True, True)
    assert summary["line"].endswith(f"a.{ZONE}=would-update({OLD}->{STATIC}) b.{ZONE}=would-create")
    assert methods(standin, start) == ["GET"] * 4
    assert records(standin) == before


def test_json_summary_says_whether_anything_changed(site: Site) -> None:
    rc, out, _ = site.run("--json")
    first = json.loads(out)
    assert (rc, first["changed"], first["names"][f"nas.{ZONE}"]["result"]) == (0, True, "created")
    rc, out, _ = site.run("--json")
    assert (rc, json.loads(out)["changed"]) == (0, False)
    rc, out, _ = site.run("--dry-run", "--json")
    assert (rc, json.loads(out)["changed"], json.loads(out)["dry_run"]) == (0, False, True)


def test_quiet_prints_nothing_on_success_and_the_line_on_failure(site: Site) -> None:
    assert site.run("--quiet") == (0, "", "")
    site.token_file.write_text("forged\n")
    rc, out, err = site.run("--quiet")
    assert (rc, out) == (1, "")
    assert LOG_LINE.match(err.strip())


def test_one_log_line_per_run(site: Site, host: FakeHost) -> None:
    site.configure(names=[f"a.{ZONE}", f"b.{ZONE}"])
    site.run()
    host.set(addr(NEW))
    site.run()
    site.token_file.write_text("forged\n")
    site.run()
    host.set()
    site.run()
    lines = site.log_lines()
    assert len(lines) == 4
    assert all(LOG_LINE.match(line) for line in lines), lines
    assert lines[0].split(" ", 1)[1] == f"ok address={STATIC} a.{ZONE}=created b.{ZONE}=created"
    assert lines[1].split(" ", 1)[1] == (
        f"ok address={NEW} a.{ZONE}=updated({STATIC}->{NEW}) b.{ZONE}=updated({STATIC}->{NEW})"
    )
    assert lines[2].split(" ", 1)[1].startswith(f'error address={NEW} a.{ZONE}=error("HTTP 401, code 9109: ')
    assert lines[3].split(" ", 1)[1] == 'error address=none error("no stable global IPv6 address")'


def test_status_prints_the_state(site: Site) -> None:
    rc, out, _ = site.run("--status")
    assert (rc, json.loads(out)) == (0, {"last_run": None})
    site.run()
    rc, out, _ = site.run("--status")
    assert (rc, json.loads(out)) == (0, site.state())
    assert json.loads(out)["published_address"] == STATIC


def test_a_run_already_in_progress_is_left_alone(site: Site, standin: StandIn) -> None:
    site.state_file.parent.mkdir(parents=True)
    with open(str(site.state_file) + ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        start = mark(standin)
        rc, _, err = site.run()
    assert (rc, sent(standin, start)) == (0, [])
    assert "another run is in progress" in err
    assert not site.state_file.exists()


# --------------------------------------------------------------------------- as a program


@pytest.fixture
def program(tmp_path: Path, standin: StandIn) -> Iterator[dict[str, Any]]:
    """The script as cron runs it, with a fake ``ip`` first on PATH that records its arguments."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    ip_json = tmp_path / "ip.json"
    ip_args = tmp_path / "ip.args"
    fake_ip = bindir / "ip"
    fake_ip.write_text(f'#!/bin/sh\necho "$@" >> {ip_args}\ncat {ip_json}\n')
    fake_ip.chmod(0o755)
    token_file = tmp_path / "ddns.token"
    token_file.write_text(TOKEN)
    config_file = tmp_path / "ddns.json"
    config = {
        "api_base_url": standin.base_url,
        "zone_id": standin.zone_id(ZONE),
        "names": [f"nas.{ZONE}"],
        "interface": "eth1",
        "allow_private": True,
        "token_file": str(token_file),
    }
    config_file.write_text(json.dumps(config))
    env = dict(os.environ, PATH=f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}", PYTHONDONTWRITEBYTECODE="1")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, str(SCRIPT), *args, "--config", str(config_file)]
        argv += ["--state-file", str(tmp_path / "state.json"), "--log-file", str(tmp_path / "ddns.log")]
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)

    yield {"run": run, "ip_json": ip_json, "ip_args": ip_args, "tmp": tmp_path}


def test_as_a_program_it_asks_ip_for_the_interface_and_publishes(program: dict[str, Any], standin: StandIn) -> None:
    program["ip_json"].write_text(json.dumps([link(slaac(TEMPORARY, temporary=True), addr(ULA), ifname="eth1")]))
    done = program["run"]("--once")
    assert done.returncode == 0, done.stderr
    assert program["ip_args"].read_text().split() == ["-j", "-6", "addr", "show", "scope", "global", "dev", "eth1"]
    assert [r["content"] for r in records(standin, "AAAA")] == [ULA]
    assert done.stdout.strip().endswith(f"address={ULA} nas.{ZONE}=created")
    assert TOKEN not in done.stdout + done.stderr


def test_as_a_program_a_failing_ip_is_exit_2(program: dict[str, Any], standin: StandIn) -> None:
    program["ip_json"].write_text("this is not json")
    done = program["run"]()
    assert done.returncode == 2
    assert "ip -j: output is not JSON" in done.stderr
    assert records(standin) == []
