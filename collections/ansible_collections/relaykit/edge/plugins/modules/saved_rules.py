#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: saved_rules
short_description: Take relaykit's chains and jumps out of the host's own saved rule files
version_added: 0.3.0
description:
  - relaykit restores its own chains at boot and never saves the host's rules. But where the host's owner saved
    the live rules while relaykit ran (C(netfilter-persistent save), C(iptables-save > /etc/iptables/rules.v4)),
    the saved files hold relaykit's C(RELAYKIT-*) chains and their jumps, and the host's own restore would bring
    them back at boot after an uninstall.
  - With O(state=absent) (the only state) this removes exactly those lines from each file of O(paths) that
    exists - chain declarations, their rules, and jumps or gotos to them - and leaves every other line, the
    host's rules and Docker's, as it was, in its order. The file keeps its mode and owner.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports what would be removed.
  diff_mode:
    support: full
    description: Each file before and after.
  idempotent:
    support: full
    description: A file with no line of relaykit's is not written.
options:
  paths:
    description: Saved rule files to clean (those that do not exist are skipped).
    type: list
    elements: path
    default: [/etc/iptables/rules.v4, /etc/iptables/rules.v6]
  state:
    description: C(absent) removes relaykit's lines.
    type: str
    choices: [absent]
    default: absent
"""

EXAMPLES = r"""
- name: Take relaykit's chains out of the host's saved rules
  relaykit.edge.saved_rules:
    state: absent
"""

RETURN = r"""
removed:
  description: Per file, the lines taken out (or that would be, in check mode).
  returned: always
  type: dict
  sample: {/etc/iptables/rules.v4: [":RELAYKIT-CTGUARD - [0:0]", "-A INPUT -j RELAYKIT-CTGUARD"]}
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic
from ansible_collections.relaykit.edge.plugins.module_utils._netfilter import without_relaykit


def work(module: AnsibleModule) -> dict[str, Any]:
    removed: dict[str, list[str]] = {}
    diffs = []
    for path in module.params["paths"]:
        text = read_text(path)
        if text is None:
            continue
        cleaned, lines = without_relaykit(text)
        if not lines:
            continue
        removed[path] = lines
        diffs.append({"before_header": path, "after_header": path, "before": text, "after": cleaned})
        if not module.check_mode:
            stat = os.stat(path)
            write_text_atomic(path, cleaned, stat.st_mode & 0o7777)
            os.chown(path, stat.st_uid, stat.st_gid)
    return {"changed": bool(removed), "removed": removed, "diff": diffs}


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "paths": {
                "type": "list",
                "elements": "path",
                "default": ["/etc/iptables/rules.v4", "/etc/iptables/rules.v6"],
            },
            "state": {"type": "str", "choices": ["absent"], "default": "absent"},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
