from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.relaykit.edge.plugins.filter.sysctl import FilterModule, sysctl_conf


def test_parses_plain_and_optional_keys_in_order() -> None:
    content = (
        "# header\nnet.ipv4.ip_forward = 1\n"
        "# skipped\n-net.core.rmem_max = 16777216\n"
        "net.ipv4.tcp_rmem = 4096\t87380 16777216\n"
    )
    assert list(sysctl_conf(content).items()) == [
        ("net.ipv4.ip_forward", "1"),
        ("net.core.rmem_max", "16777216"),
        ("net.ipv4.tcp_rmem", "4096 87380 16777216"),
    ]


def test_rejects_non_text() -> None:
    with pytest.raises(AnsibleFilterError, match="expects the file's text"):
        sysctl_conf(None)  # type: ignore[arg-type]


def test_is_registered() -> None:
    assert FilterModule().filters()["sysctl_conf"] is sysctl_conf
