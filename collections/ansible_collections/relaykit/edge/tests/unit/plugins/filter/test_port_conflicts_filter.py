# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""relaykit.edge.port_conflicts and port_relay_listen_ports: which wanted ports another service holds."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.port_conflicts import port_conflicts_filter
from ansible_collections.relaykit.edge.plugins.filter.relays import port_relay_listen_ports, port_relays

SSHD = {"protocol": "tcp", "address": "0.0.0.0", "port": 22, "pid": 90, "process": "sshd", "unit": "ssh.service",
        "container": None, "container_name": None}  # fmt: skip
NGINX = {"protocol": "tcp", "address": "0.0.0.0", "port": 443, "pid": 800, "process": "nginx", "unit": None,
         "container": "ab" * 32, "container_name": "relaykit-nginx"}  # fmt: skip
OLD_NGINX = {**NGINX, "port": 80, "container": "cd" * 32, "container_name": "relay46-nginx-1"}
SOCAT = {"protocol": "tcp", "address": "::", "port": 50025, "pid": 300, "process": "socat",
         "unit": "relaykit-relay-pool.service", "container": None, "container_name": None}  # fmt: skip
RESOLVED = {"protocol": "udp", "address": "127.0.0.53", "port": 53, "pid": 92, "process": "systemd-resolve",
            "unit": "systemd-resolved.service", "container": None, "container_name": None}  # fmt: skip
LISTENERS = [SSHD, NGINX, OLD_NGINX, SOCAT, RESOLVED]


def test_relay46_ports_held_by_sshd_and_by_another_nginx_are_named() -> None:
    wanted = [
        {"port": 80, "what": "relay46_http_port"},
        {"port": 443, "what": "relay46_https_port"},
        {"port": 22, "what": "relay46_tcp_services ssh: listen_port"},
    ]
    assert port_conflicts_filter(LISTENERS, wanted, own_containers=["relaykit-nginx"]) == [
        "TCP port 80 (relay46_http_port) is held by nginx (pid 800, container relay46-nginx-1)",
        "TCP port 22 (relay46_tcp_services ssh: listen_port) is held by sshd (pid 90, unit ssh.service)",
    ]


def test_port_relays_own_units_and_a_kernel_relay_beside_a_loopback_resolver() -> None:
    relays = port_relays(
        [
            "50025;25;pool.example.com;TCP",  # held by its own socat unit
            {"name": "dns", "listen_port": 53, "target_host": "198.18.0.53", "target_port": 53, "protocol": "udp"},
            {"name": "ssh", "listen_port": 22, "target_host": "198.18.0.22", "target_port": 22, "engine": "kernel"},
        ]
    )
    wanted = port_relay_listen_ports(relays)
    assert [(w["port"], w["protocol"], w["remote_only"]) for w in wanted] == [
        (50025, "tcp", False),
        (53, "udp", True),
        (22, "tcp", True),
    ]
    assert port_conflicts_filter(LISTENERS, wanted, own_units=["relaykit-relay-*.service"]) == [
        "TCP port 22 (port_relays ssh (kernel engine)) is held by sshd (pid 90, unit ssh.service)"
    ]
    # Another relay's socat is relaykit's too (a port moving from one relay to another in one run).
    assert port_conflicts_filter([{**SOCAT, "unit": "relaykit-relay-other.service"}], wanted[:1],
                                 own_units=["relaykit-relay-*.service"]) == []  # fmt: skip
    # A socat holding the port that is not relaykit's is named.
    assert port_conflicts_filter(
        [{**SOCAT, "unit": "my-socat.service"}], wanted[:1], own_units=["relaykit-relay-*"]
    ) == ["TCP port 50025 (port_relays tcp-50025 (socat engine)) is held by socat (pid 300, unit my-socat.service)"]


@pytest.mark.parametrize(
    ("found", "wanted", "message"),
    [
        ("not a list", [], "expected the listeners"),
        ([], [{"port": 80}], "entry 1 must have a port number and a 'what'"),
    ],
)
def test_bad_input_is_a_filter_error(found: Any, wanted: Any, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        port_conflicts_filter(found, wanted)


def test_listen_ports_need_normalized_relays() -> None:
    with pytest.raises(AnsibleFilterError, match="port_relays filter's result"):
        port_relay_listen_ports(["50025;25;pool.example.com;TCP"])
