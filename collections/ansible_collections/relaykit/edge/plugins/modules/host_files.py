#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_files
short_description: The directories and small files a role owns, compared and written in one call
version_added: 0.2.0
description:
  - Ensures O(directories) exist with their mode and owner, O(files) have their content (rendered on the
    controller, for example with the C(template) lookup), mode and owner, and O(absent) paths are gone.
  - Every path is compared first; a path that is not what it should be (a directory where a file belongs) fails
    before anything is written. Files are replaced atomically (a temporary file renamed over the old one).
  - One call for all of a role's files. A run that changes nothing costs one round trip to the host, however many
    files the role owns. Roles react to RV(changed_paths) (a daemon reload when a unit file changed, for example).
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description:
      - Content (or mode and owner) before and after for every changed path.
      - Secrets belong in a task of their own with C(no_log).
  idempotent:
    support: full
    description: Paths that are as declared are not touched.
options:
  directories:
    description: Directories to create (parents included) with their mode and owner.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      mode:
        description: Octal mode.
        type: str
        default: "0755"
      owner:
        description: Owner.
        type: str
        default: root
      group:
        description: Group.
        type: str
        default: root
  files:
    description: Files and their content.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      content:
        description: The whole content.
        type: str
        required: true
      mode:
        description: Octal mode.
        type: str
        default: "0644"
      owner:
        description: Owner.
        type: str
        default: root
      group:
        description: Group.
        type: str
        default: root
  absent:
    description: Paths that must not exist (directories are removed with what they hold).
    type: list
    elements: path
    default: []
"""

EXAMPLES = r"""
- name: The relaykit command and its configuration
  relaykit.edge.host_files:
    directories:
      - { path: /etc/relaykit }
    files:
      - { path: /etc/relaykit/relays.json, content: "{{ relays | to_nice_json }}\n" }
      - { path: /usr/local/sbin/relaykit, content: "{{ lookup('ansible.builtin.file', 'relaykit') }}\n", mode: "0755" }
    absent:
      - /etc/systemd/system/relaykit-log.service
"""

RETURN = r"""
changed_paths:
  description: Paths created, updated or removed (or that would be, in check mode), in the order declared.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._host_files import ensure, parse_wants

PATH_OWNER = {
    "path": {"type": "path", "required": True},
    "owner": {"type": "str", "default": "root"},
    "group": {"type": "str", "default": "root"},
}


def work(module: AnsibleModule) -> dict:
    wants = parse_wants(module.params["directories"], module.params["files"], module.params["absent"])
    return ensure(wants, module.check_mode)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "directories": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {**PATH_OWNER, "mode": {"type": "str", "default": "0755"}},
            },
            "files": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    **PATH_OWNER,
                    "content": {"type": "str", "required": True},
                    "mode": {"type": "str", "default": "0644"},
                },
            },
            "absent": {"type": "list", "elements": "path", "default": []},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
