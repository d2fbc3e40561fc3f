"""relaykit.edge.host_info's parsers: what a host is and what relaykit has on it."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.relaykit.edge.plugins.module_utils._host_info import (
    netfilter_owners,
    parse_installed_packages,
    parse_unit_files,
    parse_units,
    ufw_enabled,
)

# systemctl 257 (Debian 13), --no-legend --plain.
UNIT_FILES = """\
relaykit-health.service        static   -
relaykit-health.timer          enabled  enabled
relaykit-netfilter.service     enabled  enabled
relaykit-relay-tcp-50025.service enabled enabled
"""
UNITS = """\
relaykit-health.service          loaded failed   failed  relaykit: check every relay's target
relaykit-health.timer            loaded active   waiting relaykit: check every relay's target every 60 s
relaykit-netfilter.service       loaded active   exited  relaykit: restore relaykit's own netfilter chains
relaykit-relay-gone.service      not-found inactive dead relaykit-relay-gone.service
"""


def test_units_join_their_files_and_their_state() -> None:
    units = parse_units(parse_unit_files(UNIT_FILES), UNITS)
    assert units["relaykit-netfilter.service"] == {"enabled": "enabled", "active": "active"}
    assert units["relaykit-health.service"] == {"enabled": "static", "active": "failed"}
    assert units["relaykit-relay-tcp-50025.service"] == {"enabled": "enabled", "active": "inactive"}
    assert units["relaykit-relay-gone.service"] == {"enabled": "not-found", "active": "inactive"}


def test_ufw_enabled_reads_its_configuration(tmp_path: Path) -> None:
    conf = tmp_path / "ufw.conf"
    assert not ufw_enabled(str(conf))
    conf.write_text("# /etc/ufw/ufw.conf\nENABLED=no\nLOGLEVEL=low\n")
    assert not ufw_enabled(str(conf))
    conf.write_text("ENABLED=yes\n")
    assert ufw_enabled(str(conf))
    conf.write_text('ENABLED="YES"\n')
    assert ufw_enabled(str(conf))


def test_netfilter_owners_from_the_records(tmp_path: Path) -> None:
    assert netfilter_owners(str(tmp_path / "none")) == []
    for name in ("relays.ipv4.json", "relays.ipv6.json", "ctguard.ipv4.json", "firewall.ipv6.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert netfilter_owners(str(tmp_path)) == ["ctguard", "firewall", "relays"]


def test_installed_packages() -> None:
    assert parse_installed_packages("socat ii \nufw rc \nlibc6:amd64 ii \n") == ["libc6", "socat"]
