#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_firewall_info
short_description: Which firewall manager a host runs (ufw, firewalld, nftables.service), and whether systemd runs it
version_added: 0.2.0
description:
  - Read-only. Tells relaykit's roles, before they change anything, which firewall manager they live beside.
  - C(ufw) is C(installed) when its command exists and C(enabled) when C(/etc/ufw/ufw.conf) says C(ENABLED=yes)
    (ufw then loads its rules at every boot); C(active) when its chains are loaded now.
  - C(firewalld) and C(nftables) report their service's C(systemctl is-active) and C(is-enabled) states.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Read-only; runs in check mode too.
  diff_mode:
    support: none
    description: Nothing changes.
  idempotent:
    support: full
    description: Never changes anything.
options: {}
"""

EXAMPLES = r"""
- name: Find the host's firewall manager
  relaykit.edge.host_firewall_info:
  register: firewall
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
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

UFW_CONF = "/etc/ufw/ufw.conf"
SERVICES = ("firewalld.service", "nftables.service")


def ufw_enabled(path: str = UFW_CONF) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return False
    found = re.search(r"^\s*ENABLED\s*=\s*[\"']?(\w+)", text, re.MULTILINE)
    return bool(found) and found.group(1).lower() == "yes"


def main() -> None:
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    systemd = os.path.isdir("/run/systemd/system")
    states: dict[str, dict[str, bool]] = {unit: {"active": False, "enabled": False} for unit in SERVICES}
    systemctl = module.get_bin_path("systemctl")
    if systemd and systemctl:
        for verb, key, yes in (
            ("is-active", "active", {"active", "reloading"}),
            ("is-enabled", "enabled", {"enabled"}),
        ):
            _rc, out, _err = module.run_command([systemctl, verb, *SERVICES])
            for unit, line in zip(SERVICES, out.splitlines()):
                states[unit][key] = line.strip() in yes
    ufw = module.get_bin_path("ufw", opt_dirs=["/usr/sbin", "/sbin"])
    iptables = module.get_bin_path("iptables", opt_dirs=["/usr/sbin", "/sbin"])
    active = False
    if ufw and iptables:
        rc, _out, _err = module.run_command([iptables, "-w", "-n", "-L", "ufw-user-input"])
        active = rc == 0
    module.exit_json(
        changed=False,
        systemd=systemd,
        ufw={"installed": ufw is not None, "enabled": ufw is not None and ufw_enabled(), "active": active},
        firewalld=states["firewalld.service"],
        nftables=states["nftables.service"],
    )


if __name__ == "__main__":
    main()
