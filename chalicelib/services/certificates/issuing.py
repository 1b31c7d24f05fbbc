"""Issuing certificates (the issuing worker's side; the only code that asks KMS to sign).

One certificate per result: `issue_for(decl_id, job)` renders, signs and stores the PDF, then
writes in one transaction the claim CERTFOR#<decl> (attribute_not_exists), the certificate
(attribute_not_exists on its random number), the PDF's fingerprint and the audit record. A
result that already has a claim is skipped (checked first, so a restarted batch does not even
render it again; the transaction's condition is the guarantee). A number collision draws again.

A batch (`run_job`) walks the province's result rows of one matter and year (the results access
pattern, GSI2, one 评定状态 word of the matter's certificate spec at a time) page by page and
saves its cursor on the job after each page: a worker that crashes goes on from the last saved
page, and the claims make the pages it redoes skip. Memory is one page.
"""
from chalicelib import aws, clock, config
from chalicelib.errors import Conflict, NotFound
from chalicelib.identity import ROLE_PROVINCE, Principal
from chalicelib.logs import get_logger
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.certificates import (CORRECTED, VALID, Certificate, CertificateClaim, CertificateJob,
                                            CertificatePdf)
from chalicelib.services.certificates import numbers

log = get_logger("talent.certificates")
PAGE = 100
JOB_MISSING = NotFound("证书任务不存在", code="CERTIFICATE_JOB_NOT_FOUND")


def _spec(matter_type: str):
    from chalicelib.matters import registry
    from chalicelib.matters.certificate import certificate_spec

    return certificate_spec(registry.get(matter_type, include_disabled=True))


def verify_url(payload: str) -> str:
    """What the QR code holds: the public verify page with the payload in the fragment."""
    origin = config.CORS_ALLOW_ORIGIN if config.CORS_ALLOW_ORIGIN not in ("", "*") else ""
    return f"{origin}/#/verify?c={payload}" if origin else payload


def _owner(job: CertificateJob) -> Principal:
    return Principal(subject=job.owner_id, role=job.owner_role, name=job.owner_name or "",
                     unit_code=job.unit_code)


def _render_and_store(cert: Certificate, spec) -> None:
    """Payload, PDF, PAdES signature, S3; sets payload, pdf_key and pdf_sha256 on `cert`."""
    import hashlib

    from chalicelib.services.certificates import keys, pades, payload, pdf

    cert.payload = payload.encode(payload.claims(cert), keys.sign, keys.key_id())
    view = {"name": cert.holder_name, "id_number": cert.id_masked, "unit": cert.unit_name or "",
            "grant": cert.grant, "committee": cert.committee, "authority": cert.authority,
            "date": clock.beijing_date(cert.issued_at), "number": cert.number, "check_code": cert.check_code,
            "sentence": spec.sentence(name=cert.holder_name, grant=cert.grant, committee=cert.committee,
                                      authority=cert.authority, year=cert.year, matter=cert.title)}
    signed = pades.sign(pdf.render(view, spec, verify_url(cert.payload)), reason=spec.title)
    cert.pdf_sha256 = hashlib.sha256(signed).hexdigest()
    cert.pdf_key = f"certificates/{cert.matter_type}/{cert.year}/{cert.number}.pdf"
    aws.s3().put_object(Bucket=config.ATTACHMENTS_BUCKET, Key=cert.pdf_key, Body=signed,
                        ContentType="application/pdf")


def _new_certificate(meta, spec, job_id: str, corrections: dict | None = None) -> Certificate:
    from chalicelib import identifiers as ids

    c = corrections or {}
    return Certificate(number=numbers.new_number(spec.number_prefix, meta.year), check_code=numbers.new_check_code(),
                       decl_id=meta.decl_id, matter_type=meta.matter_type, year=meta.year,
                       holder_id=meta.person_id, holder_name=c.get("holder_name") or meta.person_name,
                       id_masked=ids.mask_id_number(meta.id_number),
                       unit_name=c.get("unit_name") or meta.unit_name, grant=c.get("grant") or meta.result_level or "",
                       result=meta.result, title=spec.title, authority=spec.authority, committee=spec.committee,
                       issued_at=now_iso(), status=VALID, job_id=job_id).place()


def _declaration(decl_id: str):
    from chalicelib.models.declarations import Declaration

    try:
        return Declaration.get(*Declaration.key(decl_id))
    except Declaration.DoesNotExist:
        return None


def _existing(decl_id: str, job: CertificateJob) -> str | None:
    """"issued" when this job issued the result's certificate before a crash (so the progress a
    restarted job shows still counts it), "exists" when another did, None when it has none."""
    try:
        number = CertificateClaim.get(*CertificateClaim.key(decl_id)).number
    except CertificateClaim.DoesNotExist:
        return None
    try:
        mine = Certificate.get(*Certificate.key(number)).job_id == job.job_id
    except Certificate.DoesNotExist:
        mine = False
    return "issued" if mine else "exists"


def issue_for(decl_id: str, job: CertificateJob) -> str:
    """Issue the certificate of one result: "issued", "exists" or "not_earned"."""
    pk, sk = CertificateClaim.key(decl_id)
    existing = _existing(decl_id, job)
    if existing:
        return existing
    meta = _declaration(decl_id)
    spec = _spec(meta.matter_type) if meta else None
    if meta is None or spec is None or not spec.earns(meta.result) or not meta.result_level:
        return "not_earned"
    for _ in range(3):                    # a number collision (2^-50) draws again
        cert = _new_certificate(meta, spec, job.job_id)
        _render_and_store(cert, spec)
        try:
            with db_errors():
                with transaction() as tx:
                    tx.save(CertificateClaim(pk=pk, sk=sk, decl_id=decl_id, number=cert.number),
                            condition=CertificateClaim.pk.does_not_exist())
                    tx.save(cert, condition=Certificate.pk.does_not_exist())
                    _fingerprint(tx, cert)
                    AuditRecord.append(tx, f"CERT#{cert.number}", "certificate_issued", _owner(job),
                                       detail={"decl_id": decl_id, "job_id": job.job_id})
            return "issued"
        except Conflict:
            aws.s3().delete_object(Bucket=config.ATTACHMENTS_BUCKET, Key=cert.pdf_key)
            existing = _existing(decl_id, job)
            if existing:
                return existing           # another worker issued it meanwhile
    raise Conflict("证书编号生成失败，请重试", code="CERTIFICATE_NUMBER_TAKEN")


def _fingerprint(tx, cert: Certificate) -> None:
    fpk, fsk = CertificatePdf.key(cert.pdf_sha256)
    tx.save(CertificatePdf(pk=fpk, sk=fsk, number=cert.number), condition=CertificatePdf.pk.does_not_exist())


def reissue(job: CertificateJob) -> str:
    """Correct a certificate: a new one from the declaration (with the job's corrections); the
    old one becomes 已更正 pointing to it, the claim moves to it, both audited, one transaction."""
    old = Certificate.get(*Certificate.key(job.replaces))
    if old.status != VALID:
        return "exists"
    meta = _declaration(old.decl_id)
    spec = _spec(old.matter_type)
    cert = _new_certificate(meta, spec, job.job_id, job.corrections or {})
    cert.replaces = old.number
    _render_and_store(cert, spec)
    now = now_iso()
    with db_errors(conflict=Conflict("证书状态已变化，请刷新后重试", code="CERTIFICATE_CHANGED")):
        with transaction() as tx:
            tx.update(old, actions=[Certificate.status.set(CORRECTED), Certificate.replaced_by.set(cert.number),
                                    Certificate.reason.set(job.reason or "信息更正"), Certificate.changed_at.set(now)],
                      condition=Certificate.status == VALID)
            claim = CertificateClaim(*CertificateClaim.key(old.decl_id))
            tx.update(claim, actions=[CertificateClaim.number.set(cert.number)],
                      condition=CertificateClaim.number == old.number)
            tx.save(cert, condition=Certificate.pk.does_not_exist())
            _fingerprint(tx, cert)
            AuditRecord.append(tx, f"CERT#{old.number}", "certificate_corrected", _owner(job),
                               opinion=job.reason, detail={"replaced_by": cert.number})
            AuditRecord.append(tx, f"CERT#{cert.number}", "certificate_reissued", _owner(job),
                               opinion=job.reason, detail={"replaces": old.number, "decl_id": old.decl_id})
    return "issued"


def _earning_rows(job: CertificateJob, spec):
    """(word index, rows of one page, next cursor) from the job's cursor on."""
    from chalicelib.models.results import ResultRow

    cursor = job.cursor or {"word": 0, "key": None}
    key = ResultRow.list_key(job.unit_code, job.matter_type, job.year)
    for index in range(cursor["word"], len(spec.for_results)):
        last = cursor["key"] if index == cursor["word"] else None
        while True:
            page = ResultRow.gsi2.query(key, ResultRow.with_result(spec.for_results[index]),
                                        limit=PAGE, page_size=PAGE, last_evaluated_key=last)
            rows = [r.decl_id for r in page]
            last = page.last_evaluated_key
            yield rows, ({"word": index, "key": last} if last else {"word": index + 1, "key": None})
            if not last:
                break


def run_job(job_id: str) -> str:
    """The issuing worker: one job to its end (restartable: see the module's docstring)."""
    from chalicelib import jobs

    job = jobs.begin(CertificateJob, job_id, JOB_MISSING)
    if isinstance(job, str):
        return job
    try:
        if job.replaces:
            outcome = reissue(job)
            job.update(actions=[CertificateJob.issued.set(1 if outcome == "issued" else 0)])
        elif job.decl_ids:
            issued = skipped = 0
            for decl_id in job.decl_ids:
                outcome = issue_for(decl_id, job)
                issued, skipped = issued + (outcome == "issued"), skipped + (outcome != "issued")
            job.update(actions=[CertificateJob.issued.set(issued), CertificateJob.skipped.set(skipped)])
        else:
            spec = _spec(job.matter_type)
            for rows, cursor in _earning_rows(job, spec):
                outcomes = [issue_for(decl_id, job) for decl_id in rows]
                n = sum(o == "issued" for o in outcomes)
                job.update(actions=[CertificateJob.issued.add(n), CertificateJob.skipped.add(len(rows) - n),
                                    CertificateJob.cursor.set(cursor)])
    except Exception:
        log.exception("certificate job failed", extra={"fields": {"job": job_id}})
        raise                      # the message comes back; the job resumes from its cursor
    job.update(actions=[CertificateJob.state.set("done"), CertificateJob.finished_at.set(now_iso())])
    return "done"


def province_only(principal: Principal) -> Principal:
    return principal.require(ROLE_PROVINCE)
