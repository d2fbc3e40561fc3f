"""relaykit.edge.host_info's parsers: what a host is and what relaykit has on it."""

from __future__ import annotations

from pathlib import Path

from ansible_collections.relaykit.edge.plugins.module_utils._host_info import (
    image_reference,
    images_missing,
    netfilter_owners,
    parse_docker_images,
    parse_installed_packages,
    parse_unit_files,
    parse_units,
    read_small_file,
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


# docker image ls --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' (Docker 26, Debian 13).
IMAGES = """\
relaykit/nginx:lab-trixie sha256:5f1d0c0a
relaykit/certbot:lab-trixie sha256:77aa01bb
nginx:latest sha256:0011aa22
<none>:<none> sha256:dead0000
"""


def test_docker_images_map_references_to_ids_and_leave_untagged_out() -> None:
    images = parse_docker_images(IMAGES)
    assert images == {
        "relaykit/nginx:lab-trixie": "sha256:5f1d0c0a",
        "relaykit/certbot:lab-trixie": "sha256:77aa01bb",
        "nginx:latest": "sha256:0011aa22",
    }


def test_images_missing_takes_a_missing_tag_for_latest() -> None:
    held = parse_docker_images(IMAGES)
    assert images_missing(["nginx", "relaykit/nginx:lab-trixie"], held) == []
    assert images_missing(["relaykit/nginx:lab-bookworm", "registry.local:5000/nginx"], held) == [
        "relaykit/nginx:lab-bookworm",
        "registry.local:5000/nginx",
    ]
    assert image_reference("registry.local:5000/nginx") == "registry.local:5000/nginx:latest"
    assert image_reference("nginx@sha256:abc") == "nginx@sha256:abc"


def test_read_small_file_gives_text_or_none(tmp_path: Path) -> None:
    conf = tmp_path / "daemon.json"
    assert read_small_file(str(conf)) is None
    conf.write_text('{"log-driver": "journald"}\n', encoding="utf-8")
    assert read_small_file(str(conf)) == '{"log-driver": "journald"}\n'
    assert read_small_file(str(tmp_path)) is None
