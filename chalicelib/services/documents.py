"""业务表册信息 and exports: the 申报表 PDF, the 一览表, and results spreadsheets.

Files are written to S3 and handed out by short-lived presigned GET (never through Lambda:
binary responses differ between local and deployed Chalice). Large exports run as a job on the
export queue (functions/exports.py) and stream rows, so memory does not grow with the row count.
"""
import os
import tempfile
import uuid

from chalicelib import aws, clock, config, jobs, storage
from chalicelib import identifiers as ids
from chalicelib.errors import NotFound
from chalicelib.identity import ROLE_PROVINCE, UNIT_ROLES, Principal
from chalicelib.logs import get_logger
from chalicelib.matters.definition import DECLARATION_FORM, SUMMARY_TABLE
from chalicelib.models.base import db_errors, now_iso
from chalicelib.models.declarations import STATUS_LABELS, Declaration
from chalicelib.models.exports import ExportJob
from chalicelib.services import declaration_aggregate as aggregate

log = get_logger("talent.documents")
LINK_SECONDS = 300
JOB_MISSING = NotFound("导出任务不存在", code="EXPORT_NOT_FOUND")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _link(key: str, file_name: str, content_type: str) -> dict:
    url = storage.download_url(key, LINK_SECONDS, content_type=content_type, file_name=file_name)
    return {"url": url, "file_name": file_name, "expires_in": LINK_SECONDS}


def declaration_form(principal: Principal, decl_id: str) -> dict:
    """享受人才分类定级待遇对象评定申报表 (PDF) for the owner and reviewers on the route."""
    from chalicelib.documents import declaration_pdf

    part = aggregate.readable(principal, decl_id)
    view = aggregate.full_view(part, mask=False)
    photo = None
    shots = part.verified(part.definition.photo_category) if part.definition.photo_category else []
    if shots:
        from botocore.exceptions import ClientError

        try:   # the photo is ≤ 2000 KB by its rule; read bounded anyway
            photo = aws.s3().get_object(Bucket=config.ATTACHMENTS_BUCKET,
                                        Key=shots[0].s3_key)["Body"].read(2_100_000)
        except ClientError:
            log.warning("photo object missing", extra={"fields": {"decl": decl_id}})
    pdf = declaration_pdf.render(view, part.definition, photo)
    key = f"forms/{decl_id}/{uuid.uuid4().hex}.pdf"
    aws.s3().put_object(Bucket=config.ATTACHMENTS_BUCKET, Key=key, Body=pdf, ContentType="application/pdf")
    label = part.definition.form_label(DECLARATION_FORM)
    return _link(key, f"{label}-{part.meta.person_name}.pdf", "application/pdf")


def summary_row(meta: Declaration, full_id: bool, basic: dict | None, definition) -> tuple:
    """One 一览表 row in spreadsheets.summary_columns(definition) order (after 序号)."""
    from chalicelib.documents import spreadsheets

    basic = basic or {}
    keys = [k for k, _ in definition.summary_fields]
    own = tuple((meta.applied_level or basic.get("applied_level") or "") if k == "applied_level"
                else _display(basic.get(k)) for k in keys)
    return (meta.person_name, meta.id_number if full_id else ids.mask_id_number(meta.id_number),
            meta.unit_name) + own + ((meta.submitted_at or meta.created_at)[:10], STATUS_LABELS[meta.status])


def _display(value) -> str:
    if value is None:
        return ""
    return "是" if value is True else "否" if value is False else str(value)


def summary_table(principal: Principal, decl_id: str) -> dict:
    """享受人才分类定级待遇对象评定一览表 (XLSX) of one declaration."""
    from chalicelib.documents import spreadsheets

    part = aggregate.readable(principal, decl_id)
    full = principal.is_applicant      # the applicant's own number; reviewers get it masked
    row = summary_row(part.meta, full, part.definition.identity_content(part.modules), part.definition)
    label = part.definition.form_label(SUMMARY_TABLE)
    key = f"forms/{decl_id}/{uuid.uuid4().hex}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.xlsx")
        spreadsheets.write_rows(path, "一览表", label, spreadsheets.summary_columns(part.definition), [row])
        aws.s3().upload_file(path, config.ATTACHMENTS_BUCKET, key)
    return _link(key, f"{label}-{part.meta.person_name}.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def summary_table_for(principal: Principal, decl_ids: list) -> dict:
    """一览表 of a unit's selection: one row per declaration the caller may read (others refused)."""
    from chalicelib.documents import spreadsheets

    principal.require(*UNIT_ROLES)
    rows, definition = [], None
    for decl_id in dict.fromkeys(decl_ids):
        part = aggregate.readable(principal, decl_id)     # 404 for any not routed to the caller
        if definition is not None and part.definition.code != definition.code:
            from chalicelib.errors import ValidationFailed

            raise ValidationFailed("一览表只能导出同一事项的申报，请按事项分别选择", code="MIXED_MATTERS")
        definition = part.definition
        rows.append(summary_row(part.meta, False, definition.identity_content(part.modules), definition))
    label = definition.form_label(SUMMARY_TABLE)
    key = f"forms/selection/{uuid.uuid4().hex}.xlsx"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "summary.xlsx")
        spreadsheets.write_rows(path, "一览表", label, spreadsheets.summary_columns(definition), rows)
        aws.s3().upload_file(path, config.ATTACHMENTS_BUCKET, key)
    return _link(key, f"{label}-{len(rows)}人.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# --- results export jobs ---------------------------------------------------------------------

def start_results_export(principal: Principal, data) -> dict:
    """导出 (manual 001 §3.7.2): the whole selection of the caller's results filters, or the chosen
    rows (per-row 导出 / the ticked ones). The job keeps the filters (证件号码 as its keyed hash)."""
    from chalicelib.services import results

    principal.require(*UNIT_ROLES)
    filters = results.normalize_filters(principal, data.model_dump(exclude={"decl_ids"}))
    if data.decl_ids:
        filters["decl_ids"] = list(dict.fromkeys(data.decl_ids))
    # Exports by permission only: full ID numbers for the legal-person account and the office.
    full = principal.is_legal or principal.role == ROLE_PROVINCE
    return queue_export(principal, "results", filters, full)


def queue_export(principal: Principal, kind: str, filters: dict, full_ids: bool) -> dict:
    """Save an export job of `kind` (its filters as the caller chose them) and queue it for the
    export worker; a job that could not be queued is marked failed (the client retries)."""
    job_id = uuid.uuid4().hex
    pk, sk = ExportJob.key(job_id)
    job = ExportJob(pk=pk, sk=sk, job_id=job_id, kind=kind, owner_id=principal.subject,
                    unit_code=principal.unit_code, full_ids="1" if full_ids else "0", filters=filters,
                    state="queued", created_at=now_iso(), expires_at=clock.epoch_seconds() + 7 * 86400)
    jobs.enqueue(job, config.EXPORT_QUEUE_URL, "export", "提交导出任务失败，请重试")
    return job_view(job)


def job_view(job: ExportJob, link: dict | None = None) -> dict:
    return {"job_id": job.job_id, "kind": job.kind, "state": job.state, "rows": job.rows,
            "filters": job.filters, "created_at": job.created_at, "finished_at": job.finished_at,
            "error": job.error, "download": link}


def get_job(principal: Principal, job_id: str) -> dict:
    with db_errors(not_found=JOB_MISSING):
        job = ExportJob.get(*ExportJob.key(job_id))
    if job.owner_id != principal.subject or job.unit_code != principal.unit_code:
        raise JOB_MISSING
    link = None
    if job.state == "done":
        link = _link(job.s3_key, _sheet(job).file_name, XLSX)
    return job_view(job, link)


class Sheet:
    """What an export job writes: sheet and file names, title line, columns and the row stream."""

    def __init__(self, name: str, title: str, file_name: str, columns, rows):
        self.name, self.title, self.file_name, self.columns, self.rows = name, title, file_name, columns, rows


def _sheet(job: ExportJob) -> Sheet:
    """The export of a job by its kind: results (here) or certificates (services/certificates)."""
    if job.kind == "certificates":
        from chalicelib.services.certificates import exporting

        return exporting.sheet(job, Sheet)
    from chalicelib.documents import spreadsheets

    f = job.filters
    name = _export_name(f)
    return Sheet(name[:31], f"{name}（{f['year']}年，评定状态：{f.get('result') or '全部'}）",
                 f"{name}-{f['year']}-{f.get('result') or '全部'}.xlsx",
                 spreadsheets.result_columns(_export_definition(f)),
                 lambda: result_rows(job.unit_code, f, job.full_ids == "1"))


def _export_definition(filters: dict):
    from chalicelib.matters import registry

    return registry.get(filters.get("matter_type") or registry.DEFAULT_MATTER, include_disabled=True)


def _export_name(filters: dict) -> str:
    """分类定级人才 (人才分类定级评定, as manual 001 names the file), otherwise the matter's name."""
    from chalicelib.documents import spreadsheets

    d = _export_definition(filters)
    return "分类定级人才" if d.has_talent_category else f"{d.name}评审结果"


def result_rows(viewer: str, filters: dict, full_ids: bool, page: int = 500):
    """Stream the export's rows from the caller's results rows (services/results.py): the chosen
    declarations one GetItem each, or the whole filtered selection page by page."""
    from chalicelib.models.results import ResultRow
    from chalicelib.services import results

    if filters.get("decl_ids"):
        def chosen():
            for decl_id in filters["decl_ids"]:
                try:
                    yield ResultRow.get(*ResultRow.key(decl_id, viewer))
                except ResultRow.DoesNotExist:
                    continue      # not visible at this level: never exported
        rows = chosen()
    else:
        rows = results.stream_rows(viewer, filters, page)
    from chalicelib.documents import spreadsheets

    with_category = _export_definition(filters).has_talent_category
    for row in rows:
        yield result_row(row, full_ids, with_category)


def result_row(row, full_ids: bool, with_category: bool = True) -> tuple:
    """One spreadsheet row in spreadsheets.result_columns order (after 序号); 申报日期 in Beijing
    time. Typed text is neutralised so a spreadsheet never reads it as a formula (OWASP CSV/formula
    injection). 人才认定分类 only for a matter that has it."""
    from chalicelib.services.results import result_states

    category = (plain(row.talent_category),) if with_category else ()
    return (plain(row.person_name), row.id_number if full_ids else ids.mask_id_number(row.id_number),
            plain(row.unit_name), plain(row.applied_level)) + category + (
            clock.beijing_date(row.submitted_at), f"第{row.round or 1}轮申报",
            row.result or result_states(row.matter_type)[0], plain(row.result_level))


def plain(text: str | None) -> str:
    text = text or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def run_export(job_id: str) -> str:
    """The export worker: rows → temp XLSX (constant memory) → S3; progress on the job."""
    from chalicelib.documents import spreadsheets

    job = jobs.begin(ExportJob, job_id, JOB_MISSING)
    if isinstance(job, str):
        return job

    def progress(n):
        job.update(actions=[ExportJob.rows.set(n)])

    key = f"exports/{job.unit_code}/{job_id}.xlsx"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "export.xlsx")
            sheet = _sheet(job)
            count = spreadsheets.write_rows(path, sheet.name, sheet.title, sheet.columns, sheet.rows(), progress)
            aws.s3().upload_file(path, config.ATTACHMENTS_BUCKET, key)
    except Exception:
        log.exception("export failed", extra={"fields": {"job": job_id}})
        job.update(actions=[ExportJob.state.set("failed"), ExportJob.error.set("导出失败，请重试"),
                            ExportJob.finished_at.set(now_iso())])
        raise
    job.update(actions=[ExportJob.state.set("done"), ExportJob.rows.set(count), ExportJob.s3_key.set(key),
                        ExportJob.finished_at.set(now_iso())])
    return "done"
