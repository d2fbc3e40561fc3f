"""relaykit.edge.cloudflare_dns and cloudflare_dns_info, run by ansible-playbook against a real HTTP API.

The integration target (collections/.../tests/integration/targets/cloudflare_dns) holds the
tests themselves, in the community.crypto style: check, real, check, real. Here it runs
against the project's Cloudflare stand-in, and against the real Cloudflare when
CLOUDFLARE_API_TOKEN and RELAYKIT_CLOUDFLARE_TEST_ZONE are set (skipped, saying so, otherwise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cloudflare_standin.server import StandIn

REPO = Path(__file__).resolve().parents[2]
TARGET = REPO / "collections/ansible_collections/relaykit/edge/tests/integration/targets/cloudflare_dns"
ZONE = "example.test"
EDIT_TOKEN = "relaykit-test-edit-token-0123456789"
READ_TOKEN = "relaykit-test-read-token-0123456789"


def run_playbook(tmp_path: Path, tasks: list[dict], extra_vars: dict) -> subprocess.CompletedProcess:
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(
        json.dumps(
            [
                {
                    "name": "Cloudflare DNS",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "tasks": tasks,
                }
            ]
        )
    )
    (tmp_path / "vars.json").write_text(json.dumps(extra_vars))
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0")
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-e", f"@{tmp_path / 'vars.json'}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def standin():
    tokens = {
        EDIT_TOKEN: {"permissions": ["zone:read", "dns:read", "dns:edit"]},
        READ_TOKEN: {"permissions": ["zone:read", "dns:read"]},
    }
    with StandIn(zones=[ZONE], tokens=tokens, max_per_page=100) as running:
        yield running


def test_target_against_the_standin(tmp_path: Path, standin: StandIn) -> None:
    result = run_playbook(
        tmp_path,
        [{"name": "Run the target", "ansible.builtin.include_tasks": str(TARGET / "tasks/main.yml")}],
        {
            "cf_base_url": standin.base_url,
            "cf_token": EDIT_TOKEN,
            "cf_readonly_token": READ_TOKEN,
            "cf_zone": ZONE,
            "cf_control_url": standin.root_url + "/__standin__",
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert EDIT_TOKEN not in output and READ_TOKEN not in output, "a token reached the output"


@pytest.mark.skipif(
    not (os.environ.get("CLOUDFLARE_API_TOKEN") and os.environ.get("RELAYKIT_CLOUDFLARE_TEST_ZONE")),
    reason="the real Cloudflare: set CLOUDFLARE_API_TOKEN and RELAYKIT_CLOUDFLARE_TEST_ZONE (a zone for tests) to run",
)
def test_target_against_the_real_cloudflare(tmp_path: Path) -> None:
    result = run_playbook(
        tmp_path,
        [{"name": "Run the target", "ansible.builtin.include_tasks": str(TARGET / "tasks/main.yml")}],
        {
            "cf_base_url": "https://api.cloudflare.com/client/v4",
            "cf_token": os.environ["CLOUDFLARE_API_TOKEN"],
            "cf_zone": os.environ["RELAYKIT_CLOUDFLARE_TEST_ZONE"],
        },
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]


def test_benchmark_200_records(tmp_path: Path, standin: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    """API calls and wall time to converge 200 records from empty, and a no-change re-run (which must not write)."""
    records = [{"name": f"bench{i}.{ZONE}", "type": "A", "content": f"198.18.2.{i % 250 + 1}"} for i in range(200)]
    task = {
        "name": "Converge 200 records",
        "relaykit.edge.cloudflare_dns": {
            "api_token": EDIT_TOKEN,
            "base_url": standin.base_url,
            "zone": ZONE,
            "records": records,
        },
        "register": "bench",
    }
    show = {"name": "Report", "ansible.builtin.debug": {"msg": "BENCH {{ bench | to_json }}"}}
    figures = []
    for run in ("from empty", "no-change re-run"):
        before = len(standin.requests())
        started = time.monotonic()
        result = run_playbook(tmp_path, [task, show], {})
        wall = time.monotonic() - started
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
        requests = standin.requests()[before:]
        writes = [r for r in requests if r["method"] != "GET"]
        figures.append((run, len(requests), len(writes), wall))
    with capsys.disabled():
        for run, calls, writes, wall in figures:
            print(f"\ncloudflare_dns, 200 records, {run}: {calls} API calls ({writes} writes), {wall:.1f} s wall")
    assert figures[0][2] == 1, "the first converge should write everything in one batch"
    assert figures[1][2] == 0, "the re-run must make no write"
