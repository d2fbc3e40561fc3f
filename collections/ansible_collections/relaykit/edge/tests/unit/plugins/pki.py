# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates and keys made by the tests themselves, with cryptography (38 and later)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

# The tests' "now": every certificate's dates are relative to it.
NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def ed25519_key() -> Any:
    return ed25519.Ed25519PrivateKey.generate()


def name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def certificate(
    key: Any,
    common_name: str = "panel.example.com",
    sans: list[str] | None = None,
    *,
    issuer: tuple[x509.Certificate, Any] | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    serial: int = 0x1234ABCD,
    ca: bool = False,
    signer_key: Any = None,
    subject: x509.Name | None = None,
) -> x509.Certificate:
    """A certificate for ``key``: self-signed unless ``issuer`` (certificate, key) is given.

    ``sans`` None means no subjectAltName extension at all; the default validity is NOW - 1 day to NOW + 60 days.
    ``subject`` replaces the subject made of ``common_name``. ``signer_key`` signs instead of the issuer's key:
    a certificate that only claims its issuer.
    """
    subject = subject or name(common_name)
    if issuer is not None:
        signer_name, signer_key = issuer[0].subject, signer_key or issuer[1]
    else:
        signer_name, signer_key = subject, signer_key or key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before or NOW - timedelta(days=1))
        .not_valid_after(not_after or NOW + timedelta(days=60))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    algorithm = None if isinstance(signer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer_key, algorithm)


def cert_pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def key_pem(key: Any, password: bytes | None = None, traditional: bool = False) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


def key_body_lines(pem: bytes) -> list[str]:
    """The base64 lines of a PEM key: none of them may ever show up in a result or message."""
    return [line for line in pem.decode("ascii").splitlines() if line and not line.startswith("-----")]


class Pki:
    """A CA, an intermediate and a few leaf keys, made once per test; files written under a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root_key = ec_key()
        self.root = certificate(self.root_key, "relaykit test root", ca=True)
        self.intermediate_key = ec_key()
        self.intermediate = certificate(
            self.intermediate_key, "relaykit test intermediate", issuer=(self.root, self.root_key), ca=True
        )
        self.key = ec_key()
        self.other_key = ec_key()

    def leaf(
        self, sans: tuple[str, ...] | list[str] | None = ("panel.example.com",), **kwargs: Any
    ) -> x509.Certificate:
        """A leaf certificate for ``self.key`` issued by the intermediate; ``sans`` None: no subjectAltName."""
        kwargs.setdefault("issuer", (self.intermediate, self.intermediate_key))
        key = kwargs.pop("key", self.key)
        common_name = kwargs.pop("common_name", "panel.example.com")
        return certificate(key, common_name, list(sans) if sans is not None else None, **kwargs)

    def write(self, file_name: str, content: bytes) -> str:
        path = self.directory / file_name
        path.write_bytes(content)
        return str(path)
