"""relaykit.edge.systemd_units: two systemctl reads, then only the changes that are needed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from ansible_collections.relaykit.edge.plugins.module_utils._units import UnitError, Units, parse_units


class FakeSystemctl:
    def __init__(self, enabled: dict[str, str], active: dict[str, str]) -> None:
        self.enabled, self.active = enabled, active
        self.calls: list[list[str]] = []

    def __call__(self, args: Sequence[str]) -> tuple[int, str, str]:
        args = list(args)
        self.calls.append(args)
        verb, names = args[0], args[1:]
        if verb == "is-enabled":
            out = [self.enabled.get(name, "not-found") for name in names]
            return (0 if all(state == "enabled" for state in out) else 1), "\n".join(out) + "\n", ""
        if verb == "is-active":
            out = [self.active.get(name, "inactive") for name in names]
            return (0 if all(state == "active" for state in out) else 3), "\n".join(out) + "\n", ""
        return 0, "", ""

    def changes(self) -> list[list[str]]:
        return [call for call in self.calls if call[0] not in ("is-enabled", "is-active")]


def want(*entries: dict) -> list:
    return parse_units(list(entries))


def test_units_as_asked_need_only_the_two_reads() -> None:
    fake = FakeSystemctl({"a.service": "enabled", "b.timer": "enabled"}, {"a.service": "active", "b.timer": "active"})
    result = Units(run=fake).ensure(
        want({"name": "a.service", "enabled": True, "state": "started"}, {"name": "b.timer", "enabled": True}),
        daemon_reload=False,
        check_mode=False,
    )
    assert result["changed"] is False
    assert fake.calls == [["is-enabled", "a.service", "b.timer"], ["is-active", "a.service", "b.timer"]]


def test_only_what_differs_is_changed_after_a_daemon_reload() -> None:
    fake = FakeSystemctl(
        {"a.service": "disabled", "b.timer": "enabled"}, {"a.service": "inactive", "b.timer": "active"}
    )
    result = Units(run=fake).ensure(
        want({"name": "a.service", "enabled": True, "state": "started"}, {"name": "b.timer", "state": "restarted"}),
        daemon_reload=True,
        check_mode=False,
    )
    assert result["actions"] == ["enable a.service", "start a.service", "restart b.timer"]
    assert fake.changes() == [
        ["daemon-reload"],
        ["enable", "a.service"],
        ["start", "a.service"],
        ["restart", "b.timer"],
    ]


def test_check_mode_changes_nothing_and_tolerates_a_unit_this_run_would_create() -> None:
    fake = FakeSystemctl({}, {})
    result = Units(run=fake).ensure(want({"name": "new.service", "enabled": True, "state": "started"}), True, True)
    assert result["changed"] is True
    assert result["actions"] == ["enable new.service", "start new.service"]
    assert fake.changes() == []


def test_a_missing_unit_that_should_run_is_named() -> None:
    fake = FakeSystemctl({}, {})
    with pytest.raises(UnitError, match=r"gone.service does not exist on this host"):
        Units(run=fake).ensure(want({"name": "gone.service", "state": "started"}), False, False)


def test_stopping_and_disabling() -> None:
    fake = FakeSystemctl({"a.timer": "enabled", "b.service": "static"}, {"a.timer": "active", "b.service": "failed"})
    result = Units(run=fake).ensure(
        want({"name": "a.timer", "enabled": False, "state": "stopped"}, {"name": "b.service", "state": "stopped"}),
        False,
        False,
    )
    assert result["actions"] == ["disable a.timer", "stop a.timer", "stop b.service"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "x"}, r"units\[0\]: name must be a systemd unit name"),
        ({"name": "x.service; reboot"}, r"name must be a systemd unit name"),
        ({"name": "x.service", "state": "reloaded"}, r"units\[0\] \(x.service\): state must be one of"),
    ],
)
def test_bad_entries_are_named(entry: dict, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_units([entry])


def test_settled_reads_a_snapshot() -> None:
    from ansible_collections.relaykit.edge.plugins.module_utils._units import settled

    snapshot = {
        "a.service": {"enabled": "enabled", "active": "active"},
        "b.timer": {"enabled": "disabled", "active": "inactive"},
    }
    assert settled(snapshot, [{"name": "a.service", "enabled": True, "state": "started"}])
    assert not settled(snapshot, [{"name": "b.timer", "enabled": True, "state": "started"}])
    assert not settled(snapshot, [{"name": "missing.service", "enabled": True, "state": "started"}])
    assert not settled(snapshot, [{"name": "a.service", "state": "restarted"}])
    assert settled(snapshot, [{"name": "b.timer", "enabled": False, "state": "stopped"}])
