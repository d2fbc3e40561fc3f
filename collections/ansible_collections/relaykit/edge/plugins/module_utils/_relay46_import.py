# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import of a Relay46 ``config.yaml`` (already loaded from YAML) as the inventory of a site: the ``server``
and ``nas`` sections become hosts, the others group variables (beside :mod:`_seed_env`, Port Relay's import)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import kind as kind_of
from ansible_collections.relaykit.edge.plugins.module_utils._net import ip_version
from ansible_collections.relaykit.edge.plugins.module_utils._relay46 import (
    CONFIG_FIELDS,
    CONFIG_LABELS,
    USER_RE,
    fail,
    normalize_relay46,
    parse_host,
    parse_port,
    public_config,
)

# --- import of a Relay46 config.yaml ---------------------------------------------------

SERVER_FIELDS = ("host", "port", "user", "identity_file", "http_port", "https_port")
NAS_FIELDS = ("host", "port", "user", "identity_file", "ipv6")
# Known keys relaykit does without, and why (reported, not an error).
NOT_IMPORTED: dict[str, str] = {
    "server.password": "relaykit connects with SSH keys",
    "nas.deploy_path": "relaykit has its own directories",
    "resolver": "nginx re-resolves the NAS's name with the host's resolver",
}


def ssh_host(where: str, section: Mapping[str, Any], default_user: str | None) -> tuple[dict[str, Any], bool]:
    """The inventory variables of one host, and whether its host is an SSH config alias (no dot, not an address)."""
    host = section.get("host")
    if not isinstance(host, str) or not host.strip():
        raise fail(f"{where}.host is missing (the host's address, DNS name or SSH config alias)")
    address = parse_host(host)
    if address is None:
        raise fail(f"{where}.host must be an IP address, a DNS name or an SSH config alias, got {host!r}")
    variables: dict[str, Any] = {"ansible_host": address}
    if section.get("port") is not None:
        variables["ansible_port"] = parse_port(where, "port", section["port"])
    user = section.get("user", default_user)
    if user is not None:
        if not isinstance(user, str) or not USER_RE.fullmatch(user.strip()):
            raise fail(f"{where}.user must be a user name, got {user!r}")
        variables["ansible_user"] = user.strip()
    identity = section.get("identity_file")
    if identity is not None:
        if not isinstance(identity, str) or not identity.strip():
            raise fail(f"{where}.identity_file must be the path of an SSH private key, got {identity!r}")
        variables["ansible_ssh_private_key_file"] = identity.strip()
    return variables, "." not in address and ip_version(address) is None


def section(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(f"{key} must be a mapping, got {kind_of(value)}")
    return value


def import_config(data: Any) -> dict[str, Any]:
    """A loaded Relay46 ``config.yaml`` as a relaykit site: hosts, group variables and what was left out.

    The Cloudflare API token is not returned (``api_token_set`` says whether the file has one), and the
    configuration is validated with :func:`normalize_relay46`; errors use config.yaml's names.
    """
    if not isinstance(data, Mapping):
        raise fail(f"the file must hold a mapping (Relay46's config.yaml), got {kind_of(data)}")
    ignored: list[str] = []
    server, nas, backend, ssl = (section(data, key) for key in ("server", "nas", "backend", "ssl"))
    for key, fields in (("server", SERVER_FIELDS), ("nas", NAS_FIELDS)):
        ignored += [f"{key}.{field}" for field in section(data, key) if field not in fields]
    ignored += [f"backend.{field}" for field in backend if field != "host"]
    ignored += [f"ssl.{field}" for field in ssl if field != "email"]
    known = ("server", "nas", "backend", "ssl", *CONFIG_FIELDS)
    ignored += [str(key) for key in data if key not in known]
    if not server:
        raise fail("server is missing (the VPS: host, port, user, http_port, https_port)")
    backend_host = backend.get("host")
    nas_name = parse_host(backend_host) if isinstance(backend_host, str) else None
    if backend_host is not None and (nas_name is None or ip_version(nas_name) is not None):
        raise fail(f"backend.host must be the NAS's DNS name (the name the VPS reaches it by), got {backend_host!r}")
    nas_ipv6 = nas.get("ipv6")
    if nas_ipv6 is not None and (not isinstance(nas_ipv6, str) or ip_version(nas_ipv6.strip().strip("[]")) != 6):
        raise fail(f"nas.ipv6 must be the NAS's IPv6 address, got {nas_ipv6!r}")
    if not nas:
        if backend_host is None:
            raise fail("nas is missing (the NAS: host, user), and there is no backend.host to reach it by")
        nas = {"host": backend_host, "user": "root"}  # as Relay46's deploy.py does without a nas section
    vps_vars, vps_alias = ssh_host("server", server, None)
    nas_vars, nas_alias = ssh_host("nas", nas, None)
    email = ssl.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email or any(c.isspace() for c in email)):
        raise fail(f"ssl.email must be an e-mail address, got {email!r}")
    config = normalize_relay46(
        data.get("services"),
        data.get("tcp_services"),
        server.get("http_port"),
        server.get("https_port"),
        data.get("cloudflare"),
        labels=CONFIG_LABELS,
    )
    token_set = bool(config["cloudflare"]["api_token"])
    config = public_config(config)
    return {
        "hosts": {"vps": vps_vars, "nas": nas_vars},
        "ssh_aliases": [group for group, alias in (("vps", vps_alias), ("nas", nas_alias)) if alias],
        "config": config,
        "api_token_set": token_set,
        "nas_name": nas_name or "",
        "nas_ipv6": str(ipaddress.ip_address(nas_ipv6.strip().strip("[]"))) if nas_ipv6 is not None else "",
        "certbot_email": email.strip() if email is not None else "",
        "ignored": ignored,
        "ignored_reasons": {
            key: NOT_IMPORTED.get(key) or NOT_IMPORTED.get(key.split(".")[0]) or "relaykit has no equivalent"
            for key in ignored
        },
    }
