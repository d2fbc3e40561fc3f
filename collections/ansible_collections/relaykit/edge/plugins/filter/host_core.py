# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's module_utils a host program imports, as files for relaykit.edge.host_files."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._host_core import host_core as gather

DOCUMENTATION = r"""
name: host_core
short_description: The collection's module_utils a host program imports, as files to install
version_added: 0.5.0
description:
  - Takes the names of stdlib-only module_utils (C(_relays), C(_dns_plan) ...) and returns the C(directories) and
    C(files) of relaykit.edge.host_files that install them, and every module they import in turn, under O(dest) as
    the package C(ansible_collections.relaykit.edge.plugins.module_utils).
  - Fails when a module imports anything beyond the standard library and its sibling modules.
positional: _input, dest
options:
  _input:
    description: Module names.
    type: list
    elements: str
    required: true
  dest:
    description: The directory on the host the program puts first on its C(sys.path).
    type: path
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Install the relaykit command's core
  relaykit.edge.host_files:
    directories: "{{ core.directories }}"
    files: "{{ core.files }}"
  vars:
    core: "{{ ['_relays'] | relaykit.edge.host_core('/usr/local/lib/relaykit/relaykit') }}"
"""

RETURN = r"""
_value:
  description: C(directories) and C(files) (each C(path) and C(content)).
  type: dict
"""


def host_core(names: object, dest: str) -> dict:
    if not isinstance(names, list) or not isinstance(dest, str) or not dest.startswith("/"):
        raise AnsibleFilterError("host_core expects a list of module_utils names and an absolute directory")
    try:
        return gather(names, dest)
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"host_core": host_core}
