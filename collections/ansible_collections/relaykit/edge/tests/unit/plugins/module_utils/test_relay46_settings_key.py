# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The digest that lets the relay46 role normalize its settings once a run: it follows every setting, and of the
API token only what the normalizer checks, so that it never derives from the secret."""

from __future__ import annotations

from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import settings_key

SERVICES = [{"name": "web", "domain": "web.example.com", "backend_port": 8080}]
CLOUDFLARE = {"enabled": True, "api_token": "first-secret", "zone_id": "0123456789abcdef0123456789abcdef"}


def key(**changes: object) -> str:
    given = {"services": SERVICES, "tcp": [], "http": 80, "https": 443, "cloudflare": CLOUDFLARE, **changes}
    return settings_key(given["services"], given["tcp"], given["http"], given["https"], given["cloudflare"])


def test_the_same_settings_give_the_same_key() -> None:
    assert key() == key()


def test_every_setting_changes_the_key() -> None:
    keys = {
        key(),
        key(services=[{**SERVICES[0], "name": "web2"}]),
        key(tcp=[{"name": "ssh", "listen_port": 2222, "backend_port": 22}]),
        key(http=8080),
        key(https=8443),
        key(cloudflare={**CLOUDFLARE, "proxied": True}),
        key(cloudflare={**CLOUDFLARE, "api_token": ""}),
        key(cloudflare={**CLOUDFLARE, "api_token": 12345}),
        key(cloudflare="not a mapping"),
    }
    assert len(keys) == 9


def test_the_tokens_value_does_not_change_the_key() -> None:
    assert key(cloudflare={**CLOUDFLARE, "api_token": "another-secret"}) == key()
