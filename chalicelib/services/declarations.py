"""Declarations of every matter (人才分类定级评定, 职称): start, fill modules (信息填报), validate,
pledge, list, delete. What a matter asks for is its definition (chalicelib/matters/*.json); a
declaration id names its matter (matters.registry.new_declaration_id), so a module save finds the
definition without a read.

Editability lives on each module item (`editable`), set by the status transitions in the same
transactions, so a module save is one conditional UpdateItem that checks owner, editability and
the module's version together.
"""

from chalicelib import identifiers as ids
from chalicelib.errors import AppError, Conflict, NotFound, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, Principal
from chalicelib.matters import registry, rules
from chalicelib.matters.definition import LIST_KINDS
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models import status as st
from chalicelib.models.bindings import STATUS_APPROVED, PersonBinding
from chalicelib.models.declarations import (DRAFT, EDITABLE_STATUSES, Declaration, DeclarationModule,
                                            LiveDeclaration)
from chalicelib.pagination import decode, page_size, query_page
from chalicelib.services import notices, people, routing, units
from chalicelib.services.declaration_aggregate import (  # noqa: F401  (the aggregate, re-exported)
    DECL_MISSING, Partition, attachment_view, full_view, load_partition, module_view, on_current_route, owned,
    readable, summary_view)

PRECONDITION = "DECLARATION_PRECONDITION"


# --- start ---------------------------------------------------------------------------------------

def start(principal: Principal, notice_id: str, unit_code: str | None = None, confirmed: bool = False) -> dict:
    """确认开始申报 (manual 002 §三(三)1): the applicant has read the matter's 申报注意事项 (条件自检)
    and chosen the recommending unit, which must be the one unit they are bound to and approved by
    (one at a time); each precondition refuses with its own message."""
    principal.require(ROLE_APPLICANT)
    from chalicelib.models.accounts import Person, RegionBureau, Unit
    from chalicelib.models.notices import Notice

    # One BatchGetItem: the notice, the person, the binding, the unit chosen, the province.
    unit_key = Unit.key(unit_code.strip().upper()) if unit_code and ids.is_valid_credit_code(
        unit_code.strip().upper()) else None
    known = routing.prefetch([Notice.key(notice_id), Person.key(principal.subject),
                              PersonBinding.key(principal.subject), RegionBureau.key(routing.PROVINCE_REGION),
                              *([unit_key] if unit_key else [])])
    notice = notices.require_open(notice_id, known.get(Notice.key(notice_id)))
    definition = registry.get(notice.matter_type, include_disabled=True)
    if not definition.enabled:      # closed by the province after its notice: no new declarations
        raise Conflict(f"“{definition.name}”已停止申报，不能申报", code="MATTER_CLOSED")
    check = definition.self_check
    if check and check.get("required", True) and confirmed is not True:
        raise ValidationFailed(f"请先查看{check['title']}，检查自己满足申报要求后点击"
                               f"“{check['confirm']}”", code="SELF_CHECK_REQUIRED",
                               details=[{"field": "confirmed", "message": "请确认已阅读申报注意事项"}])
    person = known.get(Person.key(principal.subject))
    if person is None:
        raise people.PROFILE_MISSING
    binding = known.get(PersonBinding.key(principal.subject))
    if binding is None or binding.status != STATUS_APPROVED:
        raise Conflict("请先绑定推荐单位，推荐单位审核通过后才能申报", code="NOT_BOUND")
    if unit_code and unit_code.strip().upper() != binding.unit_code:
        raise Conflict("个人仅能同时绑定一个推荐单位，请选择已绑定且审核通过的推荐单位",
                       code="UNIT_NOT_BOUND", details=[{"field": "unit_code", "message": "推荐单位：不是您已绑定且审核通过的推荐单位"}])
    unit = known.get(Unit.key(binding.unit_code)) or units.load(binding.unit_code)
    missing = definition.unit_info_missing(unit)    # what the matter requires of the unit (manual 004)
    if missing:
        raise Conflict(f"推荐单位尚未完善{missing}，暂不能申报，请联系推荐单位",
                       code="UNIT_REPORTING_INCOMPLETE")
    route = routing.build_route(unit, definition, known)
    now = now_iso()
    decl_id = registry.new_declaration_id(definition.code)
    pk, sk = Declaration.key(decl_id)
    meta = Declaration(
        pk=pk, sk=sk, decl_id=decl_id, person_id=person.person_id, person_name=person.name,
        id_number=person.id_number, notice_id=notice.notice_id, notice_title=notice.title,
        matter_type=notice.matter_type, year=notice.year, status=DRAFT, round=0,
        unit_code=unit.credit_code, unit_name=unit.name, route=route, created_at=now,
        updated_at=now)
    meta.list_for_owner()
    known = {"name": person.name, "former_name": person.former_name, "phone": person.phone}
    identity = {k: v for k, v in known.items() if v and k in definition.identity_fields}
    lpk, lsk = LiveDeclaration.key(person.person_id, notice.notice_id)
    modules = []
    exists = Conflict("您已有该通知下的申报，请在首页“历史申报信息”中查看或编辑", code="DECLARATION_EXISTS")
    try:
        with db_errors(conflict=exists):
            with transaction() as tx:
                tx.save(meta)
                tx.save(LiveDeclaration(pk=lpk, sk=lsk, decl_id=decl_id),
                        condition=LiveDeclaration.pk.does_not_exist())
                for key in definition.module_keys:
                    mpk, msk = DeclarationModule.key(decl_id, key)
                    content = dict(identity) if key == definition.identity_form else definition.empty(key)
                    module = DeclarationModule(pk=mpk, sk=msk, decl_id=decl_id, module=key,
                                               person_id=person.person_id, content=content, editable=True)
                    tx.save(module)
                    modules.append(module)
                AuditRecord.append(tx, f"DECL#{decl_id}", "declaration.start", principal,
                                   detail={"notice_id": notice.notice_id, "unit": unit.credit_code})
    except Conflict as exc:
        if exc.code == "DECLARATION_EXISTS":
            _refuse_if_terminated(lpk, lsk)
        raise
    return full_view(Partition([meta, *modules]))     # what was written: no read back


def _refuse_if_terminated(lpk: str, lsk: str) -> None:
    """The live lock outlives a declaration ended with 审核不通过终止审核 (manual 004: “选择终止审核后，
    申报者将无法参与本次申报”): say so instead of pointing at a declaration that cannot be continued.
    Two reads, on this refusal path only."""
    with db_errors():
        try:
            lock = LiveDeclaration.get(lpk, lsk)
            meta = Declaration.get(*Declaration.key(lock.decl_id))
        except (LiveDeclaration.DoesNotExist, Declaration.DoesNotExist):
            return
    if meta.status == st.TERMINATED:
        raise Conflict("您在该通知下的申报已审核不通过终止审核，无法参与本次申报", code="DECLARATION_EXISTS")


# --- read ----------------------------------------------------------------------------------------

def get(principal: Principal, decl_id: str) -> dict:
    return full_view(owned(principal, decl_id))


def list_mine(principal: Principal, cursor, limit) -> dict:
    principal.require(ROLE_APPLICANT)
    owner_pk = Declaration.owner_key(principal.subject)
    start_key = decode(cursor, "GSI1PK", owner_pk)
    with db_errors():
        return query_page(lambda **kw: Declaration.gsi1.query(owner_pk, scan_index_forward=False, **kw),
                          page_size(limit), start_key, ("PK", "SK", "GSI1PK", "GSI1SK"), summary_view)


# --- save ----------------------------------------------------------------------------------------

def _locked_reason(module: DeclarationModule | None, principal: Principal, expected: int) -> AppError:
    """Why a conditional save failed, from the item as it is now (read only on failure)."""
    if module is None or module.person_id != principal.subject:
        return DECL_MISSING
    if not module.editable:
        return Conflict("该模块当前不可修改（申报已提交，或未被审核人员退回修改）",
                        code="DECLARATION_LOCKED")
    return Conflict("该模块已在其他设备上修改，请刷新后重试", code="VERSION_CONFLICT",
                    details={"current_version": module.version, "your_version": expected})


def save_module(principal: Principal, decl_id: str, module_key: str, content,
                expected_version: int | None) -> dict:
    """One conditional UpdateItem: owner, editable and version are checked by DynamoDB."""
    principal.require(ROLE_APPLICANT)
    if expected_version is None:
        raise ValidationFailed("保存时须携带模块版本号（If-Match）", code="VERSION_REQUIRED")
    if module_key == "attachments":
        raise NotFound("申报模块不存在", code="MODULE_NOT_FOUND")
    definition = _definition_for(decl_id)
    # Matters whose modules depend on others (破格推荐专家 after 基本信息): one Query for them.
    modules = owned(principal, decl_id).modules if definition.cross_module else None
    if module_key == definition.identity_form:
        _check_identity_fields(content)
    clean = rules.validate_content(definition, module_key, content, modules=modules)
    return _write_module(principal, decl_id, module_key, clean, expected_version)


def _check_identity_fields(content) -> None:
    """ID type/number come from the verified profile; a number sent with the form is never taken,
    and one that fails the GB 11643 checksum is refused with a field error, not silently dropped."""
    import unicodedata

    if not isinstance(content, dict) or content.get("id_number") in (None, ""):
        return
    number = content["id_number"]
    normal = unicodedata.normalize("NFKC", number).strip().upper() if isinstance(number, str) else None
    if not normal or not normal.isascii() or not ids.is_valid_id_number(normal):
        message = "证件号码校验不通过，请核对"
        raise ValidationFailed(message, details=[{"field": "id_number", "message": f"证件号码：{message}"}])


def _definition_for(decl_id: str):
    """The matter the declaration id names (no read); an id naming no matter is a missing declaration."""
    try:
        return registry.for_declaration(decl_id)
    except NotFound:
        raise DECL_MISSING from None


def _write_module(principal, decl_id, module_key, clean, expected_version) -> dict:
    pk, sk = DeclarationModule.key(decl_id, module_key)
    module = DeclarationModule(pk=pk, sk=sk)
    module.version = expected_version   # pynamodb turns this into the version condition
    now = now_iso()
    try:
        with db_errors():
            module.update(actions=[DeclarationModule.content.set(clean),
                                   DeclarationModule.saved_at.set(now)],
                          condition=(DeclarationModule.person_id == principal.subject) &
                                    (DeclarationModule.editable == True))  # noqa: E712
    except Conflict:
        try:
            current_module = DeclarationModule.get(pk, sk)
        except DeclarationModule.DoesNotExist:
            current_module = None
        raise _locked_reason(current_module, principal, expected_version)
    return module_view(module)


def change_entries(principal: Principal, decl_id: str, module_key: str, op: str,
                   entry_id: str | None, entry, expected_version: int | None) -> dict:
    """Add, edit or remove one entry of a list module (read, change, conditional write)."""
    principal.require(ROLE_APPLICANT)
    part = owned(principal, decl_id)      # one Query: the matter, this module and the others
    definition = part.definition
    if definition.module(module_key)["kind"] not in LIST_KINDS:
        raise ValidationFailed("该模块不是列表", code="NOT_A_LIST")
    module = part.modules.get(module_key)
    if module is None:
        raise DECL_MISSING
    if expected_version is not None and expected_version != module.version:
        raise _locked_reason(module, principal, expected_version)
    entries = list(module.content or [])
    index = next((i for i, e in enumerate(entries) if e.get("id") == entry_id), None)
    if op != "add" and index is None:
        raise NotFound("条目不存在", code="ENTRY_NOT_FOUND")
    if op == "add":
        entries.append({k: v for k, v in (entry or {}).items() if k != "id"} if isinstance(entry, dict) else entry)
    elif op == "edit":
        entries[index] = {**entry, "id": entry_id} if isinstance(entry, dict) else entry
    else:
        entries.pop(index)
    clean = rules.validate_content(definition, module_key, entries, modules=part.modules)
    return _write_module(principal, decl_id, module_key, clean, module.version)


# --- delete, pledge, validation --------------------------------------------------------------

def delete_draft(principal: Principal, decl_id: str) -> None:
    part = owned(principal, decl_id)
    meta = part.meta
    if not st.can(st.DECLARATION, meta.status, st.DELETE):
        raise Conflict("只有未提交的申报可以删除", code="DECLARATION_LOCKED")
    lpk, lsk = LiveDeclaration.key(meta.person_id, meta.notice_id)
    with db_errors(conflict=Conflict("申报已变化，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction() as tx:
            tx.delete(meta, condition=st.condition(Declaration.status, st.DECLARATION, st.DELETE))
            for module in part.modules.values():
                tx.delete(module, add_version_condition=False)
            for att in part.attachments:
                tx.delete(att)
            tx.delete(LiveDeclaration(pk=lpk, sk=lsk))
            AuditRecord.append(tx, f"DECL#{decl_id}", "declaration.delete", principal)
    if part.attachments:
        from chalicelib.services import attachments_cleanup

        attachments_cleanup.delete_objects([a.s3_key for a in part.attachments] +
                                           [a.thumbnail_key for a in part.attachments if a.thumbnail_key])


def accept_pledge(principal: Principal, decl_id: str, accepted) -> dict:
    if accepted is not True:
        raise ValidationFailed("请勾选诚信承诺", code="PLEDGE_REQUIRED")
    part = owned(principal, decl_id)
    meta = part.meta
    if meta.status not in EDITABLE_STATUSES:
        raise Conflict("申报已提交，不能修改", code="DECLARATION_LOCKED")
    meta.pledge_accepted_at = now_iso()
    meta.updated_at = meta.pledge_accepted_at
    with db_errors(conflict=Conflict("申报已变化，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction() as tx:
            tx.save(meta)
            AuditRecord.append(tx, f"DECL#{decl_id}", "declaration.pledge", principal)
    return {"pledge": part.definition.pledge, "accepted_at": meta.pledge_accepted_at}


def validation_report(principal: Principal, decl_id: str) -> dict:
    part = owned(principal, decl_id)
    items = problems(part)
    return {"ok": not items, "items": items}


def problems(part: Partition) -> list:
    """数据验证信息: every unmet requirement, in the manuals' wording (one implementation:
    matters.definition.validate_declaration)."""
    return rules.validate_declaration(part.definition, part.modules, part.attachments)
