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
    description:
      - Path of the socat binary.
      - Not given, C(/usr/bin/socat) (the path of Debian's package).
    type: path
  connect_timeout:
    description:
      - Seconds to wait for the target to accept a connection (socat C(connect-timeout)).
      - Not given, the default of the port_relay role's C(port_relay_connect_timeout).
    type: int
  keepalive_idle:
    description:
      - TCP keepalive idle seconds, both sides.
      - Not given, the default of the port_relay role's C(port_relay_keepalive_idle).
    type: int
  keepalive_interval:
    description:
      - Seconds between keepalive probes.
      - Not given, the default of the port_relay role's C(port_relay_keepalive_interval).
    type: int
  keepalive_count:
    description:
      - Unanswered probes before the connection is dropped.
      - Not given, the default of the port_relay role's C(port_relay_keepalive_count).
    type: int
  logging:
    description:
      - Log every connection (socat C(-d -d)) to O(log_file), each line naming its relay.
      - socat's lines go straight to the file, not through journald, which costs more than the connection
        itself and drops lines under load. The journal keeps systemd's start and stop lines.
      - Without logging socat's errors go to the journal.
      - Not given, the default of the port_relay role's C(port_relay_logging).
    type: bool
  log_file:
    description:
      - The file every relay appends its log to (the Port Relay seed's C(logs/relay.log)) when O(logging) is on.
      - Its directory is created (mode 0755) when missing.
      - Not given, the default of the port_relay role's C(port_relay_log_file).
    type: path
  buffer_bytes:
    description:
      - socat's transfer buffer (C(-b)); the default 8 KiB of socat caps bulk throughput.
      - Not given, the default of the port_relay role's C(port_relay_buffer_bytes).
    type: int
  backlog:
    description:
      - Listen backlog; socat's default of 5 makes bursts of connections wait for SYN retransmits.
      - Not given, the default of the port_relay role's C(port_relay_backlog).
    type: int
  max_connections:
    description:
      - Concurrent connections per relay (socat C(max-children)); 0 is no limit.
      - Not given, the default of the port_relay role's C(port_relay_max_connections).
    type: int
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

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.relaykit.edge.plugins.module_utils._errors import run_module
from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import PATHS, RANGES
from ansible_collections.relaykit.edge.plugins.module_utils._relay_options import check as check_options
from ansible_collections.relaykit.edge.plugins.module_utils._relay_units import (
    Systemd,
    UnitError,
    apply,
    existing_units,
    plan,
    remove_all,
)
from ansible_collections.relaykit.edge.plugins.module_utils._relays import relay_of_unit, relays_of
from ansible_collections.relaykit.edge.plugins.module_utils._socat import SocatOptions, desired_units, log_name


def host_systemd(module: AnsibleModule) -> Systemd:
    systemctl = module.get_bin_path("systemctl")
    if systemctl is None or not os.path.isdir("/run/systemd/system"):
        raise UnitError("systemd is not running on this host: relaykit's relays are systemd units")

    def run(argv: list[str]) -> tuple[int, str, str]:
        return module.run_command(argv)

    return Systemd(run, systemctl, module.get_bin_path("journalctl"))


def log_tail(path: str, marker: str, count: int = 8, window: int = 65536) -> list[str]:
    """The last COUNT lines of the log file's last WINDOW bytes that contain MARKER."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - window))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if marker in line][-count:]


def ensure_present(module: AnsibleModule) -> dict:
    params = module.params
    options = SocatOptions.from_params(params)
    systemd = host_systemd(module)
    change = plan(systemd, desired_units(relays_of(params["relays"]), options), existing_units(params["unit_dir"]))
    if change.wanted and not os.access(options.socat, os.X_OK) and not module.check_mode:
        raise UnitError(f"socat: {options.socat} is not installed or not executable")
    result = {
        "changed": change.changed,
        "written": change.written,
        "removed": change.removed,
        "restarted": change.restarted,
        "started": change.started,
        "diff": change.diff(),
    }
    if module.check_mode or not change.changed:
        result["units"] = [{"unit": name, "active": change.active.get(name, "inactive")} for name in change.wanted]
        return result

    if options.logging and change.wanted:
        os.makedirs(os.path.dirname(options.log_file), mode=0o755, exist_ok=True)

    def describe(unit: str) -> str:
        """The unit's last lines: the journal's, then its own lines of the relay log file."""
        lines = systemd.journal(unit)
        if options.logging:
            lines += log_tail(options.log_file, f"{log_name(relay_of_unit(unit))}[")
        return " | ".join(line.strip() for line in lines if line.strip())

    apply(systemd, change, params["unit_dir"], params["start_timeout"], describe)
    result["units"] = [{"unit": name, "active": "active"} for name in change.wanted]
    return result


def ensure_absent(module: AnsibleModule) -> dict:
    current = existing_units(module.params["unit_dir"])
    names = sorted(current)
    result = {"changed": bool(names), "written": [], "removed": names, "restarted": [], "started": [], "units": []}
    result["diff"] = {"before": "".join(f"### {n}\n{current[n]}" for n in names), "after": ""}
    if module.check_mode or not names:
        return result
    remove_all(host_systemd(module), module.params["unit_dir"], names)
    return result


def work(module: AnsibleModule) -> dict:
    # The same checks as the controller's (relaykit.edge.port_relay_options), by the module's names.
    check_options({key: module.params[key] for key in (*RANGES, *PATHS) if module.params.get(key) is not None})
    return ensure_present(module) if module.params["state"] == "present" else ensure_absent(module)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "relays": {"type": "list", "elements": "dict", "default": []},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            # socat's options: their defaults are SocatOptions', not restated here.
            **SocatOptions.argument_spec(),
            "unit_dir": {"type": "path", "default": "/etc/systemd/system"},
            "start_timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    run_module(module, work)


if __name__ == "__main__":
    main()
