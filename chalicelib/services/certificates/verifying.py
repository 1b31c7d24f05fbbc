"""Public verification (no sign-in): by number + check code, by the signed QR payload, by the
PDF file; the published keys.

What an answer may say is what the certificate itself shows to whoever holds it: 有效 / 已撤销 /
已更正 (with the new number), the holder's name partly masked, what was granted, the authority,
the 评委会, the date. A number without its right check code gets exactly the answer an unknown
number gets (same code, same message), so the endpoint cannot tell whether a number exists.

Throttle: per client address, a counter item per minute (VerifyCounter, TTL), incremented with a
condition `count < limit` (one UpdateItem): over the limit is 429 until the minute turns. The
address is kept only as a keyed hash. (A usage plan cannot do this: API Gateway usage plans
throttle per API key, and a public page has none; the regional WAF's rate rule is the coarse
outer limit, this one is per minute and testable.)
"""
import base64
import binascii
import hashlib
import hmac

from chalicelib import clock, config
from chalicelib.errors import AppError, BadRequest, NotFound
from chalicelib.models.base import db_errors
from chalicelib.models.certificates import Certificate, CertificatePdf, VerifyCounter
from chalicelib.services.certificates import numbers

NO_MATCH = NotFound("未查询到该证书，请核对证书编号和查验码", code="CERTIFICATE_NOT_FOUND")
PDF_MAX_BYTES = 2 * 1024 * 1024


class TooManyRequests(AppError):
    status = 429
    code = "TOO_MANY_REQUESTS"
    message = "查询过于频繁，请一分钟后再试"


def throttle(client_address: str) -> None:
    from chalicelib.errors import Conflict
    from chalicelib.pii import hash_key

    minute = clock.epoch_seconds() // 60
    client = hmac.new(hash_key(), f"verify|{client_address}".encode(), hashlib.sha256).hexdigest()[:32]
    counter = VerifyCounter(*VerifyCounter.key(client, minute))
    try:
        with db_errors():
            counter.update(actions=[VerifyCounter.count.add(1), VerifyCounter.expires_at.set((minute + 2) * 60)],
                           condition=VerifyCounter.count.does_not_exist() | (VerifyCounter.count < config.VERIFY_PER_MINUTE))
    except Conflict:
        raise TooManyRequests() from None


def public_view(cert: Certificate) -> dict:
    from chalicelib.services.certificates.payload import mask_name

    return {"status": cert.status, "number": cert.number, "title": cert.title,
            "holder": mask_name(cert.holder_name), "grant": cert.grant, "authority": cert.authority,
            "committee": cert.committee, "issued_on": clock.beijing_date(cert.issued_at),
            "changed_on": clock.beijing_date(cert.changed_at) if cert.changed_at else None,
            "replaced_by": cert.replaced_by}


def by_number(client_address: str, number: str, check_code: str) -> dict:
    throttle(client_address)
    number, check_code = numbers.normalize(number), numbers.normalize_code(check_code)
    if not numbers.well_formed(number):
        raise BadRequest("证书编号格式不正确，请核对", code="BAD_CERTIFICATE_NUMBER")
    if not numbers.code_well_formed(check_code):
        raise BadRequest("查验码应为6位字母或数字", code="BAD_CHECK_CODE")
    try:
        cert = Certificate.get(*Certificate.key(number))
    except Certificate.DoesNotExist:
        cert = None
    if cert is None or not hmac.compare_digest(cert.check_code, check_code):
        raise NO_MATCH
    return public_view(cert)


def by_payload(client_address: str, payload: str) -> dict:
    """The QR payload checked online: its signature, then the certificate's current status."""
    from chalicelib.services.certificates import keys
    from chalicelib.services.certificates.payload import decode

    claims = decode(payload, keys.public_key_der())
    if claims is None:
        throttle(client_address)
        raise BadRequest("二维码内容无效或已被改动", code="BAD_CERTIFICATE_PAYLOAD")
    return by_number(client_address, claims.get("n", ""), claims.get("c", ""))


def by_pdf(client_address: str, pdf_base64: str) -> dict:
    """Is this file the unaltered original? Its SHA-256 against the fingerprints of every issued
    PDF (one GetItem): any changed byte gives another fingerprint."""
    throttle(client_address)
    try:
        pdf = base64.b64decode(pdf_base64, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("文件内容无效", code="BAD_FILE") from None
    if not pdf.startswith(b"%PDF-") or len(pdf) > PDF_MAX_BYTES:
        raise BadRequest("请上传证书PDF文件（不超过2MB）", code="BAD_FILE")
    digest = hashlib.sha256(pdf).hexdigest()
    try:
        number = CertificatePdf.get(*CertificatePdf.key(digest)).number
        cert = Certificate.get(*Certificate.key(number))
    except (CertificatePdf.DoesNotExist, Certificate.DoesNotExist):
        return {"original": False, "message": "该文件不是本平台签发的证书原件，或已被改动"}
    return {"original": True, "message": "该文件是本平台签发的证书原件，未被改动", **public_view(cert)}


def published_keys() -> dict:
    from chalicelib.services.certificates import keys

    return keys.published()
