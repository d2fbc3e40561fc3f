# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of roles/port_relay/files/relaykit, the host-side status and health tool.

The script has no .py extension, so it is loaded with SourceFileLoader. Health checks
run against real sockets on 127.0.0.1; external commands (iptables-save, ss,
conntrack, systemctl) are stubbed by replacing ``run_command``.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "port_relay" / "files" / "relaykit"
FAST = {"enabled": True, "timeout": 0.2, "retries": 1}


def load_script() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("relaykit_cli", str(SCRIPT))
    spec = importlib.util.spec_from_loader("relaykit_cli", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["relaykit_cli"] = module
    # no __pycache__ next to the script: roles/port_relay/files/ is shipped to hosts as it is
    dont_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write_bytecode
    return module


rk = load_script()


# --------------------------------------------------------------------------- helpers


def relay(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "tcp-50025",
        "protocol": "tcp",
        "engine": "socat",
        "listen_address": "::",
        "listen_port": 50025,
        "target_host": "127.0.0.1",
        "target_port": 25,
        "unit": "relaykit-relay-tcp-50025.service",
    }
    fields.update(overrides)
    if "target_addresses" in fields:
        fields["target_addresses"] = tuple(fields["target_addresses"])
    return rk.Relay(**fields)


def settings(timeout: float = 0.2, retries: int = 1) -> Any:
    return rk.HealthSettings(enabled=True, timeout=timeout, retries=retries)


def relay_entry(name: str, port: int, protocol: str = "tcp", engine: str = "socat", **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "protocol": protocol,
        "engine": engine,
        "listen_address": "::",
        "listen_port": 40000 + port % 20000,
        "target_host": "127.0.0.1",
        "target_port": port,
        "unit": f"relaykit-relay-{name}.service" if engine == "socat" else None,
    }
    entry.update(extra)
    return entry


def closed_port(kind: int) -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def tcp_server() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


@pytest.fixture
def udp_echo() -> Iterator[int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = server.recvfrom(2048)
            except TimeoutError:
                continue
            server.sendto(data, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


@pytest.fixture
def udp_silent() -> Iterator[int]:
    """A bound UDP socket that never answers: no reply and no ICMP either."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        yield server.getsockname()[1]


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    config_dir = tmp_path / "etc"
    state_dir = tmp_path / "state"
    config_dir.mkdir()
    monkeypatch.setenv("RELAYKIT_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("RELAYKIT_STATE_DIR", str(state_dir))
    return config_dir, state_dir


def write_config(config_dir: Path, relays: list[dict[str, Any]], health: dict[str, Any] | None = None) -> None:
    document = {"relays": relays, "health": health if health is not None else FAST}
    (config_dir / "relays.json").write_text(json.dumps(document), encoding="utf-8")


def fake_commands(outputs: dict[tuple[str, ...], str | None]) -> Callable[[list[str]], str | None]:
    """A run_command stand-in: known argv -> canned stdout, anything else -> None (not installed)."""
    calls: list[tuple[str, ...]] = []

    def run(argv: list[str]) -> str | None:
        calls.append(tuple(argv))
        return outputs.get(tuple(argv))

    run.calls = calls  # type: ignore[attr-defined]
    return run


# --------------------------------------------------------------------------- iptables counters

FILTER_V4 = """\
# Generated by iptables-save v1.8.9 (nf_tables)
*filter
:INPUT ACCEPT [100:20000]
:FORWARD DROP [0:0]
:RELAYKIT-ACCT-IN - [0:0]
:RELAYKIT-ACCT-OUT - [0:0]
[7:700] -A FORWARD -m comment --comment "relaykit:tcp-50025:in" -j RELAYKIT-ACCT-IN
[12:3456] -A RELAYKIT-ACCT-IN -p tcp -m tcp --dport 50025 -m comment --comment "relaykit:tcp-50025:in"
[3:1000] -A RELAYKIT-ACCT-IN -p tcp --dport 50025 -m state --state NEW -m comment --comment "relaykit:tcp-50025:in"
[9:90000] -A RELAYKIT-ACCT-OUT -p tcp -m tcp --sport 50025 -m comment --comment "relaykit:tcp-50025:out"
[5:500] -A RELAYKIT-ACCT-IN -p udp -m udp --dport 5353 -m comment --comment "relaykit:udp-5353:in"
[4:44] -A RELAYKIT-ACCT-IN -p tcp -m tcp --dport 22 -m comment --comment "ssh accounting"
[2:20] -A RELAYKIT-ACCT-IN -p tcp -m tcp --dport 23
COMMIT
"""

FILTER_V6 = """\
*filter
:RELAYKIT-ACCT-IN - [0:0]
[1:100] -A RELAYKIT-ACCT-IN -p tcp -m tcp --dport 50025 -m comment --comment "relaykit:tcp-50025:in"
[2:2000] -A RELAYKIT-ACCT-OUT -p tcp -m tcp --sport 50025 -m comment --comment relaykit:tcp-50025:out
COMMIT
"""


def test_counters_sum_ipv4_and_ipv6_and_multiple_rules_per_comment() -> None:
    counters = rk.parse_counters(FILTER_V4, FILTER_V6)
    assert counters["tcp-50025"] == {"in": 3456 + 1000 + 100, "out": 90000 + 2000}
    assert counters["udp-5353"] == {"in": 500}


def test_counters_ignore_other_chains_and_foreign_comments() -> None:
    counters = rk.parse_counters(FILTER_V4, None)
    # the FORWARD jump carries a relaykit comment too, but only the accounting chains count
    assert counters["tcp-50025"]["in"] == 3456 + 1000
    assert set(counters) == {"tcp-50025", "udp-5353"}


def test_counters_none_when_no_output_at_all() -> None:
    assert rk.parse_counters(None, None) is None
    assert rk.parse_counters("", None) == {}
    assert rk.parse_counters(None, FILTER_V6) == {"tcp-50025": {"in": 100, "out": 2000}}


def test_rules_unquote_comments_and_skip_counterless_and_header_lines() -> None:
    text = ':RELAYKIT-ACCT-IN - [9:9]\n-A X -m comment --comment "a \\"quoted\\" one" -j ACCEPT\n[1:2] -A Y -j DROP\n'
    rules = list(rk.parse_rules(text))
    assert rules == [rk.Rule(chain="X", comment='a "quoted" one', packets=None, bytes=None)]


# --------------------------------------------------------------------------- nat rules, systemctl, ss, conntrack

NAT_V4 = """\
*nat
:PREROUTING ACCEPT [0:0]
:RELAYKIT-DNAT - [0:0]
-A PREROUTING -j RELAYKIT-DNAT
-A RELAYKIT-DNAT -p udp --dport 5353 -m comment --comment "relaykit:udp-5353:dnat" -j DNAT --to 198.18.10.20:53
-A POSTROUTING -p udp -d 198.18.10.20 -m comment --comment "relaykit:udp-5353:snat" -j MASQUERADE
-A RELAYKIT-DNAT -p tcp -m tcp --dport 6000 -m comment --comment "relaykit:tcp-6000:masquerade" -j ACCEPT
COMMIT
"""
NAT_V6 = """\
*nat
-A RELAYKIT-DNAT -p tcp --dport 50025 -m comment --comment "relaykit:tcp-50025:dnat" -j DNAT --to [fd00::20]:25
COMMIT
"""


def test_nat_rule_detection_over_ipv4_and_ipv6() -> None:
    names = rk.nat_rule_names(NAT_V4, NAT_V6)
    assert names == {"udp-5353", "tcp-50025"}
    assert rk.kernel_state("udp-5353", names) == "rules"
    assert rk.kernel_state("tcp-50025", names) == "rules"
    # a rule for another purpose, or a name that is a prefix of another, is not a DNAT rule for it
    assert rk.kernel_state("tcp-6000", names) == "no rules"
    assert rk.kernel_state("tcp-5002", names) == "no rules"
    assert rk.kernel_state("udp-5353", rk.nat_rule_names(None, None)) == "n/a"
    assert rk.kernel_state("udp-5353", rk.nat_rule_names("", None)) == "no rules"


@pytest.mark.parametrize(
    ("output", "state"),
    [("active\n", "active"), ("failed\n", "failed"), ("inactive", "inactive"), ("", "n/a"), (None, "n/a")],
)
def test_systemctl_is_active_output(output: str | None, state: str) -> None:
    assert rk.parse_is_active(output) == state


def test_ss_and_conntrack_output_are_counted_by_lines() -> None:
    ss = (
        "0      0      [::ffff:198.18.10.10]:50025 [::ffff:198.18.10.30]:41234\n"
        "0      0      [::ffff:198.18.10.10]:50025 [::ffff:198.18.10.30]:41236\n"
    )
    conntrack = (
        "udp      17 28 src=198.18.10.30 dst=198.18.10.10 sport=40000 dport=5353 src=198.18.10.20 "
        "dst=198.18.10.10 sport=53 dport=40000 mark=0 use=1\n"
    )
    assert rk.count_lines(ss) == 2
    assert rk.count_lines(conntrack) == 1
    assert rk.count_lines("\n") == 0
    assert rk.count_lines(None) is None


def test_connections_use_ss_for_socat_and_conntrack_for_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    ss_argv = ("ss", "-Htn", "state", "established", "( sport = :50025 )")
    conntrack_argv = ("conntrack", "-L", "-p", "udp", "--orig-port-dst", "5353")
    run = fake_commands({ss_argv: "a\nb\nc\n", conntrack_argv: "x\n"})
    monkeypatch.setattr(rk, "run_command", run)
    assert rk.relay_connections(relay()) == 3
    assert rk.relay_connections(relay(name="udp-5353", protocol="udp", engine="kernel", listen_port=5353)) == 1
    assert run.calls == [ss_argv, conntrack_argv]
    # conntrack not installed -> n/a
    monkeypatch.setattr(rk, "run_command", fake_commands({}))
    assert rk.relay_connections(relay(engine="kernel")) is None


def test_run_command_tolerates_missing_commands_and_keeps_output_of_failures() -> None:
    assert rk.run_command(["relaykit-no-such-command-here"]) is None
    # systemctl is-active exits 3 and prints "inactive": the output still counts
    assert rk.run_command(["sh", "-c", "echo inactive; exit 3"]) == "inactive\n"
    # a failure with nothing on stdout (permission denied, ...) is n/a; stderr is ignored
    assert rk.run_command(["sh", "-c", "echo denied >&2; exit 1"]) is None
    assert rk.run_command(["sh", "-c", "echo entry; echo '0 flow entries' >&2"]) == "entry\n"


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (None, "n/a"),
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (1258291, "1.2 MiB"),
        (5 * 1024**3, "5.0 GiB"),
        (3 * 1024**4, "3.0 TiB"),
    ],
)
def test_human_byte_units(count: int | None, text: str) -> None:
    assert rk.format_bytes(count) == text


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (59, "59s"), (119, "119s"), (600, "10m"), (7200, "2h")])
def test_age(seconds: int, text: str) -> None:
    assert rk.format_age(seconds) == text


def test_table_columns_are_aligned() -> None:
    headers = ("NAME", "CONNS", "HEALTH")
    rows = [["a", "7", "up (5s ago)"], ["much-longer-name", "12345", "never"]]
    lines = rk.render_table(headers, rows, frozenset({"CONNS"})).splitlines()
    assert lines == [
        "NAME              CONNS  HEALTH",
        "a                     7  up (5s ago)",
        "much-longer-name  12345  never",
    ]


def status_row(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "relay": relay(),
        "state": "active",
        "connections": 2,
        "bytes_in": 1258291,
        "bytes_out": 512,
        "health": {**rk.empty_health("up"), "age_s": 42},
    }
    fields.update(overrides)
    return rk.StatusRow(**fields)


def test_status_table_alignment_and_units() -> None:
    rows = [
        status_row(),
        status_row(
            relay=relay(
                name="udp-5353",
                protocol="udp",
                engine="kernel",
                listen_address="0.0.0.0",
                listen_port=5353,
                target_host="dns.example",
                target_port=53,
                unit=None,
                target_addresses=["198.18.10.20"],
            ),
            state="rules",
            connections=None,
            bytes_in=None,
            bytes_out=3 * 1024**3,
            health=rk.empty_health("never"),
        ),
    ]
    table = rk.render_table(rk.STATUS_HEADERS, [rk.status_cells(row) for row in rows], rk.RIGHT_ALIGNED)
    header, first, second = table.splitlines()
    assert header.split("  ")[0] == "NAME"
    for column in ("PROTO", "LISTEN", "TARGET", "ENGINE", "STATE", "HEALTH"):
        start = header.index(column)  # left-aligned columns start at the header
        assert first[start - 2 : start] == "  "
        assert second[start - 2 : start] == "  "
        assert first[start] != " "
        assert second[start] != " "
    for column in ("CONNS", "BYTES IN", "BYTES OUT"):
        end = header.index(column) + len(column)  # right-aligned columns end under the header's end
        assert first[end - 1] != " "
        assert second[end - 1] != " "
        assert first[end : end + 2] == "  "
    assert "[::]:50025" in first
    assert "0.0.0.0:5353" in second
    assert "dns.example:53 (198.18.10.20)" in second
    assert "1.2 MiB" in first
    assert "512 B" in first
    assert "3.0 GiB" in second
    assert first.endswith("up (42s ago)")
    assert second.endswith("never")
    assert re.search(r"rules\s+n/a\s+n/a\s+3\.0 GiB", second)


# --------------------------------------------------------------------------- health checks against real sockets


def test_tcp_listening_target_is_up_with_latency(tcp_server: int) -> None:
    result = rk.check_relay(relay(target_port=tcp_server), settings(timeout=2))
    assert result.state == "up"
    assert isinstance(result.latency_ms, float)
    assert 0 <= result.latency_ms < 200
    assert result.address == "127.0.0.1"
    assert f"127.0.0.1:{tcp_server}" in result.detail


def test_tcp_closed_port_is_down() -> None:
    port = closed_port(socket.SOCK_STREAM)
    result = rk.check_relay(relay(target_port=port), settings())
    assert result.state == "down"
    assert "connection refused" in result.detail
    assert result.latency_ms is None
    assert result.address is None


def test_udp_echo_target_is_up(udp_echo: int) -> None:
    # a generous timeout: it is only waited when the echo thread does not answer
    result = rk.check_relay(relay(protocol="udp", engine="kernel", target_port=udp_echo), settings(timeout=2))
    assert result.state == "up"
    assert isinstance(result.latency_ms, float)
    assert result.address == "127.0.0.1"


def test_udp_closed_port_is_down_via_icmp_refused() -> None:
    port = closed_port(socket.SOCK_DGRAM)
    result = rk.check_relay(relay(protocol="udp", engine="kernel", target_port=port), settings())
    assert result.state == "down"
    assert "connection refused" in result.detail


def test_udp_silence_is_unknown(udp_silent: int) -> None:
    result = rk.check_relay(relay(protocol="udp", engine="kernel", target_port=udp_silent), settings())
    assert result.state == "unknown"
    assert "no reply; UDP cannot confirm" in result.detail


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
def test_unresolvable_name_is_down(protocol: str) -> None:
    result = rk.check_relay(relay(protocol=protocol, target_host="nonexistent.invalid"), settings())
    assert result.state == "down"
    assert "nonexistent.invalid does not resolve" in result.detail


def test_kernel_relay_notes_when_the_name_moved_away_from_the_rules(tcp_server: int) -> None:
    moved = relay(engine="kernel", target_host="localhost", target_port=tcp_server, target_addresses=["198.18.10.20"])
    assert "the rules use 198.18.10.20" in rk.check_relay(moved, settings()).detail
    same = relay(engine="kernel", target_port=tcp_server, target_addresses=["127.0.0.1"])
    assert "rules use" not in rk.check_relay(same, settings()).detail


# --------------------------------------------------------------------------- retries


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Count probes and record the pauses between attempts (the pauses themselves are skipped)."""
    record: dict[str, list[Any]] = {"tcp": [], "udp": [], "pauses": []}
    real_tcp, real_udp = rk.tcp_probe, rk.udp_probe

    def tcp_probe(*args: Any) -> float:
        record["tcp"].append(args)
        return real_tcp(*args)

    def udp_probe(*args: Any) -> float | None:
        record["udp"].append(args)
        return real_udp(*args)

    monkeypatch.setattr(rk, "tcp_probe", tcp_probe)
    monkeypatch.setattr(rk, "udp_probe", udp_probe)
    monkeypatch.setattr(rk, "pause", record["pauses"].append)
    return record


def test_tcp_retries_are_honoured_on_a_dead_target(counted: dict[str, list[Any]]) -> None:
    port = closed_port(socket.SOCK_STREAM)
    result = rk.check_relay(relay(target_port=port), settings(retries=3))
    assert result.state == "down"
    assert len(counted["tcp"]) == 3
    assert counted["pauses"] == [1.0, 1.0]  # 1 s apart, none after the last attempt
    assert "(3 attempts)" in result.detail


def test_tcp_stops_at_the_first_success(counted: dict[str, list[Any]], tcp_server: int) -> None:
    assert rk.check_relay(relay(target_port=tcp_server), settings(retries=3)).state == "up"
    assert len(counted["tcp"]) == 1
    assert counted["pauses"] == []


def test_tcp_recovers_on_a_later_attempt(monkeypatch: pytest.MonkeyPatch, tcp_server: int) -> None:
    attempts: list[int] = []
    real = rk.tcp_probe

    def flaky(*args: Any) -> float:
        attempts.append(1)
        if len(attempts) < 2:
            raise ConnectionRefusedError
        return real(*args)

    monkeypatch.setattr(rk, "tcp_probe", flaky)
    monkeypatch.setattr(rk, "pause", lambda _seconds: None)
    result = rk.check_relay(relay(target_port=tcp_server), settings(retries=3))
    assert result.state == "up"
    assert len(attempts) == 2
    assert "attempt 2 of 3" in result.detail


def test_udp_retries_are_honoured(counted: dict[str, list[Any]], udp_silent: int) -> None:
    result = rk.check_relay(relay(protocol="udp", engine="kernel", target_port=udp_silent), settings(retries=2))
    assert result.state == "unknown"
    assert len(counted["udp"]) == 2
    assert counted["pauses"] == [1.0]


def test_retry_delay_is_really_waited() -> None:
    port = closed_port(socket.SOCK_STREAM)
    started = time.monotonic()
    rk.check_relay(relay(target_port=port), settings(retries=3), delay=0.1)
    assert time.monotonic() - started >= 0.2


# --------------------------------------------------------------------------- health.json and exit codes


def test_write_json_atomic_replaces_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "state" / "health.json"
    rk.write_json_atomic(str(target), {"checked_at": "old"})
    rk.write_json_atomic(str(target), {"checked_at": "new"})
    assert json.loads(target.read_text()) == {"checked_at": "new"}
    assert [path.name for path in target.parent.iterdir()] == ["health.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_json_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "health.json"
    rk.write_json_atomic(str(target), {"checked_at": "old"})
    with pytest.raises(TypeError):
        rk.write_json_atomic(str(target), {"checked_at": object()})
    assert json.loads(target.read_text()) == {"checked_at": "old"}
    assert [path.name for path in tmp_path.iterdir()] == ["health.json"]


def test_health_all_up_exits_0_and_records(
    dirs: tuple[Path, Path], tcp_server: int, udp_echo: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    relays = [relay_entry("web", tcp_server), relay_entry("dns", udp_echo, "udp", "kernel")]
    write_config(config_dir, relays, {"enabled": True, "timeout": 2, "retries": 1})
    assert rk.main(["health"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert [line.split()[:2] for line in out.splitlines()] == [["web", "up"], ["dns", "up"]]
    document = json.loads((state_dir / "health.json").read_text())
    checked_at = datetime.fromisoformat(document["checked_at"])
    assert checked_at.tzinfo is not None
    assert abs(datetime.now(UTC) - checked_at) < timedelta(minutes=1)
    assert set(document["relays"]) == {"web", "dns"}
    for entry in document["relays"].values():
        assert set(entry) == {"state", "detail", "latency_ms", "address"}
        assert entry["state"] == "up"
        assert isinstance(entry["latency_ms"], float)
        assert entry["address"] == "127.0.0.1"


def test_health_down_exits_1_and_reports_on_stderr(
    dirs: tuple[Path, Path], tcp_server: int, udp_silent: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    dead = closed_port(socket.SOCK_STREAM)
    relays = [
        relay_entry("web", tcp_server),
        relay_entry("dead", dead),
        relay_entry("quiet", udp_silent, "udp", "kernel"),
        relay_entry("ghost", 25, target_host="nonexistent.invalid"),
    ]
    write_config(config_dir, relays)
    assert rk.main(["health", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"relaykit: relay dead target 127.0.0.1:{dead} is DOWN: ")
    assert "connection refused" in lines[0]
    assert lines[1].startswith("relaykit: relay ghost target nonexistent.invalid:25 is DOWN: ")
    states = {
        name: entry["state"] for name, entry in json.loads((state_dir / "health.json").read_text())["relays"].items()
    }
    assert states == {"web": "up", "dead": "down", "quiet": "unknown", "ghost": "down"}


def test_health_json_prints_the_recorded_document(
    dirs: tuple[Path, Path], tcp_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    write_config(config_dir, [relay_entry("web", tcp_server)])
    assert rk.main(["health", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((state_dir / "health.json").read_text())


def test_health_disabled_checks_nothing(dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    config_dir, state_dir = dirs
    write_config(config_dir, [relay_entry("dead", closed_port(socket.SOCK_STREAM))], {"enabled": False})
    assert rk.main(["health"]) == 0
    assert "disabled" in capsys.readouterr().out
    assert not (state_dir / "health.json").exists()


def test_health_exits_2_when_the_state_cannot_be_written(
    dirs: tuple[Path, Path], tcp_server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    state_dir.write_text("a file where the directory should be")
    write_config(config_dir, [relay_entry("web", tcp_server)])
    assert rk.main(["health", "--quiet"]) == 2
    assert "relaykit: cannot write" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not valid JSON"),
        ('{"relays": {}}', "'relays' must be a list"),
        ('{"relays": [{"name": "x", "protocol": "sctp"}]}', "relays[0] ('x'): 'protocol' must be one of tcp, udp"),
        (
            json.dumps({"relays": [relay_entry("x", 25, listen_port=70000)]}),
            "relays[0] ('x'): 'listen_port' must be a port number",
        ),
        (json.dumps({"relays": [], "health": {"retries": 0}}), "'retries' must be an integer >= 1"),
        (json.dumps({"relays": [relay_entry("x", 25), relay_entry("x", 26)]}), "repeated: x"),
    ],
)
@pytest.mark.parametrize("command", ["status", "health"])
def test_bad_config_exits_2_with_a_clean_message(
    dirs: tuple[Path, Path], capsys: pytest.CaptureFixture[str], content: str | None, message: str, command: str
) -> None:
    config_dir, _ = dirs
    if content is not None:
        (config_dir / "relays.json").write_text(content)
    assert rk.main([command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relaykit: ")
    assert message in err
    assert "Traceback" not in err


def test_installed_script_runs_and_fails_cleanly(tmp_path: Path) -> None:
    assert SCRIPT.read_text().splitlines()[0] == "#!/usr/bin/python3"
    assert os.access(SCRIPT, os.X_OK)
    env = {**os.environ, "RELAYKIT_CONFIG_DIR": str(tmp_path), "RELAYKIT_STATE_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, str(SCRIPT), "status"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2
    assert done.stderr == f"relaykit: cannot read {tmp_path}/relays.json: No such file or directory\n"


# --------------------------------------------------------------------------- status


def stubbed_status(monkeypatch: pytest.MonkeyPatch, config_dir: Path, state_dir: Path) -> Any:
    relays = [
        relay_entry("tcp-50025", 25, listen_port=50025, target_host="btc.example"),
        relay_entry(
            "udp-5353",
            53,
            "udp",
            "kernel",
            listen_address="0.0.0.0",
            listen_port=5353,
            target_host="dns.example",
            target_addresses=["198.18.10.20"],
        ),
        relay_entry("tcp-6000", 22, engine="kernel", listen_port=6000, target_addresses=["127.0.0.1"]),
    ]
    write_config(config_dir, relays, {"enabled": True, "timeout": 10, "retries": 3})
    state_dir.mkdir()
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(rk, "utc_now", lambda: now)
    checked_at = now - timedelta(seconds=90)
    health = {
        "checked_at": checked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "relays": {
            "tcp-50025": {"state": "up", "detail": "connected", "latency_ms": 1.5, "address": "198.18.10.20"},
            "udp-5353": {
                "state": "unknown",
                "detail": "no reply; UDP cannot confirm",
                "latency_ms": None,
                "address": None,
            },
        },
    }
    (state_dir / "health.json").write_text(json.dumps(health))
    run = fake_commands(
        {
            ("iptables-save", "-c", "-t", "filter"): FILTER_V4,
            ("ip6tables-save", "-c", "-t", "filter"): FILTER_V6,
            ("iptables-save", "-t", "nat"): NAT_V4,
            ("ip6tables-save", "-t", "nat"): None,  # not installed
            ("systemctl", "is-active", "relaykit-relay-tcp-50025.service"): "failed\n",
            ("ss", "-Htn", "state", "established", "( sport = :50025 )"): "c1\nc2\n",
            ("conntrack", "-L", "-p", "udp", "--orig-port-dst", "5353"): "e1\ne2\ne3\n",
        }
    )
    monkeypatch.setattr(rk, "run_command", run)
    return run


def test_status_json_structure(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    stubbed_status(monkeypatch, config_dir, state_dir)
    assert rk.main(["status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in rows] == ["tcp-50025", "udp-5353", "tcp-6000"]
    socat, udp, tcp_kernel = rows
    assert set(socat) == {
        "name",
        "protocol",
        "listen_address",
        "listen_port",
        "target_host",
        "target_port",
        "target_addresses",
        "engine",
        "unit",
        "state",
        "connections",
        "bytes_in",
        "bytes_out",
        "health",
    }
    assert socat["state"] == "failed"
    assert socat["connections"] == 2
    assert socat["bytes_in"] == 3456 + 1000 + 100
    assert socat["bytes_out"] == 92000
    assert socat["health"]["state"] == "up"
    assert socat["health"]["latency_ms"] == 1.5
    assert socat["health"]["age_s"] == 90
    assert socat["health"]["checked_at"] == "2026-01-02T03:02:35Z"
    assert udp["state"] == "rules"
    assert udp["connections"] == 3
    assert udp["bytes_in"] == 500
    assert udp["bytes_out"] is None
    assert udp["target_addresses"] == ["198.18.10.20"]
    assert udp["health"]["state"] == "unknown"
    assert tcp_kernel["state"] == "no rules"
    assert tcp_kernel["connections"] is None  # conntrack "not installed"
    assert tcp_kernel["bytes_in"] is None
    assert tcp_kernel["health"]["state"] == "never"
    assert tcp_kernel["health"]["age_s"] is None


def test_status_table(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    stubbed_status(monkeypatch, config_dir, state_dir)
    assert rk.main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == list(rk.STATUS_HEADERS)
    assert len(lines) == 4
    assert re.split(r"\s{2,}", lines[1]) == [
        "tcp-50025",
        "tcp",
        "[::]:50025",
        "btc.example:25",
        "socat",
        "failed",
        "2",
        "4.4 KiB",
        "89.8 KiB",
        "up (90s ago)",
    ]
    assert "dns.example:53 (198.18.10.20)" in lines[2]
    assert lines[3].endswith("never")


def test_status_without_tools_or_health_file(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, _ = dirs
    write_config(config_dir, [relay_entry("web", 80), relay_entry("dns", 53, "udp", "kernel")])
    monkeypatch.setattr(rk, "run_command", fake_commands({}))
    assert rk.main(["status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    for row in rows:
        assert row["state"] == "n/a"
        assert row["connections"] is None
        assert row["bytes_in"] is None
        assert row["health"]["state"] == "never"


def test_status_health_disabled(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, state_dir = dirs
    stubbed_status(monkeypatch, config_dir, state_dir)
    write_config(config_dir, [relay_entry("tcp-50025", 25)], {"enabled": False})
    assert rk.main(["status"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("disabled")


def test_status_with_no_relays(
    dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir, _ = dirs
    write_config(config_dir, [])
    monkeypatch.setattr(rk, "run_command", fake_commands({}))
    assert rk.main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert rk.main(["status"]) == 0
    assert "no relays configured" in capsys.readouterr().out
