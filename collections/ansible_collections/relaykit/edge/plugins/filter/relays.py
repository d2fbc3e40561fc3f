# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The port_relays inventory contract as a filter: parse, validate, normalize."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._relays import (
    RelayError,
    listen_claims,
    normalize,
    status_document,
)

DOCUMENTATION = r"""
name: port_relays
short_description: Parse and validate port_relays entries
version_added: 0.1.0
description:
  - Accepts the Port Relay seed's lines (C(in_port;out_port;out_host;TCP|UDP)) and mappings
    (C(name), C(listen_port), C(target_host), C(target_port), C(protocol), C(listen_address), C(engine)).
  - Returns one normalized mapping per relay, or fails naming the entry and the field.
positional: _input
options:
  _input:
    description: The C(port_relays) list.
    type: list
    elements: raw
    required: true
  listen_address:
    description: Listen address of entries that do not give one.
    type: str
    default: "::"
  engine:
    description: Engine of TCP entries that do not give one (UDP always runs in the kernel).
    type: str
    default: socat
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Normalize the relays
  ansible.builtin.set_fact:
    relays: "{{ port_relays | relaykit.edge.port_relays(listen_address='::') }}"
"""

RETURN = r"""
_value:
  description: One mapping per relay with name, listen_address, listen_port, target_host, target_port,
    protocol, engine and unit (the systemd unit of a socat relay, else null).
  type: list
  elements: dict
"""


def port_relays(entries: object, listen_address: str = "::", engine: str = "socat") -> list[dict]:
    try:
        return [relay.as_dict() for relay in normalize(entries, listen_address, engine)]
    except RelayError as exc:
        raise AnsibleFilterError(str(exc)) from exc


def port_relay_listen_ports(relays: object) -> list[dict]:
    """The ports of normalized relays (the port_relays filter's result), for relaykit.edge.port_conflicts."""
    if not isinstance(relays, list) or not all(isinstance(relay, dict) for relay in relays):
        raise AnsibleFilterError("port_relay_listen_ports: expected the port_relays filter's result (a list)")
    return listen_claims(relays)


def port_relay_status_config(relays: object, uses: object, health: object) -> dict:
    """/etc/relaykit/relays.json: the normalized relays, the addresses their kernel rules use, the health settings."""
    if not isinstance(relays, list) or not isinstance(uses, dict) or not isinstance(health, dict):
        raise AnsibleFilterError(
            "port_relay_status_config: expected the port_relays filter's result, the rule builder's uses and a dict"
        )
    try:
        return status_document(relays, uses, health)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(
            f"port_relay_status_config: relays must come from relaykit.edge.port_relays ({exc})"
        ) from exc


class FilterModule:
    def filters(self) -> dict:
        return {
            "port_relays": port_relays,
            "port_relay_listen_ports": port_relay_listen_ports,
            "port_relay_status_config": port_relay_status_config,
        }
