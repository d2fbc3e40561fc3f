# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether systemd units are already as a role wants them, from relaykit.edge.host_info's snapshot."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._units import settled

DOCUMENTATION = r"""
name: units_settled
short_description: Whether systemd units are already enabled and running as wanted, from a snapshot
version_added: 0.2.0
description:
  - Takes the C(units) of relaykit.edge.host_info (read at the start of the play) and the units a role wants, in the
    form relaykit.edge.systemd_units takes them, and tells whether nothing would change.
  - A role skips its relaykit.edge.systemd_units task when this is true and none of its unit files changed, so a
    run that changes nothing does not ask systemd again.
positional: _input, units
options:
  _input:
    description: The snapshot, C(units) of relaykit.edge.host_info.
    type: dict
    required: true
  units:
    description: The wanted units, C({name, enabled, state}).
    type: list
    elements: dict
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Run the health timer
  relaykit.edge.systemd_units:
    units: "{{ wanted }}"
  when: not (host.units | relaykit.edge.units_settled(wanted))
"""

RETURN = r"""
_value:
  description: True when every unit is as wanted.
  type: bool
"""


def units_settled(snapshot: Any, units: Any) -> bool:
    if not isinstance(snapshot, dict) or not isinstance(units, list):
        raise AnsibleFilterError("units_settled expects host_info's units (a dict) and a list of wanted units")
    try:
        return settled(snapshot, units)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"units_settled": units_settled}
