# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which of the ports a role wants another service of the host already holds."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._listeners import check_wanted, port_conflicts

DOCUMENTATION = r"""
name: port_conflicts
short_description: The wanted ports that a service other than relaykit's own holds on the host
version_added: 0.4.0
description:
  - Takes the RV(relaykit.edge.host_info#module:listeners) of a host and returns one line per wanted port that a
    listener holds which is not relaykit's own service of that port, naming the port, what wants it and the holder
    (process, pid, systemd unit or Docker container). An empty list means every wanted port is free or already
    relaykit's.
  - A wanted port without an C(address) (every address, as nginx listens) clashes with any listener of its port; one
    with an address clashes with a listener on that address or on a wildcard address.
positional: _input
options:
  _input:
    description: The listeners host_info returned.
    type: list
    elements: dict
    required: true
  wanted:
    description: The ports the role will listen on or take traffic of, each with C(port), C(protocol) (default tcp),
      C(what) (the inventory entry it comes from) and an optional C(address).
    type: list
    elements: dict
    required: true
  own_containers:
    description: Names of the Docker containers whose listeners are relaykit's own (its nginx).
    type: list
    elements: str
    default: []
  own_units:
    description: systemd unit patterns whose listeners are relaykit's own (its relay units).
    type: list
    elements: str
    default: []
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Refuse ports another service holds
  ansible.builtin.assert:
    that: conflicts | length == 0
    fail_msg: "{{ conflicts | join('; ') }}"
  vars:
    conflicts: >-
      {{ preflight_host.listeners | relaykit.edge.port_conflicts(wanted=[{'port': 2222, 'what': 'tcp_service ssh'}],
         own_containers=['relaykit-nginx']) }}
"""

RETURN = r"""
_value:
  description: One line per wanted port held by another service; empty when there is none.
  type: list
  elements: str
"""


def port_conflicts_filter(found: Any, wanted: Any, own_containers: Any = (), own_units: Any = ()) -> list[str]:
    containers = set(own_containers or ())
    patterns = list(own_units or ())

    def is_own(entry: Mapping[str, Any]) -> bool:
        if entry.get("container"):
            return entry.get("container_name") in containers
        return any(fnmatch.fnmatchcase(entry.get("unit") or "", pattern) for pattern in patterns)

    try:
        if not isinstance(found, list):
            raise RelaykitError("port_conflicts: expected the listeners host_info returned (a list)")
        return port_conflicts(found, check_wanted(wanted), is_own)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"port_conflicts": port_conflicts_filter}
