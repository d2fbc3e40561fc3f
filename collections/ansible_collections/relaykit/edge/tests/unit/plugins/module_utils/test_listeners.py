# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds which port, read from a /proc tree built here (stdlib only: runs on the hosts' Pythons)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._listeners import (
    address_of,
    check_wanted,
    covers,
    holder,
    listeners,
    name_containers,
    parse_cgroup,
    parse_container_names,
    parse_proc_net,
    port_conflicts,
)

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
CONTAINER = "ab" * 32


def row(local: str, remote: str, state: str, inode: int) -> str:
    queues = "00000000:00000000 00:00000000 00000000"
    return f"   0: {local} {remote} {state} {queues}     0        0 {inode} 1 0 100 0 0 10 0\n"


def fake_proc(tmp_path: Path) -> str:
    proc = tmp_path / "proc"
    if proc.exists():
        return str(proc)
    (proc / "net").mkdir(parents=True)
    (proc / "net" / "tcp").write_text(
        HEADER
        + row("00000000:0016", "00000000:0000", "0A", 101)  # 0.0.0.0:22 LISTEN (sshd)
        + row("0100007F:0277", "00000000:0000", "0A", 102)  # 127.0.0.1:631 LISTEN (cupsd)
        + row("0A00000A:0016", "0B00000A:D431", "01", 103)  # an established connection: not a listener
        + row("00000000:01BB", "00000000:0000", "0A", 104)  # 0.0.0.0:443 LISTEN (nginx in a container)
    )
    (proc / "net" / "tcp6").write_text(
        HEADER + row("00000000000000000000000000000000:0016", "00000000000000000000000000000000:0000", "0A", 105)
    )
    (proc / "net" / "udp").write_text(
        HEADER
        + row("3500007F:0035", "00000000:0000", "07", 106)  # 127.0.0.53:53, systemd-resolved
        + row("00000000:CA6C", "0100007F:0035", "01", 107)  # a connected client socket: not a service
    )
    (proc / "net" / "udp6").write_text(HEADER)
    processes = {
        90: ("sshd", "0::/system.slice/ssh.service\n", [101, 105]),
        91: ("cupsd", "0::/system.slice/cups.service\n", [102]),
        92: ("systemd-resolve", "0::/system.slice/systemd-resolved.service\n", [106]),
        800: ("nginx", f"0::/system.slice/docker-{CONTAINER}.scope\n", [104]),
        801: ("nginx", f"0::/system.slice/docker-{CONTAINER}.scope\n", [104]),  # a worker shares it
    }
    for pid, (comm, cgroup, inodes) in processes.items():
        base = proc / str(pid)
        (base / "fd").mkdir(parents=True)
        (base / "comm").write_text(comm + "\n")
        (base / "cgroup").write_text(cgroup)
        for fd, inode in enumerate(inodes, start=3):
            os.symlink(f"socket:[{inode}]", base / "fd" / str(fd))
        os.symlink("/dev/null", base / "fd" / "0")
    return str(proc)


def test_addresses_are_read_in_the_kernels_word_order() -> None:
    assert address_of("0100007F") == "127.0.0.1"
    assert address_of("00000000000000000000000000000000") == "::"
    # fd00:18:21::10 as /proc/net/tcp6 writes it (each 32-bit word little-endian)
    assert address_of("180000FD000021000000000010000000") == "fd00:18:21::10"


def test_only_listening_tcp_and_unconnected_udp_sockets_count() -> None:
    tcp = parse_proc_net(
        HEADER + row("00000000:0016", "00000000:0000", "0A", 1) + row("00000000:0017", "0100007F:0050", "01", 2), "tcp"
    )
    assert [(entry["port"], entry["inode"]) for entry in tcp] == [(22, "1")]
    udp = parse_proc_net(
        HEADER + row("00000000:0035", "00000000:0000", "07", 3) + row("00000000:0036", "0100007F:0035", "07", 4), "udp"
    )
    assert [entry["port"] for entry in udp] == [53]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0::/system.slice/ssh.service\n", ("ssh.service", None)),
        (f"0::/system.slice/docker-{CONTAINER}.scope\n", (None, CONTAINER)),
        (f"12:pids:/docker/{CONTAINER}\n1:name=systemd:/docker/{CONTAINER}\n", (None, CONTAINER)),
        ("0::/user.slice/user-1000.slice/session-3.scope\n", ("session-3.scope", None)),
        ("0::/\n", (None, None)),
    ],
)
def test_cgroup_names_the_unit_or_the_container(text: str, expected: tuple[Any, Any]) -> None:
    assert parse_cgroup(text) == expected


def test_listeners_of_a_proc_tree(tmp_path: Path) -> None:
    found = listeners(fake_proc(tmp_path))
    view = [(e["protocol"], e["address"], e["port"], e["process"], e["pid"], e["unit"], e["container"]) for e in found]
    assert view == [
        ("tcp", "0.0.0.0", 22, "sshd", 90, "ssh.service", None),
        ("tcp", "::", 22, "sshd", 90, "ssh.service", None),
        ("tcp", "0.0.0.0", 443, "nginx", 800, None, CONTAINER),
        ("tcp", "127.0.0.1", 631, "cupsd", 91, "cups.service", None),
        ("udp", "127.0.0.53", 53, "systemd-resolve", 92, "systemd-resolved.service", None),
    ]


def test_a_socket_of_a_process_it_cannot_see_has_no_holder(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    (proc / "net" / "tcp").write_text(HEADER + row("00000000:07E8", "00000000:0000", "0A", 9))
    (found,) = listeners(str(proc))
    assert found["pid"] is None
    assert holder(found) == "a process relaykit cannot see (the kernel, or another user's process)"


def test_docker_names_the_containers() -> None:
    names = parse_container_names(f"{CONTAINER} relaykit-nginx\nbroken line here\n")
    assert names == {CONTAINER: "relaykit-nginx"}
    (named,) = name_containers([{"container": CONTAINER, "pid": 800, "process": "nginx"}], names)
    assert named["container_name"] == "relaykit-nginx"
    assert holder(named) == "nginx (pid 800, container relaykit-nginx)"
    (unnamed,) = name_containers([{"container": CONTAINER, "pid": 800, "process": "nginx"}], {})
    assert holder(unnamed) == f"nginx (pid 800, container {CONTAINER[:12]})"


@pytest.mark.parametrize(
    ("listen", "wanted", "clash"),
    [
        ("0.0.0.0", "", True),
        ("127.0.0.1", "", True),  # a wildcard bind clashes with any address of its port
        ("0.0.0.0", "198.18.0.1", True),
        ("0.0.0.0", "fd00::1", False),
        ("::", "198.18.0.1", True),  # a dual-stack socket may take IPv4 too
        ("198.18.0.2", "198.18.0.1", False),
        ("198.18.0.1", "198.18.0.1", True),
        ("fd00::2", "::", True),
    ],
)
def test_which_addresses_clash(listen: str, wanted: str, clash: bool) -> None:
    assert covers(listen, wanted) is clash


def conflicts(tmp_path: Path, wanted: list[dict[str, Any]], own: Any = lambda entry: False) -> list[str]:
    found = name_containers(listeners(fake_proc(tmp_path)), {CONTAINER: "relaykit-nginx"})
    return port_conflicts(found, check_wanted(wanted), own)


def test_a_port_sshd_holds_is_named_with_its_holder(tmp_path: Path) -> None:
    assert conflicts(tmp_path, [{"port": 22, "what": "relay46_tcp_services ssh: listen_port"}]) == [
        "TCP port 22 (relay46_tcp_services ssh: listen_port) is held by sshd (pid 90, unit ssh.service)"
    ]


def test_relaykits_own_holder_is_no_conflict(tmp_path: Path) -> None:
    def own(entry: Any) -> bool:
        return entry.get("container_name") == "relaykit-nginx"

    assert conflicts(tmp_path, [{"port": 443, "what": "relay46_https_port"}], own) == []
    assert conflicts(tmp_path, [{"port": 443, "what": "relay46_https_port"}]) == [
        "TCP port 443 (relay46_https_port) is held by nginx (pid 800, container relaykit-nginx)"
    ]


def test_free_ports_other_protocols_and_other_addresses_pass(tmp_path: Path) -> None:
    wanted = [
        {"port": 8443, "what": "free"},
        {"port": 22, "protocol": "udp", "what": "udp 22 is free"},
        {"port": 631, "address": "198.18.0.1", "what": "cupsd holds loopback only"},
    ]
    assert conflicts(tmp_path, wanted) == []


def test_a_kernel_relay_ignores_loopback_listeners_but_not_others(tmp_path: Path) -> None:
    wanted = [
        {"port": 53, "protocol": "udp", "address": "::", "what": "dns relay", "remote_only": True},
        {"port": 631, "address": "::", "what": "ipp relay", "remote_only": True},
        {"port": 22, "address": "::", "what": "ssh relay", "remote_only": True},
    ]
    assert conflicts(tmp_path, wanted) == ["TCP port 22 (ssh relay) is held by sshd (pid 90, unit ssh.service)"]
    # The same ports bound by a process (socat) clash with the loopback listeners too.
    bound = [{**want, "remote_only": False} for want in wanted]
    assert len(conflicts(tmp_path, bound)) == 3


@pytest.mark.parametrize("wanted", [None, "22", [{"port": 22}], [{"port": "x", "what": "y"}], ["22"]])
def test_bad_wanted_ports_are_refused(wanted: Any) -> None:
    with pytest.raises(RelaykitError, match="wanted"):
        check_wanted(wanted)
