#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ufw_rules
short_description: The ufw rules one relaykit owner holds, added and removed in step with the inventory
version_added: 0.2.0
description:
  - Where ufw is installed, opens relaykit's ports through ufw itself. Each rule carries the comment
    C(relaykit:OWNER:NAME); rules of the O(owner) that are no longer wanted are deleted, every other ufw rule
    (the host's own, other owners') is left alone.
  - ufw's enabled state is never changed. Rules added while ufw is disabled take effect when it is enabled.
  - On a host without ufw the module does nothing.
  - One call for all of an owner's rules; a run that changes nothing runs C(ufw show added) once.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports the rules that would be added and removed.
  diff_mode:
    support: full
    description: The owner's rules before and after.
  idempotent:
    support: full
    description: Rules as wanted are not touched.
options:
  owner:
    description: Who holds these rules (C(relays), C(relay46)).
    type: str
    required: true
  rules:
    description: Ports to allow in. With O(state=absent) every rule of the owner goes and this is ignored.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The rule's name in its comment (a relay's or service's name).
        type: str
        required: true
      port:
        description: The port.
        type: int
        required: true
      proto:
        description: The protocol.
        type: str
        choices: [tcp, udp]
        default: tcp
      from:
        description: Allow only these source addresses or networks; empty allows anyone.
        type: list
        elements: str
        default: []
  state:
    description: C(absent) removes every rule of the owner.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Open the relay ports in ufw
  relaykit.edge.ufw_rules:
    owner: relays
    rules:
      - { name: tcp-50025, port: 50025, proto: tcp }
      - { name: relay-port-web, port: 8081, from: [203.0.113.10, "2001:db8::10"] }
"""

RETURN = r"""
ufw:
  description: Whether ufw is installed on the host.
  returned: always
  type: bool
added:
  description: Rules added (or that would be), as C(ufw show added) prints them without C(ufw).
  returned: always
  type: list
  elements: str
removed:
  description: Rules of the owner deleted (or that would be).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._ufw import Ufw, parse_rules


def work(module: AnsibleModule) -> dict:
    ufw = module.get_bin_path("ufw", opt_dirs=["/usr/sbin", "/sbin"])
    if ufw is None:
        return {"changed": False, "ufw": False, "added": [], "removed": []}
    rules = [] if module.params["state"] == "absent" else module.params["rules"]
    result = Ufw(run=lambda argv: module.run_command(list(argv)), ufw=ufw).ensure(
        module.params["owner"], parse_rules(module.params["owner"], rules), module.check_mode
    )
    return {**result, "ufw": True}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "owner": {"type": "str", "required": True},
            "rules": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "name": {"type": "str", "required": True},
                    "port": {"type": "int", "required": True},
                    "proto": {"type": "str", "choices": ["tcp", "udp"], "default": "tcp"},
                    "from": {"type": "list", "elements": "str", "default": []},
                },
            },
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
