# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The port relays' netfilter chains, for relaykit.edge.netfilter_chains."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._relay_rules import build

DOCUMENTATION = r"""
name: port_relay_chains
short_description: Netfilter chains of the port relays
version_added: 0.1.0
description:
  - Builds the chains, rules and hooks of kernel relays (DNAT, MASQUERADE, FORWARD accept) and the
    per-relay byte counters of socat relays, for M(relaykit.edge.netfilter_chains).
  - Also returns, per kernel relay, the address its rules use in each family (C(uses)), and the kernel
    relays with no target address in any family they listen on (C(unreachable)).
positional: _input, addresses
options:
  _input:
    description: Normalized relays (the output of P(relaykit.edge.port_relays#filter)).
    type: list
    elements: dict
    required: true
  addresses:
    description:
      - Relay name to its addresses per family (C(ipv4) and C(ipv6) lists).
      - As returned by M(relaykit.edge.resolve_targets).
    type: dict
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Apply the relays' chains
  relaykit.edge.netfilter_chains:
    owner: relays
    chains: "{{ (relays | relaykit.edge.port_relay_chains(resolved.addresses)).chains }}"
    hooks: "{{ (relays | relaykit.edge.port_relay_chains(resolved.addresses)).hooks }}"
"""

RETURN = r"""
_value:
  description: C(owner), C(chains), C(hooks), C(ufw_rules), C(uses) and C(unreachable).
  type: dict
"""


def port_relay_chains(relays: list, addresses: dict) -> dict:
    if not isinstance(relays, list) or not isinstance(addresses, dict):
        raise AnsibleFilterError("port_relay_chains expects a list of normalized relays and a dict of addresses")
    try:
        return build(relays, addresses)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError(f"port_relay_chains: relays must come from relaykit.edge.port_relays ({exc})") from exc


class FilterModule:
    def filters(self) -> dict:
        return {"port_relay_chains": port_relay_chains}
