#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: port_relay_env_info
short_description: Read a Port Relay C(.env) file as relaykit inventory variables
version_added: 0.1.0
description:
  - Reads the C(.env) file of the Port Relay shell tool that relaykit replaces and returns its relays and options
    as the variables of relaykit's C(relays) group (C(port_relays) and C(port_relay_*)).
  - The file is read with the shell's rules (comments, C(export), quoted or bare values); variables are not expanded.
  - C(RELAY_N) values are validated as C(port_relays) entries and returned in the order of N (C(RELAY_10) after
    C(RELAY_2)). Integer options must be positive; boolean options take C(y)/C(n), C(yes)/C(no), C(true)/C(false),
    C(1)/C(0). Any error names the file, the line and the key.
  - Keys without a relaykit equivalent are returned in RV(ignored); they are not an error.
  - Reads the file where the module runs; for a file on the controller, use it in a C(localhost) play
    or delegate it to C(localhost).
author:
  - relaykit contributors (@relaykit)
extends_documentation_fragment:
  - relaykit.edge.attributes.read_only
options:
  path:
    description: The Port Relay C(.env) file.
    type: path
    required: true
notes:
  - C(.env) keys and the variables they become are C(CONNECT_TIMEOUT) -> C(port_relay_connect_timeout),
    C(KEEPALIVE_IDLE) -> C(port_relay_keepalive_idle), C(KEEPALIVE_INTVL) -> C(port_relay_keepalive_interval),
    C(KEEPALIVE_CNT) -> C(port_relay_keepalive_count), C(ENABLE_LOGGING) -> C(port_relay_logging),
    C(ENABLE_HEALTH_CHECK) -> C(port_relay_health_check), C(HEALTH_CHECK_TIMEOUT) -> C(port_relay_health_check_timeout)
    and C(HEALTH_CHECK_RETRIES) -> C(port_relay_health_check_retries).
  - C(playbooks/import.yml) in the relaykit repository writes a site's inventory from a C(.env) file with this module.
"""

EXAMPLES = r"""
- name: Read the Port Relay configuration on the controller
  relaykit.edge.port_relay_env_info:
    path: ~/port-relay/.env
  delegate_to: localhost
  register: seed

- name: Use it as the relays group's variables
  ansible.builtin.set_fact:
    port_relays: "{{ seed.port_relays }}"
"""

RETURN = r"""
port_relays:
  description: The C(RELAY_N) values in the order of N, stripped, as C(port_relays) seed lines.
  returned: success
  type: list
  elements: str
  sample: ["50025;25;btc.trustpool.cc;TCP", "51820;51820;vpn.example.com;UDP"]
relay_keys:
  description: The C(RELAY_N) key of each entry of RV(port_relays), in the same order.
  returned: success
  type: list
  elements: str
  sample: [RELAY_1, RELAY_4]
options:
  description: Each C(port_relay_*) variable set in the file, with its validated value.
  returned: success
  type: dict
  sample: {port_relay_connect_timeout: 15, port_relay_logging: true}
ignored:
  description: Keys of the file that relaykit does not use, in file order.
  returned: success
  type: list
  elements: str
  sample: [RELAY_IP]
path:
  description: The absolute path of the file read.
  returned: success
  type: str
  sample: /root/port-relay/.env
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._seed_env import SeedEnvError, parse_env


def read_seed(path: str) -> dict:
    """The file's relays and options; SeedEnvError for anything wrong, the file included."""
    path = os.path.abspath(path)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise SeedEnvError(f"path: {path} does not exist") from None
    except IsADirectoryError:
        raise SeedEnvError(f"path: {path} is a directory, not a .env file") from None
    except UnicodeDecodeError as exc:
        raise SeedEnvError(f"path: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SeedEnvError(f"path: cannot read {path}: {exc.strerror}") from None
    result = parse_env(text, source=path).as_dict()
    result["path"] = path
    return result


def main() -> None:
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "required": True}},
        supports_check_mode=True,
    )
    run_module(module, lambda m: {"changed": False, **read_seed(m.params["path"])})


if __name__ == "__main__":
    main()
