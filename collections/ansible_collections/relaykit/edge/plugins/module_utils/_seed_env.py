# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
r"""The Port Relay seed's ``.env`` file, read the way its shell scripts read it.

Rules, as in a shell (and in docker compose / python-dotenv ``.env`` files):

- blank lines and lines starting with ``#`` are skipped; ``export KEY=value`` is ``KEY=value``;
- a value is a run of double-quoted (where \" \\ \$ and \` are escapes), single-quoted (literal)
  and bare (where \x is x) parts, up to the first unquoted whitespace; only a ``# comment`` may follow it;
- a key set twice keeps its last value;
- ``$VAR``/``${VAR}``/``$(...)`` and backticks are not expanded: they are an error
  (escape or single-quote a literal ``$``);
- a quoted value must end on its own line.

``RELAY_N`` values are handed to :func:`_relays.normalize` (the one validator of the ``port_relays``
contract) in the order of N (``RELAY_10`` after ``RELAY_2``); its errors are reported with the
``RELAY_N`` key and its ``.env`` line. The options in :data:`OPTIONS` are validated here. Any other
key is collected in ``ignored``: reported, not fatal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.plugins.module_utils._relays import RelayError, normalize

# .env key -> (inventory variable, kind); the order is the order of SeedConfig.options.
OPTIONS: dict[str, tuple[str, str]] = {
    "CONNECT_TIMEOUT": ("port_relay_connect_timeout", "int"),
    "KEEPALIVE_IDLE": ("port_relay_keepalive_idle", "int"),
    "KEEPALIVE_INTVL": ("port_relay_keepalive_interval", "int"),
    "KEEPALIVE_CNT": ("port_relay_keepalive_count", "int"),
    "ENABLE_LOGGING": ("port_relay_logging", "bool"),
    "ENABLE_HEALTH_CHECK": ("port_relay_health_check", "bool"),
    "HEALTH_CHECK_TIMEOUT": ("port_relay_health_check_timeout", "int"),
    "HEALTH_CHECK_RETRIES": ("port_relay_health_check_retries", "int"),
}
TRUE_WORDS = ("y", "yes", "true", "1")
FALSE_WORDS = ("n", "no", "false", "0")

ASSIGNMENT_RE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
BARE_EXPORT_RE = re.compile(r"^export(?:\s+[A-Za-z_][A-Za-z0-9_]*)+\s*(?:#.*)?$")
RELAY_KEY_RE = re.compile(r"^RELAY_([0-9]+)$")
INDEX_RE = re.compile(r"port_relays\[([0-9]+)\]")
EXPANSION_RE = re.compile(r"[A-Za-z_{(0-9@*#?$!-]")
DOUBLE_QUOTE_ESCAPES = '$`"\\'


class SeedEnvError(RelaykitError, ValueError):
    """Bad ``.env`` input; the message names the file, the line and the key."""


@dataclass(frozen=True)
class SeedRelay:
    key: str
    number: int
    lineno: int
    value: str


@dataclass
class SeedConfig:
    relays: list[SeedRelay] = field(default_factory=list)
    options: dict[str, int | bool] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    @property
    def port_relays(self) -> list[str]:
        return [relay.value for relay in self.relays]

    @property
    def relay_keys(self) -> list[str]:
        return [relay.key for relay in self.relays]

    def as_dict(self) -> dict[str, Any]:
        return {
            "port_relays": self.port_relays,
            "relay_keys": self.relay_keys,
            "options": dict(self.options),
            "ignored": list(self.ignored),
        }


def parse_value(where: str, raw: str) -> str:
    """One shell word from the start of ``raw``; only whitespace and a ``# comment`` may follow it."""
    out: list[str] = []
    pos = 0
    length = len(raw)
    while pos < length and not raw[pos].isspace():
        char = raw[pos]
        if char == "'":
            end = raw.find("'", pos + 1)
            if end < 0:
                raise SeedEnvError(f"{where}: the single quote is not closed on this line")
            out.append(raw[pos + 1 : end])
            pos = end + 1
        elif char == '"':
            pos += 1
            while True:
                if pos >= length:
                    raise SeedEnvError(f"{where}: the double quote is not closed on this line")
                char = raw[pos]
                if char == '"':
                    pos += 1
                    break
                if char == "\\" and pos + 1 < length and raw[pos + 1] in DOUBLE_QUOTE_ESCAPES:
                    out.append(raw[pos + 1])
                    pos += 2
                    continue
                check_expansion(where, raw, pos)
                out.append(char)
                pos += 1
        elif char == "\\":
            if pos + 1 >= length:
                raise SeedEnvError(f"{where}: a value cannot continue on the next line (trailing backslash)")
            out.append(raw[pos + 1])
            pos += 2
        else:
            check_expansion(where, raw, pos)
            out.append(char)
            pos += 1
    rest = raw[pos:].strip()
    if rest and not rest.startswith("#"):
        raise SeedEnvError(f"{where}: unexpected text after the value: {rest!r} (quote a value that contains spaces)")
    return "".join(out)


def check_expansion(where: str, raw: str, pos: int) -> None:
    char = raw[pos]
    if char == "`" or (char == "$" and pos + 1 < len(raw) and EXPANSION_RE.match(raw[pos + 1])):
        raise SeedEnvError(
            f"{where}: variable expansion and command substitution are not supported "
            f"(write the value itself, or escape the '$' as '\\$')"
        )


def parse_option(where: str, kind: str, value: str) -> int | bool:
    word = value.strip()
    if kind == "bool":
        if word.lower() in TRUE_WORDS:
            return True
        if word.lower() in FALSE_WORDS:
            return False
        raise SeedEnvError(f"{where} must be a boolean (y/n, yes/no, true/false, 1/0), got {value!r}")
    if not word.isascii() or not word.isdigit() or int(word) < 1:
        raise SeedEnvError(f"{where} must be a positive integer, got {value!r}")
    return int(word)


def parse_env(text: str, source: str = ".env") -> SeedConfig:
    """Parse a Port Relay ``.env`` text; ``source`` names the file in error messages.

    Raises SeedEnvError naming ``source``, the line and the key of the first problem.
    """
    values: dict[str, tuple[int, str]] = {}
    for lineno, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or BARE_EXPORT_RE.match(stripped):
            continue
        match = ASSIGNMENT_RE.match(stripped)
        if match is None:
            raise SeedEnvError(f"{source} line {lineno}: expected KEY=value, got {stripped!r}")
        key = match.group(1)
        values.pop(key, None)  # the last assignment wins, and counts where it is
        values[key] = (lineno, parse_value(f"{source} line {lineno}: {key}", match.group(2)))

    config = SeedConfig()
    relays: list[SeedRelay] = []
    for key, (lineno, value) in values.items():
        relay = RELAY_KEY_RE.match(key)
        if relay:
            relays.append(SeedRelay(key, int(relay.group(1)), lineno, value.strip()))
        elif key not in OPTIONS:
            config.ignored.append(key)
    for key, (variable, kind) in OPTIONS.items():
        if key in values:
            lineno, value = values[key]
            config.options[variable] = parse_option(f"{source} line {lineno}: {key}", kind, value)
    config.relays = sorted(relays, key=lambda relay: (relay.number, relay.key))
    check_relays(config.relays, source)
    return config


def check_relays(relays: list[SeedRelay], source: str) -> None:
    """Validate the lines with _relays.normalize; name RELAY_N and its line instead of port_relays[i]."""
    try:
        normalize([relay.value for relay in relays])
    except RelayError as exc:
        message = str(exc)
        indexes = [int(index) for index in INDEX_RE.findall(message) if int(index) < len(relays)]
        if not indexes:
            raise SeedEnvError(f"{source}: RELAY lines: {message}") from exc
        first = relays[indexes[0]]

        def name(match: re.Match[str]) -> str:
            index = int(match.group(1))
            if index >= len(relays):
                return match.group(0)
            relay = relays[index]
            return relay.key if relay is first else f"{relay.key} on line {relay.lineno}"

        raise SeedEnvError(f"{source} line {first.lineno}: {INDEX_RE.sub(name, message)}") from exc
