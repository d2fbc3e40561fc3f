# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The relay units' systemd side with a fake systemctl: the plan, the change, and the rollback of a relay
that does not come up (stdlib only: runs on the hosts' Pythons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._relay_units import (
    Systemd,
    UnitError,
    apply,
    existing_units,
    plan,
    remove_all,
)

OLD = "[Service]\nExecStart=/usr/bin/socat OLD\n"
NEW = "[Service]\nExecStart=/usr/bin/socat NEW\n"
TARGET = "relaykit.target"


class FakeSystemctl:
    """systemctl as a host answers it: units in ``active``; ``broken`` units fail when (re)started."""

    def __init__(self, active: set[str], enabled: set[str], broken: set[str] = frozenset()) -> None:
        self.active, self.enabled, self.broken = set(active), set(enabled), set(broken)
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        if argv[0] == "journalctl":
            return 0, "socat[1]: E bind: Address already in use\n", ""
        self.calls.append(argv[1:])
        verb, units = argv[1], [arg for arg in argv[2:] if not arg.startswith("-")]
        if verb == "is-active":
            return 0, "".join(("active" if u in self.active else "failed") + "\n" for u in units), ""
        if verb == "is-enabled":
            return 0, "".join(("enabled" if u in self.enabled else "disabled") + "\n" for u in units), ""
        if verb in ("start", "restart"):
            self.active.update(u for u in units if u not in self.broken)
            self.active.difference_update(u for u in units if u in self.broken)
        if verb == "disable":
            self.active.difference_update(units)
            self.enabled.difference_update(units)
        if verb == "enable":
            self.enabled.update(units)
        return 0, "", ""

    def verbs(self) -> list[str]:
        return [call[0] for call in self.calls]


def unit_dir(tmp_path: Path, units: dict[str, str]) -> str:
    for name, text in units.items():
        (tmp_path / name).write_text(text)
    return str(tmp_path)


def run(fake: FakeSystemctl, directory: str, desired: dict[str, str]) -> None:
    systemd = Systemd(fake, "systemctl", "journalctl")
    change = plan(systemd, desired, existing_units(directory))
    ticks = iter(range(1000))
    apply(
        systemd, change, directory, 3, lambda unit: " | ".join(systemd.journal(unit)),
        clock=lambda: float(next(ticks)), sleep=lambda _s: None,
    )  # fmt: skip


def test_the_plan_names_what_changes_and_changes_nothing(tmp_path: Path) -> None:
    directory = unit_dir(tmp_path, {"relaykit-relay-a.service": OLD, "relaykit-relay-gone.service": OLD, TARGET: "t"})
    fake = FakeSystemctl({"relaykit-relay-a.service"}, {TARGET, "relaykit-relay-a.service"})
    desired = {"relaykit-relay-a.service": NEW, "relaykit-relay-b.service": NEW, TARGET: "t"}
    change = plan(Systemd(fake), desired, existing_units(directory))
    assert (change.written, change.removed, change.restarted, change.started, change.enabled) == (
        ["relaykit-relay-a.service", "relaykit-relay-b.service"],
        ["relaykit-relay-gone.service"],
        ["relaykit-relay-a.service"],
        ["relaykit-relay-b.service"],
        ["relaykit-relay-b.service"],
    )
    assert "### relaykit-relay-a.service\n" + NEW in change.diff()["after"]
    assert set(fake.verbs()) == {"is-active", "is-enabled"}
    assert (tmp_path / "relaykit-relay-a.service").read_text() == OLD


def test_a_change_ends_connections_writes_reloads_and_restarts_only_what_changed(tmp_path: Path) -> None:
    directory = unit_dir(tmp_path, {"relaykit-relay-a.service": OLD, "relaykit-relay-keep.service": OLD})
    fake = FakeSystemctl(
        {"relaykit-relay-a.service", "relaykit-relay-keep.service"},
        {TARGET, "relaykit-relay-a.service", "relaykit-relay-keep.service"},
    )
    run(fake, directory, {"relaykit-relay-a.service": NEW, "relaykit-relay-keep.service": OLD})
    assert (tmp_path / "relaykit-relay-a.service").read_text() == NEW
    assert ["kill", "--kill-who=all", "--signal=SIGTERM", "relaykit-relay-a.service"] in fake.calls
    assert ["restart", "relaykit-relay-a.service"] in fake.calls
    assert not any("relaykit-relay-keep.service" in call for call in fake.calls if call[0] in ("restart", "kill"))
    assert fake.verbs().index("kill") < fake.verbs().index("daemon-reload") < fake.verbs().index("restart")


def test_a_changed_relay_that_does_not_come_up_gets_its_old_unit_back(tmp_path: Path) -> None:
    directory = unit_dir(tmp_path, {"relaykit-relay-a.service": OLD})
    fake = FakeSystemctl(
        {"relaykit-relay-a.service"}, {TARGET, "relaykit-relay-a.service"}, broken={"relaykit-relay-a.service"}
    )
    with pytest.raises(
        UnitError,
        match=r"did not stay up and were put back as they were \(relaykit-relay-a.service\): .*Address already in use",
    ):
        run(fake, directory, {"relaykit-relay-a.service": NEW})
    assert (tmp_path / "relaykit-relay-a.service").read_text() == OLD
    # after the rollback: reloaded, and restarted with the old file
    tail = fake.calls[-2:]
    assert tail == [["daemon-reload"], ["restart", "relaykit-relay-a.service"]]


def test_a_new_relay_that_does_not_come_up_is_stopped_and_removed(tmp_path: Path) -> None:
    directory = unit_dir(tmp_path, {})
    fake = FakeSystemctl(set(), {TARGET}, broken={"relaykit-relay-b.service"})
    with pytest.raises(UnitError, match=r"relaykit-relay-b\.service"):
        run(fake, directory, {"relaykit-relay-b.service": NEW})
    assert not (tmp_path / "relaykit-relay-b.service").exists()
    assert ["disable", "--now", "relaykit-relay-b.service"] in fake.calls


def test_remove_all_ends_connections_then_removes_every_file(tmp_path: Path) -> None:
    directory = unit_dir(tmp_path, {"relaykit-relay-a.service": OLD, TARGET: "t"})
    fake = FakeSystemctl({"relaykit-relay-a.service"}, {TARGET})
    names = sorted(existing_units(directory))
    remove_all(Systemd(fake), directory, names)
    assert list(tmp_path.iterdir()) == []
    assert fake.verbs() == ["kill", "disable", "daemon-reload", "reset-failed"]
    assert fake.calls[0][-1:] == ["relaykit-relay-a.service"]  # only relay units are killed


def test_a_failing_systemctl_is_an_error_naming_the_command() -> None:
    def refuse(argv: list[str]) -> tuple[int, str, str]:
        return 1, "", "Failed to connect to bus"

    with pytest.raises(UnitError, match="systemctl daemon-reload failed: Failed to connect to bus"):
        Systemd(refuse).run("daemon-reload")
