# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the host_info module's main() in-process: which commands it runs, with and without O(docker)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.relaykit.edge.plugins.modules import host_info


class ExitJson(Exception):  # noqa: N818 (named after AnsibleModule.exit_json)
    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result)
        self.result = result


# What each command answers on this fake host: a Docker CLI whose engine runs and holds one image.
ANSWERS = {
    "docker version": (0, "26.1.5\n", ""),
    "docker compose": (0, "2.26.1\n", ""),
    "docker image": (0, "relaykit/nginx:lab sha256:" + "a" * 64 + "\n", ""),
}


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A host with no systemd, ufw or dpkg, and a docker CLI; returns the commands the module ran."""
    calls: list[list[str]] = []

    def exit_json(self: basic.AnsibleModule, **kwargs: Any) -> None:
        raise ExitJson(kwargs)

    def get_bin_path(self: basic.AnsibleModule, name: str, *args: Any, **kwargs: Any) -> str | None:
        return "/usr/bin/docker" if name == "docker" else None

    def run_command(self: basic.AnsibleModule, argv: list[str], **kwargs: Any) -> tuple[int, str, str]:
        calls.append(argv)
        return ANSWERS.get(" ".join(argv[:2]).replace("/usr/bin/", ""), (1, "", "unexpected"))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(host_info.os.path, "isdir", lambda path: False)
    return calls


def run(args: dict[str, Any]) -> dict[str, Any]:
    with patch_module_args({"netfilter_state_dir": "/nonexistent/relaykit", **args}), pytest.raises(ExitJson) as done:
        host_info.main()
    return done.value.result


def test_docker_is_not_asked_unless_the_play_runs_docker(host: list[list[str]]) -> None:
    result = run({})
    assert "docker" not in result
    assert host == []
    assert result["changed"] is False


def test_docker_asked_gives_the_versions_and_images(host: list[list[str]]) -> None:
    result = run({"docker": True})
    assert [call[1] for call in host] == ["version", "compose", "image"]
    assert result["docker"] == {
        "cli": True,
        "server_rc": 0,
        "server_version": "26.1.5",
        "server_error": "",
        "compose_rc": 0,
        "compose_version": "2.26.1",
        "images": {"relaykit/nginx:lab": "sha256:" + "a" * 64},
    }
