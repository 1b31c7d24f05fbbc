"""Certificates for people: the province's list, revoke, batch and reissue jobs; the holder's
我的证书. Signing happens only in the issuing worker (issuing.py): these queue its jobs.
"""
import uuid

from chalicelib import clock, config, jobs, storage
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, ROLE_PROVINCE, Principal
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.certificates import REVOKED, VALID, Certificate, CertificateJob
from chalicelib import pagination

CERT_MISSING = NotFound("证书不存在", code="CERTIFICATE_NOT_FOUND")
LINK_SECONDS = 300


def view(cert: Certificate, full: bool = True) -> dict:
    """A certificate as the province and its holder see it (the ID number is stored masked)."""
    out = {"number": cert.number, "title": cert.title, "holder_name": cert.holder_name,
           "id_number": cert.id_masked, "unit_name": cert.unit_name, "grant": cert.grant,
           "matter_type": cert.matter_type, "year": cert.year, "authority": cert.authority,
           "committee": cert.committee, "issued_at": cert.issued_at,
           "issued_on": clock.beijing_date(cert.issued_at), "status": cert.status, "reason": cert.reason,
           "replaced_by": cert.replaced_by, "replaces": cert.replaces, "decl_id": cert.decl_id}
    if full:
        out.update(check_code=cert.check_code, payload=cert.payload)
    return out


def _get(number: str) -> Certificate:
    with db_errors(not_found=CERT_MISSING):
        return Certificate.get(*Certificate.key(number))


# --- the province ------------------------------------------------------------------------------

LIST_BUDGET = 500        # items a filtered list may evaluate per request, whatever the year holds


def list_filter(status: str | None, name: str | None):
    """The list's filter on 状态 and 姓名 (the partition is the matter and year); None: no filter."""
    parts = [c for c in ((Certificate.status == status) if status else None,
                         (Certificate.holder_name == name) if name else None) if c is not None]
    return (parts[0] & parts[1]) if len(parts) == 2 else (parts[0] if parts else None)


def province_list(principal: Principal, matter_type: str, year: str, status: str | None,
                  name: str | None, cursor: str | None, limit: int) -> dict:
    """Issued certificates of a matter and year, newest first; filters on 状态 and 姓名. One Query
    of the matter and year's partition (GSI2); a filtered page evaluates at most LIST_BUDGET
    items and then answers `budget_reached` with a cursor to go on, so a request's reads never
    grow with the year's certificates."""
    from chalicelib.services.review.queries import bounded_page

    principal.require(ROLE_PROVINCE)
    condition = list_filter(status, name)
    key = Certificate.list_key(matter_type, year)
    with db_errors():
        return bounded_page(
            lambda **kw: Certificate.gsi2.query(key, filter_condition=condition, scan_index_forward=False, **kw),
            Certificate, limit, pagination.decode(cursor, "GSI2PK", key), ("PK", "SK", "GSI2PK", "GSI2SK"),
            lambda c: view(c, full=False), budget=LIST_BUDGET if condition is not None else limit + 1)


def revoke(principal: Principal, number: str, reason: str) -> dict:
    """撤销 with a reason: the certificate shows 已撤销 at every verification from now on."""
    principal.require(ROLE_PROVINCE)
    cert = _get(number)
    with db_errors(conflict=Conflict("只能撤销有效的证书", code="CERTIFICATE_NOT_VALID")):
        with transaction() as tx:
            tx.update(cert, actions=[Certificate.status.set(REVOKED), Certificate.reason.set(reason),
                                     Certificate.changed_at.set(now_iso())],
                      condition=Certificate.status == VALID)
            AuditRecord.append(tx, f"CERT#{number}", "certificate_revoked", principal, opinion=reason)
    return view(_get(number), full=False)


def _queue_job(principal: Principal, **fields) -> dict:
    job_id = uuid.uuid4().hex
    pk, sk = CertificateJob.key(job_id)
    job = CertificateJob(pk=pk, sk=sk, job_id=job_id, owner_id=principal.subject, owner_role=principal.role,
                         owner_name=principal.name or None, unit_code=principal.unit_code, state="queued",
                         created_at=now_iso(), **fields)
    job.gsi1pk, job.gsi1sk = f"CERTJOBS#{principal.unit_code}", f"{job.created_at}#{job_id}"
    jobs.enqueue(job, config.CERTIFICATE_QUEUE_URL, "certificates", "提交发证任务失败，请重试")
    return job_view(job)


def start_issue(principal: Principal, matter_type: str, year: str, decl_ids: list | None) -> dict:
    """发证: every earning result of a matter and year, or the chosen ones (a queued job)."""
    from chalicelib.matters import registry
    from chalicelib.matters.certificate import certificate_spec

    principal.require(ROLE_PROVINCE)
    if certificate_spec(registry.get(matter_type, include_disabled=True)) is None:
        raise ValidationFailed("该事项不颁发证书", code="NO_CERTIFICATE")
    return _queue_job(principal, matter_type=matter_type, year=year,
                      decl_ids=list(dict.fromkeys(decl_ids)) if decl_ids else None)


def start_reissue(principal: Principal, number: str, reason: str, corrections: dict) -> dict:
    """更正后重新发证: queued; the old one shows 已更正 and points to the new one once issued."""
    principal.require(ROLE_PROVINCE)
    cert = _get(number)
    if cert.status != VALID:
        raise Conflict("只能更正有效的证书", code="CERTIFICATE_NOT_VALID")
    return _queue_job(principal, matter_type=cert.matter_type, year=cert.year, replaces=number,
                      reason=reason, corrections={k: v for k, v in corrections.items() if v} or None)


def job_view(job: CertificateJob) -> dict:
    return {"job_id": job.job_id, "state": job.state, "issued": job.issued, "skipped": job.skipped,
            "matter_type": job.matter_type, "year": job.year, "replaces": job.replaces,
            "created_at": job.created_at, "finished_at": job.finished_at, "error": job.error}


def get_job(principal: Principal, job_id: str) -> dict:
    from chalicelib.services.certificates.issuing import JOB_MISSING

    principal.require(ROLE_PROVINCE)
    with db_errors(not_found=JOB_MISSING):
        job = CertificateJob.get(*CertificateJob.key(job_id))
    if job.unit_code != principal.unit_code:
        raise JOB_MISSING
    return job_view(job)


def trail(principal: Principal, number: str) -> list:
    principal.require(ROLE_PROVINCE)
    _get(number)
    return [r.to_dict() for r in AuditRecord.trail(f"CERT#{number}")]


# --- the holder (我的证书) -----------------------------------------------------------------------

def mine(principal: Principal, cursor: str | None, limit: int) -> dict:
    principal.require(ROLE_APPLICANT)
    key = Certificate.holder_key(principal.subject)
    return pagination.query_page(
        lambda **kw: Certificate.gsi1.query(key, scan_index_forward=False, **kw),
        limit, pagination.decode(cursor, "GSI1PK", key), ("PK", "SK", "GSI1PK", "GSI1SK"), view)


def _own(principal: Principal, number: str) -> Certificate:
    principal.require(ROLE_APPLICANT)
    try:
        cert = Certificate.get(*Certificate.key(number))
    except Certificate.DoesNotExist:
        raise CERT_MISSING from None
    if cert.holder_id != principal.subject:
        raise CERT_MISSING          # someone else's: the same answer as none
    return cert


def my_certificate(principal: Principal, number: str) -> dict:
    return view(_own(principal, number))


def download(principal: Principal, number: str) -> dict:
    """A short-lived link to the signed PDF (the holder's own; the province any)."""
    cert = _get(number) if principal.role == ROLE_PROVINCE else _own(principal, number)
    url = storage.download_url(cert.pdf_key, LINK_SECONDS, content_type="application/pdf",
                               file_name=f"{cert.title}-{cert.number}.pdf")
    return {"url": url, "file_name": f"{cert.title}-{cert.number}.pdf", "expires_in": LINK_SECONDS}
