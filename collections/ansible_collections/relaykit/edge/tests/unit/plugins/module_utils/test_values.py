# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Single values that reach rendered files: what each kind takes, and the injection cases it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._values import check_values

INJECTIONS = ["\n", "\nExecStartPre=/bin/true", ";", "}", "{", "$x", "%n", '"', "'", " include /etc/passwd"]

GOOD = {
    "ipv4": ["203.0.113.20", "198.18.10.40"],
    "ipv6": ["2001:db8::20", "fd00:18:23::40"],
    "ip_network": ["192.168.0.0/24", "2001:db8::/64", "198.18.0.7"],
    "dns_name": ["nas.example.com", "nas.example.com.", "xn--nas-1na.example"],
    "url": ["https://api.cloudflare.com/client/v4", "http://198.18.23.60:8787/client/v4", "http://[fd00::60]:8787/v4"],
    "proxy_url": ["http://proxy.example.com:3128", "http://user:p4ss@10.0.0.1:3128/"],
    "resolver": ["198.18.10.60:8053", "127.0.0.53", "[2001:db8::53]:53 198.51.100.53", "2001:db8::53"],
    "nginx_time": ["10s", "5m", "30"],
    "systemd_calendar": ["*-*-* 00,12:00:00", "daily", "Mon..Fri 03:00"],
    "systemd_timespan": ["1h", "30min", "3600", "1h 30min"],
    "cron_field": ["*/5", "0-59/10", "7"],
    "no_proxy": ["localhost,127.0.0.1,::1", "localhost,10.0.0.0/8,[::1]"],
    "path": ["/opt/relaykit/edge", "/srv/nas-1/certs/"],
    "docker_image": [
        "docker.io/library/nginx:1.28",
        "relaykit/nginx:lab-trixie",
        "registry:5000/a/b@sha256:" + "0" * 64,
    ],
    "container_name": ["relaykit-nginx", "edge_1"],
    "email": ["ops@example.com", "first.last+relay@mail.example.org"],
}
BAD = {
    "ipv4": ["2001:db8::1", "0x7f000001", "198.18.10.400", "nas.example.com"],
    "ipv6": ["198.18.0.1", "fe80::1%eth0", "::g"],
    "ip_network": ["192.168.0.0/33", "lan"],
    "dns_name": [
        "-nas.example.com",
        "a..b",
        "198.18.0.1",
        "nas.exam_ple.com",
        "nas.\u212aexample.com",
        "a" * 64 + ".com",
    ],
    "url": ["ftp://x", "https://", "https://x:99999/", "https://x/ a", "https://user@x/"],
    "proxy_url": ["http://u:50%@x:3128", "socks5://x:1080", "http://x:3128/path"],
    "resolver": ["8.8.8.8;", "8.8.8.8 valid=1s", "[198.18.0.1]", "resolver.example.com", "8.8.8.8:0", ""],
    "nginx_time": ["10 s", "1x", "-1"],
    "systemd_calendar": ["", "daily\n[Service]"],
    "systemd_timespan": ["1 hour", "$x"],
    "cron_field": ["* * * * *", "*/5 root"],
    "no_proxy": ["a b", "x;y"],
    "path": ["relative/dir", "/opt/../etc", "/opt/./x", "/opt/with space", "/"],
    "docker_image": ["Nginx", "nginx:", "nginx:1.28 --privileged", "-v/:/host"],
    "container_name": ["-x", "a/b", "a b"],
    "email": ["ops", "ops@example", "ops@example.com\nBcc: x"],
}


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, values in GOOD.items() for v in values])
def test_good_values_pass_unchanged(kind: str, value: str) -> None:
    assert check_values({"v": [kind, value]}) == {"v": value}


@pytest.mark.parametrize(("kind", "value"), [(k, v) for k, values in BAD.items() for v in values if v])
def test_bad_values_name_the_variable_and_what_was_expected(kind: str, value: str) -> None:
    with pytest.raises(RelaykitError, match=r"^relay46_x must be .+, got "):
        check_values({"relay46_x": [kind, value]})


@pytest.mark.parametrize("kind", sorted(GOOD))
@pytest.mark.parametrize("suffix", INJECTIONS)
def test_every_kind_refuses_the_injection_cases(kind: str, suffix: str) -> None:
    value = GOOD[kind][0] + suffix
    with pytest.raises(RelaykitError, match="must be"):
        check_values({"v": [kind, value]})


def test_optional_kinds_take_empty_and_required_ones_do_not() -> None:
    assert check_values({"a": ["optional_ipv4", ""], "b": ["optional_url", None]}) == {"a": "", "b": None}
    with pytest.raises(RelaykitError, match="a must be set"):
        check_values({"a": ["ipv4", ""]})


def test_list_entries_are_named_and_every_problem_is_reported() -> None:
    values: dict[str, Any] = {
        "relay46_nas_relay_allow": ["ip_network", ["192.168.0.0/24", "lan", 7]],
        "relay46_vps_ipv6": ["optional_ipv6", "198.18.0.1"],
    }
    with pytest.raises(RelaykitError) as raised:
        check_values(values)
    message = str(raised.value)
    assert "relay46_nas_relay_allow[1] must be an IP address or network" in message
    assert "relay46_nas_relay_allow[2] must be text, got a number" in message
    assert "relay46_vps_ipv6 must be an IPv6 address, got '198.18.0.1'" in message
