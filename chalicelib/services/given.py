"""What a person already gave, offered again on their next declaration (issue 27 item 5): a 职称
declaration after a 人才分类定级 one need not ask again for 联系方式, 工作单位, the photo and the 身份证.

Which fields and files are "the same" is the matter definitions' business: fields and attachment
categories tagged with the same `profile` name hold the same fact in every matter
(Definition.profile_fields / profile_files); other fields of a form are offered by their key, when the
value fits (an option of a select). Fields are only *offered* (the applicant checks and saves them).
A file is reused by copying the verified object within the bucket (S3 CopyObject) and writing the
new attachment, already verified, with the count and the slot in one conditional transaction.

Reads: the applicant's declarations (GSI1 PERSON#<id>#DECL, newest first, ≤ EARLIER) and one Query
per declaration read. Ownership of both declarations is checked from our records
(declaration_aggregate.owned): another person's file is "not found".
"""
import uuid
from typing import Mapping

from pynamodb.expressions.operand import Path

from chalicelib import aws, config
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, Principal
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.declarations import Attachment, AttachmentCount, Declaration, DeclarationModule
from chalicelib.services import attachments_cleanup
from chalicelib.services import declaration_aggregate as aggregate
from chalicelib.services.uploads import (ATTACHMENT_MISSING, EXTENSIONS, editable_module,
                                         slot_holder, check_file)

EARLIER = 5          # earlier declarations read for an offer, newest first
LIVE = ("pending", "verifying", "verified")
NOT_REUSABLE = ValidationFailed("该附件不能用于本次申报，请重新上传", code="ATTACHMENT_NOT_REUSABLE")


def _earlier(principal: Principal, decl_id: str) -> list:
    """The applicant's other declarations, newest first (their whole partitions)."""
    with db_errors():
        metas = list(Declaration.gsi1.query(Declaration.owner_key(principal.subject), scan_index_forward=False,
                                            limit=EARLIER + 1, page_size=EARLIER + 1))
    return [aggregate.load_partition(m.decl_id) for m in metas if m.decl_id != decl_id][:EARLIER]


def _scalar(value) -> bool:
    return value not in (None, "") and not isinstance(value, (Mapping, list))


def _given(earlier: list):
    """(facts, by_key, files) the earlier declarations hold, the newest first for each."""
    facts, by_key, files = {}, {}, {}
    for part in earlier:
        definition = part.definition
        for fact, value in definition.given_facts(part.modules).items():
            facts.setdefault(fact, value)
        for key, module in definition.modules.items():
            content = part.modules[key].content if key in part.modules and module["kind"] == "form" else None
            for field, value in (content or {}).items() if isinstance(content, Mapping) else ():
                if _scalar(value):
                    by_key.setdefault(field, value)
        for fact, rule in definition.profile_files.items():
            for att in part.verified(rule["category"]):
                files.setdefault((fact, att.slot), (part, att))
    return facts, by_key, files


def _field_offers(part, facts: dict, by_key: dict) -> dict:
    """{module: {field: value}} for each form never saved here and still editable."""
    offered = {}
    for key, module in part.definition.modules.items():
        stored = part.modules.get(key)
        if module["kind"] != "form" or stored is None or stored.saved_at or not stored.editable:
            continue
        values = {}
        for field in module["fields"]:
            if field.get("readonly") or field.get("derived"):
                continue
            value = facts.get(field["profile"]) if field.get("profile") else None
            value = value if value is not None else by_key.get(field["key"])
            if not _scalar(value) or (field.get("options") and value not in field["options"]):
                continue
            values[field["key"]] = value
        if values:
            offered[key] = values
    return offered


def _file_offers(part, files: dict) -> list:
    """The earlier verified files for each empty slot of a profile category here."""
    offered = []
    for fact, rule in part.definition.profile_files.items():
        module = part.modules.get(rule["module"])
        if module is None or not module.editable:
            continue
        live = [a for a in part.attachments if a.category == rule["category"] and a.state in LIVE]
        for slot in rule.get("slots") or [None]:
            taken = any(a.slot == slot for a in live) if slot is not None else len(live) >= rule["max_count"]
            source = files.get((fact, slot))
            if taken or source is None:
                continue
            src_part, att = source
            offered.append({"category": rule["category"], "label": rule["label"], "slot": slot,
                            "source_decl_id": src_part.meta.decl_id, "attachment_id": att.attachment_id,
                            "file_name": att.file_name, "content_type": att.content_type, "size": att.size,
                            "from": src_part.definition.name})
    return offered


def offers(principal: Principal, decl_id: str) -> dict:
    """What this applicant gave in earlier declarations that this draft still asks for."""
    principal.require(ROLE_APPLICANT)
    part = aggregate.owned(principal, decl_id)
    earlier = _earlier(principal, decl_id)
    if not earlier:
        return {"fields": {}, "attachments": []}
    facts, by_key, files = _given(earlier)
    return {"fields": _field_offers(part, facts, by_key), "attachments": _file_offers(part, files)}


def reuse(principal: Principal, decl_id: str, source_decl_id: str, attachment_id: str) -> dict:
    """Copy one of the applicant's verified files of an earlier declaration into this one's slot of
    the same profile category; verified as it was (the bytes are the ones verified)."""
    principal.require(ROLE_APPLICANT)
    if source_decl_id == decl_id:
        raise NOT_REUSABLE
    part = aggregate.owned(principal, decl_id)
    source = aggregate.owned(principal, source_decl_id)      # another person's: not found
    att = next((a for a in source.attachments if a.attachment_id == attachment_id), None)
    if att is None or att.state != "verified":
        raise ATTACHMENT_MISSING
    fact = next((f for f, r in source.definition.profile_files.items() if r["category"] == att.category), None)
    rule = part.definition.profile_files.get(fact) if fact else None
    if rule is None:
        raise NOT_REUSABLE
    slot = att.slot if rule.get("slots") else None
    if rule.get("slots") and slot not in rule["slots"]:
        raise NOT_REUSABLE
    content_type = check_file(rule, att.content_type, att.size or att.declared_size, att.file_name)
    module = editable_module(part, rule)
    if rule["module"] in part.definition.modules and not module.saved_at:
        label = part.definition.label(rule["module"])
        raise Conflict(f"请先保存{label}，再上传{rule['label']}", code="BASIC_NOT_SAVED")
    live = [a for a in part.attachments if a.category == rule["category"] and a.state in LIVE]
    if slot is not None and any(a.slot == slot for a in live):
        raise Conflict(f"{rule['label']}{slot}已上传，请先删除后重新上传", code="SLOT_TAKEN")
    if len(live) >= rule["max_count"]:
        raise Conflict(f"数量要求：最多上传{rule['max_count']}个", code="COUNT_LIMIT")
    return _copy(principal, part, rule, source, att, slot, content_type)


def _copy(principal, part, rule: dict, source, att: Attachment, slot, content_type: str) -> dict:
    decl_id, category = part.meta.decl_id, rule["category"]
    new_id = uuid.uuid4().hex
    key = f"decl/{decl_id}/{category}/{new_id}.{EXTENSIONS[content_type]}"
    thumb = f"decl/{decl_id}/{category}/{new_id}.thumb.jpg" if rule.get("thumbnail") and att.thumbnail_key else None
    s3, bucket = aws.s3(), config.ATTACHMENTS_BUCKET
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": att.s3_key},
                   ContentType=content_type, MetadataDirective="REPLACE")
    if thumb:
        s3.copy_object(Bucket=bucket, Key=thumb, CopySource={"Bucket": bucket, "Key": att.thumbnail_key},
                       ContentType="image/jpeg", MetadataDirective="REPLACE")
    now = now_iso()
    pk, sk = Attachment.key(decl_id, category, new_id)
    copy = Attachment(pk=pk, sk=sk, decl_id=decl_id, attachment_id=new_id, category=category, entry_id=None,
                      slot=slot, file_name=att.file_name, content_type=content_type, declared_size=att.size,
                      size=att.size, incoming_key=key, s3_key=key, thumbnail_key=thumb, state="verified",
                      created_at=now, verified_at=att.verified_at or now)
    count = AttachmentCount(*AttachmentCount.key(decl_id, category, None))
    actions = [AttachmentCount.n.add(1), Path("type").set("AttachmentCount")]
    condition = AttachmentCount.n.does_not_exist() | (AttachmentCount.n < rule["max_count"])
    if slot is not None:
        actions.append(slot_holder(copy).set(new_id))
        condition = condition & slot_holder(copy).does_not_exist()
    src_pk, src_sk = Attachment.key(att.decl_id, att.category, att.attachment_id)
    mod_pk, mod_sk = DeclarationModule.key(decl_id, rule["module"])
    try:
        with db_errors(conflict=Conflict("附件状态已变化，请刷新后重试", code="ATTACHMENT_CHANGED")):
            with transaction() as tx:
                tx.save(copy, condition=Attachment.pk.does_not_exist())
                tx.update(count, actions=actions, condition=condition)
                tx.condition_check(Attachment, src_pk, src_sk, condition=Attachment.state == "verified")
                tx.condition_check(DeclarationModule, mod_pk, mod_sk,
                                   condition=(DeclarationModule.editable == True)  # noqa: E712
                                   & (DeclarationModule.person_id == principal.subject))
                AuditRecord.append(tx, f"DECL#{decl_id}", "attachment.reuse", principal,
                                   detail={"category": category, "attachment_id": new_id,
                                           "from_decl": att.decl_id, "from_attachment": att.attachment_id})
    except Exception:
        attachments_cleanup.delete_objects([key, thumb])
        raise
    return aggregate.attachment_view(copy)

