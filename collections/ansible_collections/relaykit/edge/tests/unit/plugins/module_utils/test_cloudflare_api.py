"""Every SDK failure becomes a message a user can act on, in one place; the SDK is guarded."""

from __future__ import annotations

from typing import Any

import cloudflare
import httpx
import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.relaykit.edge.plugins.module_utils import _cloudflare_api
from ansible_collections.relaykit.edge.plugins.module_utils._cloudflare_api import CloudflareError, explain, make_client
from ansible_collections.relaykit.edge.plugins.modules import cloudflare_dns

URL = "https://api.cloudflare.com/client/v4"


def status_error(cls: type, status: int, code: int, message: str) -> Exception:
    request = httpx.Request("GET", URL + "/zones")
    response = httpx.Response(status, request=request)
    body = {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    return cls(f"Error code: {status}", response=response, body=body)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (status_error(cloudflare.AuthenticationError, 401, 9109, "Invalid access token"), "rejected the API token"),
        (status_error(cloudflare.PermissionDeniedError, 403, 10000, "Authentication error"), "lacks permission"),
        (status_error(cloudflare.RateLimitError, 429, 971, "Rate limited"), "429 (rate limited) after the retries"),
        (status_error(cloudflare.InternalServerError, 503, 10001, "Internal"), "HTTP 503 after the retries"),
        (
            status_error(cloudflare.NotFoundError, 404, 7003, "Could not route"),
            "not found (Could not route (code 7003))",
        ),
        (status_error(cloudflare.BadRequestError, 400, 81053, "exists"), "conflicting record"),
        (status_error(cloudflare.BadRequestError, 400, 81054, "CNAME exists"), "a CNAME record of that name exists"),
        (status_error(cloudflare.BadRequestError, 400, 81059, "mixed"), "proxied"),
        (status_error(cloudflare.BadRequestError, 400, 9021, "Invalid TTL"), "Invalid TTL (code 9021)"),
        (cloudflare.APIConnectionError(request=httpx.Request("GET", URL)), "cannot reach the Cloudflare API"),
        (cloudflare.APITimeoutError(request=httpx.Request("GET", URL)), "did not answer in time"),
    ],
)
def test_explain(error: Exception, expected: str) -> None:
    message = str(explain(error, "doing it", URL))
    assert message.startswith("doing it: ")
    assert expected in message


def test_no_token_names_the_option_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN", raising=False)
    with pytest.raises(CloudflareError, match=r"api_token.*CLOUDFLARE_API_TOKEN"):
        make_client(None, None, 0, 1)


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:8787/client/v4")
    client = make_client("token", None, 0, 1)
    assert str(client.base_url).rstrip("/") == "http://127.0.0.1:8787/client/v4"


@pytest.mark.parametrize(("version", "ok"), [("3.1.0", False), ("4.0.0", True), ("5.9.0", True), ("garbage", False)])
def test_sdk_version_guard(monkeypatch: pytest.MonkeyPatch, version: str, ok: bool) -> None:
    monkeypatch.setattr(_cloudflare_api.cloudflare, "__version__", version)
    assert _cloudflare_api.sdk_version_ok() is ok


class FailJson(Exception):  # noqa: N818 (named after AnsibleModule.fail_json)
    pass


def test_module_without_a_usable_sdk_says_which_library(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail_json(self: basic.AnsibleModule, msg: str, **kwargs: Any) -> None:
        raise FailJson(msg)

    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(_cloudflare_api, "sdk_version_ok", lambda: False)
    args = {"zone": "example.com", "records": [{"name": "a", "type": "A", "content": "192.0.2.1"}], "api_token": "t"}
    with patch_module_args(args), pytest.raises(FailJson, match=r"cloudflare >= 4\.0"):
        cloudflare_dns.main()
