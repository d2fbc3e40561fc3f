# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cloudflare API through the official SDK (``cloudflare`` >= 4): one client, one zone lookup
at most, paginated listing, batched writes, and errors a user can act on.

The SDK retries 408/409/429/5xx and connection errors itself (exponential backoff from 0.5 s,
honouring Retry-After); this module sets how many times and turns what is left into a
:class:`CloudflareError` naming the cause.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.relaykit.edge.plugins.module_utils._cloudflare_errors import CODE_MESSAGES
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, run_module

MINIMUM_SDK = (4, 0)
DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
PAGE_SIZE = 5000

try:
    import cloudflare
    from cloudflare import Cloudflare

    SDK_IMPORT_ERROR: str | None = None
except ImportError:
    cloudflare = None  # type: ignore[assignment]
    Cloudflare = None  # type: ignore[assignment,misc]
    SDK_IMPORT_ERROR = traceback.format_exc()

# The options every Cloudflare module shares (documented in doc_fragments/cloudflare.py).
ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "api_token": {"type": "str", "no_log": True},
    "zone": {"type": "str"},
    "zone_id": {"type": "str"},
    "base_url": {"type": "str"},
    "retries": {"type": "int", "default": 4},
    "timeout": {"type": "float", "default": 30},
}


class CloudflareError(RelaykitError):
    """A Cloudflare API failure, explained."""


def sdk_version_ok() -> bool:
    if cloudflare is None:
        return False
    try:
        major, minor = (int(part) for part in cloudflare.__version__.split(".")[:2])
    except (AttributeError, ValueError):
        return False
    return (major, minor) >= MINIMUM_SDK


def make_client(api_token: str | None, base_url: str | None, retries: int, timeout: float) -> Any:
    token = api_token or os.environ.get("CLOUDFLARE_API_TOKEN")
    if not token:
        raise CloudflareError("api_token: no API token (give api_token, or set CLOUDFLARE_API_TOKEN)")
    url = base_url or os.environ.get("CLOUDFLARE_BASE_URL") or DEFAULT_BASE_URL
    return Cloudflare(api_token=token, base_url=url, max_retries=retries, timeout=timeout)


def explain(exc: Exception, doing: str, base_url: str) -> CloudflareError:
    """One place that turns every SDK error into a message a user can act on (never the token)."""
    if cloudflare is not None:
        if isinstance(exc, cloudflare.APITimeoutError):
            return CloudflareError(f"{doing}: the Cloudflare API at {base_url} did not answer in time")
        if isinstance(exc, cloudflare.APIConnectionError):
            return CloudflareError(f"{doing}: cannot reach the Cloudflare API at {base_url} (network down?)")
        if isinstance(exc, cloudflare.AuthenticationError):
            return CloudflareError(
                f"{doing}: Cloudflare rejected the API token (invalid or expired; codes {codes(exc)})"
            )
        if isinstance(exc, cloudflare.PermissionDeniedError):
            return CloudflareError(
                f"{doing}: the API token lacks permission (it needs Zone:DNS:Edit on this zone, and Zone:Read to "
                "look the zone up by name; or give zone_id)"
            )
        if isinstance(exc, cloudflare.RateLimitError):
            return CloudflareError(f"{doing}: Cloudflare kept answering 429 (rate limited) after the retries")
        if isinstance(exc, cloudflare.InternalServerError):
            return CloudflareError(f"{doing}: Cloudflare kept failing with HTTP {exc.status_code} after the retries")
        if isinstance(exc, cloudflare.NotFoundError):
            return CloudflareError(f"{doing}: not found ({messages(exc)})")
        if isinstance(exc, cloudflare.APIStatusError):
            known = [CODE_MESSAGES[code] for code in codes(exc) if code in CODE_MESSAGES]
            detail = "; ".join(known) if known else messages(exc)
            return CloudflareError(f"{doing}: Cloudflare refused it (HTTP {exc.status_code}): {detail}")
    return CloudflareError(f"{doing}: {exc}")


def errors_of(exc: Any) -> list[dict[str, Any]]:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        found = body.get("errors")
        if isinstance(found, list):
            return [item for item in found if isinstance(item, dict)]
    return []


def codes(exc: Any) -> list[int]:
    return [int(item["code"]) for item in errors_of(exc) if str(item.get("code", "")).isdigit()]


def messages(exc: Any) -> str:
    found = [f"{item.get('message')} (code {item.get('code')})" for item in errors_of(exc)]
    return "; ".join(found) or str(getattr(exc, "message", exc))


class Api:
    """The calls the modules make, each counted, each explained on failure."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.base_url = str(client.base_url)
        self.calls = 0

    def call(self, doing: str, func: Callable[..., Any], **kwargs: Any) -> Any:
        self.calls += 1
        try:
            return func(**kwargs)
        except Exception as exc:  # the SDK's errors, explained in one place
            raise explain(exc, doing, self.base_url) from exc

    def zone_id(self, zone: str | None, zone_id: str | None) -> str:
        if zone_id:
            return zone_id
        if not zone:
            raise CloudflareError("zone: give zone (the zone's name) or zone_id")
        name = zone.strip().lower().rstrip(".")
        page = self.call(f"looking up zone {name}", self.client.zones.list, name=name, per_page=5)
        found = [item for item in page.result if str(item.name).lower() == name]
        if not found:
            raise CloudflareError(f"zone: '{name}' not found in this Cloudflare account (or the token cannot see it)")
        return str(found[0].id)

    def records(self, zone_id: str, **filters: Any) -> list[dict[str, Any]]:
        """Every record matching the filters, page by page.

        The server may cap per_page below what was asked: the last page is the one shorter than the
        per_page the server reports, or the one numbered total_pages, or an empty one.
        """
        found: list[dict[str, Any]] = []
        page_number = 1
        while True:
            page = self.call(
                "listing DNS records",
                self.client.dns.records.list,
                zone_id=zone_id,
                page=page_number,
                per_page=PAGE_SIZE,
                **filters,
            )
            batch = [item.to_dict() if hasattr(item, "to_dict") else dict(item) for item in page.result]
            found += batch
            info = getattr(page, "result_info", None)
            per_page = int(getattr(info, "per_page", None) or PAGE_SIZE)
            total_pages = getattr(info, "total_pages", None)
            if not batch or len(batch) < per_page or (total_pages and page_number >= int(total_pages)):
                return found
            page_number += 1

    def batch(self, zone_id: str, creates: list[dict], patches: list[dict], deletes: list[dict]) -> dict[str, Any]:
        """All changes of a run in one atomic request (deletes, then patches, then posts)."""
        response = self.call(
            "applying the DNS changes",
            self.client.dns.records.batch,
            zone_id=zone_id,
            deletes=[{"id": record["id"]} for record in deletes],
            patches=patches,
            posts=creates,
        )
        if response is None:
            return {}
        return response.to_dict() if hasattr(response, "to_dict") else dict(response)


FEW_NAMES = 3


def existing_for(api: Api, zone_id: str, wanted: list[Any]) -> list[dict[str, Any]]:
    """The zone's records that matter for these wanted records, every type of their names (to find conflicts).

    A few names are listed one by one (``name.exact``); more names read the whole zone once.
    """
    names = sorted({item.name for item in wanted})
    if len(names) <= FEW_NAMES:
        return [record for name in names for record in api.records(zone_id, name={"exact": name})]
    wanted_names = set(names)
    every = api.records(zone_id)
    return [record for record in every if str(record.get("name", "")).lower().rstrip(".") in wanted_names]


def cloudflare_main(options: dict[str, dict[str, Any]], work: Callable[[Any], dict]) -> None:
    """The main() of every Cloudflare module: shared options, the SDK guard, the one error path."""
    module = AnsibleModule(
        argument_spec={**ARGUMENT_SPEC, **options},
        required_one_of=[("zone", "zone_id")],
        supports_check_mode=True,
    )
    if not sdk_version_ok():
        module.fail_json(msg=missing_required_lib("cloudflare >= 4.0"), exception=SDK_IMPORT_ERROR)
    run_module(module, work)
