#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: packages
short_description: Install missing Debian packages, refusing any install that would remove a package
version_added: 0.2.0
description:
  - Installs the packages of O(names) that are not installed, with C(apt-get), without recommends by default.
  - Every install is simulated first (C(apt-get -s)). When apt would remove any package to make room (a
    C(Breaks) or C(Conflicts), for example ufw against netfilter-persistent, or docker.io against docker-ce),
    the module fails before anything changes, naming the packages that would go and why.
  - A host that has every package is answered from C(dpkg-query) alone, without reading apt's cache.
  - Package lists are refreshed (C(apt-get update)) only when a package is missing and the lists are older
    than O(cache_valid_time), in check mode too, since they are not configuration.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: The install is simulated and reported; nothing is installed.
  diff_mode:
    support: full
    description: The missing packages, absent before and installed after.
  idempotent:
    support: full
    description: Installed packages are left as they are.
options:
  names:
    description: Debian package names.
    type: list
    elements: str
    required: true
  install_recommends:
    description: Install the packages' recommended packages too.
    type: bool
    default: false
  cache_valid_time:
    description: Refresh the package lists before an install when they are older than this, in seconds.
    type: int
    default: 3600
"""

EXAMPLES = r"""
- name: Install socat and conntrack
  relaykit.edge.packages:
    names: [socat, conntrack]
"""

RETURN = r"""
missing:
  description: The packages of O(names) that were not installed.
  returned: always
  type: list
  elements: str
installed:
  description: Every package apt installed (or, in check mode, would install), dependencies included.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._packages import APT_ENV, Packages


def work(module: AnsibleModule) -> dict:
    def run(argv: list[str]) -> tuple[int, str, str]:
        return module.run_command(list(argv), environ_update=APT_ENV)

    packages = Packages(
        run=run,
        install_recommends=module.params["install_recommends"],
        cache_valid_time=module.params["cache_valid_time"],
    )
    return packages.ensure(module.params["names"], module.check_mode)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "names": {"type": "list", "elements": "str", "required": True},
            "install_recommends": {"type": "bool", "default": False},
            "cache_valid_time": {"type": "int", "default": 3600},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
