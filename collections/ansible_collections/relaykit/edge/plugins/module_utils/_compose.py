# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host's Compose v2 comes from: its distribution's package, else a pinned .deb for its architecture.

The docker_engine role asks this before it changes anything on a host that lacks Compose v2, so
that a host relaykit has no source for fails first, naming its distribution, its architecture and
the variable to set, instead of failing after the engine is installed.

- ``apt``: the distribution's own package, by name (Debian 13 ``docker-compose``, Ubuntu 22.04 and
  later ``docker-compose-v2``; Debian 12's ``docker-compose`` is Compose v1 and is never used).
- ``deb``: a package downloaded and checked against its SHA-256 (the user's, or the pin for the
  host's Debian architecture: Debian 13's static ``docker-compose``, which fits Debian 12).

Architectures are Debian's (``amd64``, ``arm64``, ``armhf``): dpkg's when the host answered, else
Ansible's ``architecture`` fact (``x86_64``, ``aarch64``, ``armv7l``) mapped to Debian's name. The
two differ on a 32-bit userland under a 64-bit kernel (Raspberry Pi OS): dpkg's is the one that
decides which package installs.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

SOURCES = ("auto", "apt", "deb")
# Ansible's architecture fact (uname -m) to Debian's architecture name; Debian's own names map to themselves.
DEBIAN_ARCHITECTURES = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv7l": "armhf",
    "armv6l": "armhf",
    "armhf": "armhf",
    "armel": "armel",
    "i386": "i386",
    "i486": "i386",
    "i586": "i386",
    "i686": "i386",
    "ppc64le": "ppc64el",
    "ppc64el": "ppc64el",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loong64",
    "loong64": "loong64",
}
PACKAGE_RE = re.compile(r"[a-z0-9][a-z0-9+.-]+")
SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
URL_RE = re.compile(r"(https?|ftp|file)://\S+")
VERSION_RE = re.compile(r"\d+(\.\d+)*")

PACKAGES = "docker_engine_compose_packages"
FALLBACK = "docker_engine_compose_fallback"
SOURCE = "docker_engine_compose_source"
PACKAGE = "docker_engine_compose_package"
DEB_URL = "docker_engine_compose_deb_url"
DEB_SHA256 = "docker_engine_compose_deb_sha256"


class ComposeSourceError(RelaykitError, ValueError):
    """No Compose v2 source for a host, or bad settings; the message names the host's system and the variable."""


def debian_architecture(architecture: Any, dpkg_architecture: Any = "") -> str:
    """dpkg's architecture when given, else Ansible's architecture fact as Debian names it."""
    for value in (dpkg_architecture, architecture):
        if isinstance(value, str) and value.strip():
            name = value.strip()
            return DEBIAN_ARCHITECTURES.get(name, name)
    raise ComposeSourceError(
        "the host's architecture is unknown (no architecture fact and no answer from dpkg --print-architecture)"
    )


def parse_version(value: Any) -> tuple[int, ...] | None:
    """``"12.11"`` -> (12, 11), ``"22.04"`` -> (22, 4), ``13`` -> (13,); None when it is not a version."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,)
    if isinstance(value, str):
        found = VERSION_RE.match(value.strip())
        if found:
            return tuple(int(part) for part in found.group(0).split("."))
    return None


def since(entry: Mapping, where: str) -> tuple[int, ...]:
    value = entry.get("since")
    if isinstance(value, float):
        raise ComposeSourceError(f"{where}.since must be a version written as a string (quote it: '{value}')")
    version = parse_version(value)
    if version is None or not isinstance(value, (str, int)):
        raise ComposeSourceError(f"{where}.since must be a version such as '13' or '22.04', got {value!r}")
    return version


def entry_for(table: Any, variable: str, distribution: str, fields: tuple[str, ...]) -> tuple[dict | None, str]:
    """The entry of ``table`` (``variable``) for ``distribution``, matched without regard to case."""
    if not isinstance(table, Mapping):
        raise ComposeSourceError(f"{variable} must be a mapping of distribution to settings, got {table!r}")
    for key, entry in table.items():
        if isinstance(key, str) and key.casefold() == distribution.casefold():
            where = f"{variable}.{key}"
            if not isinstance(entry, Mapping):
                raise ComposeSourceError(f"{where} must be a mapping with {', '.join(fields)}, got {entry!r}")
            unknown = sorted(str(name) for name in entry if name not in fields)
            if unknown:
                raise ComposeSourceError(
                    f"{where}: unknown field {', '.join(repr(name) for name in unknown)} (expected {', '.join(fields)})"
                )
            return dict(entry), where
    return None, f"{variable}.{distribution}"


def package_name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not PACKAGE_RE.fullmatch(value):
        raise ComposeSourceError(f"{where} must be a Debian package name, got {value!r}")
    return value


def deb(url: Any, sha256: Any, arch: str, url_where: str, sha_where: str, origin: str) -> dict:
    if not isinstance(url, str) or not URL_RE.fullmatch(url.strip()):
        raise ComposeSourceError(f"{url_where} must be an http(s), ftp or file URL of a .deb, got {url!r}")
    if not isinstance(sha256, str) or not SHA256_RE.fullmatch(sha256.strip()):
        raise ComposeSourceError(f"{sha_where} must be the package's SHA-256 (64 hexadecimal digits), got {sha256!r}")
    url = url.strip()
    file = posixpath.basename(urlsplit(url).path)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9+._~-]*\.deb", file):
        file = f"docker-compose_{arch}.deb"
    return {"method": "deb", "url": url, "sha256": sha256.strip().lower(), "arch": arch, "file": file, "origin": origin}


def text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def compose_source(
    distribution: Any,
    version: Any,
    release: Any,
    architecture: Any,
    dpkg_architecture: Any = "",
    source: Any = "auto",
    packages: Any = None,
    fallback: Any = None,
    package: Any = "",
    deb_url: Any = "",
    deb_sha256: Any = "",
    os_family: Any = "",
) -> dict:
    """The Compose v2 source for a host, or ComposeSourceError naming the host's system and what to set.

    ``distribution``, ``version`` and ``release`` are Ansible's facts (``Debian``, ``12.11`` or ``12``,
    ``bookworm``); ``packages`` maps a distribution to ``{since, package}`` (its own Compose v2 package
    from that version on), ``fallback`` maps a distribution to ``{since, debs: {arch: {url, sha256}}}``.
    ``source`` is ``auto`` (the distribution's package, else a .deb), ``apt`` or ``deb``; ``package``,
    ``deb_url`` and ``deb_sha256`` are the user's choice of package name and .deb, overriding the tables.
    ``os_family`` (Ansible's fact), when given, refuses a system that apt and dpkg do not manage.
    """
    if source not in SOURCES:
        raise ComposeSourceError(f"{SOURCE} must be one of {', '.join(SOURCES)}, got {source!r}")
    arch = debian_architecture(architecture, dpkg_architecture)
    name = text(distribution) or "an unknown distribution"
    number = parse_version(version)
    codename = text(release)
    system = f"{name} {text(version) or '(version unknown)'}{f' ({codename})' if codename else ''}"
    kernel = DEBIAN_ARCHITECTURES.get(text(architecture), text(architecture))
    on_arch = f"{arch}{f' (dpkg; the kernel reports {text(architecture)})' if kernel and kernel != arch else ''}"
    if text(os_family) and text(os_family) != "Debian":
        raise ComposeSourceError(
            f"no Compose v2 source for {system} on {on_arch}: relaykit installs Compose with apt and dpkg, on "
            f"Debian and Ubuntu, and this system's family is {text(os_family)}: install Compose v2 "
            "(the 'docker compose' CLI plugin) on the host yourself"
        )
    user_package, user_url, user_sha256 = text(package), text(deb_url), text(deb_sha256)
    if bool(user_url) != bool(user_sha256):
        raise ComposeSourceError(f"{DEB_URL} and {DEB_SHA256} go together: set both, or neither")

    def from_distribution() -> tuple[dict | None, str]:
        """The distribution's own package for this release; else None and why there is none."""
        entry, where = entry_for(
            packages if packages is not None else {}, PACKAGES, text(distribution), ("since", "package")
        )
        if entry is None:
            return None, f"{PACKAGES} names no Compose v2 package of {name}"
        first = since(entry, where)
        if number is None:
            raise ComposeSourceError(
                f"Compose v2 for {system} on {on_arch}: the facts do not tell the release's version, so not whether "
                f"it is at least {where}.since: set {SOURCE} to apt (with {PACKAGE}) or to deb "
                f"(with {DEB_URL} and {DEB_SHA256})"
            )
        if number < first:
            return (
                None,
                f"{system} has no Compose v2 package of its own ({where} is for {entry.get('since')} and later)",
            )
        if user_package:
            return {"method": "apt", "package": package_name(user_package, PACKAGE), "origin": PACKAGE}, ""
        package_where = f"{where}.package"
        return {"method": "apt", "package": package_name(entry.get("package"), package_where), "origin": where}, ""

    def from_deb() -> tuple[dict | None, str]:
        """The user's .deb, else the pin for the architecture; else None and why there is none."""
        if user_url:
            return deb(user_url, user_sha256, arch, DEB_URL, DEB_SHA256, DEB_URL), ""
        entry, where = entry_for(
            fallback if fallback is not None else {}, FALLBACK, text(distribution), ("since", "debs")
        )
        if entry is None:
            return None, f"{FALLBACK} has no pinned package for {name}"
        first = since(entry, where)
        if number is None:
            return None, f"the facts do not tell the release's version, so not whether {where} fits"
        if number < first:
            return None, f"{where} is for {name} {entry.get('since')} and later"
        debs = entry.get("debs")
        if not isinstance(debs, Mapping):
            raise ComposeSourceError(f"{where}.debs must be a mapping of Debian architecture to {{url, sha256}}")
        pin = debs.get(arch)
        if pin is None:
            pinned = ", ".join(sorted(str(key) for key in debs)) or "none"
            return None, f"{where}.debs has no package for {arch} (it has: {pinned})"
        pin_where = f"{where}.debs.{arch}"
        if not isinstance(pin, Mapping) or set(pin) - {"url", "sha256"}:
            raise ComposeSourceError(f"{pin_where} must be a mapping with url and sha256, got {pin!r}")
        return deb(pin.get("url"), pin.get("sha256"), arch, f"{pin_where}.url", f"{pin_where}.sha256", pin_where), ""

    set_deb = f"set {DEB_URL} and {DEB_SHA256} to a Compose v2 .deb for {arch}"
    if source == "apt":
        if user_package:
            return {"method": "apt", "package": package_name(user_package, PACKAGE), "origin": PACKAGE}
        chosen, why = from_distribution()
        if chosen is None:
            raise ComposeSourceError(
                f"Compose v2 for {system} on {on_arch}: {SOURCE} is apt but {why}: set {PACKAGE} to the package "
                "to install"
            )
        return chosen
    if source == "deb":
        chosen, why = from_deb()
        if chosen is None:
            raise ComposeSourceError(f"Compose v2 for {system} on {on_arch}: {SOURCE} is deb but {why}: {set_deb}")
        return chosen
    chosen, own = from_distribution()
    if chosen is not None:
        return chosen
    chosen, why = from_deb()
    if chosen is not None:
        return chosen
    raise ComposeSourceError(
        f"no Compose v2 source for {system} on {on_arch}: {own}, and {why}. Either {set_deb}, or set {SOURCE} "
        f"to apt with {PACKAGE} naming a Compose v2 package of the host's repositories, or install Compose v2 "
        "(the 'docker compose' CLI plugin) on the host yourself"
    )
