# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the sysctl_profile module's main() in-process against a fake /proc/sys tree."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.relaykit.edge.plugins.module_utils import _sysctl
from ansible_collections.relaykit.edge.plugins.module_utils._sysctl import (
    HEADER,
    REASON_MISSING,
)
from ansible_collections.relaykit.edge.plugins.modules import sysctl_profile

MISSING_KEY = "net.netfilter.nf_conntrack_max"
INITIAL = {
    "net.ipv4.ip_forward": "0\n",
    "net.core.somaxconn": "4096\n",
    "net.ipv4.tcp_rmem": "4096\t131072\t6291456\n",
}
SETTINGS: dict[str, Any] = {
    "net.ipv4.ip_forward": True,
    "net.core.somaxconn": 4096,
    "net.ipv4.tcp_rmem": [4096, 87380, 16777216],
}


class ExitJson(Exception):  # noqa: N818 (named after AnsibleModule.exit_json)
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


class FailJson(Exception):  # noqa: N818 (named after AnsibleModule.fail_json)
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result.get("msg"))
        self.result = result


@pytest.fixture(autouse=True)
def module_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    def exit_json(self: basic.AnsibleModule, **kwargs: Any) -> None:
        kwargs.setdefault("changed", False)
        raise ExitJson(kwargs)

    def fail_json(self: basic.AnsibleModule, msg: str, **kwargs: Any) -> None:
        raise FailJson({"failed": True, "msg": msg, **kwargs})

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Container detection as the module sees it; a real host unless a test flips it."""
    detected = {"value": False}
    monkeypatch.setattr(sysctl_profile, "in_container", lambda root="/": detected["value"])
    return detected


class Host:
    """A fake host: /proc/sys, the profile file and the state directory in tmp_path."""

    def __init__(self, root: Path) -> None:
        self.proc = root / "proc_sys"
        self.profile = root / "etc" / "sysctl.d" / "90-relaykit.conf"
        self.state_dir = root / "var" / "lib" / "relaykit"
        self.state_file = self.state_dir / ("sysctl-" + str(self.profile).strip("/").replace("/", "-") + ".json")

    def set(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            path = self.proc.joinpath(*key.split("."))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(value)

    def live(self) -> dict[str, str]:
        return {
            ".".join(path.relative_to(self.proc).parts): path.read_text()
            for path in sorted(self.proc.rglob("*"))
            if path.is_file()
        }

    def args(self, **overrides: Any) -> dict[str, Any]:
        args: dict[str, Any] = {
            "path": str(self.profile),
            "state_dir": str(self.state_dir),
            "proc_root": str(self.proc),
            "load_modules": [],
        }
        args.update(overrides)
        return args


@pytest.fixture
def host(tmp_path: Path, container: dict[str, bool]) -> Host:
    fake = Host(tmp_path)
    fake.set(INITIAL)
    return fake


def run_module(args: dict[str, Any]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(ExitJson) as info:
        sysctl_profile.main()
    return info.value.result


def fail_module(args: dict[str, Any]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(FailJson) as info:
        sysctl_profile.main()
    return info.value.result


def test_idempotence_quartet(host: Host) -> None:
    args = host.args(settings=SETTINGS)

    # 1. check mode: would change, writes nothing
    result = run_module({**args, "_ansible_check_mode": True})
    assert result["changed"] is True
    assert result["changed_keys"] == ["net.ipv4.ip_forward", "net.ipv4.tcp_rmem"]
    assert result["file_changed"] is True
    assert result["skipped_keys"] == []
    assert "diff" not in result
    assert host.live() == INITIAL
    assert not host.profile.exists()
    assert not host.state_dir.exists()

    # 2. real run: file, live values and originals written
    result = run_module(args)
    assert result["changed"] is True
    assert result["changed_keys"] == ["net.ipv4.ip_forward", "net.ipv4.tcp_rmem"]
    assert result["file_changed"] is True
    assert result["container"] is False
    assert result["modules_loaded"] == []
    assert result["applied"] == {
        "net.ipv4.ip_forward": "1",
        "net.core.somaxconn": "4096",
        "net.ipv4.tcp_rmem": "4096 87380 16777216",
    }
    assert host.live() == {
        "net.core.somaxconn": "4096\n",  # already in sync: untouched
        "net.ipv4.ip_forward": "1\n",
        "net.ipv4.tcp_rmem": "4096 87380 16777216\n",
    }
    assert host.profile.read_text() == (
        HEADER
        + "net.ipv4.ip_forward = 1\n"
        + "net.core.somaxconn = 4096\n"
        + "net.ipv4.tcp_rmem = 4096 87380 16777216\n"
    )
    assert json.loads(host.state_file.read_text()) == {
        "net.ipv4.ip_forward": "0",
        "net.ipv4.tcp_rmem": "4096 131072 6291456",
    }
    inodes = (host.profile.stat().st_ino, host.state_file.stat().st_ino)

    # 3. check mode again: nothing to do
    result = run_module({**args, "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["changed_keys"] == []
    assert result["file_changed"] is False

    # 4. real run again: nothing to do, nothing rewritten
    result = run_module(args)
    assert result["changed"] is False
    assert result["changed_keys"] == []
    assert result["file_changed"] is False
    # not replaced by a new file
    assert (host.profile.stat().st_ino, host.state_file.stat().st_ino) == inodes


def test_drifted_live_value_is_corrected(host: Host) -> None:
    run_module(host.args(settings=SETTINGS))
    host.set({"net.ipv4.ip_forward": "0\n"})

    result = run_module(host.args(settings=SETTINGS))

    assert result["changed"] is True
    assert result["changed_keys"] == ["net.ipv4.ip_forward"]
    assert result["file_changed"] is False
    assert host.live()["net.ipv4.ip_forward"] == "1\n"
    # the original from before the first run is kept, not the drifted value
    assert json.loads(host.state_file.read_text())["net.ipv4.ip_forward"] == "0"


def test_diff_mode(host: Host) -> None:
    result = run_module({**host.args(settings={"net.ipv4.ip_forward": 1}), "_ansible_diff": True})

    diff = result["diff"]
    assert diff["before_header"] == diff["after_header"] == str(host.profile)
    assert diff["before"] == "# live: net.ipv4.ip_forward = 0\n# (no file)\n"
    assert diff["after"] == "# live: net.ipv4.ip_forward = 1\n" + HEADER + "net.ipv4.ip_forward = 1\n"


def test_unsettable_key_on_real_host_fails_without_changes(host: Host) -> None:
    result = fail_module(host.args(settings={**SETTINGS, MISSING_KEY: 262144}))

    assert MISSING_KEY in result["msg"]
    assert REASON_MISSING in result["msg"]
    assert "nothing was changed" in result["msg"]
    assert host.live() == INITIAL
    assert not host.profile.exists()
    assert not host.state_dir.exists()


def test_unsettable_key_in_container_is_skipped(host: Host, container: dict[str, bool]) -> None:
    container["value"] = True

    result = run_module(host.args(settings={"net.ipv4.ip_forward": 1, MISSING_KEY: 262144}))

    assert result["changed"] is True
    assert result["container"] is True
    assert result["skipped_keys"] == [{"key": MISSING_KEY, "value": "262144", "reason": REASON_MISSING}]
    # a truthy "skipped" in a module result makes ansible report the task as skipped
    assert "skipped" not in result
    assert result["applied"] == {"net.ipv4.ip_forward": "1"}
    assert host.live()["net.ipv4.ip_forward"] == "1\n"
    assert MISSING_KEY not in host.live()
    assert f"\n-{MISSING_KEY} = 262144\n" in host.profile.read_text()


def test_unsettable_fail_policy_fails_in_container(host: Host, container: dict[str, bool]) -> None:
    container["value"] = True

    result = fail_module(host.args(settings={"net.ipv4.ip_forward": 1, MISSING_KEY: 1}, unsettable="fail"))

    assert MISSING_KEY in result["msg"]
    assert "unsettable=fail" in result["msg"]
    assert host.live() == INITIAL
    assert not host.profile.exists()


def test_kernel_refusal_rolls_back_and_keeps_file(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = str(host.proc / "net" / "ipv4" / "tcp_rmem")
    real_write = _sysctl.write_value

    def fake_write(path: str, value: str) -> None:
        if path == refused:
            raise OSError(errno.EINVAL, "Invalid argument")
        real_write(path, value)

    monkeypatch.setattr(_sysctl, "write_value", fake_write)

    result = fail_module(host.args(settings=SETTINGS))

    assert "net.ipv4.tcp_rmem" in result["msg"]
    assert "Invalid argument" in result["msg"]
    assert host.live()["net.ipv4.ip_forward"] == "0\n"  # put back after the refusal
    assert not host.profile.exists()


def test_absent_restores_originals_and_removes_files(host: Host) -> None:
    run_module(host.args(settings=SETTINGS))
    assert host.profile.exists()
    assert host.state_file.exists()

    # check mode: reports the restore, changes nothing
    result = run_module(host.args(state="absent", _ansible_check_mode=True))
    assert result["changed"] is True
    assert result["changed_keys"] == ["net.ipv4.ip_forward", "net.ipv4.tcp_rmem"]
    assert host.profile.exists()
    assert host.state_file.exists()
    assert host.live()["net.ipv4.ip_forward"] == "1\n"

    result = run_module(host.args(state="absent"))
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["changed_keys"] == ["net.ipv4.ip_forward", "net.ipv4.tcp_rmem"]
    assert host.live() == {
        "net.core.somaxconn": "4096\n",
        "net.ipv4.ip_forward": "0\n",
        "net.ipv4.tcp_rmem": "4096 131072 6291456\n",
    }
    assert not host.profile.exists()
    assert not host.state_file.exists()

    result = run_module(host.args(state="absent"))
    assert result["changed"] is False
    assert result["changed_keys"] == []
    assert result["file_changed"] is False


def test_absent_leaves_values_changed_by_someone_else(host: Host) -> None:
    run_module(host.args(settings=SETTINGS))
    host.set({"net.ipv4.tcp_rmem": "4096 65536 4194304\n"})

    result = run_module(host.args(state="absent"))

    assert result["changed_keys"] == ["net.ipv4.ip_forward"]
    assert host.live()["net.ipv4.ip_forward"] == "0\n"
    assert host.live()["net.ipv4.tcp_rmem"] == "4096 65536 4194304\n"


def test_present_without_settings_fails(host: Host) -> None:
    result = fail_module(host.args())

    assert "settings" in result["msg"]
    assert not host.profile.exists()
    assert host.live() == INITIAL


def test_invalid_key_fails(host: Host) -> None:
    result = fail_module(host.args(settings={"net..ipv4": 1}))

    assert "'net..ipv4' is not a sysctl key" in result["msg"]
    assert not host.profile.exists()


def test_key_dropped_from_settings_gets_its_original_back(host: Host) -> None:
    run_module(host.args(settings=SETTINGS))
    assert host.live()["net.ipv4.ip_forward"] == "1\n"

    smaller = {key: value for key, value in SETTINGS.items() if key != "net.ipv4.ip_forward"}
    check = run_module(host.args(settings=smaller, _ansible_check_mode=True))
    assert check["changed"] and "net.ipv4.ip_forward" in check["changed_keys"]
    assert host.live()["net.ipv4.ip_forward"] == "1\n"

    result = run_module(host.args(settings=smaller))
    assert result["changed"]
    assert host.live()["net.ipv4.ip_forward"] == "0\n"
    assert "net.ipv4.ip_forward" not in json.loads(host.state_file.read_text())
    assert "ip_forward" not in host.profile.read_text()
    assert not run_module(host.args(settings=smaller))["changed"]


def test_two_profiles_with_one_file_name_keep_separate_records(host: Host, tmp_path: Path) -> None:
    other = tmp_path / "run" / "sysctl.d" / "90-relaykit.conf"
    run_module(host.args(settings={"net.ipv4.ip_forward": True}))
    run_module(host.args(path=str(other), settings={"net.core.somaxconn": 8192}))
    records = sorted(p.name for p in host.state_dir.iterdir())
    assert len(records) == 2, records


def test_modules_load_file_follows_load_modules(host: Host, tmp_path: Path, container: dict[str, bool]) -> None:
    container["value"] = True  # no modprobe here: the boot file is what is under test
    modules_load = tmp_path / "etc" / "modules-load.d" / "relaykit.conf"
    args = host.args(settings=SETTINGS, load_modules=["nf_conntrack"], modules_load_path=str(modules_load))

    checked = run_module({**args, "_ansible_check_mode": True, "_ansible_diff": True})
    assert checked["modules_load_changed"] is True
    assert not modules_load.exists()
    assert f"# modules-load {modules_load}: nf_conntrack\n" in checked["diff"]["after"]

    first = run_module(args)
    assert first["changed"] is True
    assert modules_load.read_text().splitlines()[1:] == ["nf_conntrack"]
    again = run_module(args)
    assert again["changed"] is False
    assert again["modules_load_changed"] is False

    none = run_module({**args, "load_modules": []})
    assert none["modules_load_changed"] is True
    assert not modules_load.exists()

    run_module({**args})
    gone = run_module(host.args(state="absent", modules_load_path=str(modules_load)))
    assert gone["modules_load_changed"] is True
    assert not modules_load.exists()
