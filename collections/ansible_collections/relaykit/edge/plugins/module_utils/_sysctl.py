# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel parameter profiles: a sysctl.d file plus the live values in /proc/sys.

Pure logic and file-system access only, no AnsibleModule: the module turns
:class:`SysctlError` into ``fail_json`` in one place, and the unit tests drive
this code against a fake /proc/sys tree.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
from dataclasses import dataclass, field

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._files import read_text, write_text_atomic

HEADER = (
    "# Managed by relaykit (relaykit.edge.sysctl_profile). Local edits are overwritten.\n"
    "# A key prefixed with '-' could not be set on this host: systemd-sysctl ignores\n"
    "# its failure at boot instead of failing the unit.\n"
)

# What a name in a key may hold (interface names included: eth0.100, wg-home, veth@if2), and a module name:
# never whitespace, "=" or "#", which would add a line or a key to the files relaykit writes.
KEY_PART = re.compile(r"[A-Za-z0-9_.@+:-]+")
MODULE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
REASON_MISSING = "does not exist on this kernel or in this network namespace"
REASON_READONLY = "is read-only here (not namespaced: only the host's initial network namespace can set it)"


class SysctlError(RelaykitError):
    """A sysctl profile problem: a bad key, a value the kernel refuses, a corrupt record."""


@dataclass
class KeyState:
    key: str
    desired: str
    current: str | None = None
    reason: str | None = None  # set when the key cannot be set on this host

    @property
    def settable(self) -> bool:
        return self.reason is None

    @property
    def in_sync(self) -> bool:
        return self.current == self.desired


@dataclass
class Plan:
    keys: list[KeyState]
    skipped: list[KeyState] = field(default_factory=list)

    @property
    def to_write(self) -> list[KeyState]:
        return [k for k in self.keys if k.settable and not k.in_sync]


def normalize_value(value: object) -> str:
    """Render a value the way the kernel prints it back.

    Booleans become 1/0; lists and runs of whitespace become single spaces.
    """
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return " ".join(normalize_value(item) for item in value)
    return " ".join(str(value).split())


def key_parts(key: str) -> list[str]:
    """Split a key as sysctl.d(5) does.

    When the first separator is '/', dots belong to the names (net/ipv4/conf/eth0.100/forwarding);
    when it is '.', a '/' stands for a dot inside a name (net.ipv4.conf.eth0/100.forwarding).
    """
    first = next((char for char in key if char in "./"), ".")
    parts = key.split("/") if first == "/" else [part.replace("/", ".") for part in key.split(".")]
    if (
        not key
        or key[0] in "./"
        or any(not part or part in (".", "..") or not KEY_PART.fullmatch(part) for part in parts)
    ):
        raise SysctlError(f"settings: '{key}' is not a sysctl key (expected dotted names like net.ipv4.ip_forward)")
    return parts


def key_path(proc_root: str, key: str) -> str:
    return os.path.join(proc_root, *key_parts(key))


def read_value(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return normalize_value(handle.read())


def write_value(path: str, value: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")


def in_container(root: str = "/") -> bool:
    """True inside a container: systemd's marker, Docker's marker, or PID 1's container= variable."""
    if os.path.exists(os.path.join(root, "run/systemd/container")) or os.path.exists(os.path.join(root, ".dockerenv")):
        return True
    try:
        with open(os.path.join(root, "proc/1/environ"), "rb") as handle:
            return any(item.startswith(b"container=") for item in handle.read().split(b"\0"))
    except OSError:
        return False


def plan(settings: dict[str, object], proc_root: str) -> Plan:
    """Read every key's live value and tell apart keys in sync, keys to write and keys this host cannot set."""
    keys: list[KeyState] = []
    for key, value in settings.items():
        if value is None or value == "":
            raise SysctlError(f"settings: '{key}' has no value (expected a number, a word or a list)")
        state = KeyState(key=key, desired=normalize_value(value))
        path = key_path(proc_root, key)
        if not os.path.isfile(path):
            state.reason = REASON_MISSING
        else:
            try:
                state.current = read_value(path)
            except OSError as exc:
                raise SysctlError(f"cannot read {key}: {exc.strerror}") from exc
            if not state.in_sync and not os.access(path, os.W_OK):
                state.reason = REASON_READONLY
        keys.append(state)
    result = Plan(keys=keys)
    result.skipped = [k for k in keys if not k.settable]
    return result


def check_policy(result: Plan, policy: str, container: bool) -> None:
    """Fail before any change when keys cannot be set and the policy does not allow skipping them."""
    if not result.skipped:
        return
    if policy == "skip" or (policy == "auto" and container):
        return
    details = "; ".join(f"{k.key} {k.reason}" for k in result.skipped)
    where = "this host is not a container" if policy == "auto" else "unsettable=fail"
    raise SysctlError(
        f"settings: {len(result.skipped)} key(s) cannot be set and {where}, so nothing was changed: {details}. "
        "Remove them from the settings, or set unsettable=skip to write them as optional ('-key') entries."
    )


def render(result: Plan) -> str:
    lines = [HEADER]
    for state in result.keys:
        if state.settable:
            lines.append(f"{state.key} = {state.desired}\n")
        else:
            lines.append(f"# not applied on this host: {state.reason}\n-{state.key} = {state.desired}\n")
    return "".join(lines)


def parse(content: str) -> dict[str, str]:
    """Parse a sysctl.d file into key -> normalized value ('-' prefixes dropped, comments ignored)."""
    values: dict[str, str] = {}
    for raw in content.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip().lstrip("-")] = normalize_value(value)
    return values


def apply_values(result: Plan, proc_root: str) -> list[str]:
    """Write the out-of-sync keys; on a failure, put back what was already written and raise."""
    written: list[KeyState] = []
    for state in result.to_write:
        path = key_path(proc_root, state.key)
        try:
            write_value(path, state.desired)
        except OSError as exc:
            for done in reversed(written):
                with contextlib.suppress(OSError):
                    write_value(key_path(proc_root, done.key), done.current or "")
            hint = ""
            if exc.errno == errno.ENOENT:
                hint = " - this kernel does not provide that value (a qdisc or congestion control not built in?)"
            raise SysctlError(
                f"settings: the kernel refused {state.key} = {state.desired} ({exc.strerror}){hint}; "
                f"{len(written)} key(s) already written were put back and the profile file was not changed"
            ) from exc
        written.append(state)
    return [state.key for state in written]


def read_originals(state_path: str) -> dict[str, str]:
    text = read_text(state_path)
    if not text:
        return {}
    try:
        originals = json.loads(text)
    except ValueError as exc:
        raise SysctlError(f"state_dir: {state_path} is not valid JSON ({exc}); fix or remove it") from exc
    if not isinstance(originals, dict):
        raise SysctlError(f"state_dir: {state_path} does not hold a key-to-value object; fix or remove it")
    return {str(key): str(value) for key, value in originals.items()}


def write_originals(state_path: str, originals: dict[str, str]) -> None:
    if originals:
        write_text_atomic(state_path, json.dumps(originals, indent=2, sort_keys=True) + "\n", mode=0o600)
    elif os.path.exists(state_path):
        os.unlink(state_path)


def update_originals(state_path: str, result: Plan | None, forget: set[str]) -> None:
    """Remember each key's value from before relaykit first changed it, so removal can restore it.

    Keys in ``forget`` (restored, or no longer managed) are dropped from the record.
    """
    recorded = read_originals(state_path)
    originals = {key: value for key, value in recorded.items() if key not in forget}
    if result is not None:
        for state in result.to_write:
            if state.key not in originals and state.current is not None:
                originals[state.key] = state.current
    if originals != recorded:
        write_originals(state_path, originals)


def restore_values(proc_root: str, restore: dict[str, str]) -> dict[str, str]:
    """Write back original values. Returns key -> error for the ones the kernel refused."""
    errors: dict[str, str] = {}
    for key, original in restore.items():
        try:
            write_value(key_path(proc_root, key), original)
        except OSError as exc:
            errors[key] = exc.strerror or str(exc)
    return errors


def plan_restore(
    state_path: str, profile_values: dict[str, str], proc_root: str, keep: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Originals to put back: keys not in ``keep`` whose live value is still the one the profile set."""
    restore: dict[str, str] = {}
    for key, original in read_originals(state_path).items():
        if key in keep:
            continue
        path = key_path(proc_root, key)
        if not os.path.isfile(path):
            continue
        try:
            current = read_value(path)
        except OSError:
            continue
        if current == profile_values.get(key) and current != original:
            restore[key] = original
    return restore


Runner = "Callable[[list[str]], tuple[int, str, str]]"  # only used in annotations


def check_module_names(names: list[str]) -> None:
    """SysctlError naming the first entry of load_modules that is no kernel module name."""
    for index, name in enumerate(names):
        if not isinstance(name, str) or not MODULE_NAME.fullmatch(name):
            raise SysctlError(f"load_modules[{index}]: {name!r} is not a kernel module name (letters, digits, _ and -)")


def load_modules(names: list[str], sys_root: str, run: Runner | None) -> tuple[list[str], list[str]]:
    """Load kernel modules that are not present yet. Returns (loaded, failed with reason).

    A module that is built into the kernel or already loaded shows in /sys/module.
    Failures are reported, not raised: the keys that need the module then fail or
    are skipped with their own precise reason.
    """
    loaded: list[str] = []
    failed: list[str] = []
    for name in names:
        if os.path.isdir(os.path.join(sys_root, "module", name)):
            continue
        if run is None:  # check mode: it would be loaded
            loaded.append(name)
            continue
        rc, _out, err = run(["modprobe", name])
        if rc == 0:
            loaded.append(name)
        else:
            failed.append(f"{name}: {' '.join(err.split()) or 'modprobe failed'}")
    return loaded, failed
