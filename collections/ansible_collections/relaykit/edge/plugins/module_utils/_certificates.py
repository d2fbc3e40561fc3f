# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of a PEM certificate file on a host: what it is, what it covers, and whether to renew it.

Read-only. A missing or unreadable file is a state (a reason), not an error; a file that holds no
certificate is a :class:`CertificateError`. Works with ``cryptography`` 38 (Debian 12) and later:
newer APIs are used when present, with a fallback otherwise.

The private key is secret: its content never appears in a result or a message.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError, kind

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

    CRYPTOGRAPHY_IMPORT_ERROR: str | None = None
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

# The reasons, most pressing first; `reason` is the first of `reasons`. Stable: playbooks match on them.
REASON_MISSING = "missing"
REASON_UNREADABLE = "unreadable"
REASON_EXPIRED = "expired"
REASON_NOT_YET_VALID = "not_yet_valid"
REASON_EXPIRING = "expiring"
REASON_DOMAINS_NOT_COVERED = "domains_not_covered"
REASON_KEY_MISSING = "key_missing"
REASON_KEY_UNREADABLE = "key_unreadable"
REASON_KEY_MISMATCH = "key_mismatch"
REASONS = (
    REASON_MISSING,
    REASON_UNREADABLE,
    REASON_EXPIRED,
    REASON_NOT_YET_VALID,
    REASON_EXPIRING,
    REASON_DOMAINS_NOT_COVERED,
    REASON_KEY_MISSING,
    REASON_KEY_UNREADABLE,
    REASON_KEY_MISMATCH,
)

DEFAULT_RENEW_BEFORE_DAYS = 30
UTC = timezone.utc  # datetime.UTC needs Python 3.11; hosts may run an older one
CERTIFICATE_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", re.DOTALL)
PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN ((?:[A-Z0-9]+ )?PRIVATE KEY)-----.*?-----END \1-----", re.DOTALL)
ANY_BLOCK_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
# Matched whole (fullmatch: "$" would also match before a trailing newline); labels of 1 to 63, the name
# at most 253 characters, the last label not all digits (then it is an address, not a name).
DNS_NAME = re.compile(r"(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?")


class CertificateError(RelaykitError):
    """A file that should hold a certificate (or a private key) holds something else, or an invalid option."""


# --- names ----------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Lower case, no trailing dot, A-labels for international names (as certificates hold them)."""
    name = name.strip().rstrip(".").lower()
    if not name.isascii():
        name = name.encode("idna").decode("ascii")
    return name


def requested_name(name: Any, index: int) -> str:
    """One entry of ``domains``, normalized; CertificateError naming the entry when it is not a DNS name."""
    if not isinstance(name, str) or not name.strip():
        raise CertificateError(f"domains: entry {index} must be a DNS name, got {name!r}")
    try:
        normalized = normalize_name(name)
    except UnicodeError:
        raise CertificateError(f"domains: entry {index} ({name!r}) is not a valid DNS name") from None
    if not DNS_NAME.fullmatch(normalized) or len(normalized) > 253 or normalized.rsplit(".", 1)[-1].isdigit():
        raise CertificateError(
            f"domains: entry {index} ({name!r}) is not a valid DNS name"
            " (a wildcard is only allowed as the whole leftmost label, as in *.example.com)"
        )
    return normalized


def name_covers(certificate_name: str, wanted: str) -> bool:
    """Whether one name of a certificate covers one wanted name (both normalized).

    ``*.example.com`` covers ``a.example.com``, not ``example.com`` nor ``a.b.example.com``. A wanted
    wildcard is covered only by the same wildcard. A ``*`` anywhere but as the whole leftmost label of
    the certificate's name is taken literally.
    """
    if certificate_name == wanted:
        return True
    if not certificate_name.startswith("*.") or wanted.startswith("*."):
        return False
    label, _dot, rest = wanted.partition(".")
    return bool(label) and bool(rest) and rest == certificate_name[2:]


def uncovered(domains: Iterable[str], certificate_names: Iterable[str]) -> list[str]:
    """The wanted names (as given, each once) that no name of the certificate covers."""
    names = []
    for name in certificate_names:
        try:
            names.append(normalize_name(name))
        except UnicodeError:
            names.append(name.lower())
    missing: list[str] = []
    seen: set[str] = set()
    for index, domain in enumerate(domains, start=1):
        wanted = requested_name(domain, index)
        if wanted in seen:
            continue
        seen.add(wanted)
        if not any(name_covers(name, wanted) for name in names):
            missing.append(domain.strip())
    return missing


# --- certificates ---------------------------------------------------------------------


def load_chain(data: bytes, path: str) -> list[Any]:
    """Every certificate of a PEM file, in file order; CertificateError when there is none or one is broken."""
    blocks = CERTIFICATE_BLOCK.findall(data)
    if not blocks:
        labels = sorted({label.decode("ascii") for label in ANY_BLOCK_LABEL.findall(data)})
        if not data.strip():
            found = "it is empty"
        elif labels:
            found = "it holds only " + ", ".join(labels) + " PEM blocks"
        else:
            found = "it is not PEM"
        raise CertificateError(
            f"path: {path} is not a certificate file: expected PEM with a '-----BEGIN CERTIFICATE-----' block, {found}"
        )
    chain = []
    for number, block in enumerate(blocks, start=1):
        try:
            chain.append(x509.load_pem_x509_certificate(block + b"\n"))
        except ValueError as exc:
            raise CertificateError(
                f"path: certificate {number} of {len(blocks)} in {path} is not a valid X.509 certificate ({exc})"
            ) from None
    return chain


def utc(moment: datetime) -> datetime:
    """A timezone-aware UTC datetime (a naive one is taken as UTC, as cryptography < 42 returns them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def validity(certificate: Any) -> tuple[datetime, datetime]:
    """not_before and not_after in UTC: the ``*_utc`` properties of cryptography >= 42, else the naive ones."""
    if hasattr(certificate, "not_valid_after_utc"):
        return certificate.not_valid_before_utc, certificate.not_valid_after_utc
    return utc(certificate.not_valid_before), utc(certificate.not_valid_after)


def iso8601(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def dns_names(certificate: Any) -> tuple[list[str], bool]:
    """The DNS names of the subjectAltName extension, and whether the certificate has that extension."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return [], False
    return list(extension.value.get_values_for_type(x509.DNSName)), True


def common_names(certificate: Any) -> list[str]:
    return [str(attribute.value) for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def public_key_der(key: Any) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def verify_with_public_key(certificate: Any, public_key: Any) -> bool | None:
    """Whether the certificate's signature verifies with this public key (for cryptography < 40).

    RSA-PSS signatures cannot be checked this way (their parameters are not exposed before 41):
    None then, so the caller can fall back to comparing names.
    """
    signature, data = certificate.signature, certificate.tbs_certificate_bytes
    algorithm = certificate.signature_hash_algorithm
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if certificate.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS:
                return None
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(public_key, dsa.DSAPublicKey):
            public_key.verify(signature, data, algorithm)
        elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
        return False
    return True


def issued_by(certificate: Any, issuer: Any) -> bool:
    """Whether ``issuer`` signed ``certificate``: its subject is the issuer name and the signature verifies."""
    if certificate.issuer != issuer.subject:
        return False
    if hasattr(certificate, "verify_directly_issued_by"):  # cryptography >= 40
        try:
            certificate.verify_directly_issued_by(issuer)
        except (InvalidSignature, TypeError, ValueError, UnsupportedAlgorithm):
            return False
        return True
    verified = verify_with_public_key(certificate, issuer.public_key())
    return True if verified is None else verified


def describe(certificate: Any, path: str) -> dict[str, Any]:
    """The fields of the leaf certificate that the result shows."""
    try:
        sans, has_san = dns_names(certificate)
        names = sans if has_san else common_names(certificate)
        not_before, not_after = validity(certificate)
        return {
            "subject": certificate.subject.rfc4514_string(),
            "issuer": certificate.issuer.rfc4514_string(),
            "serial": format(certificate.serial_number, "x"),
            "sans": sans,
            "names": names,
            "not_before": not_before,
            "not_after": not_after,
            "self_signed": issued_by(certificate, certificate),
            "public_key": public_key_der(certificate.public_key()),
        }
    except (ValueError, UnsupportedAlgorithm, x509.DuplicateExtension) as exc:
        raise CertificateError(f"path: the certificate in {path} cannot be read: {exc}") from None


# --- files ----------------------------------------------------------------------------


def read_bytes(path: str) -> tuple[bytes | None, str | None]:
    """(content, None), or (None, why not): 'does not exist' or the system's error."""
    try:
        with open(path, "rb") as handle:
            return handle.read(), None
    except FileNotFoundError:
        return None, "does not exist"
    except OSError as exc:
        return None, exc.strerror or str(exc)


def load_private_key(data: bytes, key_path: str) -> tuple[Any, str | None]:
    """(key, None), or (None, why it cannot be read) for an encrypted key; CertificateError for no key at all.

    Messages name the file and never quote it: the key is secret.
    """
    match = PRIVATE_KEY_BLOCK.search(data)
    if match is None:
        raise CertificateError(
            f"key_path: {key_path} is not a private key file:"
            " expected PEM with a '-----BEGIN ... PRIVATE KEY-----' block"
        )
    if match.group(1) == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in match.group(0):
        return None, "is encrypted (a passphrase is needed to read it)"
    try:
        return serialization.load_pem_private_key(match.group(0) + b"\n", password=None), None
    except TypeError:
        return None, "is encrypted (a passphrase is needed to read it)"
    except (ValueError, UnsupportedAlgorithm):
        # The library's message is dropped on purpose: nothing about the key's content leaves this function.
        raise CertificateError(
            f"key_path: the private key in {key_path} cannot be loaded (damaged, or a key type this library lacks)"
        ) from None


# --- the state ------------------------------------------------------------------------


def validate(domains: Any, renew_before_days: Any) -> list[str]:
    """The options, checked: domains as a list of names, renew_before_days an integer >= 0."""
    if domains is None:
        domains = []
    if isinstance(domains, str) or not isinstance(domains, (list, tuple)):
        raise CertificateError(f"domains: must be a list of DNS names, got {kind(domains)}")
    if isinstance(renew_before_days, bool) or not isinstance(renew_before_days, int):
        raise CertificateError(f"renew_before_days: must be an integer, got {renew_before_days!r}")
    if renew_before_days < 0:
        raise CertificateError(f"renew_before_days: must be 0 or more, got {renew_before_days}")
    for index, domain in enumerate(domains, start=1):
        requested_name(domain, index)
    return list(domains)


def empty_state(domains: list[str]) -> dict[str, Any]:
    return {
        "exists": False,
        "subject": None,
        "issuer": None,
        "serial": None,
        "sans": [],
        "names": [],
        "not_before": None,
        "not_after": None,
        "days_left": None,
        "self_signed": None,
        "chain_length": 0,
        "key_matches": None,
        "covers_domains": False,
        "missing_domains": uncovered(domains, []),
        "needs_renewal": True,
        "reason": None,
        "reasons": [],
        "message": "",
    }


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if abs(count) == 1 else f"{count} {word}s"


def certificate_state(
    path: str,
    key_path: str | None = None,
    domains: Any = None,
    renew_before_days: Any = DEFAULT_RENEW_BEFORE_DAYS,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The state of the certificate file at ``path`` (and of its key at ``key_path``) at ``now`` (UTC).

    Never changes anything. See the certificate_state module's RETURN for the keys.
    """
    domains = validate(domains, renew_before_days)
    now = utc(now) if now is not None else datetime.now(UTC)
    state = empty_state(domains)

    data, why = read_bytes(path)
    if data is None:
        reason = REASON_MISSING if why == "does not exist" else REASON_UNREADABLE
        message = f"{path} does not exist" if reason == REASON_MISSING else f"cannot read {path}: {why}"
        return finish(state, [(reason, message)])
    state["exists"] = True

    chain = load_chain(data, path)
    leaf = describe(chain[0], path)
    not_before, not_after = leaf["not_before"], leaf["not_after"]
    remaining = not_after - now
    days_left = remaining // timedelta(days=1)
    missing = uncovered(domains, leaf["names"])
    state.update(
        {
            "subject": leaf["subject"],
            "issuer": leaf["issuer"],
            "serial": leaf["serial"],
            "sans": leaf["sans"],
            "names": leaf["names"],
            "not_before": iso8601(not_before),
            "not_after": iso8601(not_after),
            "days_left": days_left,
            "self_signed": leaf["self_signed"],
            "chain_length": len(chain),
            "covers_domains": not missing,
            "missing_domains": missing,
        }
    )

    found: list[tuple[str, str]] = []
    if now > not_after:
        found.append((REASON_EXPIRED, f"expired on {state['not_after']}"))
    if now < not_before:
        found.append((REASON_NOT_YET_VALID, f"not valid before {state['not_before']}"))
    if now <= not_after and remaining < timedelta(days=renew_before_days):
        found.append(
            (
                REASON_EXPIRING,
                f"expires on {state['not_after']}, in {plural(days_left, 'day')}"
                f" (renew_before_days is {renew_before_days})",
            )
        )
    if missing:
        found.append((REASON_DOMAINS_NOT_COVERED, "does not cover " + ", ".join(missing)))
    if key_path:
        found.extend(check_key(state, key_path, leaf["public_key"]))
    return finish(state, found)


def check_key(state: dict[str, Any], key_path: str, certificate_key: bytes) -> list[tuple[str, str]]:
    """Set key_matches; the key's reason, if any."""
    data, why = read_bytes(key_path)
    if data is None:
        if why == "does not exist":
            return [(REASON_KEY_MISSING, f"the key {key_path} does not exist")]
        return [(REASON_KEY_UNREADABLE, f"cannot read the key {key_path}: {why}")]
    key, why = load_private_key(data, key_path)
    if key is None:
        return [(REASON_KEY_UNREADABLE, f"the key {key_path} {why}")]
    state["key_matches"] = public_key_der(key.public_key()) == certificate_key
    if not state["key_matches"]:
        return [(REASON_KEY_MISMATCH, f"the key {key_path} does not belong to the certificate")]
    return []


def finish(state: dict[str, Any], found: list[tuple[str, str]]) -> dict[str, Any]:
    """Reasons in their fixed order, the first as ``reason``, one message."""
    found = sorted(found, key=lambda item: REASONS.index(item[0]))
    state["reasons"] = [reason for reason, _message in found]
    state["reason"] = state["reasons"][0] if found else None
    state["needs_renewal"] = bool(found)
    if found:
        state["message"] = "; ".join(message for _reason, message in found)
    else:
        state["message"] = f"valid until {state['not_after']} ({plural(state['days_left'], 'day')} left)"
    return state


# --- which certificate a server uses --------------------------------------------------

# What may be wrong with a certificate that still serves: it is due for renewal, or for other names too.
STILL_SERVES = {REASON_EXPIRING, REASON_DOMAINS_NOT_COVERED}


def serving_certificates(wanted: Any, existing: Any, states: Any = ()) -> dict[str, str]:
    """For each wanted certificate, the certificate on disk its HTTPS server uses now.

    ``wanted``: certificates (``name``, ``domains``) or sites (``certificate``, ``domains``);
    ``existing``: the names of the certificates on disk; ``states``: certificate_state results of
    those, each with the name as ``item`` (as a loop registers them; others are ignored).

    A wanted certificate that exists is its own. One that does not exist yet (a new service, or a
    service renamed, so that its certificate gets a new name) is served, until it is issued, with an
    existing certificate that is valid now, belongs to its key and covers all of its domains (the one
    valid longest); with none, it is left out, and its server is rendered once its certificate exists.
    So a certificate that cannot be issued now (the CA is down) never takes a working HTTPS server away.
    """
    if not isinstance(wanted, list) or not isinstance(existing, list) or not isinstance(states, (list, tuple)):
        raise CertificateError("serving_certificates: expected lists of wanted certificates, names and states")
    on_disk = set(existing)
    usable = [
        state
        for state in states
        if isinstance(state, dict)
        and state.get("item") in on_disk
        and state.get("exists")
        and set(state.get("reasons", [])) <= STILL_SERVES
    ]
    usable.sort(key=lambda state: (-(state.get("days_left") or 0), state["item"]))
    served: dict[str, str] = {}
    for entry in wanted:
        if not isinstance(entry, dict) or not isinstance(entry.get("domains"), list):
            raise CertificateError(f"serving_certificates: an entry needs a name and domains, got {entry!r}")
        name = entry.get("certificate") or entry.get("name")
        if name in on_disk:
            served[name] = name
            continue
        for state in usable:
            if not uncovered(entry["domains"], state.get("names") or state.get("sans") or []):
                served[name] = state["item"]
                break
    return served
