#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: relay46_config_info
short_description: Read a Relay46 C(config.yaml) as relaykit inventory variables
version_added: 0.1.0
description:
  - Reads the C(config.yaml) of the Relay46 tool that relaykit replaces and returns it as a relaykit site - the VPS
    (C(server)) and the NAS (C(nas)) as hosts, the services as the C(relay46_*) group variables.
  - The services are validated as P(relaykit.edge.relay46_config#filter) validates the inventory; errors name the
    file, the entry (as in C(services[1] (name 'router'))) and the field.
  - The Cloudflare API token is never returned; RV(api_token_set) says whether the file has one.
  - Keys without a relaykit equivalent are returned in RV(ignored); they are not an error.
  - Reads the file where the module runs; for a file on the controller, use it in a C(localhost) play
    or delegate it to C(localhost).
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
options:
  path:
    description: The Relay46 C(config.yaml).
    type: path
    required: true
requirements:
  - PyYAML
notes:
  - C(server.host), C(server.port), C(server.user) and C(server.identity_file) become the VPS's C(ansible_host),
    C(ansible_port), C(ansible_user) and C(ansible_ssh_private_key_file); the same keys of C(nas) the NAS's.
    Without a C(nas) section the NAS is C(backend.host) as C(root), as Relay46 does.
  - C(server.http_port) and C(server.https_port) become C(relay46_http_port) and C(relay46_https_port); C(services),
    C(tcp_services) and C(cloudflare) become C(relay46_services), C(relay46_tcp_services) and C(relay46_cloudflare);
    C(backend.host) and C(nas.ipv6) become C(relay46_nas_name) and C(relay46_nas_ipv6); C(ssl.email) C(certbot_email).
  - C(playbooks/import.yml) in the relaykit repository writes a site's inventory from a C(config.yaml) with this module.
"""

EXAMPLES = r"""
- name: Read the Relay46 configuration on the controller
  relaykit.edge.relay46_config_info:
    path: ~/relay46/config.yaml
  delegate_to: localhost
  register: relay46_seed

- name: Use its services
  ansible.builtin.set_fact:
    relay46_services: "{{ relay46_seed.config.services }}"
"""

RETURN = r"""
hosts:
  description: The inventory variables of the VPS (C(vps)) and of the NAS (C(nas)).
  returned: success
  type: dict
  sample:
    vps: {ansible_host: 203.0.113.10, ansible_port: 22, ansible_user: root}
    nas: {ansible_host: nas, ansible_user: your_user}
ssh_aliases:
  description: The groups (C(vps), C(nas)) whose host is a single word, most likely an SSH config alias.
  returned: success
  type: list
  elements: str
  sample: [nas]
config:
  description:
    - The services, normalized as P(relaykit.edge.relay46_config#filter) returns them, without C(cloudflare.api_token).
  returned: success
  type: dict
api_token_set:
  description: Whether the file has a Cloudflare API token.
  returned: success
  type: bool
nas_name:
  description:
    - C(backend.host) - the NAS's DNS name, which the VPS reaches it by (C(relay46_nas_name)); empty when not given.
  returned: success
  type: str
  sample: nas.example.com
nas_ipv6:
  description: C(nas.ipv6) - a fixed IPv6 address of the NAS (C(relay46_nas_ipv6)); empty when not given.
  returned: success
  type: str
  sample: 2001:db8::5
certbot_email:
  description: C(ssl.email), the ACME account's e-mail address; empty when not given.
  returned: success
  type: str
ignored:
  description: Keys of the file that relaykit does not use (sections, or keys of a section as C(server.password)).
  returned: success
  type: list
  elements: str
  sample: [resolver, nas.deploy_path]
ignored_reasons:
  description: Why each key of RV(ignored) is not used.
  returned: success
  type: dict
  sample: {nas.deploy_path: relaykit has its own directories}
path:
  description: The absolute path of the file read.
  returned: success
  type: str
  sample: /root/relay46/config.yaml
"""

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.yaml import HAS_YAML, yaml_load

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, run_module
from ansible_collections.relaykit.edge.plugins.module_utils._relay46_import import import_config

try:
    from yaml import YAMLError
except ImportError:  # main() reports the missing library (HAS_YAML)
    YAMLError = ValueError


def read_config(path: str) -> dict:
    """The file as a relaykit site; RelaykitError for anything wrong, the file included."""
    path = os.path.abspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise RelaykitError(f"path: {path} does not exist") from None
    except IsADirectoryError:
        raise RelaykitError(f"path: {path} is a directory, not Relay46's config.yaml") from None
    except UnicodeDecodeError as exc:
        raise RelaykitError(f"path: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise RelaykitError(f"path: cannot read {path}: {exc.strerror}") from None
    try:
        data = yaml_load(text)
    except YAMLError as exc:  # its line, and what is wrong; never its snippet of the file, which may hold the token
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise RelaykitError(f"{path}{where}: {problem}") from None
    try:
        result = import_config(data)
    except RelaykitError as exc:
        raise RelaykitError(f"{path}: {exc}") from None
    result["path"] = path
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}},
        supports_check_mode=True,
    )
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"))
    run_module(module, lambda m: {"changed": False, **read_config(m.params["path"])})


if __name__ == "__main__":
    main()
