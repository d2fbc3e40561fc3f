# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the relaykit.edge.docker_images_missing filter."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.docker import (
    FilterModule,
    docker_image_reference,
    docker_images_missing,
)

HELD = {"relaykit/nginx:lab-trixie": "sha256:5f1d", "nginx:latest": "sha256:0011"}


def test_only_the_images_the_engine_lacks_are_returned_in_order() -> None:
    wanted = ["relaykit/certbot:lab-trixie", "nginx", "relaykit/nginx:lab-trixie", "relaykit/nginx:lab-bookworm"]
    assert docker_images_missing(wanted, HELD) == ["relaykit/certbot:lab-trixie", "relaykit/nginx:lab-bookworm"]


def test_an_engine_that_holds_nothing_lacks_everything() -> None:
    assert docker_images_missing(["nginx:1.27"], {}) == ["nginx:1.27"]


@pytest.mark.parametrize(("references", "held"), [("nginx", HELD), ([1], HELD), (["nginx"], ["nginx:latest"])])
def test_bad_arguments_are_refused(references: object, held: object) -> None:
    with pytest.raises(AnsibleFilterError, match="docker_images_missing expects"):
        docker_images_missing(references, held)


def test_the_filter_is_registered() -> None:
    assert FilterModule().filters()["docker_images_missing"] is docker_images_missing


def test_a_reference_without_a_tag_is_latest() -> None:
    assert docker_image_reference("nginx") == "nginx:latest"
    assert docker_image_reference("relaykit/nginx:lab-trixie") == "relaykit/nginx:lab-trixie"
    with pytest.raises(AnsibleFilterError, match="docker_image_reference expects"):
        docker_image_reference("")
