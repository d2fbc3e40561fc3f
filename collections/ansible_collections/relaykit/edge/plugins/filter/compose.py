# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a host's Compose v2 comes from, as a filter over its facts (the docker_engine role's preflight)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._compose import compose_source
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError

DOCUMENTATION = r"""
name: docker_compose_source
short_description: Choose where a host's Compose v2 comes from
version_added: 0.2.0
description:
  - From a host's facts, chooses its distribution's own Compose v2 package (installed with apt by name) or, where
    the distribution has none, a pinned C(.deb) for the host's Debian architecture (downloaded and checked against its
    SHA-256).
  - Fails, naming the distribution, the release, the architecture and the variable to set, when there is no source.
  - The messages name the C(docker_engine) role's variables, which the options mirror.
positional: _input
options:
  _input:
    description:
      - The host's facts (C(ansible_facts)); C(distribution), C(distribution_version) (or
        C(distribution_major_version)), C(distribution_release), C(architecture) and C(os_family) are read.
    type: dict
    required: true
  dpkg_architecture:
    description:
      - The output of C(dpkg --print-architecture) on the host; it wins over the C(architecture) fact (a 32-bit
        userland under a 64-bit kernel). Empty uses the fact, mapped to Debian's name (C(x86_64) is C(amd64)).
    type: str
    default: ""
  source:
    description:
      - C(auto) takes the distribution's package where it has one, else a C(.deb); C(apt) and C(deb) force one.
    type: str
    default: auto
    choices: [auto, apt, deb]
  packages:
    description:
      - Distribution (as the C(distribution) fact names it) to C({since, package}), its own Compose v2 package from
        that version on.
    type: dict
    default: {}
  fallback:
    description:
      - Distribution to C({since, debs}), where C(debs) maps a Debian architecture to C({url, sha256}), for the
        releases from C(since) on that have no package of their own.
    type: dict
    default: {}
  package:
    description: A package name that replaces the one O(packages) names.
    type: str
    default: ""
  deb_url:
    description: A C(.deb) that replaces the pin of O(fallback) for the host's architecture; with O(deb_sha256).
    type: str
    default: ""
  deb_sha256:
    description: SHA-256 of O(deb_url).
    type: str
    default: ""
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Choose the Compose v2 source
  ansible.builtin.set_fact:
    compose: >-
      {{ ansible_facts | relaykit.edge.docker_compose_source(
         packages={'Debian': {'since': '13', 'package': 'docker-compose'}},
         fallback={'Debian': {'since': '12', 'debs': {'amd64': {'url': url, 'sha256': sha256}}}}) }}
"""

RETURN = r"""
_value:
  description:
    - C(method) is C(apt), with C(package), or C(deb), with C(url), C(sha256), C(arch) (the host's Debian
      architecture) and C(file) (the name to save the C(.deb) under).
    - C(origin) names the setting the choice came from, for example C(docker_engine_compose_packages.Debian).
  type: dict
"""


def docker_compose_source(
    facts: Any,
    dpkg_architecture: Any = "",
    source: Any = "auto",
    packages: Any = None,
    fallback: Any = None,
    package: Any = "",
    deb_url: Any = "",
    deb_sha256: Any = "",
) -> dict:
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError(f"docker_compose_source expects the host's facts, got {type(facts).__name__}")
    version = facts.get("distribution_version")
    if not isinstance(version, str) or not version[:1].isdigit():
        version = facts.get("distribution_major_version", version)
    try:
        return compose_source(
            distribution=facts.get("distribution"),
            version=version,
            release=facts.get("distribution_release"),
            architecture=facts.get("architecture"),
            dpkg_architecture=dpkg_architecture,
            source=source,
            packages=packages if packages is not None else {},
            fallback=fallback if fallback is not None else {},
            package=package,
            deb_url=deb_url,
            deb_sha256=deb_sha256,
            os_family=facts.get("os_family", ""),
        )
    except RelaykitError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    def filters(self) -> dict:
        return {"docker_compose_source": docker_compose_source}
