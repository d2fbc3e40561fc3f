# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the certificate_state module's main() in-process against certificates the tests make."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.relaykit.edge.plugins.doc_fragments.attributes import ModuleDocFragment
from ansible_collections.relaykit.edge.plugins.module_utils._certificates import DEFAULT_RENEW_BEFORE_DAYS, REASONS
from ansible_collections.relaykit.edge.plugins.modules import certificate_state
from ansible_collections.relaykit.edge.tests.unit.plugins.pki import Pki, cert_pem, key_body_lines, key_pem

# The module reads the real clock: certificates here are dated around it, not around pki.NOW.
TODAY = datetime.now(UTC).replace(microsecond=0)


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
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def run_module(args: dict[str, Any]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(ExitJson) as info:
        certificate_state.main()
    return info.value.result


def fail_module(args: dict[str, Any]) -> dict[str, Any]:
    with patch_module_args(args), pytest.raises(FailJson) as info:
        certificate_state.main()
    return info.value.result


def live_pair(pki: Pki, days: int = 60, **kwargs: Any) -> tuple[str, str]:
    """fullchain.pem and privkey.pem of a certificate valid from yesterday for ``days`` days."""
    leaf = pki.leaf(not_before=TODAY - timedelta(days=1), not_after=TODAY + timedelta(days=days), **kwargs)
    return pki.write("fullchain.pem", cert_pem(leaf, pki.intermediate)), pki.write("privkey.pem", key_pem(pki.key))


def test_valid_certificate(pki: Pki) -> None:
    path, key_path = live_pair(pki, sans=["panel.example.com", "*.panel.example.com"])
    result = run_module({"path": path, "key_path": key_path, "domains": ["panel.example.com", "a.panel.example.com"]})
    assert result["changed"] is False
    assert result["exists"] is True
    assert result["chain_length"] == 2
    assert result["key_matches"] is True
    assert result["covers_domains"] is True
    assert result["needs_renewal"] is False
    assert result["reason"] is None
    assert result["sans"] == ["panel.example.com", "*.panel.example.com"]
    assert result["days_left"] in (59, 60)  # the clock may pass a second between making and reading


def test_check_mode_gives_the_same_answer(pki: Pki) -> None:
    path, key_path = live_pair(pki, days=10)
    args = {"path": path, "key_path": key_path, "domains": ["www.example.com"]}
    normal = run_module(args)
    check = run_module({**args, "_ansible_check_mode": True})
    assert check == normal
    assert check["changed"] is False
    assert check["reasons"] == ["expiring", "domains_not_covered"]


def test_renew_before_days_option(pki: Pki) -> None:
    path, _key_path = live_pair(pki, days=20)
    assert run_module({"path": path})["reason"] == "expiring"
    assert run_module({"path": path, "renew_before_days": 7})["reason"] is None


def test_missing_certificate_is_reported_not_failed(tmp_path: Path) -> None:
    result = run_module({"path": str(tmp_path / "live" / "fullchain.pem"), "domains": ["panel.example.com"]})
    assert result["exists"] is False
    assert result["reason"] == "missing"
    assert result["needs_renewal"] is True
    assert result["missing_domains"] == ["panel.example.com"]
    assert result["changed"] is False


def test_garbage_file_fails_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "fullchain.pem"
    path.write_bytes(b"this is not a certificate\n")
    result = fail_module({"path": str(path)})
    assert result["msg"] == (
        f"path: {path} is not a certificate file: expected PEM with a '-----BEGIN CERTIFICATE-----' block,"
        " it is not PEM"
    )


def test_negative_renew_before_days_fails(tmp_path: Path) -> None:
    result = fail_module({"path": str(tmp_path / "fullchain.pem"), "renew_before_days": -1})
    assert result["msg"] == "renew_before_days: must be 0 or more, got -1"


def test_key_never_leaves_the_module(pki: Pki) -> None:
    path, _key_path = live_pair(pki)
    other = key_pem(pki.other_key)
    key_path = pki.write("other.pem", other)
    result = run_module({"path": path, "key_path": key_path})
    assert result["reason"] == "key_mismatch"
    text = json.dumps(result)
    assert not [line for line in key_body_lines(other) if line in text]


def test_without_cryptography_the_module_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(certificate_state, "CRYPTOGRAPHY_IMPORT_ERROR", "Traceback: No module named 'cryptography'")
    path = tmp_path / "fullchain.pem"
    path.write_text("not read without the library\n")
    result = fail_module({"path": str(path)})
    assert "Failed to import the required Python library (cryptography)" in result["msg"]
    assert "python3-cryptography" in result["msg"]
    assert result["exception"] == "Traceback: No module named 'cryptography'"


def test_without_cryptography_a_missing_certificate_is_still_a_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(certificate_state, "CRYPTOGRAPHY_IMPORT_ERROR", "Traceback: No module named 'cryptography'")
    result = run_module({"path": str(tmp_path / "fullchain.pem"), "domains": ["www.example.com"]})
    assert result["exists"] is False
    assert result["needs_renewal"] is True
    assert result["reason"] == "missing"


# --- the documentation matches the module -----------------------------------------------


def test_every_returned_key_is_documented(pki: Pki) -> None:
    path, key_path = live_pair(pki)
    result = run_module({"path": path, "key_path": key_path})
    documented = set(yaml.safe_load(certificate_state.RETURN))
    assert set(result) - {"changed"} == documented


def test_documented_options_and_reasons() -> None:
    doc = yaml.safe_load(certificate_state.DOCUMENTATION)
    assert set(doc["options"]) == {"path", "key_path", "domains", "renew_before_days"}
    assert doc["options"]["renew_before_days"]["default"] == DEFAULT_RENEW_BEFORE_DAYS
    documented = [note.split(")", 1)[0].removeprefix("V(") for note in doc["notes"] if note.startswith("V(")]
    assert documented == list(REASONS)
    # Read-only: its attributes come from the shared fragment, which says check mode is fully supported.
    assert "relaykit.edge.attributes.read_only" in doc["extends_documentation_fragment"]
    assert yaml.safe_load(ModuleDocFragment.READ_ONLY)["attributes"]["check_mode"]["support"] == "full"
