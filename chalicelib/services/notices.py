"""申报通知: the provincial office drafts, edits, publishes and withdraws; applicants read."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

from chalicelib import clock, storage
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.identity import ROLE_PROVINCE, Principal
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.notices import (NOTICE_DRAFT, NOTICE_PUBLISHED, NOTICE_WITHDRAWN, OFFICE_LIST, Notice,
                                       NoticeFile)
from chalicelib.pagination import decode, page_size, query_page

if TYPE_CHECKING:
    from chalicelib.schemas.notices import NoticeIn

NOTICE_MISSING = NotFound("申报通知不存在", code="NOTICE_NOT_FOUND")
STATUS_LABELS = {NOTICE_DRAFT: "未发布", NOTICE_PUBLISHED: "已发布", NOTICE_WITHDRAWN: "已撤回"}


def is_open(notice: Notice, at: dt.datetime | None = None) -> bool:
    at = at or clock.now()
    return notice.status == NOTICE_PUBLISHED and clock.parse_iso(notice.opens_at) <= at < clock.parse_iso(notice.closes_at)


def view(notice: Notice, full: bool = True) -> dict:
    data = {"notice_id": notice.notice_id, "title": notice.title, "matter_type": notice.matter_type,
            "year": notice.year, "source": notice.source, "publish_date": notice.publish_date,
            "opens_at": notice.opens_at, "closes_at": notice.closes_at, "status": notice.status,
            "status_label": STATUS_LABELS[notice.status], "window_open": is_open(notice),
            "version": notice.version}
    if full:
        data["body"] = notice.body
        data["files"] = [{"name": f.name, "key": f.key} for f in notice.files or []]
    return data


def load(notice_id: str) -> Notice:
    with db_errors(not_found=NOTICE_MISSING):
        return Notice.get(*Notice.key(notice_id))


def _apply(notice: Notice, data: NoticeIn) -> None:
    notice.title, notice.matter_type, notice.year = data.title, data.matter_type, str(data.year)
    notice.source, notice.body = data.source, data.body
    if data.files is not None:
        notice.files = _listed_files(notice, data.files)
    notice.opens_at, notice.closes_at = clock.iso(data.opens_at, "seconds"), clock.iso(data.closes_at, "seconds")


FILE_UNKNOWN = ValidationFailed("通知附件须通过“上传附件”上传并核验通过后才能列入", code="NOTICE_FILE_UNKNOWN")


def _listed_files(notice: Notice, listed) -> list:
    """The office may rename, reorder or drop the notice's attachments, never point one at an object
    of its choosing (another applicant's ID card): every key must be one the server stored for this
    very notice after a verified upload (file_complete), i.e. already on the notice."""
    stored = {f.key for f in notice.files or [] if f.key}
    prefix = f"notices/{notice.notice_id}/"
    files = []
    for f in listed:
        if f.key is not None and (f.key not in stored or not f.key.startswith(prefix)):
            raise FILE_UNKNOWN
        files.append(NoticeFile(name=f.name, key=f.key))
    return files


def create(principal: Principal, data: NoticeIn) -> dict:
    principal.require(ROLE_PROVINCE)
    now = now_iso()
    notice_id = uuid.uuid4().hex
    pk, sk = Notice.key(notice_id)
    notice = Notice(pk=pk, sk=sk, notice_id=notice_id, status=NOTICE_DRAFT, created_at=now,
                    updated_at=now)
    notice.list_for_office()
    _apply(notice, data)
    with db_errors():
        with transaction() as tx:
            tx.save(notice)
            AuditRecord.append(tx, f"NOTICE#{notice_id}", "notice.create", principal)
    return view(notice)


def _change(principal: Principal, notice: Notice, action: str) -> dict:
    notice.updated_at = now_iso()
    with db_errors(conflict=Conflict("通知已被他人修改，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction() as tx:
            tx.save(notice)  # version-guarded
            AuditRecord.append(tx, f"NOTICE#{notice.notice_id}", action, principal)
    return view(notice)


def _checked(notice: Notice, expected_version: int | None) -> Notice:
    if expected_version is not None and expected_version != notice.version:
        raise Conflict("通知已被他人修改，请刷新后重试", code="VERSION_CONFLICT",
                       details={"current_version": notice.version})
    return notice


def update(principal: Principal, notice_id: str, data: NoticeIn, expected_version: int | None) -> dict:
    principal.require(ROLE_PROVINCE)
    notice = _checked(load(notice_id), expected_version)
    if notice.status != NOTICE_DRAFT and data.matter_type != notice.matter_type:
        # declarations under it (and the applicant's menu) belong to the notice's matter
        raise Conflict("通知已发布，不能更改事项类型；如需发布其他事项的申报通知，请新建通知",
                       code="NOTICE_MATTER_FIXED",
                       details=[{"field": "matter_type", "message": "事项类型：已发布的通知不能更改"}])
    _apply(notice, data)
    if notice.status == NOTICE_PUBLISHED:
        notice.list_published(restamp=False)
    return _change(principal, notice, "notice.update")


def publish(principal: Principal, notice_id: str, expected_version: int | None) -> dict:
    principal.require(ROLE_PROVINCE)
    notice = _checked(load(notice_id), expected_version)
    if notice.status == NOTICE_PUBLISHED:
        raise Conflict("通知已发布", code="ALREADY_PUBLISHED")
    notice.status = NOTICE_PUBLISHED
    notice.publish_date = clock.today_local().isoformat()
    notice.list_published()
    return _change(principal, notice, "notice.publish")


def withdraw(principal: Principal, notice_id: str, expected_version: int | None) -> dict:
    principal.require(ROLE_PROVINCE)
    notice = _checked(load(notice_id), expected_version)
    if notice.status != NOTICE_PUBLISHED:
        raise Conflict("只有已发布的通知可以撤回", code="NOT_PUBLISHED")
    notice.status = NOTICE_WITHDRAWN
    notice.unlist()
    return _change(principal, notice, "notice.withdraw")


def list_published(principal: Principal, matter_type: str, year: str | None, cursor, limit) -> dict:
    """Applicants (and everyone signed in): the year's published notices, newest first."""
    year = year or str(clock.today_local().year)
    start = decode(cursor, "GSI1PK", Notice.list_key(year))
    with db_errors():
        return query_page(lambda **kw: Notice.published(year, matter_type, **kw),
                          page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"),
                          lambda n: view(n, full=False))


def list_all(principal: Principal, cursor, limit) -> dict:
    """The office's own list: drafts and withdrawn ones too."""
    principal.require(ROLE_PROVINCE)
    start = decode(cursor, "GSI2PK", OFFICE_LIST)
    with db_errors():
        return query_page(lambda **kw: Notice.office_list(scan_index_forward=False, **kw),
                          page_size(limit), start, ("PK", "SK", "GSI2PK", "GSI2SK"),
                          lambda n: view(n, full=False))


def read(principal: Principal, notice_id: str) -> dict:
    notice = load(notice_id)
    if notice.status != NOTICE_PUBLISHED and principal.role != ROLE_PROVINCE:
        raise NOTICE_MISSING
    return view(notice)


def require_open(notice_id: str, notice: Notice | None = None) -> Notice:
    """A declaration can start only from a published notice whose window is open (`notice`: the
    item when the caller read it already, or None when it was not found by that read)."""
    if notice is None:
        notice = load(notice_id)
    if notice.status != NOTICE_PUBLISHED:
        raise NOTICE_MISSING
    if not is_open(notice):
        raise Conflict("不在申报时间内，不能申报", code="WINDOW_CLOSED")
    return notice


# --- notice attachments (附件) ------------------------------------------------------------------

NOTICE_FILE_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
NOTICE_FILE_MAX = 20000 * 1024
UPLOADER_FIELD = "x-amz-meta-uploader"


def file_slot(principal: Principal, notice_id: str, file_name: str, content_type: str, size: int) -> dict:
    """A presigned POST for a notice attachment (verified like every other upload)."""
    principal.require(ROLE_PROVINCE)
    load(notice_id)
    if content_type not in NOTICE_FILE_TYPES:
        raise ValidationFailed("通知附件只能上传pdf、png、jpg格式的文件", code="TYPE_NOT_ALLOWED")
    if size > NOTICE_FILE_MAX:
        raise ValidationFailed("上传的文件不能超过20000KB", code="TOO_LARGE")
    file_id = uuid.uuid4().hex
    key = f"incoming/notices/{notice_id}/{file_id}.{NOTICE_FILE_TYPES[content_type]}"
    # The slot belongs to the caller: the signed policy pins the uploader's id into the object's
    # metadata, and only that caller can complete it (file_complete).
    owner = {UPLOADER_FIELD: principal.subject}
    return {"file_id": file_id, "upload": storage.post_form(key, content_type, NOTICE_FILE_MAX, 600, fields=owner)}


def _slot_owned(principal: Principal, key: str) -> None:
    """The object at key was posted through a slot this caller was given."""
    from botocore.exceptions import ClientError

    from chalicelib import aws, config

    try:
        head = aws.s3().head_object(Bucket=config.ATTACHMENTS_BUCKET, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            raise ValidationFailed("未找到上传的文件，请重新上传", code="NOT_FOUND") from exc
        raise
    if (head.get("Metadata") or {}).get(UPLOADER_FIELD.removeprefix("x-amz-meta-")) != principal.subject:
        raise NotFound("附件不存在", code="FILE_NOT_FOUND")


def file_complete(principal: Principal, notice_id: str, file_id: str, file_name: str, content_type: str) -> dict:
    from chalicelib import aws, config
    from chalicelib.uploads.verify import verify_object

    principal.require(ROLE_PROVINCE)
    notice = load(notice_id)
    if content_type not in NOTICE_FILE_TYPES or not file_id.isalnum():
        raise ValidationFailed("附件信息有误", code="BAD_FILE")
    ext = NOTICE_FILE_TYPES[content_type]
    final = f"notices/{notice_id}/{file_id}.{ext}"
    if not any(f.key == final for f in notice.files or []):
        _slot_owned(principal, f"incoming/notices/{notice_id}/{file_id}.{ext}")
        verdict = verify_object(aws.s3(), config.ATTACHMENTS_BUCKET, f"incoming/notices/{notice_id}/{file_id}.{ext}",
                                declared_type=content_type, allowed_types=frozenset(NOTICE_FILE_TYPES),
                                max_bytes=NOTICE_FILE_MAX, dest_key=final)
        if not verdict.ok:
            raise ValidationFailed(verdict.message, code=verdict.code)
        notice.files = list(notice.files or []) + [NoticeFile(name=file_name[:200], key=final)]
        _change(principal, notice, "notice.file")
    return view(notice)


def file_link(principal: Principal, notice_id: str, index: int) -> dict:
    notice = load(notice_id)
    if notice.status != NOTICE_PUBLISHED and principal.role != ROLE_PROVINCE:
        raise NOTICE_MISSING
    files = notice.files or []
    if not 0 <= index < len(files) or not files[index].key:
        raise NotFound("附件不存在", code="FILE_NOT_FOUND")
    url = storage.download_url(files[index].key, 300)
    return {"url": url, "file_name": files[index].name, "expires_in": 300}
