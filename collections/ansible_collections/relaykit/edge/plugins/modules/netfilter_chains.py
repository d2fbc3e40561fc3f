#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: netfilter_chains
short_description: Own a set of iptables/ip6tables chains, rebuilt atomically, touching nothing else
version_added: 0.1.0
description:
  - Declares chains that one O(owner) holds (names start with C(RELAYKIT-)), their rules, the jumps
    from built-in chains to them and, optionally, built-in chain policies.
  - Applies everything for one table in one C(iptables-restore --noflush) commit, after testing it with
    C(--test). A rule the kernel rejects leaves the old rules in place and fails naming the line.
  - Re-declaring a chain flushes only that chain; every existing jump to an owned chain is replaced by
    exactly one jump per hook. Chains of other owners, Docker's chains and the host's own rules are
    never flushed, saved or duplicated.
  - Writes the owner's rules to a file per family under O(boot_dir), which C(relaykit-netfilter.service)
    (role netfilter_persistence) restores at boot (C(--noflush), hooks inserted only when missing).
    It never saves the running ruleset (no C(netfilter-persistent save)).
  - Idempotence compares the wish with a record of the last apply and with what the kernel shows now,
    so rules changed or removed behind relaykit's back are put back.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: The new rules are still tested with C(--test); nothing is applied.
  diff_mode:
    support: full
    description: The owner's chains, jumps and policies before and after.
  idempotent:
    support: full
    description: A second run with the same input changes nothing.
options:
  owner:
    description: Who owns these chains; one record and one boot file per owner and family.
    type: str
    required: true
  families:
    description: Address families to manage.
    type: list
    elements: str
    choices: [ipv4, ipv6]
    default: [ipv4, ipv6]
  chains:
    description: The owned chains. With O(state=absent) only C(table) and C(name) are used.
    type: list
    elements: dict
    default: []
    suboptions:
      table:
        description: The table.
        type: str
        choices: [raw, mangle, nat, filter]
        default: filter
      name:
        description: Chain name, C(RELAYKIT-...), at most 28 characters.
        type: str
        required: true
      rules:
        description:
          - Rules as match and target, without C(-A CHAIN).
          - For example C(-m conntrack --ctstate INVALID -j DROP).
        type: list
        elements: str
        default: []
      family:
        description: Limit the chain to one family.
        type: str
        choices: [ipv4, ipv6, both]
        default: both
  hooks:
    description: Jumps from built-in chains to owned chains, inserted first, in this order.
    type: list
    elements: dict
    default: []
    suboptions:
      table:
        description: The table.
        type: str
        choices: [raw, mangle, nat, filter]
        default: filter
      from:
        description: The built-in chain, for example C(INPUT).
        type: str
        required: true
      to:
        description: The owned chain.
        type: str
        required: true
      match:
        description: An optional match on the jump, without quotes.
        type: str
        default: ""
  policies:
    description:
      - Built-in chain policies of the filter table to set, for example INPUT DROP for a host firewall.
      - The original policy is recorded and put back by O(state=absent).
    type: list
    elements: dict
    default: []
    suboptions:
      chain:
        description: C(INPUT), C(FORWARD) or C(OUTPUT).
        type: str
        required: true
        choices: [INPUT, FORWARD, OUTPUT]
      policy:
        description: The policy.
        type: str
        required: true
        choices: [ACCEPT, DROP]
  state:
    description:
      - C(present) applies the chains.
      - C(absent) removes them, their jumps and boot files, and restores the policies they replaced.
    type: str
    choices: [present, absent]
    default: present
  state_dir:
    description: Where the records of the last apply are kept.
    type: path
    default: /var/lib/relaykit/netfilter
  boot_dir:
    description: Where the boot files are written. Set to an empty string to keep nothing for boot.
    type: path
    default: /etc/relaykit/netfilter
"""

EXAMPLES = r"""
- name: Drop packets conntrack marks INVALID
  relaykit.edge.netfilter_chains:
    owner: ctguard
    chains:
      - name: RELAYKIT-CTGUARD
        rules: ["-m conntrack --ctstate INVALID -j DROP"]
    hooks:
      - { from: INPUT, to: RELAYKIT-CTGUARD }
      - { from: FORWARD, to: RELAYKIT-CTGUARD }
      - { from: OUTPUT, to: RELAYKIT-CTGUARD }
"""

RETURN = r"""
families:
  description: Per family, whether it changed and the payload applied (or that would be applied in check mode).
  returned: always
  type: dict
  sample: {ipv4: {changed: true, payload: "*filter\n:RELAYKIT-CTGUARD - [0:0]\n..."}}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._netfilter import (
    Hook,
    Netfilter,
    NetfilterError,
    Owner,
    ensure_absent,
    ensure_present,
    render_view,
)


def build_owner(params: dict, family: str) -> Owner:
    chains = {
        (chain["table"], chain["name"]): list(chain["rules"])
        for chain in params["chains"]
        if chain["family"] in ("both", family)
    }
    hooks = [
        Hook(hook["table"], hook["from"], hook["to"], hook["match"].strip())
        for hook in params["hooks"]
        if (hook["table"], hook["to"]) in chains
    ]
    policies = {("filter", policy["chain"]): policy["policy"] for policy in params["policies"]}
    return Owner(params["owner"], family, chains, hooks, policies)


def work(module: AnsibleModule) -> dict:
    params = module.params
    if not params["owner"].replace("-", "").replace("_", "").isalnum():
        raise NetfilterError(f"owner must be letters, digits, '-' or '_', got {params['owner']!r}")

    def run(cmd: list[str], data: str | None) -> tuple[int, str, str]:
        return module.run_command(cmd, data=data, binary_data=False)

    result: dict = {"changed": False, "families": {}}
    before_text, after_text = [], []
    for family in params["families"]:
        try:
            net = Netfilter(family, run, module.get_bin_path)
        except NetfilterError as exc:
            if params["state"] == "absent":  # no iptables: none of relaykit's rules can be there
                result["families"][family] = {"changed": False, "payload": ""}
                continue
            if not module.check_mode:
                raise
            # A host about to get iptables from the same run: report the change, test the rules next time.
            module.warn(f"{exc}; in check mode the {family} rules are reported as changed without being tested")
            result["changed"] = params["state"] == "present"
            result["families"][family] = {"changed": result["changed"], "payload": ""}
            continue
        owner = build_owner(params, family)
        state_path = f"{params['state_dir']}/{params['owner']}.{family}.json"
        boot_path = f"{params['boot_dir']}/{params['owner']}.{family}.rules" if params["boot_dir"] else None
        apply = ensure_present if params["state"] == "present" else ensure_absent
        outcome = apply(net, owner, state_path, boot_path, module.check_mode)
        result["changed"] |= outcome.changed
        result["families"][family] = {"changed": outcome.changed, "payload": outcome.payload}
        before_text.append(f"# {family}\n{render_view(outcome.before)}")
        after_text.append(f"# {family}\n{render_view(outcome.after)}")
    if module._diff:
        result["diff"] = {"before": "".join(before_text), "after": "".join(after_text)}
    return result


def main() -> None:
    chain_spec = {
        "table": {"type": "str", "choices": ["raw", "mangle", "nat", "filter"], "default": "filter"},
        "name": {"type": "str", "required": True},
        "rules": {"type": "list", "elements": "str", "default": []},
        "family": {"type": "str", "choices": ["ipv4", "ipv6", "both"], "default": "both"},
    }
    hook_spec = {
        "table": {"type": "str", "choices": ["raw", "mangle", "nat", "filter"], "default": "filter"},
        "from": {"type": "str", "required": True},
        "to": {"type": "str", "required": True},
        "match": {"type": "str", "default": ""},
    }
    policy_spec = {
        "chain": {"type": "str", "required": True, "choices": ["INPUT", "FORWARD", "OUTPUT"]},
        "policy": {"type": "str", "required": True, "choices": ["ACCEPT", "DROP"]},
    }
    module = AnsibleModule(
        argument_spec={
            "owner": {"type": "str", "required": True},
            "families": {"type": "list", "elements": "str", "choices": ["ipv4", "ipv6"], "default": ["ipv4", "ipv6"]},
            "chains": {"type": "list", "elements": "dict", "options": chain_spec, "default": []},
            "hooks": {"type": "list", "elements": "dict", "options": hook_spec, "default": []},
            "policies": {"type": "list", "elements": "dict", "options": policy_spec, "default": []},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "state_dir": {"type": "path", "default": "/var/lib/relaykit/netfilter"},
            "boot_dir": {"type": "path", "default": "/etc/relaykit/netfilter"},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
