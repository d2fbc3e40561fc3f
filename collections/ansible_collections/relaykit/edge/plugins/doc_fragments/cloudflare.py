# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The connection options every Cloudflare module shares (see _cloudflare_api.ARGUMENT_SPEC)."""

    DOCUMENTATION = r"""
requirements:
  - cloudflare >= 4.0 (the official Python SDK)
options:
  api_token:
    description:
      - A Cloudflare API token. Defaults to the environment variable C(CLOUDFLARE_API_TOKEN). Never logged.
      - Writes need Zone:DNS:Edit; reads Zone:DNS:Read; O(zone) (a lookup by name) also needs Zone:Read.
    type: str
  zone:
    description: The zone's name, looked up once. One of O(zone) and O(zone_id) is required.
    type: str
  zone_id:
    description: The zone's id; no lookup is made.
    type: str
  base_url:
    description:
      - The API's base URL, including C(/client/v4).
      - Defaults to the environment variable C(CLOUDFLARE_BASE_URL), then to Cloudflare's.
    type: str
  retries:
    description:
      - How many times the SDK retries 408, 409, 429, 5xx and connection errors.
      - It backs off exponentially from 0.5 s and honours C(Retry-After).
    type: int
    default: 4
  timeout:
    description: Seconds per request.
    type: float
    default: 30
"""
