# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of bench/run.py's arithmetic and parsing (the measuring itself runs in make bench-smoke)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _scripts import REPO, load_script

bench = load_script(REPO / "bench" / "run.py", "relaykit_bench")

WRK_OUTPUT = """Running 5s test @ http://198.18.30.10:20080/1b
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.95ms    1.24ms  16.50ms   80.69%
    Req/Sec     5.27k   462.04     5.93k    80.00%
  Latency Distribution
     50%    2.78ms
     75%    3.37ms
     90%    4.13ms
     99%    {p99}
  52710 requests in 5.01s, 7.70MB read
Requests/sec:  10521.35
Transfer/sec:      1.54MB
"""

REQUIRED = [
    "socat.bulk1_ratio",
    "socat.conn_rate_ratio",
    "socat.burst1000_ratio",
    "socat.alive5000",
    "socat.rss5000_mb",
    "kernel.bulk1_ratio",
    "kernel.bulk8_ratio",
    "kernel.conn_rate_ratio",
    "kernel.p99_ratio",
    "udp.rx_ratio",
    "control.first_converge_200_s",
    "control.rerun_1_s",
    "control.rerun_200_s",
    "control.lab_rerun_s",
    "control.relay_host_rerun_s",
    "control.fleet8_rerun_ratio",
]


@pytest.mark.parametrize(("printed", "ms"), [("6.02ms", 6.02), ("812.00us", 0.812), ("1.20s", 1200.0)])
def test_wrk_rate_and_p99_in_milliseconds(monkeypatch: pytest.MonkeyPatch, printed: str, ms: float) -> None:
    monkeypatch.setattr(bench, "on", lambda *_args, **_kw: WRK_OUTPUT.format(p99=printed))
    rate, p99 = bench.connection_rate("kernel", 5)
    assert rate == 10521.35
    assert p99 == pytest.approx(ms)


def test_wrk_without_figures_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "on", lambda *_args, **_kw: "unable to connect to 198.18.30.10:20080")
    with pytest.raises(bench.BenchError, match="kernel path gave no figures"):
        bench.connection_rate("kernel", 5)


def test_iperf_error_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "on", lambda *_args, **_kw: json.dumps({"error": "unable to connect to server"}))
    with pytest.raises(bench.BenchError, match="socat path: unable to connect"):
        bench.bulk("socat", 5, 1)


def test_udp_received_rate_is_the_sent_rate_less_the_loss(monkeypatch: pytest.MonkeyPatch) -> None:
    end = {"end": {"sum": {"bits_per_second": 2e9, "lost_percent": 25.0}}}
    monkeypatch.setattr(bench, "on", lambda *_args, **_kw: json.dumps(end))
    assert bench.udp("kernel", 5) == (pytest.approx(1.5), 25.0)


def test_ratios_are_taken_within_a_repetition_then_the_median() -> None:
    series = bench.Series()
    for direct, relayed in ((10.0, 5.0), (20.0, 18.0), (12.0, 6.0)):
        series.add("bulk1", "direct", direct)
        series.add("bulk1", "kernel", relayed)
    assert series.ratio("bulk1", "kernel") == 0.5  # ratios 0.5, 0.9, 0.5; the median of the figures would be 0.5
    assert series.direct("bulk1") == 12.0


def test_recap_lines_are_read_per_host() -> None:
    recap = "bench-ctl200               : ok=41   changed=0    unreachable=0    failed=0    skipped=9    rescued=0"
    found = {m[1]: m[3] for m in bench.RECAP.finditer(recap)}
    assert found == {"bench-ctl200": "0"}


def test_the_changed_relay_list_differs_in_one_line_only() -> None:
    before, after = bench.relay_lines(200), bench.relay_lines(200, changed=True)
    assert len(before) == len(after) == 200
    assert len(set(before)) == 200
    assert [b for b, a in zip(before, after, strict=True) if a != b] == [
        f"{bench.CHANGED_PORT};9100;{bench.TARGET};TCP"
    ]


def fake_series() -> Any:
    series = bench.Series()
    for path in ("direct", "socat", "kernel"):
        for figure, value in (
            ("bulk1", 10.0),
            ("bulk8", 10.0),
            ("conn_rate", 1000.0),
            ("p99", 2.0),
            ("burst", 0.25),
            ("burst_reach", 0.3),
        ):
            series.add(figure, path, value if path == "direct" else value / 2)
        series.add("alive", path, 5000)
        series.add("rss", path, 12000.0 if path == "socat" else 0.0)
        series.add("pss", path, 300.0 if path == "socat" else 0.0)
    for path in ("direct", "kernel"):
        series.add("udp_rx", path, 1.0)
        series.add("udp_loss", path, 0.5)
    return series


CONTROL = {
    "control.relays": 200,
    "control.first_converge_200_s": 60.0,
    "control.rerun_1_s": 30.0,
    "control.rerun_200_s": 33.0,
    "control.rerun_ratio": 1.1,
    "control.change_one_s": 35.0,
    "control.change_one_restarted": 1,
    "control.relay_host_rerun_s": 12.0,
    "control.fleet8_rerun_s": 40.0,
    "control.fleet8_rerun_ratio": 3.33,
    "control.lab_rerun_s": 55.0,
}


def test_the_summary_has_every_key_the_issue_asks_for() -> None:
    result = bench.summary(fake_series(), CONTROL)
    assert [key for key in REQUIRED if key not in result] == []
    assert result["socat.bulk1_ratio"] == 0.5
    assert result["kernel.burst1000_ratio"] == 0.5
    assert result["socat.alive5000"] == 5000


def test_the_table_reports_every_target_met_or_missed() -> None:
    meta = {"date": "2026-11-22", "machine": "test", "reps": 3, "seconds": 5, "burst": 1000, "idle": 5000}
    text = bench.table(bench.summary(fake_series(), CONTROL), meta)
    assert "MISSED  socat.burst1000_ratio" not in text  # 0.5 <= 2.5
    assert "met     socat.burst1000_ratio = 0.5" in text
    assert "MISSED  kernel.bulk1_ratio = 0.5 (target >= 0.8)" in text
    assert "met     control.rerun_200_s = 33.0 (target <= 60)" in text
    assert "met     control.relay_host_rerun_s = 12.0 (target <= 15)" in text
    assert "MISSED  control.fleet8_rerun_ratio = 3.33 (target <= 3)" in text
    assert "met     control.lab_rerun_s = 55.0 (target <= 60)" in text


def test_the_quick_run_reports_the_lab_site_as_not_measured() -> None:
    meta = {"date": "2026-11-22", "machine": "test", "reps": 1, "seconds": 1, "burst": 1000, "idle": 5000}
    text = bench.table(bench.summary(fake_series(), {**CONTROL, "control.lab_rerun_s": None}), meta)
    assert "the lab's site not measured (--quick)" in text
    assert "-       control.lab_rerun_s not measured (target <= 60)" in text
    assert text.count("\n| ") == 10  # header and nine figures, as a Markdown table
