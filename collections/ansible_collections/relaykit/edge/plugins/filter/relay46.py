# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Relay46 inventory contract as filters: validate and normalize, and the plans of the VPS and the NAS.

This file hosts five filters, so their documentation is in one YAML file per filter next to it
(relay46_config.yml, relay46_vps_plan.yml, relay46_nas_plan.yml, relay46_dns_records.yml,
relay46_settings_key.yml), the way
ansible.builtin documents the filters of its core.py: ansible-doc reads a filter's adjacent <name>.yml
when the Python file has no DOCUMENTATION.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import (
    DEFAULT_HTTP_PORT,
    DEFAULT_HTTPS_PORT,
    normalize_relay46,
    public_config,
    settings_key,
)
from ansible_collections.relaykit.edge.plugins.module_utils._relay46_plans import dns_records, nas_plan, vps_plan


def relay46_config(
    services: Any,
    tcp_services: Any = None,
    http_port: Any = DEFAULT_HTTP_PORT,
    https_port: Any = DEFAULT_HTTPS_PORT,
    cloudflare: Any = None,
    public: bool = False,
) -> dict:
    if not isinstance(public, bool):
        raise AnsibleFilterError(f"relay46_config: public must be true or false, got {public!r}")
    try:
        config = normalize_relay46(services, tcp_services, http_port, https_port, cloudflare)
        return public_config(config) if public else config
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from None


def relay46_settings_key(
    services: Any,
    tcp_services: Any = None,
    http_port: Any = DEFAULT_HTTP_PORT,
    https_port: Any = DEFAULT_HTTPS_PORT,
    cloudflare: Any = None,
) -> str:
    return settings_key(services, tcp_services, http_port, https_port, cloudflare)


def relay46_vps_plan(config: Any, nas_host: Any) -> dict:
    try:
        return vps_plan(config, nas_host)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from None


def relay46_nas_plan(config: Any) -> dict:
    try:
        return nas_plan(config)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from None


def relay46_dns_records(config: Any, vps_ipv4: Any, nas_ipv6: Any, extra_names: Any = None) -> list:
    try:
        return dns_records(config, vps_ipv4, nas_ipv6, extra_names)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    def filters(self) -> dict:
        return {
            "relay46_settings_key": relay46_settings_key,
            "relay46_config": relay46_config,
            "relay46_vps_plan": relay46_vps_plan,
            "relay46_nas_plan": relay46_nas_plan,
            "relay46_dns_records": relay46_dns_records,
        }
