# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The port relays' options (port_relay_*), checked before any host is touched."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import OptionError, check

DOCUMENTATION = r"""
name: port_relay_options
short_description: Check the port relays' options (ranges, and characters of what reaches unit files)
version_added: 0.3.0
description:
  - Takes the role's options without their C(port_relay_) prefix (C(keepalive_idle), C(log_file), ...) and returns
    them unchanged, or fails naming every bad one by its inventory variable and what was expected.
  - Ranges are what socat, the kernel and systemd accept (keepalive idle 1 to 32767 s, a port 1 to 65535, ...);
    the log file, which is written into unit files and logrotate's configuration, must be a plain absolute path.
positional: _input
options:
  _input:
    description: Option name (without C(port_relay_)) to value.
    type: dict
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Check the options
  ansible.builtin.assert:
    that: "({'keepalive_idle': port_relay_keepalive_idle} | relaykit.edge.port_relay_options) is mapping"
"""

RETURN = r"""
_value:
  description: The options, unchanged.
  type: dict
"""


def port_relay_options(values: dict[str, Any]) -> dict[str, Any]:
    try:
        check(dict(values), prefix="port_relay_")
    except OptionError as exc:
        raise AnsibleFilterError(str(exc)) from exc
    return dict(values)


class FilterModule:
    def filters(self) -> dict:
        return {"port_relay_options": port_relay_options}
