# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the sysctl profile logic against a fake /proc/sys tree in tmp_path."""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils import _sysctl
from ansible_collections.relaykit.edge.plugins.module_utils._sysctl import (
    HEADER,
    REASON_MISSING,
    REASON_READONLY,
    Plan,
    SysctlError,
    apply_values,
    check_module_names,
    check_policy,
    in_container,
    key_parts,
    key_path,
    load_modules,
    normalize_value,
    parse,
    plan,
    plan_restore,
    render,
    update_originals,
)

MISSING_KEY = "net.netfilter.nf_conntrack_max"


def make_tree(root: Path, values: dict[str, str]) -> Path:
    """Create one file per dotted key under root, holding the raw value."""
    for key, raw in values.items():
        path = root.joinpath(*key.split("."))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(raw)
    return root


def raw(root: Path, key: str) -> str:
    return root.joinpath(*key.split(".")).read_text()


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    return tmp_path / "proc_sys"


@pytest.fixture
def make_readonly(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str], None]:
    """Mark keys read-only: chmod 0444 and os.access(W_OK) False for them.

    The tests run as root, for whom os.access ignores the mode bits of ordinary files.
    """
    readonly: set[str] = set()
    real_access = os.access

    def fake_access(path: str, mode: int, *args: object, **kwargs: object) -> bool:
        if mode & os.W_OK and os.path.realpath(path) in readonly:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(
        "ansible_collections.relaykit.edge.plugins.module_utils._sysctl.os.access",
        fake_access,
    )

    def mark(root: Path, key: str) -> None:
        path = root.joinpath(*key.split("."))
        path.chmod(0o444)
        readonly.add(os.path.realpath(path))

    return mark


# --- normalize_value ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, "1"),
        (False, "0"),
        (1, "1"),
        (0, "0"),
        (16777216, "16777216"),
        ("bbr", "bbr"),
        ([4096, 87380, 16777216], "4096 87380 16777216"),
        ((4096, "87380"), "4096 87380"),
        ([True, False], "1 0"),
        ("4096   87380    16777216", "4096 87380 16777216"),
        ("4096\t87380\t16777216\n", "4096 87380 16777216"),
        ("  \tfq_codel \n", "fq_codel"),
    ],
)
def test_normalize_value(value: object, expected: str) -> None:
    assert normalize_value(value) == expected


# --- key_parts / key_path ----------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "",
        "a..b",
        "/etc/passwd",
        "a.",
        ".a",
        "net/../../etc",
        "net.ipv4..ip_forward",
        # a second line (another key) or a comment in the profile relaykit writes
        "net.ipv4.ip_forward\nkernel.core_pattern",
        "net.ipv4.ip_forward = 1 #",
        "net.ipv4.ip forward",
    ],
)
def test_validate_key_rejects(key: str) -> None:
    with pytest.raises(SysctlError, match="is not a sysctl key"):
        key_parts(key)


@pytest.mark.parametrize(
    "key", ["net.ipv4.ip_forward", "net/ipv4/ip_forward", "kernel.pid_max", "net.ipv4.conf.wg-home.rp_filter"]
)
def test_validate_key_accepts(key: str) -> None:
    key_parts(key)


@pytest.mark.parametrize("names", [["nf_conntrack\nkernel.x"], ["tcp bbr"], ["x#"], [""], [7]])
def test_module_names_with_more_than_a_name_are_refused(names: list) -> None:
    with pytest.raises(SysctlError, match=r"load_modules\[0\]: .* is not a kernel module name"):
        check_module_names(names)


def test_module_names_pass() -> None:
    check_module_names(["nf_conntrack", "tcp_bbr", "br_netfilter"])


def test_key_path_maps_dots_and_slashes_under_proc_root(proc: Path) -> None:
    expected = str(proc / "net" / "ipv4" / "ip_forward")
    assert key_path(str(proc), "net.ipv4.ip_forward") == expected
    assert key_path(str(proc), "net/ipv4/ip_forward") == expected


def test_key_path_rejects_traversal(proc: Path) -> None:
    with pytest.raises(SysctlError):
        key_path(str(proc), "../../etc/shadow")


# sysctl.d(5): dots are kept after a leading '/', and '/' stands for '.' after a leading '.'.
@pytest.mark.parametrize("key", ["net/ipv4/conf/eth0.100/forwarding", "net.ipv4.conf.eth0/100.forwarding"])
def test_key_path_interface_name_with_dot(proc: Path, key: str) -> None:
    assert key_path(str(proc), key) == str(proc / "net" / "ipv4" / "conf" / "eth0.100" / "forwarding")


# --- plan -----------------------------------------------------------------------------


def test_plan_classifies_keys(proc: Path, make_readonly: Callable[[Path, str], None]) -> None:
    make_tree(
        proc,
        {
            "net.ipv4.ip_forward": "0\n",
            "net.ipv4.tcp_congestion_control": "cubic\n",
            "net.ipv4.tcp_rmem": "4096\t87380\t16777216\n",
            "net.core.rmem_max": "212992\n",
            "net.core.somaxconn": "4096\n",
        },
    )
    make_readonly(proc, "net.core.rmem_max")
    make_readonly(proc, "net.core.somaxconn")

    result = plan(
        {
            "net.ipv4.ip_forward": True,  # out of sync -> to write
            "net.ipv4.tcp_congestion_control": "cubic",  # in sync
            "net.ipv4.tcp_rmem": [
                4096,
                87380,
                16777216,
            ],  # in sync once whitespace is normalized
            MISSING_KEY: 262144,  # no such file
            "net.core.rmem_max": 16777216,  # read-only and different -> cannot be set
            "net.core.somaxconn": 4096,  # read-only but already right -> not skipped
        },
        str(proc),
    )

    states = {state.key: state for state in result.keys}
    assert list(states) == [
        "net.ipv4.ip_forward",
        "net.ipv4.tcp_congestion_control",
        "net.ipv4.tcp_rmem",
        MISSING_KEY,
        "net.core.rmem_max",
        "net.core.somaxconn",
    ]
    assert (
        states["net.ipv4.ip_forward"].current,
        states["net.ipv4.ip_forward"].desired,
    ) == ("0", "1")
    assert states["net.ipv4.tcp_rmem"].current == "4096 87380 16777216"
    assert states["net.ipv4.tcp_rmem"].in_sync

    assert states[MISSING_KEY].current is None
    assert states[MISSING_KEY].reason == REASON_MISSING
    assert states["net.core.rmem_max"].current == "212992"
    assert states["net.core.rmem_max"].reason == REASON_READONLY
    assert states["net.core.somaxconn"].reason is None
    assert states["net.core.somaxconn"].settable

    assert [s.key for s in result.to_write] == ["net.ipv4.ip_forward"]
    assert [s.key for s in result.skipped] == [MISSING_KEY, "net.core.rmem_max"]


def test_plan_directory_is_not_a_key(proc: Path) -> None:
    make_tree(proc, {"net.ipv4.ip_forward": "0\n"})
    result = plan({"net.ipv4": 1}, str(proc))
    assert result.skipped[0].reason == REASON_MISSING


def test_plan_rejects_invalid_key_before_reading(proc: Path) -> None:
    make_tree(proc, {"net.ipv4.ip_forward": "0\n"})
    with pytest.raises(SysctlError, match=r"'net\.\.ipv4' is not a sysctl key"):
        plan({"net.ipv4.ip_forward": 1, "net..ipv4": 1}, str(proc))


# --- check_policy ---------------------------------------------------------------------


@pytest.fixture
def plan_with_missing(proc: Path) -> Plan:
    make_tree(proc, {"net.ipv4.ip_forward": "0\n"})
    return plan({"net.ipv4.ip_forward": 1, MISSING_KEY: 262144}, str(proc))


@pytest.mark.parametrize(("policy", "container"), [("auto", True), ("skip", True), ("skip", False)])
def test_check_policy_allows_skipping(plan_with_missing: Plan, policy: str, container: bool) -> None:
    check_policy(plan_with_missing, policy, container)


def test_check_policy_auto_on_real_host_fails(plan_with_missing: Plan) -> None:
    with pytest.raises(SysctlError) as info:
        check_policy(plan_with_missing, "auto", container=False)
    message = str(info.value)
    assert f"{MISSING_KEY} {REASON_MISSING}" in message
    assert "this host is not a container" in message
    assert "1 key(s) cannot be set" in message
    assert "net.ipv4.ip_forward" not in message


@pytest.mark.parametrize("container", [True, False])
def test_check_policy_fail_always_fails(plan_with_missing: Plan, container: bool) -> None:
    with pytest.raises(SysctlError, match="unsettable=fail") as info:
        check_policy(plan_with_missing, "fail", container)
    assert MISSING_KEY in str(info.value)


@pytest.mark.parametrize("policy", ["auto", "skip", "fail"])
def test_check_policy_nothing_skipped_never_fails(proc: Path, policy: str) -> None:
    make_tree(proc, {"net.ipv4.ip_forward": "0\n"})
    check_policy(plan({"net.ipv4.ip_forward": 1}, str(proc)), policy, container=False)


# --- render / parse -------------------------------------------------------------------


def test_render_marks_skipped_keys_optional(plan_with_missing: Plan) -> None:
    content = render(plan_with_missing)
    assert content == (
        HEADER
        + "net.ipv4.ip_forward = 1\n"
        + f"# not applied on this host: {REASON_MISSING}\n"
        + f"-{MISSING_KEY} = 262144\n"
    )


def test_parse_round_trips_render(proc: Path, make_readonly: Callable[[Path, str], None]) -> None:
    make_tree(
        proc,
        {
            "net.ipv4.ip_forward": "0\n",
            "net.ipv4.tcp_rmem": "1 2 3\n",
            "net.core.rmem_max": "1\n",
        },
    )
    make_readonly(proc, "net.core.rmem_max")
    settings: dict[str, object] = {
        "net.ipv4.ip_forward": True,
        "net.ipv4.tcp_rmem": [4096, 87380, 16777216],
        "net.core.rmem_max": 16777216,
        MISSING_KEY: "262144",
    }
    result = plan(settings, str(proc))
    assert len(result.skipped) == 2
    assert parse(render(result)) == {key: normalize_value(value) for key, value in settings.items()}


def test_parse_ignores_comments_and_junk() -> None:
    content = "# a comment\n; another\n\nnot a setting\n  -net.a =  1\t2  \nnet.b=x\n#net.c = 3\n"
    assert parse(content) == {"net.a": "1 2", "net.b": "x"}


# --- apply_values ---------------------------------------------------------------------


def test_apply_values_writes_only_out_of_sync_keys(proc: Path) -> None:
    make_tree(proc, {"net.ipv4.a": "0\n", "net.ipv4.b": "0\n", "net.ipv4.c": "  7 \t\n"})
    result = plan({"net.ipv4.a": 1, "net.ipv4.b": "2", "net.ipv4.c": 7, MISSING_KEY: 1}, str(proc))

    assert apply_values(result, str(proc)) == ["net.ipv4.a", "net.ipv4.b"]
    assert raw(proc, "net.ipv4.a") == "1\n"
    assert raw(proc, "net.ipv4.b") == "2\n"
    assert raw(proc, "net.ipv4.c") == "  7 \t\n"  # in sync: not rewritten
    assert not proc.joinpath(*MISSING_KEY.split(".")).exists()  # skipped: not created


def test_apply_values_rolls_back_on_refusal(proc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(proc, {"net.ipv4.a": "0\n", "net.ipv4.b": "0\n", "net.ipv4.c": "0\n"})
    result = plan({"net.ipv4.a": 1, "net.ipv4.b": 2, "net.ipv4.c": 3}, str(proc))
    refused = key_path(str(proc), "net.ipv4.b")
    calls: list[tuple[str, str]] = []
    real_write = _sysctl.write_value

    def fake_write(path: str, value: str) -> None:
        calls.append((os.path.basename(path), value))
        if path == refused:
            raise OSError(errno.EINVAL, "Invalid argument")
        real_write(path, value)

    monkeypatch.setattr(_sysctl, "write_value", fake_write)

    with pytest.raises(SysctlError) as info:
        apply_values(result, str(proc))

    message = str(info.value)
    assert "the kernel refused net.ipv4.b = 2 (Invalid argument)" in message
    assert "1 key(s) already written were put back" in message
    # a written, b refused, a put back; c never attempted
    assert calls == [("a", "1"), ("b", "2"), ("a", "0")]
    for key in ("net.ipv4.a", "net.ipv4.b", "net.ipv4.c"):
        assert raw(proc, key) == "0\n"


def test_apply_values_first_key_refused_restores_nothing(proc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(proc, {"net.ipv4.a": "0\n"})
    result = plan({"net.ipv4.a": 1}, str(proc))

    def refuse(path: str, value: str) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(_sysctl, "write_value", refuse)
    with pytest.raises(SysctlError, match=r"refused net\.ipv4\.a = 1 .*0 key\(s\) already written"):
        apply_values(result, str(proc))


# --- update_originals / plan_restore --------------------------------------------------


def test_update_originals_keeps_first_value(proc: Path, tmp_path: Path) -> None:
    state_path = tmp_path / "state" / "sysctl-90-test.conf.json"
    make_tree(proc, {"net.ipv4.a": "0\n", "net.ipv4.b": "5\n", "net.ipv4.c": "1\n"})

    update_originals(str(state_path), plan({"net.ipv4.a": 1, "net.ipv4.c": 1, MISSING_KEY: 1}, str(proc)), forget=set())
    # in-sync and missing keys are not recorded
    assert json.loads(state_path.read_text()) == {"net.ipv4.a": "0"}
    assert stat.S_IMODE(state_path.stat().st_mode) == 0o600

    # The live value moved on (relaykit set it, the profile changed again):
    # the first original must stay.
    make_tree(proc, {"net.ipv4.a": "1\n"})
    update_originals(str(state_path), plan({"net.ipv4.a": 2, "net.ipv4.b": 6}, str(proc)), forget=set())
    assert json.loads(state_path.read_text()) == {"net.ipv4.a": "0", "net.ipv4.b": "5"}
    assert stat.S_IMODE(state_path.stat().st_mode) == 0o600


def test_update_originals_nothing_to_write_creates_no_file(proc: Path, tmp_path: Path) -> None:
    state_path = tmp_path / "state" / "originals.json"
    make_tree(proc, {"net.ipv4.a": "1\n"})
    update_originals(str(state_path), plan({"net.ipv4.a": 1}, str(proc)), forget=set())
    assert not state_path.exists()


def test_plan_restore_only_keys_still_at_profile_value(proc: Path, tmp_path: Path) -> None:
    state_path = tmp_path / "originals.json"
    originals = {
        "net.ipv4.still_ours": "0",
        "net.ipv4.changed_since": "0",
        "net.ipv4.same_as_original": "1",
        "net.ipv4.not_in_profile": "0",
        MISSING_KEY: "0",
    }
    state_path.write_text(json.dumps(originals))
    make_tree(
        proc,
        {
            "net.ipv4.still_ours": "1\n",
            "net.ipv4.changed_since": "9\n",
            "net.ipv4.same_as_original": "1\n",
            "net.ipv4.not_in_profile": "1\n",
        },
    )
    profile = {
        "net.ipv4.still_ours": "1",
        "net.ipv4.changed_since": "1",
        "net.ipv4.same_as_original": "1",
        MISSING_KEY: "1",
    }
    assert plan_restore(str(state_path), profile, str(proc)) == {"net.ipv4.still_ours": "0"}


def test_plan_restore_without_state_file(proc: Path, tmp_path: Path) -> None:
    make_tree(proc, {"net.ipv4.a": "1\n"})
    assert plan_restore(str(tmp_path / "none.json"), {"net.ipv4.a": "1"}, str(proc)) == {}


# --- load_modules ---------------------------------------------------------------------


@pytest.fixture
def sys_root(tmp_path: Path) -> Path:
    root = tmp_path / "sys"
    (root / "module" / "nf_conntrack").mkdir(parents=True)
    return root


def test_load_modules_check_mode_reports_would_load(sys_root: Path) -> None:
    assert load_modules(["nf_conntrack", "br_netfilter", "tcp_bbr"], str(sys_root), None) == (
        ["br_netfilter", "tcp_bbr"],
        [],
    )


def test_load_modules_runs_modprobe_for_absent_modules(sys_root: Path) -> None:
    calls: list[list[str]] = []
    results = {
        "br_netfilter": (0, "", ""),
        "tcp_bbr": (
            1,
            "",
            "modprobe: FATAL: Module tcp_bbr not found\n  in /lib/modules/6.1\n",
        ),
        "sch_cake": (1, "", ""),
    }

    def run(cmd: list[str]) -> tuple[int, str, str]:
        calls.append(cmd)
        return results[cmd[1]]

    loaded, failed = load_modules(["nf_conntrack", "br_netfilter", "tcp_bbr", "sch_cake"], str(sys_root), run)

    assert calls == [
        ["modprobe", "br_netfilter"],
        ["modprobe", "tcp_bbr"],
        ["modprobe", "sch_cake"],
    ]
    assert loaded == ["br_netfilter"]
    assert failed == [
        "tcp_bbr: modprobe: FATAL: Module tcp_bbr not found in /lib/modules/6.1",
        "sch_cake: modprobe failed",
    ]


# --- in_container ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, False),
        ({"run/systemd/container": b"docker\n"}, True),
        ({".dockerenv": b""}, True),
        ({"proc/1/environ": b"PATH=/usr/bin\0container=docker\0HOME=/\0"}, True),
        ({"proc/1/environ": b"container=lxc\0"}, True),
        ({"proc/1/environ": b"PATH=/usr/bin\0HOME=/\0"}, False),
        ({"proc/1/environ": b"NOTcontainer=docker\0"}, False),
    ],
)
def test_in_container(tmp_path: Path, files: dict[str, bytes], expected: bool) -> None:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    assert in_container(str(tmp_path)) is expected


def test_update_originals_forgets_keys(proc: Path, tmp_path: Path) -> None:
    state_path = tmp_path / "originals.json"
    state_path.write_text(json.dumps({"net.ipv4.a": "0", "net.ipv4.b": "5"}))
    update_originals(str(state_path), None, forget={"net.ipv4.a"})
    assert json.loads(state_path.read_text()) == {"net.ipv4.b": "5"}
    update_originals(str(state_path), None, forget={"net.ipv4.b"})
    assert not state_path.exists()


def test_corrupt_state_file_is_a_clear_error(proc: Path, tmp_path: Path) -> None:
    state_path = tmp_path / "originals.json"
    state_path.write_text("{not json")
    make_tree(proc, {"net.ipv4.a": "0\n"})
    with pytest.raises(SysctlError, match=r"is not valid JSON"):
        update_originals(str(state_path), plan({"net.ipv4.a": 1}, str(proc)), forget=set())


def test_null_value_is_rejected(proc: Path) -> None:
    make_tree(proc, {"net.ipv4.a": "0\n"})
    with pytest.raises(SysctlError, match=r"'net\.ipv4\.a' has no value"):
        plan({"net.ipv4.a": None}, str(proc))


def test_restore_values_reports_refusals(proc: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tree(proc, {"net.ipv4.a": "1\n", "net.ipv4.b": "1\n"})
    real_write = _sysctl.write_value

    def refuse_b(path: str, value: str) -> None:
        if path.endswith("/b"):
            raise OSError(22, "Invalid argument")
        real_write(path, value)

    monkeypatch.setattr(_sysctl, "write_value", refuse_b)
    errors = _sysctl.restore_values(str(proc), {"net.ipv4.a": "0", "net.ipv4.b": "0"})
    assert errors == {"net.ipv4.b": "Invalid argument"}
    assert (proc / "net/ipv4/a").read_text().strip() == "0"
