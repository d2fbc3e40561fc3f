# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""systemd units of socat relays: one unit per TCP relay, grouped by relaykit.target and relaykit.slice.

Pure rendering of :class:`_relays.Relay` objects; the module compares, writes and drives systemd
(_relay_units). The relay's unit name is the model's (``Relay.unit``); the socat options' defaults are
:class:`SocatOptions`' (the module declares none of its own).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._net import bracket
from ansible_collections.relaykit.edge.plugins.module_utils._relays import Relay, relays_of

TARGET = "relaykit.target"
SLICE = "relaykit.slice"


@dataclass(frozen=True)
class SocatOptions:
    socat: str = "/usr/bin/socat"
    connect_timeout: int = 15
    keepalive_idle: int = 30
    keepalive_interval: int = 10
    keepalive_count: int = 3
    logging: bool = True
    log_file: str = "/var/log/relaykit/relay.log"
    buffer_bytes: int = 131072
    backlog: int = 4096
    max_connections: int = 0  # 0: no limit

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> SocatOptions:
        """The options a caller gave; the others keep these defaults (a module's parameter left out is None)."""
        return cls(**{key: params[key] for key in cls.__dataclass_fields__ if params.get(key) is not None})

    @classmethod
    def argument_spec(cls) -> dict[str, dict[str, str]]:
        """The module's parameters, one per option, with no default of their own (None keeps the one here)."""
        kinds = {"str": "path", "int": "int", "bool": "bool"}
        return {option.name: {"type": kinds[str(option.type)]} for option in fields(cls)}


def keepalive(options: SocatOptions) -> str:
    return (
        f"keepalive,keepidle={options.keepalive_idle},keepintvl={options.keepalive_interval},"
        f"keepcnt={options.keepalive_count}"
    )


def listen_address(relay: Relay, options: SocatOptions) -> str:
    address, port = relay.listen_address, relay.listen_port
    common = f"reuseaddr,fork,backlog={options.backlog},nodelay,{keepalive(options)}"
    if options.max_connections:
        common += f",max-children={options.max_connections}"
    if address == "::":
        return f"TCP6-LISTEN:{port},ipv6only=0,{common}"
    if address == "0.0.0.0":  # noqa: S104 (the relay is asked to listen on every IPv4 address)
        return f"TCP4-LISTEN:{port},{common}"
    if ":" in address:
        return f"TCP6-LISTEN:{port},bind=[{address}],{common}"
    return f"TCP4-LISTEN:{port},bind={address},{common}"


def connect_address(relay: Relay, options: SocatOptions) -> str:
    host = bracket(relay.target_host)
    return f"TCP:{host}:{relay.target_port},connect-timeout={options.connect_timeout},nodelay,{keepalive(options)}"


def log_name(relay_name: str) -> str:
    """The relay's name in the journal (SyslogIdentifier) and in its lines of the log file (socat -lp)."""
    return f"relaykit-{relay_name}"


def command(relay: Relay, options: SocatOptions) -> str:
    # -lp names the relay in each line of the shared log file (socat's own name otherwise).
    verbosity = f"-d -d -lp {log_name(relay.name)} " if options.logging else ""
    return (
        f"{options.socat} {verbosity}-b {options.buffer_bytes} "
        f"{listen_address(relay, options)} {connect_address(relay, options)}"
    )


def log_lines(options: SocatOptions) -> str:
    """Where socat's messages go: per-connection logs straight to the log file, or errors to the journal.

    socat writes about nine lines a connection at -d -d. Through journald that is the
    most expensive part of a connection (a burst of 1,000 took 3.1x the direct path's time,
    against 2.2x with the lines appended to a file) and journald's rate limit drops lines
    under load. The file is opened by systemd (O_APPEND) and inherited by every child.
    """
    if not options.logging:
        return ""
    return f"StandardError=append:{options.log_file}\n"


def render_unit(relay: Relay, options: SocatOptions) -> str:
    listen = f"[{relay.listen_address}]:{relay.listen_port}"
    target = f"{relay.target_host}:{relay.target_port}"
    return f"""# Managed by relaykit: edit the inventory (port_relays), not this file.
[Unit]
Description=relaykit TCP relay {relay.name}: {listen} -> {target}
Documentation=file:/etc/relaykit/relays.json
PartOf={TARGET}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
Slice={SLICE}
ExecStart={command(relay, options)}
Restart=always
RestartSec=1s
# Only the listener is socat's main process; each connection is a child of its own. When the
# listener dies (killed, crashed), systemd starts a new one and leaves the connections it had
# forked alone. relaykit's own stops and restarts (a relay changed or removed) end them too,
# with `systemctl kill --kill-who=all` first.
KillMode=process
# socat exits 143 when stopped with SIGTERM: a clean stop, not a failure.
SuccessExitStatus=143
SyslogIdentifier={log_name(relay.name)}
{log_lines(options)}DynamicUser=yes
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
LimitNOFILE=1048576
# A process per connection: systemd's default TasksMax (15% of pid_max) would refuse
# connections past a few thousand. max_connections (socat max-children) is the limit.
TasksMax=infinity

[Install]
WantedBy={TARGET}
"""


def render_target() -> str:
    return f"""# Managed by relaykit.
[Unit]
Description=relaykit relays (systemctl status {SLICE} shows every relay process)
Documentation=file:/etc/relaykit/relays.json

[Install]
WantedBy=multi-user.target
"""


def render_slice() -> str:
    return """# Managed by relaykit.
[Unit]
Description=relaykit relays
Before=slices.target
"""


def desired_units(relays: list[Relay] | list[dict[str, Any]], options: SocatOptions) -> dict[str, str]:
    units = {TARGET: render_target(), SLICE: render_slice()}
    for relay in relays_of(relays):
        if relay.unit is not None and relay.protocol == "tcp":
            units[relay.unit] = render_unit(relay, options)
    return units
