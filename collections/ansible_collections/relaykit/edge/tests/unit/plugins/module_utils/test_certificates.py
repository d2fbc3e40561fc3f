# Copyright (c) relaykit contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The state of a certificate file: fields, renewal reasons, name coverage, key match, and files that are not there."""

from __future__ import annotations

import errno
import json
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID

from ansible_collections.relaykit.edge.plugins.module_utils import _certificates
from ansible_collections.relaykit.edge.plugins.module_utils._certificates import (
    REASONS,
    CertificateError,
    certificate_state,
    issued_by,
    name_covers,
    validity,
    verify_with_public_key,
)
from ansible_collections.relaykit.edge.plugins.module_utils._errors import RelaykitError
from ansible_collections.relaykit.edge.tests.unit.plugins.pki import (
    NOW,
    Pki,
    cert_pem,
    certificate,
    ec_key,
    ed25519_key,
    key_body_lines,
    key_pem,
    name,
    rsa_key,
)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


class Legacy:
    """A certificate as cryptography 38 shows it: no *_utc dates, no verify_directly_issued_by."""

    HIDDEN = frozenset({"not_valid_before_utc", "not_valid_after_utc", "verify_directly_issued_by"})

    def __init__(self, certificate: Any) -> None:
        self._certificate = certificate

    def __getattr__(self, attribute: str) -> Any:
        if attribute in self.HIDDEN:
            raise AttributeError(attribute)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the naive dates are deprecated in cryptography >= 42
            return getattr(self._certificate, attribute)


def state(path: str, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("now", NOW)
    return certificate_state(path, **kwargs)


# --- a valid certificate ----------------------------------------------------------------


def test_valid_certificate_reports_every_field(pki: Pki) -> None:
    leaf = pki.leaf(
        ["panel.example.com", "www.panel.example.com"],
        serial=0x0123ABCDEF,
        not_before=NOW - timedelta(days=10),
        not_after=NOW + timedelta(days=60, hours=5),
    )
    path = pki.write("fullchain.pem", cert_pem(leaf, pki.intermediate))
    key_path = pki.write("privkey.pem", key_pem(pki.key))

    result = state(path, key_path=key_path, domains=["panel.example.com"])

    assert result == {
        "exists": True,
        "subject": "CN=panel.example.com",
        "issuer": "CN=relaykit test intermediate",
        "serial": "123abcdef",
        "sans": ["panel.example.com", "www.panel.example.com"],
        "names": ["panel.example.com", "www.panel.example.com"],
        "not_before": "2026-05-22T12:00:00Z",
        "not_after": "2026-07-31T17:00:00Z",
        "days_left": 60,
        "self_signed": False,
        "chain_length": 2,
        "key_matches": True,
        "covers_domains": True,
        "missing_domains": [],
        "needs_renewal": False,
        "reason": None,
        "reasons": [],
        "message": "valid until 2026-07-31T17:00:00Z (60 days left)",
    }


def test_names_are_rfc4514_strings_with_every_attribute(pki: Pki) -> None:
    issuer_key = ec_key()
    issuer_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Let's Encrypt"),
            x509.NameAttribute(NameOID.COMMON_NAME, "R11"),
        ]
    )
    issuer = certificate(issuer_key, subject=issuer_name, ca=True)
    path = pki.write("cert.pem", cert_pem(pki.leaf(issuer=(issuer, issuer_key))))
    result = state(path)
    assert result["issuer"] == "CN=R11,O=Let's Encrypt,C=US"
    assert result["subject"] == "CN=panel.example.com"


def test_naive_now_is_taken_as_utc(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW + timedelta(days=3))))
    assert state(path, now=NOW.replace(tzinfo=None))["days_left"] == 3
    assert state(path, now=NOW + timedelta(hours=1))["days_left"] == 2


def test_without_now_the_clock_is_used(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    class Clock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return NOW + timedelta(days=5)

    monkeypatch.setattr(_certificates, "datetime", Clock)
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW + timedelta(days=10))))
    assert certificate_state(path)["days_left"] == 5
    assert certificate_state(path, now=NOW)["days_left"] == 10


# --- dates and renewal ------------------------------------------------------------------


def test_expiring_within_the_renewal_window(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW + timedelta(days=10, hours=3))))
    result = state(path, renew_before_days=30)
    assert result["days_left"] == 10
    assert result["needs_renewal"] is True
    assert result["reason"] == "expiring"
    assert result["reasons"] == ["expiring"]
    assert result["message"] == "expires on 2026-06-11T15:00:00Z, in 10 days (renew_before_days is 30)"


@pytest.mark.parametrize(
    ("renew_before_days", "expiring"),
    [(9, False), (10, False), (11, True)],
)
def test_renewal_window_boundary(pki: Pki, renew_before_days: int, expiring: bool) -> None:
    """Exactly ten days left needs renewal from renew_before_days 11: 'fewer than N days left'."""
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW + timedelta(days=10))))
    result = state(path, renew_before_days=renew_before_days)
    assert result["needs_renewal"] is expiring
    assert result["reasons"] == (["expiring"] if expiring else [])


def test_renew_before_days_zero_only_reports_expiry(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW + timedelta(hours=1))))
    result = state(path, renew_before_days=0)
    assert result["days_left"] == 0
    assert result["reasons"] == []
    assert state(path, renew_before_days=1)["reasons"] == ["expiring"]
    assert state(path, renew_before_days=0, now=NOW + timedelta(hours=2))["reasons"] == ["expired"]


def test_expired(pki: Pki) -> None:
    path = pki.write(
        "cert.pem", cert_pem(pki.leaf(not_before=NOW - timedelta(days=90), not_after=NOW - timedelta(days=3, hours=2)))
    )
    result = state(path)
    assert result["days_left"] == -4  # floor of -3.08 days
    assert result["reason"] == "expired"
    assert result["reasons"] == ["expired"]  # not also 'expiring'
    assert result["needs_renewal"] is True
    assert result["message"] == "expired on 2026-05-29T10:00:00Z"


def test_not_after_itself_is_still_valid(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW)))
    assert state(path, renew_before_days=0)["reasons"] == []
    assert state(path, renew_before_days=0, now=NOW + timedelta(seconds=1))["reasons"] == ["expired"]


def test_not_yet_valid(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_before=NOW + timedelta(days=1))))
    result = state(path)
    assert result["reasons"] == ["not_yet_valid"]
    assert result["needs_renewal"] is True
    assert result["message"] == "not valid before 2026-06-02T12:00:00Z"


def test_dates_without_the_utc_properties_of_cryptography_42(pki: Pki) -> None:
    leaf = pki.leaf(not_before=NOW - timedelta(days=2), not_after=NOW + timedelta(days=5))
    not_before, not_after = validity(Legacy(leaf))
    assert (not_before, not_after) == (NOW - timedelta(days=2), NOW + timedelta(days=5))
    assert not_after.tzinfo is not None


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certificate_name", "wanted", "covered"),
    [
        ("panel.example.com", "panel.example.com", True),
        ("panel.example.com", "www.example.com", False),
        ("*.example.com", "a.example.com", True),
        ("*.example.com", "example.com", False),
        ("*.example.com", "a.b.example.com", False),
        ("*.example.com", "a.example.org", False),
        ("*.example.com", "*.example.com", True),
        ("a.example.com", "*.example.com", False),
        ("*.example.com", "*.b.example.com", False),
        ("*.b.example.com", "*.example.com", False),
        ("f*.example.com", "foo.example.com", False),
        ("*.example.com", ".example.com", False),
    ],
)
def test_name_covers(certificate_name: str, wanted: str, covered: bool) -> None:
    assert name_covers(certificate_name, wanted) is covered


def test_wildcard_certificate_covers_one_label_only(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(["*.example.com"])))
    result = state(path, domains=["a.example.com", "example.com", "a.b.example.com", "B.Example.Com"])
    assert result["covers_domains"] is False
    assert result["missing_domains"] == ["example.com", "a.b.example.com"]
    assert result["reasons"] == ["domains_not_covered"]
    assert result["message"] == "does not cover example.com, a.b.example.com"


def test_wanted_wildcard_needs_the_same_wildcard(pki: Pki) -> None:
    names_only = pki.write("names.pem", cert_pem(pki.leaf(["a.example.com", "b.example.com"])))
    wildcard = pki.write("wildcard.pem", cert_pem(pki.leaf(["example.com", "*.example.com"])))
    assert state(names_only, domains=["*.example.com"])["missing_domains"] == ["*.example.com"]
    result = state(wildcard, domains=["*.example.com", "example.com"])
    assert result["covers_domains"] is True
    assert result["missing_domains"] == []


def test_names_ignore_case_and_a_trailing_dot(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(["PANEL.example.com"])))
    result = state(path, domains=["Panel.Example.COM.", " panel.example.com "])
    assert result["covers_domains"] is True
    assert state(path, domains=["panel.example.co"])["missing_domains"] == ["panel.example.co"]


def test_missing_domains_are_listed_once_as_given(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    result = state(path, domains=["panel.example.com", "WWW.example.com", "www.example.com.", "api.example.com"])
    assert result["missing_domains"] == ["WWW.example.com", "api.example.com"]


def test_international_names_are_compared_as_a_labels(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(["xn--bcher-kva.example"])))
    assert state(path, domains=["bücher.example"])["covers_domains"] is True
    assert state(path, domains=["bucher.example"])["covers_domains"] is False


def test_common_name_counts_only_without_a_san_extension(pki: Pki) -> None:
    legacy = pki.write("legacy.pem", cert_pem(pki.leaf(None, common_name="legacy.example.com")))
    result = state(legacy, domains=["legacy.example.com"])
    assert result["sans"] == []
    assert result["covers_domains"] is True

    with_san = pki.write("san.pem", cert_pem(pki.leaf(["other.example.com"], common_name="panel.example.com")))
    result = state(with_san, domains=["panel.example.com"])
    assert result["sans"] == ["other.example.com"]
    assert result["missing_domains"] == ["panel.example.com"]


def test_no_domains_checks_no_names(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(["other.example.com"])))
    for domains in (None, []):
        result = state(path, domains=domains)
        assert result["covers_domains"] is True
        assert result["reasons"] == []


# --- chain and issuer -------------------------------------------------------------------


def test_chain_of_leaf_and_intermediate(pki: Pki) -> None:
    path = pki.write("fullchain.pem", cert_pem(pki.leaf(), pki.intermediate))
    result = state(path)
    assert result["chain_length"] == 2
    assert result["issuer"] == "CN=relaykit test intermediate"
    assert result["self_signed"] is False
    single = pki.write("cert.pem", cert_pem(pki.leaf()))
    assert state(single)["chain_length"] == 1


def test_chain_in_a_file_with_text_and_the_key(pki: Pki) -> None:
    """Text around the blocks (as openssl writes it) and a key in the same file count for nothing."""
    content = b"subject=CN = panel\n" + cert_pem(pki.leaf()) + b"\n" + key_pem(pki.key) + cert_pem(pki.intermediate)
    path = pki.write("combined.pem", content)
    result = state(path, key_path=path)
    assert result["chain_length"] == 2
    assert result["key_matches"] is True
    assert result["reasons"] == []


def test_self_signed(pki: Pki) -> None:
    path = pki.write("self.pem", cert_pem(certificate(pki.key, "panel.example.com", ["panel.example.com"])))
    result = state(path)
    assert result["self_signed"] is True
    assert result["issuer"] == result["subject"] == "CN=panel.example.com"


def test_same_names_but_another_signer_is_not_self_signed(pki: Pki) -> None:
    impostor = certificate(pki.key, "panel.example.com", ["panel.example.com"], signer_key=pki.other_key)
    assert impostor.issuer == impostor.subject
    path = pki.write("impostor.pem", cert_pem(impostor))
    assert state(path)["self_signed"] is False


@pytest.mark.parametrize("make_key", [ec_key, rsa_key, ed25519_key], ids=["ec", "rsa", "ed25519"])
def test_signature_check_without_verify_directly_issued_by(make_key: Any) -> None:
    """cryptography < 40 has no verify_directly_issued_by: the signature is checked with the public key."""
    key, other = make_key(), make_key()
    genuine = certificate(key, "ca.example")
    impostor = certificate(key, "ca.example", signer_key=other)
    assert verify_with_public_key(genuine, key.public_key()) is True
    assert verify_with_public_key(impostor, key.public_key()) is False
    assert issued_by(Legacy(genuine), Legacy(genuine)) is True
    assert issued_by(Legacy(impostor), Legacy(impostor)) is False


def test_issued_by_needs_the_issuer_name(pki: Pki) -> None:
    leaf = pki.leaf()
    assert issued_by(leaf, pki.intermediate) is True
    assert issued_by(Legacy(leaf), Legacy(pki.intermediate)) is True
    assert issued_by(leaf, pki.root) is False
    assert issued_by(Legacy(leaf), Legacy(pki.root)) is False
    assert issued_by(pki.intermediate, pki.root) is True


def test_rsa_pss_without_verify_directly_issued_by_falls_back_to_names() -> None:
    """cryptography < 41 does not expose RSA-PSS parameters: such a signature is not checked, the names decide."""
    key = rsa_key()
    subject = name("pss.example")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
    )
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    try:
        pss_certificate = builder.sign(key, hashes.SHA256(), rsa_padding=pss)
    except TypeError:
        pytest.skip("signing with RSA-PSS needs cryptography >= 41")
    assert verify_with_public_key(pss_certificate, key.public_key()) is None
    assert issued_by(Legacy(pss_certificate), Legacy(pss_certificate)) is True
    assert issued_by(pss_certificate, pss_certificate) is True


# --- the key ----------------------------------------------------------------------------


def test_key_of_another_certificate(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    other = key_pem(pki.other_key)
    key_path = pki.write("privkey.pem", other)
    result = state(path, key_path=key_path)
    assert result["key_matches"] is False
    assert result["reasons"] == ["key_mismatch"]
    assert result["message"] == f"the key {key_path} does not belong to the certificate"
    text = json.dumps(result)
    assert not [line for line in key_body_lines(other) if line in text]


@pytest.mark.parametrize("make_key", [rsa_key, ed25519_key], ids=["rsa", "ed25519"])
def test_key_match_for_other_key_types(tmp_path: Path, make_key: Any) -> None:
    key, other = make_key(), make_key()
    path = tmp_path / "cert.pem"
    path.write_bytes(cert_pem(certificate(key, "panel.example.com", ["panel.example.com"])))
    (tmp_path / "key.pem").write_bytes(key_pem(key, traditional=make_key is rsa_key))
    (tmp_path / "other.pem").write_bytes(key_pem(other))
    assert state(str(path), key_path=str(tmp_path / "key.pem"))["key_matches"] is True
    assert state(str(path), key_path=str(tmp_path / "other.pem"))["key_matches"] is False


def test_without_key_path_the_key_is_not_checked(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    assert state(path)["key_matches"] is None
    assert state(path, key_path="")["key_matches"] is None


def test_missing_key(pki: Pki, tmp_path: Path) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    result = state(path, key_path=str(tmp_path / "nokey.pem"))
    assert result["key_matches"] is None
    assert result["reasons"] == ["key_missing"]
    assert result["needs_renewal"] is True
    assert result["message"] == f"the key {tmp_path / 'nokey.pem'} does not exist"


@pytest.mark.parametrize("traditional", [False, True], ids=["pkcs8", "traditional"])
def test_encrypted_key_is_unreadable(pki: Pki, traditional: bool) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    pem = key_pem(pki.key, password=b"hunter2", traditional=traditional)
    key_path = pki.write("privkey.pem", pem)
    result = state(path, key_path=key_path)
    assert result["key_matches"] is None
    assert result["reasons"] == ["key_unreadable"]
    assert result["message"] == f"the key {key_path} is encrypted (a passphrase is needed to read it)"
    text = json.dumps(result)
    assert "hunter2" not in text
    assert not [line for line in key_body_lines(pem) if line in text]


def test_encrypted_key_the_library_reports(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PEM label that does not say 'encrypted' but a library that asks for a password all the same."""

    def wants_password(data: bytes, password: bytes | None) -> Any:
        raise TypeError("Password was not given but private key is encrypted")

    monkeypatch.setattr(_certificates.serialization, "load_pem_private_key", wants_password)
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    key_path = pki.write("privkey.pem", key_pem(pki.key))
    assert state(path, key_path=key_path)["reasons"] == ["key_unreadable"]


def test_unreadable_key(pki: Pki, tmp_path: Path) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    result = state(path, key_path=str(tmp_path))
    assert result["reasons"] == ["key_unreadable"]
    assert result["message"] == f"cannot read the key {tmp_path}: Is a directory"


def test_key_file_without_a_key_is_an_error(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    with pytest.raises(CertificateError, match=r"^key_path: .*cert\.pem is not a private key file: expected PEM"):
        state(path, key_path=path)


def test_damaged_key_is_an_error_that_does_not_quote_it(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))
    damaged = b"-----BEGIN PRIVATE KEY-----\nU2VjcmV0U2VjcmV0U2VjcmV0\n-----END PRIVATE KEY-----\n"
    key_path = pki.write("privkey.pem", damaged)
    with pytest.raises(CertificateError) as info:
        state(path, key_path=key_path)
    assert str(info.value).startswith(f"key_path: the private key in {key_path} cannot be loaded")
    assert "U2VjcmV0" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


# --- files that are not there or not certificates ---------------------------------------


def test_missing_certificate_is_a_state(pki: Pki, tmp_path: Path) -> None:
    key_path = pki.write("privkey.pem", key_pem(pki.key))
    result = state(str(tmp_path / "absent.pem"), key_path=key_path, domains=["panel.example.com"])
    assert result == {
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
        "missing_domains": ["panel.example.com"],
        "needs_renewal": True,
        "reason": "missing",
        "reasons": ["missing"],
        "message": f"{tmp_path / 'absent.pem'} does not exist",
    }


def test_directory_is_unreadable(tmp_path: Path) -> None:
    result = state(str(tmp_path))
    assert result["exists"] is False
    assert result["reasons"] == ["unreadable"]
    assert result["message"] == f"cannot read {tmp_path}: Is a directory"
    assert result["needs_renewal"] is True


def test_permission_denied_is_unreadable(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf()))

    def denied(file: str, mode: str = "r") -> Any:
        raise PermissionError(errno.EACCES, "Permission denied", file)

    monkeypatch.setattr(_certificates, "open", denied, raising=False)
    result = state(path)
    assert result["reason"] == "unreadable"
    assert result["message"] == f"cannot read {path}: Permission denied"


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"\x00\x01garbage\xff" * 20, "it is not PEM"),
        (b"", "it is empty"),
        (b"  \n", "it is empty"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "it holds only PUBLIC KEY PEM blocks"),
    ],
    ids=["garbage", "empty", "blank", "public-key"],
)
def test_not_a_certificate_is_an_error(tmp_path: Path, content: bytes, found: str) -> None:
    path = tmp_path / "fullchain.pem"
    path.write_bytes(content)
    with pytest.raises(CertificateError) as info:
        state(str(path))
    assert str(info.value) == (
        f"path: {path} is not a certificate file: expected PEM with a '-----BEGIN CERTIFICATE-----' block, {found}"
    )
    assert isinstance(info.value, RelaykitError)


def test_key_instead_of_the_certificate_is_an_error_that_does_not_quote_it(pki: Pki) -> None:
    pem = key_pem(pki.key)
    path = pki.write("privkey.pem", pem)
    with pytest.raises(CertificateError, match=r"it holds only PRIVATE KEY PEM blocks$") as info:
        state(path)
    assert not [line for line in key_body_lines(pem) if line in str(info.value)]


def test_broken_certificate_block_is_an_error(pki: Pki) -> None:
    broken = b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    path = pki.write("fullchain.pem", cert_pem(pki.leaf()) + broken)
    with pytest.raises(CertificateError, match=r"^path: certificate 2 of 2 in .*fullchain\.pem is not a valid X\.509"):
        state(path)


# --- several reasons, and the options ---------------------------------------------------


def test_every_reason_in_order(pki: Pki) -> None:
    path = pki.write("cert.pem", cert_pem(pki.leaf(not_after=NOW - timedelta(days=1))))
    key_path = pki.write("privkey.pem", key_pem(pki.other_key))
    result = state(path, key_path=key_path, domains=["www.example.com"])
    assert result["reasons"] == ["expired", "domains_not_covered", "key_mismatch"]
    assert result["reason"] == "expired"
    assert result["message"] == (
        f"expired on 2026-05-31T12:00:00Z; does not cover www.example.com;"
        f" the key {key_path} does not belong to the certificate"
    )


def test_not_yet_valid_and_expiring_at_once(pki: Pki) -> None:
    path = pki.write(
        "cert.pem", cert_pem(pki.leaf(not_before=NOW + timedelta(days=1), not_after=NOW + timedelta(days=5)))
    )
    assert state(path)["reasons"] == ["not_yet_valid", "expiring"]


def test_reasons_are_the_documented_names() -> None:
    assert REASONS == (
        "missing",
        "unreadable",
        "expired",
        "not_yet_valid",
        "expiring",
        "domains_not_covered",
        "key_missing",
        "key_unreadable",
        "key_mismatch",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"renew_before_days": -1}, "renew_before_days: must be 0 or more, got -1"),
        ({"renew_before_days": "30"}, "renew_before_days: must be an integer, got '30'"),
        ({"renew_before_days": True}, "renew_before_days: must be an integer, got True"),
        ({"domains": "panel.example.com"}, "domains: must be a list of DNS names, got text"),
        ({"domains": ["panel.example.com", ""]}, "domains: entry 2 must be a DNS name, got ''"),
        ({"domains": [None]}, "domains: entry 1 must be a DNS name, got None"),
        ({"domains": ["a.*.example.com"]}, "domains: entry 1 ('a.*.example.com') is not a valid DNS name"),
        ({"domains": ["panel example.com"]}, "domains: entry 1 ('panel example.com') is not a valid DNS name"),
        ({"domains": ["*"]}, "domains: entry 1 ('*') is not a valid DNS name"),
    ],
)
def test_invalid_options_fail_before_the_file_is_read(tmp_path: Path, options: dict[str, Any], message: str) -> None:
    with pytest.raises(CertificateError) as info:
        state(str(tmp_path / "absent.pem"), **options)
    assert str(info.value).startswith(message)
