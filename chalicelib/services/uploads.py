"""Photo and attachment uploads: slots (presigned POST), verification, listing, download, delete.

Files never pass through Lambda. The client gets a presigned POST for a key it cannot choose,
posts the file to S3 under incoming/, and the file counts only after verification by content,
run from the S3 event (functions/verify_upload.py) and from the client's "complete" call: the
same idempotent code. A claim (pending → verifying) makes sure only one runner verifies.

The "complete" call stays cheap: it verifies PDFs and small images inline, but an image over
INLINE_MAX_PIXELS (a 20-megapixel JPEG costs ≈0.4 s and +154 MiB to decode) is left to the
S3-event verifier, sized for it; "complete" then waits (bounded) for that verdict and otherwise
returns the pending state, which the client polls (calling "complete" again is safe). The local
stack's worker delivers the same S3 events, so it behaves the same.

A presigned POST stays usable until it expires (on AWS too): bytes re-POSTed after the verdict
raise another S3 event, whose run deletes them (on_object_created); the verifier itself copies
exactly the bytes it checked (chalicelib/uploads/verify.py).
"""
import datetime as dt
import re
import time
import uuid

from pynamodb.expressions.operand import Path

from chalicelib import aws, clock, config, storage
from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, Principal
from chalicelib.logs import get_logger
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.declarations import Attachment, AttachmentCount, DeclarationModule
from chalicelib.services import attachments_cleanup
from chalicelib.services import declaration_aggregate as aggregate

log = get_logger("talent.uploads")

POST_EXPIRES = 600          # seconds a presigned POST stays valid
GET_EXPIRES = 300           # seconds a download link stays valid
CLAIM_STALE = dt.timedelta(minutes=3)
TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/x-ms-bmp": "image/bmp", "image/x-bmp": "image/bmp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/bmp": "bmp", "application/pdf": "pdf"}
ATTACHMENT_MISSING = NotFound("附件不存在", code="ATTACHMENT_NOT_FOUND")
MULTIPART_THRESHOLD = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
FINAL = ("verified", "rejected")
# Images with more pixels than this are verified by the S3-event verifier, not in the API request.
INLINE_MAX_PIXELS = config.UPLOAD_INLINE_MAX_PIXELS
# PDFs over this are read whole (and rebuilt when they carry active content) by the S3-event
# verifier, not in the API request (a 50 MB rebuild: see README "Measured").
INLINE_MAX_PDF_BYTES = 10 * 1024 * 1024
VERDICT_WAIT = config.UPLOAD_VERDICT_WAIT_SECONDS    # bounded wait for another run
POLL_SECONDS = 0.2
VERIFIER = Principal(subject="system:upload-verifier", role="system", name="文件核验")
PARTS_MISMATCH = ("PART_SIZE", "分片大小与申请的文件大小不符，请重新上传")


def _module_of(rule: dict) -> str:
    return rule["module"]


def editable_module(part, rule: dict) -> DeclarationModule:
    """The module a file of `rule` belongs to, while the applicant may still change it (an upload,
    a delete, or a file given before: services/given.py)."""
    module = part.modules.get(_module_of(rule))
    if module is None or not module.editable:
        raise Conflict("该模块当前不可修改，不能上传或删除附件", code="DECLARATION_LOCKED")
    return module


def _kb(n: int) -> str:
    return f"{n}KB"


# What a file name may end with for each accepted type (manual 000: “只能上传png,jpg,bmp,jpeg,pdf格式的文件”).
NAME_EXTENSIONS = {"image/png": {"png"}, "image/jpeg": {"jpg", "jpeg", "jpe"}, "image/bmp": {"bmp", "dib"},
                   "application/pdf": {"pdf"}}
# An extension is letters first (“a.exe”, “a.docx”); “证书2022.05.20” has none, and passes.
_NAME_EXTENSION = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,4})$")


def name_as_opened(file_name: str) -> str:
    """The name a desktop opens the file under (issue 28 item 6): NFKC (“ｅｘｅ” → “exe”, “．” → “.”),
    invisible characters removed (“photo.e\u200bxe” is shown, and compared by people, as photo.exe),
    and trailing dots and spaces dropped, as Windows does (“photo.exe.” opens as photo.exe)."""
    import unicodedata

    from chalicelib.text import without_invisible

    name = without_invisible(unicodedata.normalize("NFKC", without_invisible(file_name)))
    return re.sub(r"[.\s]+$", "", name)


def check_file(rule: dict, content_type: str, size: int, file_name: str | None = None) -> str:
    content_type = TYPE_ALIASES.get(content_type.lower(), content_type.lower())
    allowed = ",".join(EXTENSIONS[t] for t in rule["types"])
    if content_type not in rule["types"]:
        raise ValidationFailed(f"只能上传{allowed}格式的文件", code="TYPE_NOT_ALLOWED")
    named = _NAME_EXTENSION.search(name_as_opened(file_name or ""))
    if named and named.group(1).lower() not in NAME_EXTENSIONS[content_type]:
        # a verified PNG named “a.exe” would be downloaded under that name
        raise ValidationFailed(f"只能上传{allowed}格式的文件", code="TYPE_NOT_ALLOWED")
    if size > rule["max_kb"] * 1024:
        raise ValidationFailed(f"上传的文件不能超过{_kb(rule['max_kb'])}", code="TOO_LARGE")
    return content_type


def request_slot(principal: Principal, decl_id: str, category: str, entry_id: str | None,
                 slot: str | None, file_name: str, content_type: str, size: int) -> dict:
    """Refuse what breaks a rule before any upload; otherwise a presigned POST (or multipart)."""
    part = aggregate.owned(principal, decl_id)
    rule = part.definition.attachment(category)
    if rule.get("reviewer"):
        raise NotFound("附件类别不存在", code="ATTACHMENT_CATEGORY_NOT_FOUND")
    content_type = check_file(rule, content_type, size, file_name)
    module = editable_module(part, rule)
    if category == "photo" and not module.saved_at:
        raise Conflict("请先保存基本信息，再上传近期照片", code="BASIC_NOT_SAVED")
    if rule.get("per_entry"):
        if not any(e.get("id") == entry_id for e in module.content or []):
            raise ValidationFailed("请先保存该条信息，再上传附件", code="ENTRY_NOT_SAVED")
    else:
        entry_id = None
    if slot is not None and slot not in rule.get("slots", []):
        raise ValidationFailed("附件位置不正确", code="BAD_SLOT")
    return create_slot(part, rule, entry_id, slot, file_name, content_type, size)


def create_slot(part, rule: dict, entry_id, slot, file_name: str, content_type: str, size: int) -> dict:
    decl_id, category = part.meta.decl_id, rule["category"]
    live = [a for a in part.attachments if a.category == category and a.entry_id == entry_id
            and a.state in ("pending", "verifying", "verified")]
    if len(live) >= rule["max_count"]:
        raise Conflict(f"数量要求：最多上传{rule['max_count']}个", code="COUNT_LIMIT")
    if slot is not None and any(a.slot == slot for a in live):
        # 身份证 has one 正面 and one 反面 (manual 000): a taken slot is emptied first (the web does)
        raise Conflict(f"{rule['label']}{slot}已上传，请先删除后重新上传", code="SLOT_TAKEN")
    max_bytes = rule["max_kb"] * 1024
    attachment_id = uuid.uuid4().hex
    ext = EXTENSIONS[content_type]
    incoming = f"incoming/{decl_id}/{category}/{attachment_id}.{ext}"
    final = f"decl/{decl_id}/{category}/{attachment_id}.{ext}"
    pk, sk = Attachment.key(decl_id, category, attachment_id)
    att = Attachment(pk=pk, sk=sk, decl_id=decl_id, attachment_id=attachment_id, category=category,
                     entry_id=entry_id, slot=slot, file_name=file_name, content_type=content_type,
                     declared_size=size, incoming_key=incoming, s3_key=final, state="pending",
                     thumbnail_key=f"decl/{decl_id}/{category}/{attachment_id}.thumb.jpg"
                     if rule.get("thumbnail") else None, created_at=now_iso())
    if size > MULTIPART_THRESHOLD:
        created = aws.s3().create_multipart_upload(Bucket=config.ATTACHMENTS_BUCKET, Key=incoming,
                                                   ContentType=content_type)
        att.multipart_upload_id = created["UploadId"]
    with db_errors():
        att.save(condition=Attachment.pk.does_not_exist())
    if att.multipart_upload_id:
        upload = {"method": "multipart", "upload_id": att.multipart_upload_id, "part_size": PART_SIZE,
                  "parts": part_urls(att, range(1, -(-size // PART_SIZE) + 1))}
    else:
        upload = storage.post_form(incoming, content_type, max_bytes, POST_EXPIRES)
    return {"attachment": aggregate.attachment_view(att), "upload": upload,
            "expires_in": POST_EXPIRES, "max_bytes": max_bytes}


def part_sizes(declared_size: int) -> list:
    """The exact size of each part of a file of declared_size bytes (the last one is the rest)."""
    count = -(-declared_size // PART_SIZE)
    return [PART_SIZE] * (count - 1) + [declared_size - PART_SIZE * (count - 1)]


def part_urls(att: Attachment, numbers) -> list:
    """Presigned PUT URLs for multipart parts: a phone on a mobile network resumes by part.

    Each URL signs the part's exact Content-Length (SignedHeaders=content-length;host), so S3 refuses
    a part of any other size: a part cannot be bigger than the slot allows (issue 16 item 6).
    "complete" checks the sizes again before assembling (moto does not check signatures)."""
    sizes = part_sizes(att.declared_size)
    return [{"part_number": n, "size": sizes[n - 1],
             "url": storage.part_url(att.incoming_key, att.multipart_upload_id, n, sizes[n - 1], POST_EXPIRES)}
            for n in numbers if 1 <= n <= len(sizes)]


def _load(decl_id: str, attachment_id: str) -> Attachment:
    return _load_with_definition(decl_id, attachment_id)[0]


def _load_with_definition(decl_id: str, attachment_id: str):
    """The attachment and its declaration's matter definition, from the same one Query."""
    part = aggregate.load_partition(decl_id)
    att = next((a for a in part.attachments if a.attachment_id == attachment_id), None)
    if att is None:
        raise ATTACHMENT_MISSING
    return att, part.definition


def _owned(principal: Principal, decl_id: str, attachment_id: str):
    part = aggregate.owned(principal, decl_id)
    att = next((a for a in part.attachments if a.attachment_id == attachment_id), None)
    if att is None:
        raise ATTACHMENT_MISSING
    return part, att


def resume_parts(principal: Principal, decl_id: str, attachment_id: str) -> dict:
    """Which parts S3 already has, and fresh URLs for the rest."""
    _, att = _owned(principal, decl_id, attachment_id)
    if not att.multipart_upload_id or att.state != "pending":
        raise Conflict("该附件不是分片上传或已完成", code="NOT_MULTIPART")
    done = aws.s3().list_parts(Bucket=config.ATTACHMENTS_BUCKET, Key=att.incoming_key,
                               UploadId=att.multipart_upload_id).get("Parts", [])
    have = {p["PartNumber"] for p in done}
    total = -(-att.declared_size // PART_SIZE)
    return {"uploaded": sorted(have),
            "parts": part_urls(att, [n for n in range(1, total + 1) if n not in have])}


def complete(principal: Principal, decl_id: str, attachment_id: str) -> dict:
    """The client's "complete" call: finish a multipart upload if any, then verify.

    AWS calls (a small file verified inline): the declaration's one Query (ownership, the
    attachment, the matter's rules), the claim (UpdateItem: one verifier at a time, before the
    S3 reads), the S3 calls, the accept transaction; the answer is built from what was written."""
    part, att = _owned(principal, decl_id, attachment_id)
    if att.multipart_upload_id and att.state == "pending":
        _assemble(att)
        return aggregate.attachment_view(verify(decl_id, attachment_id))   # assembling may have rejected it
    return aggregate.attachment_view(verify(decl_id, attachment_id, loaded=(att, part.definition)))


def _assemble(att: Attachment) -> None:
    """Complete the multipart upload, only from parts of exactly the sizes that were signed; a
    mismatch aborts the upload (S3 drops every part) and rejects the attachment."""
    from botocore.exceptions import ClientError

    s3 = aws.s3()
    try:
        parts = s3.list_parts(Bucket=config.ATTACHMENTS_BUCKET, Key=att.incoming_key,
                              UploadId=att.multipart_upload_id).get("Parts", [])
    except ClientError as exc:
        # Already assembled by an earlier "complete" (the client polls while a big image waits for
        # the S3-event verifier): nothing left to assemble, verification goes on as usual.
        if exc.response.get("Error", {}).get("Code") == "NoSuchUpload":
            return
        raise
    if not parts:
        raise Conflict("文件尚未上传完成", code="UPLOAD_INCOMPLETE")
    sizes = part_sizes(att.declared_size)
    if any(not 1 <= p["PartNumber"] <= len(sizes) or p["Size"] != sizes[p["PartNumber"] - 1] for p in parts):
        s3.abort_multipart_upload(Bucket=config.ATTACHMENTS_BUCKET, Key=att.incoming_key,
                                  UploadId=att.multipart_upload_id)
        claim_time = _claim(att)
        if claim_time:
            _reject(att, *PARTS_MISMATCH, claim_time)
        return
    if len(parts) < len(sizes):
        raise Conflict("文件尚未上传完成", code="UPLOAD_INCOMPLETE")
    s3.complete_multipart_upload(
        Bucket=config.ATTACHMENTS_BUCKET, Key=att.incoming_key, UploadId=att.multipart_upload_id,
        MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]})


def _claim(att: Attachment) -> str | None:
    """pending (or a stale verifying claim) → verifying; the claim's time, or None if not won."""
    now = clock.now()
    stale = (now - CLAIM_STALE).isoformat()
    claim_time = now.isoformat()
    try:
        with db_errors():
            att.update(actions=[Attachment.state.set("verifying"), Attachment.claimed_at.set(claim_time)],
                       condition=(Attachment.state == "pending") |
                                 ((Attachment.state == "verifying") & (Attachment.claimed_at < stale)))
    except Conflict:
        return None
    return claim_time


def verify(decl_id: str, attachment_id: str, *, inline: bool = True, wait: float | None = None,
           loaded: tuple | None = None) -> Attachment:
    """Idempotent verification shared by the S3 event (inline=False) and the complete calls.

    Whoever claims verifies; the others wait (bounded) for that verdict, so the client usually
    gets a final state in one call. With inline=True an image over INLINE_MAX_PIXELS is released
    to the S3-event verifier and this call only waits for its verdict. Every step is retryable:
    a failure releases the claim, and an object already moved out of incoming/ is verified again
    where it lies, to the same verdict. `loaded` is (attachment, definition) the caller has just
    read: the first round uses it (the claim's condition guards against it being stale)."""
    deadline = time.monotonic() + (VERDICT_WAIT if wait is None else wait)
    deferred = False
    while True:
        att, definition = loaded or _load_with_definition(decl_id, attachment_id)
        loaded = None
        if att.state in FINAL:
            return att
        if not deferred:
            claim_time = _claim(att)
            if claim_time:
                done = _run(att, definition, claim_time, inline)
                if done is not None:
                    return done
                deferred = True
        if time.monotonic() >= deadline:
            return att
        time.sleep(POLL_SECONDS)


def _run(att: Attachment, definition, claim_time: str, inline: bool) -> Attachment | None:
    from chalicelib.uploads.verify import verify_object   # deferred: Pillow only where used

    rule = definition.attachment(att.category)
    # Reviewers' reports count per task (entry T<round>-<level>), like per-entry attachments.
    try:
        verdict = verify_object(aws.s3(), config.ATTACHMENTS_BUCKET, att.incoming_key,
                                declared_type=att.content_type, allowed_types=frozenset(rule["types"]),
                                max_bytes=rule["max_kb"] * 1024, dest_key=att.s3_key,
                                thumbnail_key=att.thumbnail_key,
                                max_inline_pixels=INLINE_MAX_PIXELS if inline else None,
                                max_inline_pdf_bytes=INLINE_MAX_PDF_BYTES if inline else None)
    except Exception:
        _release(att, claim_time)   # S3 failed mid-way: let the next attempt verify again
        raise
    if verdict.code == "DEFERRED":
        _release(att, claim_time)   # the S3-event verifier takes it from here
        return None
    if verdict.ok:
        return _accept(att, rule, verdict, claim_time)
    return _reject(att, verdict.code, verdict.message, claim_time)


def on_object_created(decl_id: str, attachment_id: str, key: str) -> str:
    """The S3 event for an object under incoming/: verify it (no inline bound). Bytes that arrive
    once the attachment has its verdict (a used presigned form posted again) or whose attachment
    is gone are unverified: they are deleted now rather than left for the lifecycle rule."""
    if decl_id == "notices":
        return "ignored"          # incoming/notices/…: notice files, verified by their own complete call
    try:
        att = verify(decl_id, attachment_id, inline=False)
    except NotFound:
        attachments_cleanup.delete_objects([key])
        return "gone"
    if att.state in FINAL:
        attachments_cleanup.delete_objects([key])
    return att.state


def _release(att: Attachment, claim_time: str) -> None:
    try:
        with db_errors():
            att.update(actions=[Attachment.state.set("pending"), Attachment.claimed_at.remove()],
                       condition=(Attachment.state == "verifying") & (Attachment.claimed_at == claim_time))
    except Exception:  # noqa: BLE001 - the claim goes stale after CLAIM_STALE anyway
        log.warning("could not release verification claim", extra={"fields": {"decl": att.decl_id}})


def slot_holder(att: Attachment) -> Path:
    """The attribute of the category's count item naming the verified attachment in a single-file
    slot (身份证 正面/反面): one file per slot, guarded in the accept transaction (issue 28 item 3)."""
    return Path([f"slot:{att.slot}"])


def _slot_holder_of(att: Attachment) -> str | None:
    from chalicelib.models.base import Entity

    pk, sk = AttachmentCount.key(att.decl_id, att.category, att.entry_id)
    with db_errors():
        raw = Entity._get_connection().get_item(pk, sk, consistent_read=True).get("Item", {})
    return raw.get(f"slot:{att.slot}", {}).get("S")


def _accept(att: Attachment, rule: dict, verdict, claim_time: str) -> Attachment:
    """verifying → verified with the count (and the slot, if any) in one transaction. Two requests
    for one slot can both pass request_slot's read (each sees the slot empty); the slot attribute's
    condition here lets exactly one of them be verified: DynamoDB evaluates a transaction's
    conditions and applies its writes atomically, and a concurrent transaction on the same count
    item is cancelled (TransactionConflict) rather than interleaved, so the loser's retry sees the
    holder and is rejected."""
    count = AttachmentCount(*AttachmentCount.key(att.decl_id, att.category, att.entry_id))
    actions = [AttachmentCount.n.add(1), Path("type").set("AttachmentCount")]
    condition = AttachmentCount.n.does_not_exist() | (AttachmentCount.n < rule["max_count"])
    if att.slot is not None:
        actions.append(slot_holder(att).set(att.attachment_id))
        condition = condition & slot_holder(att).does_not_exist()
    verified_at = now_iso()
    try:
        with db_errors():
            with transaction() as tx:
                tx.update(att, actions=[Attachment.state.set("verified"), Attachment.size.set(verdict.size),
                                        Attachment.verified_at.set(verified_at), Attachment.reason.remove()],
                          condition=(Attachment.state == "verifying") & (Attachment.claimed_at == claim_time))
                tx.update(count, actions=actions, condition=condition)
                if verdict.disarmed:   # the verdict on a PDF's active content, in the audit trail
                    AuditRecord.append(tx, f"DECL#{att.decl_id}", "attachment.disarm", VERIFIER,
                                       detail={"category": att.category, "attachment_id": att.attachment_id,
                                               "removed": list(verdict.disarmed)})
    except Conflict:
        current = _load(att.decl_id, att.attachment_id)
        if current.state == "verifying" and current.claimed_at == claim_time:
            attachments_cleanup.delete_objects([att.s3_key, att.thumbnail_key])
            holder = _slot_holder_of(att) if att.slot is not None else None
            if holder is not None and holder != att.attachment_id:
                return _reject(current, "SLOT_TAKEN", f"{rule['label']}{att.slot}已上传，请先删除后重新上传",
                               claim_time)
            return _reject(current, "COUNT_LIMIT", f"数量要求：最多上传{rule['max_count']}个", claim_time)
        return current
    except Exception:
        # Throttling, a TransactionConflict, a timeout: the object is already at s3_key; release the
        # claim so the next attempt verifies the moved copy to the same verdict (issue 15 item 6).
        _release(att, claim_time)
        raise
    # The item is what the transaction wrote (its condition held our claim, so nothing else changed
    # it meanwhile): no read back (pynamodb does not refresh a model from a TransactWrite update).
    att.state, att.size, att.verified_at, att.reason = "verified", verdict.size, verified_at, None
    return att


def _reject(att: Attachment, code: str, message: str, claim_time: str) -> Attachment:
    log.info("upload rejected", extra={"fields": {"decl": att.decl_id, "category": att.category,
                                                  "code": code}})
    try:
        with db_errors():
            att.update(actions=[Attachment.state.set("rejected"), Attachment.reason.set(message)],
                       condition=(Attachment.state == "verifying") & (Attachment.claimed_at == claim_time))
    except Conflict:
        return _load(att.decl_id, att.attachment_id)
    except Exception:
        _release(att, claim_time)
        raise
    return att          # UpdateItem returned the item as written (pynamodb refreshes the model)


def delete(principal: Principal, decl_id: str, attachment_id: str) -> None:
    part, att = _owned(principal, decl_id, attachment_id)
    editable_module(part, part.definition.attachment(att.category))
    remove(att, principal)


def remove(att: Attachment, principal: Principal) -> None:
    """Delete the record (and its count) in one transaction, then the objects."""
    with db_errors(conflict=Conflict("附件状态已变化，请刷新后重试", code="ATTACHMENT_CHANGED")):
        with transaction() as tx:
            tx.delete(att, condition=Attachment.state == att.state)
            if att.state == "verified":
                count = AttachmentCount(*AttachmentCount.key(att.decl_id, att.category, att.entry_id))
                actions, condition = [AttachmentCount.n.add(-1)], AttachmentCount.n > 0
                if att.slot is not None:   # the slot is free again (verified before the slot rule: no holder)
                    actions.append(slot_holder(att).remove())
                    condition = condition & ((slot_holder(att) == att.attachment_id) |
                                             slot_holder(att).does_not_exist())
                tx.update(count, actions=actions, condition=condition)
            AuditRecord.append(tx, f"DECL#{att.decl_id}", "attachment.delete", principal,
                               detail={"category": att.category, "attachment_id": att.attachment_id})
    attachments_cleanup.delete_objects([att.incoming_key, att.s3_key, att.thumbnail_key])


def download_link(principal: Principal, decl_id: str, attachment_id: str, thumbnail: bool = False) -> dict:
    """A short-lived presigned GET, for the owner and for reviewers on the declaration's route."""
    part = aggregate.readable(principal, decl_id)
    att = next((a for a in part.attachments if a.attachment_id == attachment_id), None)
    if att is None or att.state != "verified":
        raise ATTACHMENT_MISSING
    key = att.thumbnail_key if thumbnail and att.thumbnail_key else att.s3_key
    url = storage.download_url(key, GET_EXPIRES,
                               content_type="image/jpeg" if key == att.thumbnail_key else att.content_type)
    return {"url": url, "expires_in": GET_EXPIRES, "file_name": att.file_name}
