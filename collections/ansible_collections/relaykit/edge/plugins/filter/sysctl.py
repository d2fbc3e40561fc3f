# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over sysctl.d content, sharing the parser of relaykit.edge.sysctl_profile."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._sysctl import parse

DOCUMENTATION = r"""
name: sysctl_conf
short_description: Parse sysctl.d content into key and value
version_added: 0.1.0
description:
  - Turns the text of a sysctl.d file into a dictionary of key to normalized value.
  - Keys written as optional (C(-key = value)) are returned like the others; comments are ignored.
positional: _input
options:
  _input:
    description: The file's text.
    type: str
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Keys of the relaykit profile
  ansible.builtin.debug:
    msg: "{{ (profile.content | b64decode | relaykit.edge.sysctl_conf).keys() | list }}"
"""

RETURN = r"""
_value:
  description: Key to value, in file order.
  type: dict
"""


def sysctl_conf(content: str) -> dict[str, str]:
    if not isinstance(content, str):
        raise AnsibleFilterError(f"sysctl_conf expects the file's text, got {type(content).__name__}")
    return parse(content)


class FilterModule:
    def filters(self) -> dict:
        return {"sysctl_conf": sysctl_conf}
