# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A reload is done only when nginx started new workers; a refused one fails and puts the served file back."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._nginx_reload import (
    ReloadError,
    children,
    emergencies,
    reload,
)

MASTER = 500


class Host:
    """docker and /proc as the reload sees them: workers appear when nginx takes the configuration."""

    def __init__(self, tmp_path: Path, takes: bool, log: str = "", running: str = "true 500") -> None:
        self.proc = tmp_path / "proc"
        self.takes, self.log, self.running = takes, log, running
        self.calls: list[list[str]] = []
        self.worker(501)

    def worker(self, pid: int, parent: int = MASTER) -> None:
        (self.proc / str(pid)).mkdir(parents=True)
        (self.proc / str(pid) / "stat").write_text(f"{pid} (nginx: worker (x)) S {parent} 1 1 0 -1\n")

    def run(self, argv: list[str]) -> tuple[int, str, str]:
        self.calls.append(argv)
        verb = argv[1]
        if verb == "inspect":
            return (0, self.running + "\n", "") if self.running else (1, "", "No such container: relaykit-nginx")
        if verb == "exec":
            if self.takes:
                self.worker(502)
            return 0, "", ""
        return 0, "", self.log  # docker logs: nginx writes to stderr


def files(tmp_path: Path) -> tuple[Path, Path]:
    config, served = tmp_path / "nginx.conf", tmp_path / "nginx.conf.served"
    config.write_text("new\n")
    served.write_text("served\n")
    return config, served


def call(host: Host, config: Path, served: Path, timeout: float = 1) -> dict:
    return reload(
        host.run, "docker", "relaykit-nginx", "/etc/relaykit/nginx/nginx.conf", str(config), str(served), timeout,
        proc=str(host.proc), sleep=lambda _s: None,
    )  # fmt: skip


def test_new_workers_mean_the_configuration_was_taken_and_is_remembered(tmp_path: Path) -> None:
    host = Host(tmp_path, takes=True)
    config, served = files(tmp_path)
    assert call(host, config, served) == {"changed": True, "master_pid": MASTER, "new_workers": 1}
    assert served.read_text() == "new\n"
    assert [
        "docker",
        "exec",
        "relaykit-nginx",
        "nginx",
        "-s",
        "reload",
        "-c",
        "/etc/relaykit/nginx/nginx.conf",
    ] in host.calls


def test_a_refused_configuration_fails_with_nginxs_message_and_the_served_one_is_put_back(tmp_path: Path) -> None:
    log = "2026/12/03 07:00:00 [emerg] 1#1: bind() to 0.0.0.0:22 failed (98: Address already in use)\n"
    host = Host(tmp_path, takes=False, log=log)
    config, served = files(tmp_path)
    with pytest.raises(
        ReloadError, match=r"refused the new configuration: .*bind\(\) to 0\.0\.0\.0:22 failed .*put back"
    ):
        call(host, config, served)
    assert config.read_text() == "served\n"


def test_no_new_workers_within_the_timeout_is_a_failure(tmp_path: Path) -> None:
    host = Host(tmp_path, takes=False)
    config, served = files(tmp_path)
    clock = iter(range(0, 100, 1))
    with pytest.raises(ReloadError, match="started no new workers within 2 s"):
        reload(host.run, "docker", "c", "/c", str(config), str(served), 2, proc=str(host.proc),
               clock=lambda: float(next(clock)), sleep=lambda _s: None)  # fmt: skip
    assert config.read_text() == "served\n"


def test_without_a_served_copy_nothing_is_put_back_and_the_message_says_so(tmp_path: Path) -> None:
    host = Host(tmp_path, takes=False, log="[emerg] 1#1: unknown directive\n")
    config, served = files(tmp_path)
    served.unlink()
    with pytest.raises(ReloadError, match="No earlier configuration was known"):
        call(host, config, served)
    assert config.read_text() == "new\n"


def test_a_stopped_container_is_named(tmp_path: Path) -> None:
    host = Host(tmp_path, takes=True, running="false 0")
    config, served = files(tmp_path)
    with pytest.raises(ReloadError, match="container relaykit-nginx is not running"):
        call(host, config, served)


def test_children_read_the_parent_after_the_name(tmp_path: Path) -> None:
    host = Host(tmp_path, takes=False)
    host.worker(600, parent=1)
    (host.proc / "self").mkdir()
    assert children(MASTER, str(host.proc)) == {501}


def test_emergencies_are_emerg_and_alert_lines() -> None:
    assert emergencies("a [notice] x\nb [emerg] y\nc [alert] z\n") == ["b [emerg] y", "c [alert] z"]
