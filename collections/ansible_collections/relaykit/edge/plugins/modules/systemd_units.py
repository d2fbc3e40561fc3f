#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: systemd_units
short_description: The systemd units a role runs, enabled and started (or restarted, or stopped) in one call
version_added: 0.2.0
description:
  - Reads the state of every unit with one C(systemctl is-enabled) and one C(systemctl is-active), and changes only
    the units that differ. O(daemon_reload) reloads systemd first (after a role changed unit files).
  - A unit that should run but does not exist fails naming it; in check mode it is reported as a change (an earlier
    task of the same run would have created it).
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports what would be enabled, disabled, started, restarted or stopped.
  diff_mode:
    support: full
    description: The units' states before, and the actions.
  idempotent:
    support: partial
    description: Units in the state asked for are not touched; C(restarted) restarts every time it is asked.
options:
  units:
    description: The units.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Unit name, for example C(relaykit-netfilter.service).
        type: str
        required: true
      enabled:
        description: Enabled at boot (true), disabled (false), or left as it is (unset).
        type: bool
      state:
        description: C(started), C(restarted), C(stopped), or left as it is (unset).
        type: str
        choices: [started, restarted, stopped]
  daemon_reload:
    description: Run C(systemctl daemon-reload) first.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Run the health timer
  relaykit.edge.systemd_units:
    daemon_reload: "{{ files.changed }}"
    units:
      - { name: relaykit-health.timer, enabled: true, state: started }
"""

RETURN = r"""
actions:
  description: What was done (or would be), as C(VERB UNIT).
  returned: always
  type: list
  elements: str
  sample: [enable relaykit-netfilter.service, start relaykit-netfilter.service]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, run_module
from ansible_collections.relaykit.edge.plugins.module_utils._units import Units, parse_units


def work(module: AnsibleModule) -> dict:
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None or not os.path.isdir("/run/systemd/system"):
        raise RelaykitError("systemd is not running on this host: relaykit's services are systemd units")
    units = Units(run=lambda args: module.run_command([systemctl, *args]))
    return units.ensure(parse_units(module.params["units"]), module.params["daemon_reload"], module.check_mode)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "units": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "enabled": {"type": "bool"},
                    "state": {"type": "str", "choices": ["started", "restarted", "stopped"]},
                },
            },
            "daemon_reload": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
