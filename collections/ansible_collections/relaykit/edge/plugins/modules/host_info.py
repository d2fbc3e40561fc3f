#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_info
short_description: What a host is and what relaykit has on it, read once before any role changes anything
version_added: 0.2.0
description:
  - Read-only. One call tells the roles which init system and firewall manager they live beside, and gives them a
    snapshot of the state they would otherwise each ask for again, so that a run that changes nothing asks once.
  - C(ufw) is C(installed) when its command exists, C(enabled) when C(/etc/ufw/ufw.conf) says C(ENABLED=yes)
    (ufw then loads its rules at every boot), and C(active) when its chains are loaded now.
  - C(firewalld) and C(nftables) report their service's C(systemctl is-active) and C(is-enabled) states.
  - C(relaykit_netfilter_owners) lists the owners of relaykit's own chains (relaykit.edge.netfilter_chains records).
  - C(packages) lists the installed Debian packages; C(units) the state of relaykit's own systemd units and of the
    services its roles run (cron, docker).
  - C(docker) says what the Docker CLI finds, where it is installed, the engine's and Compose's versions and the
    images the engine holds, when O(docker) asks for it; C(files) holds the text of the small configuration files
    of O(read_files).
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
options:
  netfilter_state_dir:
    description: Where relaykit.edge.netfilter_chains keeps its records.
    type: path
    default: /var/lib/relaykit/netfilter
  unit_patterns:
    description: The units whose state is reported (C(systemctl) patterns).
    type: list
    elements: str
    default: ["relaykit*", cron.service, docker.service]
  read_files:
    description:
      - Configuration files whose text is returned in RV(files) (C(null) for a file that does not exist).
      - Only regular files up to 1 MiB; never name a file that holds a secret, the result is shown with C(-v).
    type: list
    elements: path
    default: []
  paths:
    description: Paths whose existence is returned in RV(exists) (for files whose text is none of the run's business).
    type: list
    elements: path
    default: []
  docker:
    description:
      - Ask the Docker CLI for the engine's and Compose's versions and the engine's images (RV(docker)).
      - Only for hosts relaykit runs Docker on; elsewhere a Docker the host has for its own purposes is not asked.
    type: bool
    default: false
  listeners:
    description:
      - Return the host's listening sockets and who holds each (RV(listeners)), read from C(/proc), so that a role
        can refuse a port another service holds before it changes anything.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Find what the host is and what relaykit has on it
  relaykit.edge.host_info:
  register: host
"""

RETURN = r"""
systemd:
  description: Whether systemd is the running init system.
  returned: always
  type: bool
ufw:
  description: C(installed), C(enabled) (starts at boot) and C(active) (its chains are loaded).
  returned: always
  type: dict
  sample: {installed: true, enabled: true, active: true}
firewalld:
  description: C(active) and C(enabled) of firewalld.service.
  returned: always
  type: dict
  sample: {active: false, enabled: false}
nftables:
  description: C(active) and C(enabled) of nftables.service (whose start flushes the whole ruleset).
  returned: always
  type: dict
  sample: {active: true, enabled: true}
relaykit_netfilter_owners:
  description: Owners of relaykit chains applied on this host, sorted.
  returned: always
  type: list
  elements: str
  sample: [ctguard, relays]
packages:
  description: Installed Debian packages (names without architecture), sorted.
  returned: always
  type: list
  elements: str
units:
  description:
    - The units of O(unit_patterns) that exist, with C(enabled) (the C(is-enabled) word)
      and C(active) (C(is-active)).
  returned: always
  type: dict
  sample: {relaykit-netfilter.service: {enabled: enabled, active: active}}
docker:
  description:
    - C(cli) (the C(docker) command exists); C(server_rc), C(server_version) and C(server_error) of
      C(docker version); C(compose_rc) and C(compose_version) of C(docker compose version --short);
      C(images), every C(repository:tag) the engine holds with its image id.
    - Without the CLI, C(cli) is false, both rc are 127 and C(images) is empty.
  returned: when O(docker) is true
  type: dict
  sample:
    cli: true
    server_rc: 0
    server_version: 26.1.5
    server_error: ""
    compose_rc: 0
    compose_version: 2.26.1
    images: {"relaykit/nginx:lab-trixie": "sha256:5f1d..."}
files:
  description: The text of each file of O(read_files); C(null) where it does not exist.
  returned: always
  type: dict
  sample: {/etc/docker/daemon.json: '{"log-driver": "journald"}'}
listeners:
  description:
    - Every TCP socket in LISTEN state and every unconnected bound UDP socket of the host's network namespace, with
      C(protocol) (tcp or udp), C(address) (V(0.0.0.0) or V(::) for every address), C(port), and its holder -
      C(pid), C(process) (its name), C(unit) (the systemd unit it runs in), C(container) (the Docker container id)
      and C(container_name). A holder relaykit cannot see has C(pid) V(null).
  returned: when O(listeners) is true
  type: list
  elements: dict
  sample:
    - {protocol: tcp, address: 0.0.0.0, port: 22, pid: 412, process: sshd, unit: ssh.service, container: null,
       container_name: null}
exists:
  description: Whether each path of O(paths) exists.
  returned: always
  type: dict
  sample: {/etc/systemd/system/docker.service.d/relaykit-proxy.conf: false}
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._host_info import (
    netfilter_owners,
    parse_docker_images,
    parse_installed_packages,
    parse_unit_files,
    parse_units,
    read_small_file,
    ufw_enabled,
)
from ansible_collections.relaykit.edge.plugins.module_utils._listeners import (
    listeners,
    name_containers,
    parse_container_names,
)

SERVICES = ("firewalld.service", "nftables.service")


def docker_state(module: AnsibleModule) -> dict[str, Any]:
    """What the Docker CLI says: engine and Compose versions and the images (no CLI: rc 127 for both)."""
    docker = module.get_bin_path("docker")
    if not docker:
        return {
            "cli": False,
            "server_rc": 127,
            "server_version": "",
            "server_error": "docker: command not found",
            "compose_rc": 127,
            "compose_version": "",
            "images": {},
        }
    server_rc, server_out, server_err = module.run_command([docker, "version", "--format", "{{.Server.Version}}"])
    compose_rc, compose_out, _err = module.run_command([docker, "compose", "version", "--short"])
    images: dict[str, str] = {}
    if server_rc == 0:
        fmt = "{{.Repository}}:{{.Tag}} {{.ID}}"
        rc, out, _err = module.run_command([docker, "image", "ls", "--no-trunc", "--format", fmt])
        images = parse_docker_images(out) if rc == 0 else {}
    return {
        "cli": True,
        "server_rc": server_rc,
        "server_version": server_out.strip() if server_rc == 0 else "",
        "server_error": server_err.strip(),
        "compose_rc": compose_rc,
        "compose_version": compose_out.strip() if compose_rc == 0 else "",
        "images": images,
    }


def host_listeners(module: AnsibleModule) -> list[dict[str, Any]]:
    """The host's listeners; the Docker CLI names the containers that hold some (asked only then)."""
    found = listeners()
    names: dict[str, str] = {}
    docker = module.get_bin_path("docker")
    if docker and any(entry["container"] for entry in found):
        rc, out, _err = module.run_command([docker, "ps", "--no-trunc", "--format", "{{.ID}} {{.Names}}"])
        names = parse_container_names(out) if rc == 0 else {}
    return name_containers(found, names)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "netfilter_state_dir": {"type": "path", "default": "/var/lib/relaykit/netfilter"},
            "unit_patterns": {
                "type": "list",
                "elements": "str",
                "default": ["relaykit*", "cron.service", "docker.service"],
            },
            "read_files": {"type": "list", "elements": "path", "default": []},
            "paths": {"type": "list", "elements": "path", "default": []},
            "docker": {"type": "bool", "default": False},
            "listeners": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    systemd = os.path.isdir("/run/systemd/system")
    states: dict[str, dict[str, bool]] = {unit: {"active": False, "enabled": False} for unit in SERVICES}
    units: dict[str, dict[str, str]] = {}
    systemctl = module.get_bin_path("systemctl")
    if systemd and systemctl:
        for verb, key, yes in (
            ("is-active", "active", {"active", "reloading"}),
            ("is-enabled", "enabled", {"enabled"}),
        ):
            _rc, out, _err = module.run_command([systemctl, verb, *SERVICES])
            for unit, line in zip(SERVICES, out.splitlines()):
                states[unit][key] = line.strip() in yes
        patterns = module.params["unit_patterns"]
        _rc, files, _err = module.run_command([systemctl, "list-unit-files", "--no-legend", "--plain", *patterns])
        _rc, loaded, _err = module.run_command([systemctl, "list-units", "--all", "--no-legend", "--plain", *patterns])
        units = parse_units(parse_unit_files(files), loaded)
    ufw = module.get_bin_path("ufw", opt_dirs=["/usr/sbin", "/sbin"])
    iptables = module.get_bin_path("iptables", opt_dirs=["/usr/sbin", "/sbin"])
    active = False
    if ufw and iptables:
        rc, _out, _err = module.run_command([iptables, "-w", "-n", "-L", "ufw-user-input"])
        active = rc == 0
    packages: list[str] = []
    dpkg_query = module.get_bin_path("dpkg-query")
    if dpkg_query:
        _rc, out, _err = module.run_command([dpkg_query, "-W", "-f", "${Package} ${db:Status-Abbrev}\n"])
        packages = parse_installed_packages(out)
    extra: dict[str, Any] = {"docker": docker_state(module)} if module.params["docker"] else {}
    if module.params["listeners"]:
        extra["listeners"] = host_listeners(module)
    module.exit_json(
        changed=False,
        systemd=systemd,
        ufw={"installed": ufw is not None, "enabled": ufw is not None and ufw_enabled(), "active": active},
        firewalld=states["firewalld.service"],
        nftables=states["nftables.service"],
        relaykit_netfilter_owners=netfilter_owners(module.params["netfilter_state_dir"]),
        packages=packages,
        units=units,
        **extra,
        files={path: read_small_file(path) for path in module.params["read_files"]},
        exists={path: os.path.lexists(path) for path in module.params["paths"]},
    )


if __name__ == "__main__":
    main()
