#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: nginx_reload
short_description: Reload nginx in its container, and fail (putting the old configuration back) when it is refused
version_added: 0.4.0
description:
  - Sends nginx in O(container) a reload and waits until its master has started new workers, which it does only
    once it has taken the new configuration.
  - C(nginx -s reload) exits 0 even when the master then refuses the configuration (a port it cannot bind, a
    certificate it cannot read) - nginx logs C([emerg]) and keeps serving the old one, until the next restart loads
    the refused file and nothing listens. This module fails instead, with nginx's own message, and copies the
    configuration nginx last took (O(served_copy)) back over O(config_file), so that a restart serves what is
    served now.
  - After every reload nginx took, O(config_file) is copied to O(served_copy).
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: none
    description: "A reload cannot be tried without doing it: call it with C(when: not ansible_check_mode)."
  diff_mode:
    support: none
    description: Nothing is compared.
  idempotent:
    support: none
    description: Every call reloads nginx (call it from a handler).
options:
  container:
    description: The Docker container nginx runs in, as its master (PID 1 of the container).
    type: str
    required: true
  config_file:
    description: The configuration file on the host (mounted into the container).
    type: path
    required: true
  config_in_container:
    description: Where the container sees O(config_file).
    type: str
    default: /etc/relaykit/nginx/nginx.conf
  served_copy:
    description: Where the configuration nginx last took is kept. Defaults to O(config_file) with C(.served) added.
    type: path
  timeout:
    description: Seconds to wait for new workers.
    type: int
    default: 15
"""

EXAMPLES = r"""
- name: Reload nginx
  relaykit.edge.nginx_reload:
    container: relaykit-nginx
    config_file: /opt/relaykit/edge/nginx/nginx.conf
  when: not ansible_check_mode
"""

RETURN = r"""
master_pid:
  description: The host pid of nginx's master process.
  returned: success
  type: int
  sample: 2301
new_workers:
  description: How many new worker processes the master started for the new configuration.
  returned: success
  type: int
  sample: 2
"""

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._nginx_reload import reload


def work(module: AnsibleModule) -> dict[str, Any]:
    params = module.params
    docker = module.get_bin_path("docker", required=True)

    def run(argv: list[str]) -> tuple[int, str, str]:
        return module.run_command(argv)

    return reload(
        run,
        docker,
        params["container"],
        params["config_in_container"],
        params["config_file"],
        params["served_copy"] or params["config_file"] + ".served",
        params["timeout"],
    )


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "container": {"type": "str", "required": True},
            "config_file": {"type": "path", "required": True},
            "config_in_container": {"type": "str", "default": "/etc/relaykit/nginx/nginx.conf"},
            "served_copy": {"type": "path"},
            "timeout": {"type": "int", "default": 15},
        },
        supports_check_mode=False,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
