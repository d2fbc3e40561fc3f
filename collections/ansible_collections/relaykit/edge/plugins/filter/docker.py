# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images a Docker Engine lacks, from relaykit.edge.host_info's snapshot, and the references it lists."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.module_utils._host_info import image_reference, images_missing

DOCUMENTATION = r"""
name: docker_images_missing
short_description: The images of a list that a Docker Engine does not hold, from a snapshot
version_added: 0.2.0
description:
  - Takes image references (C(name:tag); a missing tag is C(latest)) and the C(docker.images) of
    relaykit.edge.host_info (read at the start of the play), and returns the references the engine did not hold.
  - The docker_engine role loads an image archive, or asks the engine again, only for what this returns, so a run
    that changes nothing does not ask the engine image by image.
positional: _input, held
options:
  _input:
    description: Image references.
    type: list
    elements: str
    required: true
  held:
    description: The snapshot, C(docker.images) of relaykit.edge.host_info (reference to image id).
    type: dict
    required: true
author:
  - relaykit contributors (@relaykit)
"""

EXAMPLES = r"""
- name: Load an archive only when one of its images is missing
  ansible.builtin.debug:
    msg: "{{ ['relaykit/nginx:lab-trixie'] | relaykit.edge.docker_images_missing(host.docker.images) }}"
"""

RETURN = r"""
_value:
  description: The references the engine does not hold, in the order given.
  type: list
  elements: str
"""


def docker_image_reference(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError("docker_image_reference expects an image reference (name:tag)")
    return image_reference(name)


def docker_images_missing(references: Any, held: Any) -> list[str]:
    if not isinstance(references, list) or not all(isinstance(name, str) for name in references):
        raise AnsibleFilterError("docker_images_missing expects a list of image references (name:tag)")
    if not isinstance(held, dict):
        raise AnsibleFilterError("docker_images_missing expects host_info's docker.images (a dict) as its argument")
    return images_missing(references, held)


class FilterModule:
    def filters(self) -> dict:
        return {"docker_images_missing": docker_images_missing, "docker_image_reference": docker_image_reference}
