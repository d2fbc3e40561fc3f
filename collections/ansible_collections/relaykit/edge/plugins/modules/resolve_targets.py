#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: resolve_targets
short_description: Resolve relay targets on the host, the way its relays will see them
version_added: 0.1.0
description:
  - Resolves each target with the host's own resolver (C(getaddrinfo)), once per name, and returns its
    IPv4 and IPv6 addresses in the resolver's order. IP literals are returned as they are.
  - Kernel relays need their target as an address when the rules are applied; this is where a name is
    turned into one.
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
options:
  targets:
    description: Relay name to target host.
    type: dict
    required: true
  fail_on_unresolved:
    description: Fail naming the relay when a target resolves to no address at all.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Resolve kernel relay targets
  relaykit.edge.resolve_targets:
    targets: {wireguard: vpn.example.com}
  register: resolved
"""

RETURN = r"""
addresses:
  description: Relay name to addresses per family.
  returned: always
  type: dict
  sample: {wireguard: {ipv4: [198.51.100.7], ipv6: ["2001:db8::7"]}}
"""

import ipaddress
import socket

from ansible.module_utils.basic import AnsibleModule


def resolve(host: str) -> dict[str, list[str]]:
    try:
        version = ipaddress.ip_address(host).version
        return {"ipv4": [host] if version == 4 else [], "ipv6": [host] if version == 6 else []}
    except ValueError:
        pass
    found: dict[str, list[str]] = {"ipv4": [], "ipv6": []}
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM):
        key = "ipv4" if family == socket.AF_INET else "ipv6" if family == socket.AF_INET6 else None
        if key and sockaddr[0] not in found[key]:
            found[key].append(str(sockaddr[0]))
    return found


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "targets": {"type": "dict", "required": True},
            "fail_on_unresolved": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    cache: dict[str, dict[str, list[str]]] = {}
    addresses: dict[str, dict[str, list[str]]] = {}
    failures: list[str] = []
    for relay, host in module.params["targets"].items():
        host = str(host)
        if host not in cache:
            try:
                cache[host] = resolve(host)
            except (socket.gaierror, UnicodeError) as exc:
                cache[host] = {"ipv4": [], "ipv6": []}
                failures.append(f"relay '{relay}': target_host '{host}' does not resolve on this host ({exc})")
        addresses[relay] = cache[host]
    if failures and module.params["fail_on_unresolved"]:
        module.fail_json(msg="; ".join(failures), addresses=addresses)
    module.exit_json(changed=False, addresses=addresses, warnings=failures)


if __name__ == "__main__":
    main()
