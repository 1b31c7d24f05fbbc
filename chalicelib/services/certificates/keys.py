"""The certificate signing key: a KMS asymmetric key (ECC_NIST_P256, ECDSA_SHA_256) whose private
half never leaves KMS. Every signature (the PDF's CMS, the QR payload, the key's own X.509
certificate) is one kms:Sign call with MessageType RAW (the message is ≤ 4 KB: signed attributes
or a payload, never a file), which moto emulates too (it ignores MessageType DIGEST).

The X.509 certificate PAdES needs is built here from the KMS public key and signed by KMS itself
(self-issued: the province's certificate key, published at /.well-known/certificate-keys). It is
built once per key and stored (SigningCertificate, put if absent), so every container and every
PDF carries the same certificate.
"""
import base64
import datetime as dt
import functools

from chalicelib import aws, config

SIGNING_ALGORITHM = "ECDSA_SHA_256"
ISSUER_NAME = "吉林省人力资源和社会保障厅 证书签章"
VALID_YEARS = 30


def sign(message: bytes) -> bytes:
    """DER-encoded ECDSA signature of `message` (SHA-256 inside KMS)."""
    answer = aws.kms().sign(KeyId=config.CERTIFICATE_KEY_ID, Message=message, MessageType="RAW",
                            SigningAlgorithm=SIGNING_ALGORITHM)
    return answer["Signature"]


@functools.lru_cache(maxsize=4)
def _public_key_der(key_id: str) -> bytes:
    return aws.kms().get_public_key(KeyId=key_id)["PublicKey"]


def public_key_der() -> bytes:
    """SubjectPublicKeyInfo (DER) of the signing key (read once per container)."""
    return _public_key_der(config.CERTIFICATE_KEY_ID)


def key_id() -> str:
    """A short public id of the key (kid): the first 16 hex of SHA-256 of its public key."""
    import hashlib

    return hashlib.sha256(public_key_der()).hexdigest()[:16]


def _build_certificate() -> bytes:
    """A self-issued X.509 certificate for the KMS key, its signature made by KMS."""
    from asn1crypto import algos, core, keys as akeys, x509

    spki = akeys.PublicKeyInfo.load(public_key_der())
    name = x509.Name.build({"country_name": "CN", "organization_name": "吉林省人力资源和社会保障厅",
                            "common_name": ISSUER_NAME})
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    kid = bytes.fromhex(key_id())
    tbs = x509.TbsCertificate({
        "version": "v3",
        "serial_number": int.from_bytes(kid, "big"),
        "signature": {"algorithm": "sha256_ecdsa"},
        "issuer": name,
        "validity": {"not_before": x509.Time({"utc_time": now - dt.timedelta(days=1)}),
                     "not_after": x509.Time({"general_time": now + dt.timedelta(days=365 * VALID_YEARS)})},
        "subject": name,
        "subject_public_key_info": spki,
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": True}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": x509.KeyUsage({"digital_signature", "non_repudiation", "key_cert_sign"})},
            {"extn_id": "key_identifier", "critical": False, "extn_value": core.OctetString(kid)},
        ],
    })
    signature = sign(tbs.dump())
    cert = x509.Certificate({"tbs_certificate": tbs,
                             "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                             "signature_value": signature})
    return cert.dump()


def certificate_der() -> bytes:
    """The key's X.509 certificate (DER): stored once per key, then read (cached per container)."""
    return _certificate_der(config.CERTIFICATE_KEY_ID)


@functools.lru_cache(maxsize=4)
def _certificate_der(kms_key_id: str) -> bytes:
    from chalicelib.models.base import db_errors
    from chalicelib.models.certificates import SigningCertificate
    from chalicelib.errors import Conflict

    pk, sk = SigningCertificate.key(kms_key_id)
    try:
        return base64.b64decode(SigningCertificate.get(pk, sk).der)
    except SigningCertificate.DoesNotExist:
        pass
    der = _build_certificate()
    try:
        with db_errors():
            SigningCertificate(pk=pk, sk=sk, key_id=kms_key_id, der=base64.b64encode(der).decode()).save(
                condition=SigningCertificate.pk.does_not_exist())
        return der
    except Conflict:          # another container stored it first: use that one
        return base64.b64decode(SigningCertificate.get(pk, sk).der)


def published() -> dict:
    """What /.well-known/certificate-keys publishes: the public key (SPKI, for WebCrypto:
    ECDSA P-256) and its X.509 certificate (for PDF readers and pyHanko)."""
    key = {"kid": key_id(), "alg": "ES256", "crv": "P-256", "spki": base64.b64encode(public_key_der()).decode()}
    stored = stored_certificate_der()
    if stored is not None:      # only the issuing worker may sign, so only it builds the X.509
        key["x509"] = base64.b64encode(stored).decode()
    return {"keys": [key]}


def stored_certificate_der():
    """The key's X.509 certificate if the issuing worker has stored it (read-only: the API may
    read the public key but never sign), else None: nothing was issued yet."""
    from chalicelib.models.certificates import SigningCertificate

    try:
        return base64.b64decode(SigningCertificate.get(*SigningCertificate.key(config.CERTIFICATE_KEY_ID)).der)
    except SigningCertificate.DoesNotExist:
        return None
