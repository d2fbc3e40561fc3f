#!/usr/bin/env python3
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""relaykit's benchmark: relays deployed by relaykit, measured against the direct path.

    bench/run.py            the full run (3 repetitions, 5 s a figure): make bench
    bench/run.py --quick    one short repetition, the smoke run of make test
    bench/run.py --control  only what converges cost: relay hosts, a fleet of 8, the lab's site
    bench/run.py --down     remove the benchmark's hosts and networks

It brings up its own topology (bench/inventory/hosts.yml: client -> relay -> target as
systemd containers on the local Docker Engine, the direct path routed through the relay
host), deploys the relay host with relaykit's own playbook (playbooks/relays.yml), and
measures the direct path, the socat engine and the kernel engine interleaved, repetition
after repetition. Every figure is the median of the per-repetition ratios to the direct
path measured in the same repetition. Last comes one line `SUMMARY {json}`.

The control-plane figures come from fresh hosts, reached over SSH as real sites are: the first
converge of 200 relays, no-change re-runs with 1 and with 200 relays and of a fleet of 8 relay
hosts (interleaved), and a change to one relay of 200 (which must restart that relay's unit and
no other). The full run also times a no-change re-run of the lab's whole site (inventories/lab,
`lab/lab.sh up` and a converge first when needed); the quick run skips it (null in SUMMARY).

The run fails (exit 1) when something does not work: a path that carries nothing, a re-run
that changes something, a change that restarts more than its relay. Targets (issue 7) are
reported, never asserted: figures on shared machines move from run to run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
STATE = BENCH / ".state"
INVENTORY = BENCH / "inventory" / "hosts.yml"
RELEASE = os.environ.get("LAB_RELEASE", "trixie")
IMAGE = f"relaykit/debian-systemd:{RELEASE}"
SSH_KEY = REPO / "lab" / ".state" / "ssh" / "id_ed25519.pub"
LABEL = "org.relaykit.bench"
KEY_LABEL = f"{LABEL}.key"
PREFIX = "relaykit-bench-"
NETWORKS = {"front": ("198.18.30", "fd00:18:30::"), "back": ("198.18.31", "fd00:18:31::")}
DATA_HOSTS = {"client": [("front", 30)], "relay": [("front", 10), ("back", 10)], "target": [("back", 20)]}
CONTROL_HOSTS = {"ctl1": [("back", 41)], "ctl200": [("back", 42)]}
# With ctl1, a fleet of 8 relay hosts of one relay each.
FLEET_HOSTS = {f"fleet{n}": [("back", 50 + n)] for n in range(2, 9)}
RELAY, TARGET = "198.18.30.10", "198.18.31.20"
# What the client connects to on each path (bench/inventory/host_vars/bench-relay.yml).
PATHS = {
    "direct": (TARGET, {"bulk": 5201, "http": 80, "sink": 9100, "udp": 5201}),
    "socat": (RELAY, {"bulk": 15201, "http": 10080, "sink": 19100}),
    "kernel": (RELAY, {"bulk": 25201, "http": 20080, "sink": 29100, "udp": 35201}),
}
ENGINES = ("socat", "kernel")
CONTROL_RELAYS = 200
CHANGED_PORT = 40100

RSS_SCRIPT = """
import os
count = rss = pss = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/comm") as comm:
            if comm.read().strip() != "socat":
                continue
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith(("Rss:", "Pss:")):
                    kib = int(line.split()[1])
                    rss, pss = (rss + kib, pss) if line.startswith("Rss:") else (rss, pss + kib)
        count += 1
    except OSError:
        pass
print(count, rss, pss)
"""


class BenchError(Exception):
    """Something did not work: the run fails with this message."""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(*cmd: str, check: bool = True, env: dict[str, str] | None = None, quiet: bool = False) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=REPO)
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{tail}")
    if not quiet and proc.stderr.strip() and proc.returncode != 0:
        log(proc.stderr.strip())
    return proc.stdout


def on(host: str, *cmd: str, check: bool = True) -> str:
    return run("docker", "exec", PREFIX + host, *cmd, check=check)


# --- topology --------------------------------------------------------------------------


def ensure_networks() -> None:
    for name, (v4, v6) in NETWORKS.items():
        if exists("network", PREFIX + name):
            continue
        log(f"creating network {PREFIX}{name} ({v4}.0/24, {v6}/64)")
        run(
            "docker", "network", "create", "--driver", "bridge", "--ipv6",
            "--subnet", f"{v4}.0/24", "--gateway", f"{v4}.1", "--subnet", f"{v6}/64", "--gateway", f"{v6}1",
            "--label", f"{LABEL}=1", PREFIX + name,
        )  # fmt: skip


def exists(kind: str, name: str) -> bool:
    inspect = ["docker", kind, "inspect", name]
    return subprocess.run(inspect, capture_output=True, check=False).returncode == 0


def label_of(container: str, label: str) -> str:
    template = f'{{{{ index .Config.Labels "{label}" }}}}'
    return run("docker", "container", "inspect", "--format", template, container).strip()


def ssh_key_id() -> str:
    """Which key the hosts mount, as lab/lab.sh names it (16 hex digits of its sha256)."""
    return hashlib.sha256(SSH_KEY.read_bytes()).hexdigest()[:16]


def ensure_hosts(hosts: dict[str, list[tuple[str, int]]], fresh: bool = False) -> None:
    for name, links in hosts.items():
        container = PREFIX + name
        if exists("container", container) and (fresh or label_of(container, KEY_LABEL) != ssh_key_id()):
            # A host that outlived the key it mounts (a new clone at the same path makes a new
            # key; a running container keeps the old file) would refuse the controller.
            run("docker", "rm", "-f", "-v", container)
        if exists("container", container):
            run("docker", "start", container)
            continue
        (first, suffix), *others = links
        v4, v6 = NETWORKS[first]
        run(
            "docker", "run", "-d", "--name", container, "--hostname", PREFIX + name,
            "--privileged", "--cgroupns=private", "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
            "--network", PREFIX + first, "--ip", f"{v4}.{suffix}", "--ip6", f"{v6}{suffix}",
            "--label", f"{LABEL}=1", "--label", f"{KEY_LABEL}={ssh_key_id()}",
            "-v", f"{SSH_KEY}:/etc/ssh/relaykit-lab/authorized_keys:ro", IMAGE,
        )  # fmt: skip
        for network, suffix_ in others:
            v4, v6 = NETWORKS[network]
            run("docker", "network", "connect", "--ip", f"{v4}.{suffix_}", "--ip6", f"{v6}{suffix_}",
                PREFIX + network, container)  # fmt: skip
    for name in hosts:
        deadline = time.monotonic() + 90
        while (state := on(name, "systemctl", "is-system-running", check=False).strip()) not in ("running", "degraded"):
            if time.monotonic() > deadline:
                raise BenchError(f"{PREFIX}{name} did not boot (state {state or 'none'})")
            time.sleep(0.5)
        # Ansible reaches the hosts over SSH: sshd must be listening too.
        while on(name, "systemctl", "is-active", "ssh.service", check=False).strip() != "active":
            if time.monotonic() > deadline:
                raise BenchError(f"{PREFIX}{name}: sshd did not start")
            time.sleep(0.5)


def down() -> None:
    containers = run("docker", "ps", "-aq", "--filter", f"label={LABEL}=1").split()
    if containers:
        run("docker", "rm", "-f", "-v", *containers)
    for name in NETWORKS:
        run("docker", "network", "rm", PREFIX + name, check=False, quiet=True)
    log("benchmark hosts and networks removed")


# --- ansible ---------------------------------------------------------------------------

RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def playbook(playbook_path: str, limit: str | None = None, extra: Path | None = None) -> tuple[float, dict]:
    """Run a playbook on the benchmark inventory; return its wall time and the recap per host."""
    cmd = ["ansible-playbook", "-i", str(INVENTORY), playbook_path]
    if limit:
        cmd += ["--limit", limit]
    if extra:
        cmd += ["-e", f"@{extra}"]
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    start = time.monotonic()
    out = run(*cmd, env=env)
    seconds = time.monotonic() - start
    recap = {m[1]: {"ok": int(m[2]), "changed": int(m[3]), "failed": int(m[5])} for m in RECAP.finditer(out)}
    return seconds, recap


# --- measurements ----------------------------------------------------------------------


def iperf(path: str, seconds: int, *args: str) -> dict:
    host, ports = PATHS[path]
    port = ports["udp"] if "-u" in args else ports["bulk"]
    cmd = ["iperf3", "-c", host, "-p", str(port), "-t", str(seconds), "-J", *args]
    for _attempt in range(5):
        data = json.loads(on("client", *cmd, check=False) or "{}")
        if "busy" not in data.get("error", ""):
            break
        time.sleep(1)
    if "error" in data or "end" not in data:
        raise BenchError(f"iperf3 on the {path} path: {data.get('error', 'no result')}")
    return data["end"]


def bulk(path: str, seconds: int, streams: int) -> float:
    """Received throughput in Gbit/s."""
    return iperf(path, seconds, "-P", str(streams))["sum_received"]["bits_per_second"] / 1e9


def udp(path: str, seconds: int) -> tuple[float, float]:
    """Received UDP throughput in Gbit/s at the sender's maximum rate, and the loss in %."""
    end = iperf(path, seconds, "-u", "-b", "0")
    total = end["sum"]
    loss = float(total.get("lost_percent", 0.0))
    received = end.get("sum_received", {}).get("bits_per_second") or total["bits_per_second"] * (1 - loss / 100)
    return received / 1e9, loss


WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def connection_rate(path: str, seconds: int) -> tuple[float, float]:
    """New connections per second (one request each, Connection: close) and their p99 in ms."""
    host, ports = PATHS[path]
    out = on(
        "client", "wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", "Connection: close",
        f"http://{host}:{ports['http']}/1b",
    )  # fmt: skip
    rate, p99 = WRK_RATE.search(out), WRK_P99.search(out)
    if not rate or not p99 or float(rate[1]) == 0:
        raise BenchError(f"wrk on the {path} path gave no figures:\n{out}")
    return float(rate[1]), float(p99[1]) * UNIT_MS[p99[2]]


def conns(path: str, mode: str, count: int) -> list[str]:
    host, ports = PATHS[path]
    return ["relaykit-bench-conns", mode, "--host", host, "--port", str(ports["sink"]), "--count", str(count)]


def burst(path: str, count: int) -> tuple[float, float]:
    """COUNT connections opened at once: seconds until all are established, and until all reached the target."""
    result = json.loads(on("client", *conns(path, "burst", count)).splitlines()[-1])
    if result["reached"] != count:
        log(f"burst on the {path} path: {result['reached']} of {count} connections reached the target")
    if not result["reached"]:
        raise BenchError(f"burst on the {path} path: no connection reached the target")
    return result["seconds"], result["reached_seconds"]


def socat_processes() -> tuple[int, float, float]:
    count, rss, pss = on("relay", "python3", "-c", RSS_SCRIPT).split()
    return int(count), int(rss) / 1024, int(pss) / 1024


def settle_socat() -> None:
    """Wait until the socat children of the previous test are gone (only the listeners remain)."""
    listeners = len(PATHS["socat"][1])  # one socat listener per socat relay
    deadline = time.monotonic() + 60
    while socat_processes()[0] > listeners and time.monotonic() < deadline:
        time.sleep(0.5)


def idle(path: str, count: int, hold: float) -> tuple[int, float, float]:
    """Hold COUNT idle connections: how many are alive after HOLD seconds, and the relay processes' RSS and PSS."""
    cmd = ["docker", "exec", "-i", PREFIX + "client", *conns(path, "idle", count)]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdin and proc.stdout
        ready = proc.stdout.readline()
        if not ready.startswith("READY "):
            raise BenchError(f"idle connections on the {path} path: {ready or 'no answer'}")
        time.sleep(hold)
        _processes, rss, pss = socat_processes() if path == "socat" else (0, 0.0, 0.0)
        proc.stdin.write("\n")
        proc.stdin.flush()
        result = json.loads(proc.stdout.read().splitlines()[-1])
    if path == "socat":
        settle_socat()
    return result["alive"], rss, pss


# --- the data plane ----------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Series:
    """Figures per path and repetition; ratios are taken within a repetition, then the median."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, list[float]]] = {}

    def add(self, figure: str, path: str, value: float) -> None:
        self.values.setdefault(figure, {}).setdefault(path, []).append(value)

    def direct(self, figure: str) -> float:
        return median(self.values[figure]["direct"])

    def ratio(self, figure: str, path: str) -> float:
        pairs = zip(self.values[figure][path], self.values[figure]["direct"], strict=True)
        return median([value / direct if direct else float("nan") for value, direct in pairs])

    def median(self, figure: str, path: str) -> float:
        return median(self.values[figure][path])


def data_plane(reps: int, seconds: int, burst_count: int, idle_count: int, hold: float) -> Series:
    series = Series()
    paths = ("direct", *ENGINES)
    steps: list[tuple[str, Callable[[str], Any], tuple[str, ...]]] = [
        ("bulk1", lambda p: bulk(p, seconds, 1), paths),
        ("bulk8", lambda p: bulk(p, seconds, 8), paths),
        ("conn", lambda p: connection_rate(p, seconds), paths),
        ("burst", lambda p: burst(p, burst_count), paths),
        ("idle", lambda p: idle(p, idle_count, hold), paths),
        ("udp", lambda p: udp(p, seconds), ("direct", "kernel")),
    ]
    for rep in range(1, reps + 1):
        for figure, measure, on_paths in steps:
            for path in on_paths:
                log(f"repetition {rep}/{reps}: {figure} on the {path} path")
                value = measure(path)
                if figure == "conn":
                    series.add("conn_rate", path, value[0])
                    series.add("p99", path, value[1])
                elif figure == "idle":
                    series.add("alive", path, value[0])
                    series.add("rss", path, value[1])
                    series.add("pss", path, value[2])
                elif figure == "burst":
                    series.add("burst", path, value[0])
                    series.add("burst_reach", path, value[1])
                elif figure == "udp":
                    series.add("udp_rx", path, value[0])
                    series.add("udp_loss", path, value[1])
                else:
                    series.add(figure, path, value)
                if figure in ("conn", "burst"):
                    time.sleep(1)  # let TIME_WAIT and conntrack settle between paths
    return series


# --- the control plane -------------------------------------------------------------------


def relay_lines(count: int, changed: bool = False) -> list[str]:
    lines = []
    for port in range(40001, 40001 + count):
        target_port = 5201 if changed and port == CHANGED_PORT else 9100
        lines.append(f"{port};{target_port};{TARGET};TCP")
    return lines


def write_vars(name: str, lines: list[str]) -> Path:
    STATE.mkdir(exist_ok=True)
    path = STATE / f"{name}.json"
    path.write_text(json.dumps({"port_relays": lines}), encoding="utf-8")
    return path


def main_pids(host: str) -> dict[str, str]:
    units = on(host, "systemctl", "list-units", "--plain", "--no-legend", "--all", "relaykit-relay-*").split("\n")
    names = [line.split()[0] for line in units if line.strip()]
    out = on(host, "systemctl", "show", "-p", "Id", "-p", "MainPID", *names)
    pids: dict[str, str] = {}
    for block in out.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        pids[fields["Id"]] = fields["MainPID"]
    return pids


def unchanged(seconds_recap: tuple[float, dict], host: str, what: str) -> float:
    seconds, recap = seconds_recap
    if recap.get(host, {}).get("changed") != 0:
        raise BenchError(f"{what}: a no-change re-run changed something on {host}: {recap.get(host)}")
    return seconds


def fleet_unchanged(seconds_recap: tuple[float, dict]) -> float:
    seconds, recap = seconds_recap
    hosts = ["bench-ctl1", *(f"bench-{name}" for name in FLEET_HOSTS)]
    for host in hosts:
        unchanged((seconds, recap), host, "the fleet of 8")
    return seconds


def control_plane(reps: int) -> dict[str, float]:
    log("control plane: fresh hosts ctl1, ctl200 and fleet2..fleet8")
    ensure_hosts({**CONTROL_HOSTS, **FLEET_HOSTS}, fresh=True)
    one, many = write_vars("ctl1", relay_lines(1)), write_vars("ctl200", relay_lines(CONTROL_RELAYS))
    log(f"control plane: first converge of {CONTROL_RELAYS} relays on a fresh host")
    first_200, _recap = playbook("playbooks/relays.yml", "bench-ctl200", many)
    running = len(main_pids("ctl200"))
    if running != CONTROL_RELAYS:
        raise BenchError(f"after the first converge {running} relay units run on ctl200, not {CONTROL_RELAYS}")
    log("control plane: first converge of the fleet of 8 relay hosts")
    playbook("playbooks/relays.yml", "bench_fleet", one)
    rerun_1, rerun_200, rerun_fleet = [], [], []
    for rep in range(1, reps + 1):
        log(f"control plane: no-change re-runs, repetition {rep}/{reps}")
        rerun_1.append(unchanged(playbook("playbooks/relays.yml", "bench-ctl1", one), "bench-ctl1", "1 relay"))
        rerun_200.append(unchanged(playbook("playbooks/relays.yml", "bench-ctl200", many), "bench-ctl200", "200"))
        rerun_fleet.append(fleet_unchanged(playbook("playbooks/relays.yml", "bench_fleet", one)))
    log(f"control plane: change relay {CHANGED_PORT} of {CONTROL_RELAYS}")
    before = main_pids("ctl200")
    changed_vars = write_vars("ctl200-changed", relay_lines(CONTROL_RELAYS, changed=True))
    changed_s, _recap = playbook("playbooks/relays.yml", "bench-ctl200", changed_vars)
    after = main_pids("ctl200")
    restarted = sorted(unit for unit in before if before[unit] != after.get(unit))
    if restarted != [f"relaykit-relay-tcp-{CHANGED_PORT}.service"]:
        raise BenchError(f"changing relay tcp-{CHANGED_PORT} restarted {restarted or 'nothing'}")
    return {
        "control.relays": CONTROL_RELAYS,
        "control.first_converge_200_s": round(first_200, 1),
        "control.rerun_1_s": round(median(rerun_1), 1),
        "control.rerun_200_s": round(median(rerun_200), 1),
        "control.rerun_ratio": round(median(rerun_200) / median(rerun_1), 2),
        "control.change_one_s": round(changed_s, 1),
        "control.change_one_restarted": len(restarted),
        # Issue 12: one relay host, and a fleet of 8 against it, all over SSH.
        "control.relay_host_rerun_s": round(median(rerun_1), 1),
        "control.fleet8_rerun_s": round(median(rerun_fleet), 1),
        "control.fleet8_rerun_ratio": round(median(rerun_fleet) / median(rerun_1), 2),
    }


LAB_INVENTORY = REPO / "inventories" / "lab" / "hosts.yml"


def lab_site(reps: int) -> dict[str, float | None]:
    """A no-change re-run of the lab's whole site (site.yml on inventories/lab), over SSH like a real site."""
    log(f"lab site: lab/lab.sh up (LAB_RELEASE={RELEASE}) and a converge of site.yml")
    run("lab/lab.sh", "up", quiet=True)
    lab = ["ansible-playbook", "-i", str(LAB_INVENTORY), "site.yml"]
    env = {**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
    run(*lab, env=env, quiet=True)
    reruns = []
    for rep in range(1, reps + 1):
        log(f"lab site: no-change re-run of site.yml, repetition {rep}/{reps}")
        start = time.monotonic()
        out = run(*lab, env=env, quiet=True)
        reruns.append(time.monotonic() - start)
        changed = {m[1]: int(m[3]) for m in RECAP.finditer(out) if int(m[3])}
        if changed:
            raise BenchError(f"a no-change re-run of the lab site changed something: {changed}")
    return {"control.lab_rerun_s": round(median(reruns), 1)}


# --- report ------------------------------------------------------------------------------


def summary(series: Series, control: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for engine in ENGINES:
        out[f"{engine}.bulk1_ratio"] = series.ratio("bulk1", engine)
        out[f"{engine}.bulk8_ratio"] = series.ratio("bulk8", engine)
        out[f"{engine}.conn_rate_ratio"] = series.ratio("conn_rate", engine)
        out[f"{engine}.p99_ratio"] = series.ratio("p99", engine)
        out[f"{engine}.burst1000_ratio"] = series.ratio("burst", engine)
        out[f"{engine}.burst1000_reach_ratio"] = series.ratio("burst_reach", engine)
        out[f"{engine}.alive5000"] = int(min(series.values["alive"][engine]))
    out["socat.rss5000_mb"] = series.median("rss", "socat")
    out["socat.pss5000_mb"] = series.median("pss", "socat")
    out["udp.rx_ratio"] = series.ratio("udp_rx", "kernel")
    out["udp.loss_pct"] = series.median("udp_loss", "kernel")
    out["direct.bulk1_gbps"] = series.direct("bulk1")
    out["direct.bulk8_gbps"] = series.direct("bulk8")
    out["direct.conn_rate"] = series.direct("conn_rate")
    out["direct.p99_ms"] = series.direct("p99")
    out["direct.burst1000_s"] = series.direct("burst")
    out["direct.burst1000_reach_s"] = series.direct("burst_reach")
    out["direct.alive5000"] = int(min(series.values["alive"]["direct"]))
    out["direct.udp_gbps"] = series.direct("udp_rx")
    out["direct.udp_loss_pct"] = series.median("udp_loss", "direct")
    out.update(control)
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in out.items()}


TARGETS = [
    ("socat.bulk1_ratio", ">=", 0.45),
    ("socat.burst1000_ratio", "<=", 2.5),
    ("socat.alive5000", "==", 5000),
    ("kernel.bulk1_ratio", ">=", 0.8),
    ("kernel.conn_rate_ratio", ">=", 0.5),
    ("kernel.p99_ratio", "<=", 1.2),
]


def table(result: dict[str, Any], meta: dict[str, Any]) -> str:
    def cell(engine: str, key: str, fmt: str = "{:.2f}") -> str:
        value = result.get(f"{engine}.{key}")
        return fmt.format(value) if value is not None else "-"

    direct = {
        "bulk1": f"{result['direct.bulk1_gbps']:.1f} Gbit/s",
        "bulk8": f"{result['direct.bulk8_gbps']:.1f} Gbit/s",
        "conn": f"{result['direct.conn_rate']:.0f}/s",
        "p99": f"{result['direct.p99_ms']:.2f} ms",
        "burst": f"{result['direct.burst1000_s']:.2f} s",
        "reach": f"{result['direct.burst1000_reach_s']:.2f} s",
        "alive": f"{result['direct.alive5000']}",
    }
    rows = [
        ("bulk, 1 stream", direct["bulk1"], cell("socat", "bulk1_ratio"), cell("kernel", "bulk1_ratio")),
        ("bulk, 8 streams", direct["bulk8"], cell("socat", "bulk8_ratio"), cell("kernel", "bulk8_ratio")),
        ("new connections/s", direct["conn"], cell("socat", "conn_rate_ratio"), cell("kernel", "conn_rate_ratio")),
        (
            "connection p99",
            direct["p99"],
            cell("socat", "p99_ratio", "{:.2f}x"),
            cell("kernel", "p99_ratio", "{:.2f}x"),
        ),
        (
            f"{meta['burst']} at once: all established",
            direct["burst"],
            cell("socat", "burst1000_ratio", "{:.2f}x"),
            cell("kernel", "burst1000_ratio", "{:.2f}x"),
        ),
        (
            f"{meta['burst']} at once: all reached the target",
            direct["reach"],
            cell("socat", "burst1000_reach_ratio", "{:.2f}x"),
            cell("kernel", "burst1000_reach_ratio", "{:.2f}x"),
        ),
        (
            f"{meta['idle']} idle: alive",
            direct["alive"],
            cell("socat", "alive5000", "{}"),
            cell("kernel", "alive5000", "{}"),
        ),
        (
            f"{meta['idle']} idle: relay memory",
            "-",
            f"RSS {result['socat.rss5000_mb']:.0f} MB, PSS {result['socat.pss5000_mb']:.0f} MB",
            "no process",
        ),
        (
            "UDP at max rate: received",
            f"{result['direct.udp_gbps']:.2f} Gbit/s, {result['direct.udp_loss_pct']:.1f}% lost",
            "(UDP is kernel only)",
            f"{result['udp.rx_ratio']:.2f}, {result['udp.loss_pct']:.1f}% lost",
        ),
    ]
    widths = [max(len(row[i]) for row in [("figure", "direct path", "socat", "kernel"), *rows]) for i in range(4)]
    lines = [
        f"relaykit benchmark, {meta['date']}: {meta['machine']}",
        f"{meta['reps']} repetition(s), {meta['seconds']} s a figure; engines as ratios to the direct path "
        "(median of per-repetition ratios; bulk and rate: higher is better, times: lower is better)",
        "",
    ]
    header = ("figure", "direct path", "socat", "kernel")

    def markdown(cells: tuple[str, ...]) -> str:  # a table a terminal and the README both read
        return "| " + " | ".join(text.ljust(widths[i]) for i, text in enumerate(cells)) + " |"

    lines.append(markdown(header))
    lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    lines += [markdown(row) for row in rows]
    lines += [
        "",
        f"control plane ({result['control.relays']} relays on one host): first converge "
        f"{result['control.first_converge_200_s']:.0f} s; no-change re-run: 1 relay "
        f"{result['control.rerun_1_s']:.1f} s, {result['control.relays']} relays {result['control.rerun_200_s']:.1f} s "
        f"({result['control.rerun_ratio']:.2f}x); changing one relay restarted "
        f"{result['control.change_one_restarted']} unit",
        f"no-change re-runs over SSH: one relay host {result['control.relay_host_rerun_s']:.1f} s, a fleet of 8 "
        f"{result['control.fleet8_rerun_s']:.1f} s ({result['control.fleet8_rerun_ratio']:.2f}x), the lab's site "
        + (
            f"{result['control.lab_rerun_s']:.1f} s"
            if result["control.lab_rerun_s"] is not None
            else "not measured (--quick)"
        ),
        "",
        "targets (issues 7 and 12):",
    ]
    targets = [
        *TARGETS,
        ("control.rerun_200_s", "<=", 2 * result["control.rerun_1_s"]),
        ("control.first_converge_200_s", "<", 180),
        ("control.relay_host_rerun_s", "<=", 15),
        ("control.fleet8_rerun_ratio", "<=", 3),
        ("control.lab_rerun_s", "<=", 60),
    ]
    ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "<": lambda a, b: a < b}
    for key, op, bound in targets:
        if result[key] is None:
            lines.append(f"  -       {key} not measured (target {op} {bound:g})")
            continue
        met = ops[op](result[key], bound)
        lines.append(f"  {'met   ' if met else 'MISSED'}  {key} = {result[key]} (target {op} {bound:g})")
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("model name")
        )
    return f"{cpu}, {os.cpu_count()} cores, Linux {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one repetition of 1 s a figure (the smoke run)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--seconds", type=int, default=5, help="seconds a bulk or rate figure (default 5)")
    parser.add_argument("--down", action="store_true", help="remove the benchmark's hosts and networks")
    parser.add_argument(
        "--control", action="store_true", help="only the control plane and the lab site: what a converge costs"
    )
    args = parser.parse_args()
    if args.down:
        down()
        return 0
    reps, seconds = (1, 1) if args.quick else (args.reps, args.seconds)
    meta = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "reps": reps,
        "seconds": seconds,
        "burst": 1000,
        "idle": 5000,
    }
    try:
        run("lab/lab.sh", "image", RELEASE)
        ensure_networks()
        series = None
        if not args.control:
            ensure_hosts(DATA_HOSTS)
            log("deploying: tools on client and target, relays with playbooks/relays.yml")
            playbook("bench/provision.yml")
            playbook("playbooks/relays.yml", "bench-relay")
            series = data_plane(reps, seconds, meta["burst"], meta["idle"], hold=2.0 if args.quick else 5.0)
        else:
            # The control plane's relays point at the target: without it every run's health check
            # would wait out its timeouts, and the figures would time those, not the converge.
            ensure_hosts({"target": DATA_HOSTS["target"]})
            log("deploying: the target's tools")
            playbook("bench/provision.yml", "bench-target")
        control = control_plane(reps)
        control.update({"control.lab_rerun_s": None} if args.quick else lab_site(reps))
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    if series is None:
        print("SUMMARY " + json.dumps({**control, "date": meta["date"], "machine": meta["machine"], "reps": reps}))
        return 0
    result = summary(series, control)
    print(table(result, meta))
    print("SUMMARY " + json.dumps({**result, "date": meta["date"], "machine": meta["machine"], "reps": reps}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
