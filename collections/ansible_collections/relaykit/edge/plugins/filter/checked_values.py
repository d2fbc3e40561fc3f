# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Single inventory values that reach rendered files, checked before any host is touched."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._values import KINDS, check_values

DOCUMENTATION = r"""
name: checked_values
short_description: Check single inventory values that reach nginx configurations, unit files, cron lines and rules
version_added: 0.4.0
description:
  - Takes a mapping of inventory variable -> C([kind, value]) and returns variable -> value unchanged, or fails
    naming every bad variable (and entry, for a list) and what was expected.
  - Each kind accepts what its consumer reads and nothing it could take for more syntax (a newline, C(;), C({),
    C(}), C($), C(%), a quote). Kinds - C(ipv4), C(ipv6), C(ip_network), C(dns_name), C(record_name) (a DNS
    record's name - C(_) in a label and a leading C(*.) allowed), C(url), C(resolver) (nginx's DNS servers),
    C(nginx_time), C(systemd_calendar), C(systemd_timespan), C(cron_field), C(zone_id) (a Cloudflare zone id, 32
    hexadecimal digits, either case), C(no_proxy). A kind prefixed C(optional_) also accepts an empty value; a list
    value checks each entry.
positional: _input
options:
  _input:
    description: Variable name -> C([kind, value]).
    type: dict
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Check the VPS's addresses
  ansible.builtin.assert:
    that: >-
      {{ {'relay46_vps_ipv4': ['optional_ipv4', relay46_vps_ipv4]} | relaykit.edge.checked_values is mapping }}
"""

RETURN = r"""
_value:
  description: Variable -> value, unchanged.
  type: dict
"""


def checked_values(values: Any) -> dict[str, Any]:
    try:
        if not isinstance(values, dict):
            raise RelaykitError("checked_values: expected a mapping of variable -> [kind, value]")
        for variable, spec in values.items():
            if (
                not isinstance(spec, (list, tuple))
                or len(spec) != 2
                or str(spec[0]).removeprefix("optional_") not in KINDS
            ):
                raise RelaykitError(f"checked_values: {variable} needs [kind, value] with a kind of {', '.join(KINDS)}")
        return check_values(values)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"checked_values": checked_values}
