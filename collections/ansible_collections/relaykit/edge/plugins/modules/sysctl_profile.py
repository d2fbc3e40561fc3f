#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: sysctl_profile
short_description: Manage a sysctl.d profile and the live kernel values it sets
version_added: 0.1.0
description:
  - Writes one file under C(/etc/sysctl.d) with every key of O(settings) and sets the live values
    in C(/proc/sys), so the values hold now and after a reboot.
  - Keys that this host cannot set (missing in this kernel or network namespace, or read-only there) are told apart
    from real failures. With O(unsettable=auto) they are skipped inside a container and are an error on a real host.
    Skipped keys are written with the C(-) prefix, so C(systemd-sysctl) does not fail at boot because of them.
  - Validates everything first and fails before any change; a value the kernel refuses puts back
    the values already written, and the file is replaced atomically.
  - Remembers each key's value from before the first change, and O(state=absent) puts those values back.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports what would be written, loaded and skipped.
  diff_mode:
    support: full
    description: Shows the profile file and the live values before and after.
  idempotent:
    support: full
    description: A second run with the same settings changes nothing.
options:
  path:
    description: The profile file, normally C(/etc/sysctl.d/NN-name.conf).
    type: path
    required: true
  settings:
    description:
      - Key to value. Booleans become C(1)/C(0), lists are joined with spaces, runs of whitespace count as one.
      - Required when O(state=present).
    type: dict
  state:
    description: C(present) writes and applies the profile; C(absent) removes the file and restores the original values.
    type: str
    choices: [present, absent]
    default: present
  unsettable:
    description:
      - What to do with keys this host cannot set.
      - C(auto) skips them inside a container (where network namespaces hide or lock some keys)
        and fails on a real host.
      - C(skip) always skips them; C(fail) always fails, before any change.
    type: str
    choices: [auto, skip, fail]
    default: auto
  modules_load_path:
    description:
      - A C(modules-load.d) file listing O(load_modules), so that systemd-modules-load loads them at boot before
        systemd-sysctl applies the profile; removed when O(load_modules) is empty and with O(state=absent).
      - Unset, no such file is managed.
    type: path
  load_modules:
    description:
      - Kernel modules to load before the keys are read, for example C(nf_conntrack), whose keys
        do not exist until it is loaded.
      - Modules built into the kernel or already loaded are left alone. A module that cannot be loaded is a warning;
        its keys are then reported with their own reason.
    type: list
    elements: str
    default: []
  state_dir:
    description: Where the original values are kept for O(state=absent).
    type: path
    default: /var/lib/relaykit
  proc_root:
    description: The sysctl tree. Only tests change it.
    type: path
    default: /proc/sys
notes:
  - Load modules at boot with a C(modules-load.d) file as well; C(systemd-sysctl) runs after C(systemd-modules-load).
"""

EXAMPLES = r"""
- name: Tune TCP for relaying
  relaykit.edge.sysctl_profile:
    path: /etc/sysctl.d/90-relaykit.conf
    load_modules: [nf_conntrack]
    settings:
      net.ipv4.ip_forward: true
      net.ipv4.tcp_congestion_control: bbr
      net.ipv4.tcp_rmem: [4096, 87380, 16777216]
  register: tuning

- name: Remove the profile and restore the values it replaced
  relaykit.edge.sysctl_profile:
    path: /etc/sysctl.d/90-relaykit.conf
    state: absent
"""

RETURN = r"""
changed_keys:
  description: Keys whose live value was (or in check mode would be) changed or restored.
  returned: always
  type: list
  elements: str
  sample: [net.ipv4.ip_forward]
skipped_keys:
  description: Keys this host cannot set, with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{key: net.core.rmem_max, value: "16777216", reason: is read-only here}]
applied:
  description: Every settable key with the value it has after the run.
  returned: always
  type: dict
  sample: {net.ipv4.ip_forward: "1"}
modules_loaded:
  description: Kernel modules loaded by this run.
  returned: always
  type: list
  elements: str
file_changed:
  description: Whether the profile file was (or would be) written or removed.
  returned: always
  type: bool
container:
  description: Whether the host was detected as a container.
  returned: always
  type: bool
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic
from ansible_collections.relaykit.edge.plugins.module_utils._sysctl import (
    Runner,
    SysctlError,
    apply_values,
    check_module_names,
    check_policy,
    in_container,
    load_modules,
    parse,
    plan,
    plan_restore,
    read_originals,
    render,
    restore_values,
    update_originals,
)


def state_file(module: AnsibleModule) -> str:
    """One record per profile path: /etc/sysctl.d/90-x.conf -> STATE_DIR/sysctl-etc-sysctl.d-90-x.conf.json."""
    name = module.params["path"].strip("/").replace("/", "-")
    return os.path.join(module.params["state_dir"], f"sysctl-{name}.json")


def restore_or_warn(module: AnsibleModule, restore: dict[str, str]) -> set[str]:
    """Put original values back; warn about refusals. Returns the keys restored."""
    errors = restore_values(module.params["proc_root"], restore)
    for key, error in errors.items():
        module.warn(f"could not restore {key} = {restore[key]}: {error}; its original value stays recorded")
    return set(restore) - set(errors)


def modprobe_runner(module: AnsibleModule, container: bool) -> Runner | None:
    """How load_modules runs modprobe: never inside a container, not at all in check mode (None)."""
    modprobe = module.get_bin_path("modprobe")
    if container or modprobe is None:
        if container:
            reason = "a container cannot load kernel modules: load it on the host"
        else:
            reason = "modprobe is not installed"
        return lambda _cmd: (1, "", reason)
    if module.check_mode:
        return None
    return lambda cmd: module.run_command([modprobe, *cmd[1:]])


def ensure_present(module: AnsibleModule) -> dict:
    params = module.params
    if params["settings"] is None:
        raise SysctlError("settings: required when state=present (a dict of sysctl key to value)")
    check_module_names(params["load_modules"])
    container = in_container()
    loaded: list[str] = []
    # A kernel without /proc/modules has every module built in: nothing to load.
    if params["load_modules"] and os.path.exists("/proc/modules"):
        loaded, failed = load_modules(params["load_modules"], "/sys", modprobe_runner(module, container))
        for failure in failed:
            module.warn(f"load_modules: could not load {failure}")

    result = plan(params["settings"], params["proc_root"])
    check_policy(result, params["unsettable"], container)

    content = render(result)
    before_file = read_text(params["path"])
    file_changed = before_file != content
    # Keys the previous profile set and this one no longer does go back to their original values.
    previous = parse(before_file) if before_file else {}
    dropped = plan_restore(state_file(module), previous, params["proc_root"], keep=frozenset(params["settings"]))
    changed_keys = [state.key for state in result.to_write] + sorted(dropped)

    modules_file = ModulesLoadFile(params["modules_load_path"], params["load_modules"])
    if not module.check_mode:
        restored = restore_or_warn(module, dropped)
        apply_values(result, params["proc_root"])
        unmanaged = {key for key in read_originals(state_file(module)) if key not in params["settings"]}
        update_originals(state_file(module), result, forget=restored | (unmanaged - set(dropped)))
        if file_changed:
            write_text_atomic(params["path"], content)
        modules_file.apply()

    return {
        "changed": bool(file_changed or changed_keys or loaded or modules_file.changed),
        "modules_load_changed": modules_file.changed,
        "changed_keys": changed_keys,
        "skipped_keys": [{"key": s.key, "value": s.desired, "reason": s.reason} for s in result.skipped],
        "applied": {s.key: s.desired for s in result.keys if s.settable},
        "modules_loaded": loaded,
        "file_changed": file_changed,
        "container": container,
        "diff": {
            "before": modules_file.diff("before") + live_and_file(before_file, {s.key: s.current for s in result.keys}),
            "after": modules_file.diff("after")
            + live_and_file(content, {s.key: (s.desired if s.settable else s.current) for s in result.keys}),
            "before_header": params["path"],
            "after_header": params["path"],
        },
    }


def ensure_absent(module: AnsibleModule) -> dict:
    params = module.params
    before_file = read_text(params["path"])
    profile_values = parse(before_file) if before_file else {}
    restore = plan_restore(state_file(module), profile_values, params["proc_root"])
    file_changed = before_file is not None
    modules_file = ModulesLoadFile(params["modules_load_path"], [])
    if not module.check_mode:
        failed = set(restore) - restore_or_warn(module, restore)
        update_originals(state_file(module), None, forget=set(read_originals(state_file(module))) - failed)
        if before_file is not None:
            os.unlink(params["path"])
        modules_file.apply()
    return {
        "changed": bool(file_changed or restore or modules_file.changed),
        "modules_load_changed": modules_file.changed,
        "changed_keys": sorted(restore),
        "skipped_keys": [],
        "applied": {},
        "modules_loaded": [],
        "file_changed": file_changed,
        "container": in_container(),
        "diff": {
            "before": modules_file.diff("before")
            + live_and_file(before_file, {k: profile_values.get(k) for k in restore}),
            "after": modules_file.diff("after") + live_and_file(None, dict(restore)),
            "before_header": params["path"],
            "after_header": params["path"],
        },
    }


class ModulesLoadFile:
    """The modules-load.d file of the profile's modules: written when it differs, removed when none is wanted."""

    def __init__(self, path: str | None, modules: list[str]) -> None:
        self.path = path
        self.content = render_modules_load(modules) if modules else None
        self.before = read_text(path) if path is not None else None
        self.changed = path is not None and self.before != self.content

    def diff(self, which: str) -> str:
        """A line for the profile's diff: what the modules-load file holds before or after."""
        if self.path is None:
            return ""
        text = self.before if which == "before" else self.content
        modules = [line for line in (text or "").splitlines() if line and not line.startswith("#")]
        return f"# modules-load {self.path}: {' '.join(modules) or '(no file)'}\n"

    def apply(self) -> None:
        if not self.changed or self.path is None:
            return
        if self.content is None:
            os.unlink(self.path)
        else:
            write_text_atomic(self.path, self.content)


def render_modules_load(modules: list[str]) -> str:
    return "# Managed by relaykit: loaded by systemd-modules-load at boot, before systemd-sysctl runs.\n" + "".join(
        f"{name}\n" for name in modules
    )


def live_and_file(content: str | None, live: dict) -> str:
    lines = [f"# live: {key} = {value if value is not None else '(absent)'}\n" for key, value in sorted(live.items())]
    return "".join(lines) + (content if content is not None else "# (no file)\n")


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "settings": {"type": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "unsettable": {"type": "str", "choices": ["auto", "skip", "fail"], "default": "auto"},
            "load_modules": {"type": "list", "elements": "str", "default": []},
            "modules_load_path": {"type": "path"},
            "state_dir": {"type": "path", "default": "/var/lib/relaykit"},
            "proc_root": {"type": "path", "default": "/proc/sys"},
        },
        required_if=[("state", "present", ["settings"])],
        supports_check_mode=True,
    )
    run_module(module, lambda m: ensure_present(m) if m.params["state"] == "present" else ensure_absent(m))


if __name__ == "__main__":
    main()
