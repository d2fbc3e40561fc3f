#!/usr/bin/python
# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: socat_relay_units
short_description: All socat TCP relays of a host as systemd units, in one task
version_added: 0.1.0
description:
  - Renders one C(relaykit-relay-NAME.service) per TCP relay of the socat engine, plus C(relaykit.target)
    (start, stop or restart every relay at once) and C(relaykit.slice) (C(systemctl status relaykit.slice)
    shows every relay and its processes).
  - Compares every unit in one pass and drives systemd with a handful of commands whatever the number of
    relays; only relays whose unit changed are restarted; relays no longer listed are stopped, disabled
    and removed; relays found stopped are started.
  - A relay that does not come up after a change is put back as it was (previous unit restored, or a new
    one removed) and the task fails with the relay's last lines of log (journal and O(log_file)).
  - Units run socat as a dynamic user with C(CAP_NET_BIND_SERVICE) only, restart always, one second apart.
author:
  - relaykit contributors (@relaykit)
attributes:
  check_mode:
    support: full
    description: Reports the units that would be written, removed, restarted or started.
  diff_mode:
    support: full
    description: Unit files before and after.
  idempotent:
    support: full
    description: A second run with the same input changes nothing.
options:
  relays:
    description:
      - Normalized relays (P(relaykit.edge.port_relays#filter)).
      - Entries that are not TCP relays of the socat engine are ignored.
    type: list
    elements: dict
    default: []
  state:
    description: C(absent) stops and removes every relaykit relay unit, the target and the slice.
    type: str
    choices: [present, absent]
    default: present
  socat:
    description: Path of the socat binary.
    type: path
    default: /usr/bin/socat
  connect_timeout:
    description: Seconds to wait for the target to accept a connection (socat C(connect-timeout)).
    type: int
    default: 15
  keepalive_idle:
    description: TCP keepalive idle seconds, both sides.
    type: int
    default: 30
  keepalive_interval:
    description: Seconds between keepalive probes.
    type: int
    default: 10
  keepalive_count:
    description: Unanswered probes before the connection is dropped.
    type: int
    default: 3
  logging:
    description:
      - Log every connection (socat C(-d -d)) to O(log_file), each line naming its relay.
      - socat's lines go straight to the file, not through journald, which costs more than the connection
        itself and drops lines under load. The journal keeps systemd's start and stop lines.
      - Without logging socat's errors go to the journal.
    type: bool
    default: true
  log_file:
    description:
      - The file every relay appends its log to (the Port Relay seed's C(logs/relay.log)) when O(logging) is on.
      - Its directory is created (mode 0755) when missing.
    type: path
    default: /var/log/relaykit/relay.log
  buffer_bytes:
    description: socat's transfer buffer (C(-b)); the default 8 KiB of socat caps bulk throughput.
    type: int
    default: 131072
  backlog:
    description: Listen backlog; socat's default of 5 makes bursts of connections wait for SYN retransmits.
    type: int
    default: 4096
  max_connections:
    description: Concurrent connections per relay (socat C(max-children)); 0 is no limit.
    type: int
    default: 0
  unit_dir:
    description: Where unit files go.
    type: path
    default: /etc/systemd/system
  start_timeout:
    description: Seconds to wait for changed relays to be active before putting them back.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Run the TCP relays
  relaykit.edge.socat_relay_units:
    relays: "{{ port_relays | relaykit.edge.port_relays }}"
    connect_timeout: 15
"""

RETURN = r"""
units:
  description: Every relay unit with its state after the run.
  returned: always
  type: list
  elements: dict
  sample: [{unit: relaykit-relay-tcp-50025.service, active: active}]
written:
  description: Unit files created or updated.
  returned: always
  type: list
  elements: str
removed:
  description: Unit files removed.
  returned: always
  type: list
  elements: str
restarted:
  description: Relay units restarted because their unit changed.
  returned: always
  type: list
  elements: str
started:
  description: Relay units started (new, or found stopped).
  returned: always
  type: list
  elements: str
"""

import glob
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, run_module
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic
from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import PATHS, RANGES
from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import check as check_options
from ansible_collections.relaykit.edge.plugins.module_utils._socat import (
    SLICE,
    TARGET,
    UNIT_PREFIX,
    SocatOptions,
    desired_units,
    log_name,
    relay_name,
)


class UnitError(RelaykitError):
    """A relay unit problem: no systemd, no socat, a relay that does not come up."""


class Systemd:
    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.systemctl = module.get_bin_path("systemctl")
        if self.systemctl is None or not os.path.isdir("/run/systemd/system"):
            raise UnitError("systemd is not running on this host: relaykit's relays are systemd units")

    def run(self, *args: str, check: bool = True) -> tuple[int, str]:
        rc, out, err = self.module.run_command([self.systemctl, *args])
        if check and rc != 0:
            raise UnitError(f"systemctl {' '.join(args)} failed: {err.strip() or out.strip()}")
        return rc, out

    def states(self, verb: str, units: list[str]) -> dict[str, str]:
        if not units:
            return {}
        _rc, out = self.run(verb, *units, check=False)
        lines = out.splitlines()
        return {unit: (lines[i].strip() if i < len(lines) else "unknown") for i, unit in enumerate(units)}

    def journal(self, unit: str) -> str:
        """The unit's last lines: the journal's, then its own lines of the relay log file."""
        lines: list[str] = []
        journalctl = self.module.get_bin_path("journalctl")
        if journalctl is not None:
            _rc, out, _err = self.module.run_command([journalctl, "-u", unit, "-n", "8", "--no-pager", "-o", "cat"])
            lines += out.splitlines()
        if self.module.params["logging"]:
            lines += log_tail(self.module.params["log_file"], f"{log_name(relay_name(unit))}[")
        return " | ".join(line.strip() for line in lines if line.strip())


def log_tail(path: str, marker: str, count: int = 8, window: int = 65536) -> list[str]:
    """The last COUNT lines of the log file's last WINDOW bytes that contain MARKER."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - window))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if marker in line][-count:]


def existing_units(unit_dir: str) -> dict[str, str]:
    found = {}
    for path in sorted(glob.glob(os.path.join(unit_dir, f"{UNIT_PREFIX}*.service"))):
        found[os.path.basename(path)] = read_text(path) or ""
    for name in (TARGET, SLICE):
        text = read_text(os.path.join(unit_dir, name))
        if text is not None:
            found[name] = text
    return found


def relay_units(names: list[str] | set[str]) -> list[str]:
    return sorted(name for name in names if name.startswith(UNIT_PREFIX))


def end_connections(systemd: Systemd, units: list[str] | set[str]) -> None:
    """KillMode=process keeps a relay's connections when only its listener dies; a relay that relaykit
    removes or changes ends them all (every process of its cgroup) first, then stops or restarts."""
    relays = relay_units(units)
    if relays:
        systemd.run("kill", "--kill-who=all", "--signal=SIGTERM", *relays, check=False)


def wait_active(systemd: Systemd, units: list[str], timeout: int) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states = systemd.states("is-active", units)
    while any(state != "active" for state in states.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
        states = systemd.states("is-active", units)
    # A unit that crashes right after starting shows "activating" (auto-restart): let it settle once more.
    time.sleep(0.5)
    return systemd.states("is-active", units)


def ensure_present(module: AnsibleModule) -> dict:
    params = module.params
    options = SocatOptions.from_params(params)
    desired = desired_units(params["relays"], options)
    current = existing_units(params["unit_dir"])
    written = sorted(name for name, text in desired.items() if current.get(name) != text)
    removed = relay_units(set(current) - set(desired))
    wanted = relay_units(desired)
    systemd = Systemd(module)
    active = systemd.states("is-active", wanted)
    enabled = systemd.states("is-enabled", [TARGET, *wanted])
    changed_existing = [name for name in relay_units(written) if name in current]
    to_start = sorted(name for name in wanted if name not in changed_existing and active.get(name) != "active")
    to_enable = sorted(name for name, state in enabled.items() if state != "enabled")
    if wanted and not os.access(options.socat, os.X_OK) and not module.check_mode:
        raise UnitError(f"socat: {options.socat} is not installed or not executable")

    result = {
        "changed": bool(written or removed or to_start or to_enable),
        "written": written,
        "removed": removed,
        "restarted": changed_existing,
        "started": to_start,
        "diff": {
            "before": "".join(
                f"### {name}\n{current[name]}" for name in sorted(set(written) | set(removed)) if name in current
            ),
            "after": "".join(f"### {name}\n{desired[name]}" for name in written),
        },
    }
    if module.check_mode or not result["changed"]:
        result["units"] = [{"unit": name, "active": active.get(name, "inactive")} for name in wanted]
        return result

    if options.logging and wanted:
        os.makedirs(os.path.dirname(options.log_file), mode=0o755, exist_ok=True)

    end_connections(systemd, set(removed) | set(changed_existing))
    if removed:
        systemd.run("disable", "--now", *removed, check=False)
        for name in removed:
            os.unlink(os.path.join(params["unit_dir"], name))
    for name in written:
        write_text_atomic(os.path.join(params["unit_dir"], name), desired[name])
    if written or removed:
        systemd.run("daemon-reload")
    if removed:  # a stopped socat exits non-zero: forget its failed state so nothing lingers
        systemd.run("reset-failed", *removed, check=False)
    if to_enable:
        systemd.run("enable", *to_enable)
    systemd.run("start", TARGET)
    if changed_existing:
        systemd.run("restart", *changed_existing, check=False)
    if to_start:
        systemd.run("start", *to_start, check=False)

    touched = sorted(set(changed_existing) | set(to_start))
    states = wait_active(systemd, touched, params["start_timeout"])
    failed = [name for name, state in states.items() if state != "active"]
    if failed:
        rollback(module, systemd, failed, current)
        details = "; ".join(f"{name}: {systemd.journal(name) or states[name]}" for name in failed)
        raise UnitError(
            f"relay unit(s) did not stay up and were put back as they were ({', '.join(failed)}): {details}"
        )
    result["units"] = [{"unit": name, "active": "active"} for name in wanted]
    return result


def rollback(module: AnsibleModule, systemd: Systemd, failed: list[str], previous: dict[str, str]) -> None:
    for name in failed:
        path = os.path.join(module.params["unit_dir"], name)
        if name in previous:
            write_text_atomic(path, previous[name])
        else:
            systemd.run("disable", "--now", name, check=False)
            if os.path.exists(path):
                os.unlink(path)
    systemd.run("daemon-reload", check=False)
    restore = [name for name in failed if name in previous]
    if restore:
        systemd.run("restart", *restore, check=False)


def ensure_absent(module: AnsibleModule) -> dict:
    current = existing_units(module.params["unit_dir"])
    names = sorted(current)
    result = {"changed": bool(names), "written": [], "removed": names, "restarted": [], "started": [], "units": []}
    result["diff"] = {"before": "".join(f"### {n}\n{current[n]}" for n in names), "after": ""}
    if module.check_mode or not names:
        return result
    systemd = Systemd(module)
    end_connections(systemd, names)
    systemd.run("disable", "--now", *names, check=False)
    for name in names:
        os.unlink(os.path.join(module.params["unit_dir"], name))
    systemd.run("daemon-reload")
    systemd.run("reset-failed", *relay_units(names), check=False)
    return result


def work(module: AnsibleModule) -> dict:
    # The same checks as the controller's (relaykit.edge.port_relay_options), by the module's names.
    check_options({key: module.params[key] for key in (*RANGES, *PATHS) if key in module.params})
    return ensure_present(module) if module.params["state"] == "present" else ensure_absent(module)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "relays": {"type": "list", "elements": "dict", "default": []},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "socat": {"type": "path", "default": "/usr/bin/socat"},
            "connect_timeout": {"type": "int", "default": 15},
            "keepalive_idle": {"type": "int", "default": 30},
            "keepalive_interval": {"type": "int", "default": 10},
            "keepalive_count": {"type": "int", "default": 3},
            "logging": {"type": "bool", "default": True},
            "log_file": {"type": "path", "default": "/var/log/relaykit/relay.log"},
            "buffer_bytes": {"type": "int", "default": 131072},
            "backlog": {"type": "int", "default": 4096},
            "max_connections": {"type": "int", "default": 0},
            "unit_dir": {"type": "path", "default": "/etc/systemd/system"},
            "start_timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
