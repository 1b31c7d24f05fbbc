"""个人绑定推荐单位 and 单位绑定上级单位: request, approve (审核通过) or end (资格不符，终止审核), unbind.

Every decision is one transaction guarded on the request still being pending, so two agents
deciding at once produce one decision and one conflict; the counters and the audit record change
in the same transaction.
"""
import uuid

from chalicelib import identifiers as ids
from chalicelib.clock import today_local
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, ROLE_UNIT, UNIT_ROLES, Principal
from chalicelib.models.accounts import UNIT_KIND_UNIT, Unit
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction
from chalicelib.models.bindings import (KIND_PERSON, KIND_UNIT, STATUS_APPROVED, STATUS_CANCELLED,
                                        STATUS_ENDED, STATUS_PENDING, BindingRequest, PersonBinding)
from chalicelib.pagination import decode, page_size, query_page
from chalicelib.services import counters, people, units

MAX_CHAIN = 10
DECISIONS = {"approve": STATUS_APPROVED, "end": STATUS_ENDED}
REQUEST_MISSING = NotFound("绑定申请不存在", code="BINDING_REQUEST_NOT_FOUND")
ALREADY_DECIDED = Conflict("该申请已被处理，请刷新后查看", code="ALREADY_DECIDED")


def _matter(kind: str) -> str:
    return counters.BIND_PERSON if kind == KIND_PERSON else counters.BIND_UNIT


def _new_request(kind, requester_id, requester_name, target: Unit, id_number=None) -> BindingRequest:
    now = now_iso()
    request_id = uuid.uuid4().hex
    pk, sk = BindingRequest.key(request_id)
    req = BindingRequest(
        pk=pk, sk=sk, request_id=request_id, kind=kind, requester_id=requester_id,
        requester_name=requester_name, requester_id_number=id_number, target_code=target.credit_code,
        target_name=target.name, year=str(today_local().year), status=STATUS_PENDING, created_at=now)
    req.list_pending()
    return req


def request_view(req: BindingRequest) -> dict:
    return {"request_id": req.request_id, "kind": req.kind, "requester_id": req.requester_id,
            "requester_name": req.requester_name,
            "requester_id_number": ids.mask_id_number(req.requester_id_number or "") or None,
            "target_code": req.target_code, "target_name": req.target_name, "status": req.status,
            "opinion": req.opinion, "created_at": req.created_at, "decided_at": req.decided_at,
            "decided_by_name": req.decided_by_name}


# --- person → recommending unit ---------------------------------------------------------------

def _binding_view(binding: PersonBinding | None) -> dict:
    if binding is None:
        return {"status": "none"}
    return {"status": binding.status, "unit_code": binding.unit_code, "unit_name": binding.unit_name,
            "request_id": binding.request_id, "opinion": binding.opinion,
            "updated_at": binding.updated_at, "under_review": bool(binding.locked_by)}


def my_binding(principal: Principal) -> dict:
    principal.require(ROLE_APPLICANT)
    return _binding_view(PersonBinding.find(principal.subject))


def request_person_binding(principal: Principal, credit_code: str) -> dict:
    principal.require(ROLE_APPLICANT)
    person = people.load(principal.subject)
    target = units.load(credit_code)
    if target.kind != UNIT_KIND_UNIT:
        raise ValidationFailed("人社部门不能作为推荐单位", code="TARGET_NOT_A_UNIT")
    current = PersonBinding.find(principal.subject)
    if current is not None and current.status == STATUS_APPROVED:
        raise Conflict("个人仅能同时绑定一个推荐单位，若需要绑定新的推荐单位，需要先与原来绑定的推荐单位解绑", code="ALREADY_BOUND")
    if current is not None and current.status == STATUS_PENDING:
        raise Conflict("您已有待审核的绑定申请，如需更换请先解除绑定", code="BINDING_PENDING")
    req = _new_request(KIND_PERSON, person.person_id, person.name, target, person.id_number)
    pk, sk = PersonBinding.key(principal.subject)
    binding = current or PersonBinding(pk=pk, sk=sk, person_id=principal.subject)
    binding.unit_code, binding.unit_name = target.credit_code, target.name
    binding.status, binding.request_id, binding.opinion = STATUS_PENDING, req.request_id, None
    binding.updated_at, binding.locked_by = req.created_at, None
    with db_errors(conflict=Conflict("绑定状态已变化，请刷新后重试", code="BINDING_CHANGED")):
        with transaction() as tx:
            tx.save(binding)  # version condition: nobody else requested meanwhile
            tx.save(req, condition=BindingRequest.pk.does_not_exist())
            counters.add(tx, target.credit_code, req.year, _matter(KIND_PERSON), pending=1)
            AuditRecord.append(tx, f"PERSON#{principal.subject}", "binding.request", principal,
                               detail={"request_id": req.request_id, "unit": target.credit_code})
    return _binding_view(binding)


def unbind_person(principal: Principal) -> dict:
    """Unbind (or withdraw a pending request). Refused while a declaration is under review."""
    principal.require(ROLE_APPLICANT)
    current = PersonBinding.find(principal.subject)
    if current is None or current.status not in (STATUS_PENDING, STATUS_APPROVED):
        raise Conflict("当前没有已绑定的推荐单位", code="NOT_BOUND")
    if current.locked_by or _under_review(principal.subject):
        raise Conflict("您的申报正在该单位审核中，不能解除绑定", code="UNBIND_DURING_REVIEW")
    locked = Conflict("您的申报正在该单位审核中，不能解除绑定", code="UNBIND_DURING_REVIEW")
    with db_errors(conflict=locked):
        with transaction() as tx:
            tx.delete(current, condition=PersonBinding.locked_by.does_not_exist())
            if current.status == STATUS_PENDING:
                _cancel_request(tx, current.request_id, current.unit_code, KIND_PERSON)
            AuditRecord.append(tx, f"PERSON#{principal.subject}", "binding.unbind", principal,
                               detail={"unit": current.unit_code})
    return {"status": "none"}


def _under_review(person_id: str) -> bool:
    """Whether any of the person's declarations (人才分类定级评定 and 职称 may run at once) is still
    submitted or returned: the binding's single lock is released when one of them ends, so the
    others are checked here (one Query of the person's own declarations)."""
    from chalicelib.models.declarations import RETURNED, SUBMITTED, Declaration

    with db_errors():
        return any(d.status in (SUBMITTED, RETURNED)
                   for d in Declaration.gsi1.query(Declaration.owner_key(person_id)))


def _cancel_request(tx, request_id: str, target_code: str, kind: str) -> None:
    req = BindingRequest.get(*BindingRequest.key(request_id))
    tx.update(req, actions=[BindingRequest.status.set(STATUS_CANCELLED), *BindingRequest.unlist()],
              condition=BindingRequest.status == STATUS_PENDING)
    counters.add(tx, target_code, req.year, _matter(kind), pending=-1)


# --- unit → superior unit -----------------------------------------------------------------------

def superior_chain(unit: Unit, known: dict | None = None) -> list:
    """The approved superiors above a unit, nearest first (bounded: MAX_CHAIN levels); units the
    caller already read (`known`, {(PK, SK): item}) are not read again, and those read are added."""
    chain, seen, current = [], {unit.credit_code}, unit
    while current.superior_code and current.superior_status == STATUS_APPROVED:
        if current.superior_code in seen or len(chain) >= MAX_CHAIN:
            raise Conflict("上级单位关系异常（存在循环），请联系管理员", code="CHAIN_BROKEN")
        key = Unit.key(current.superior_code)
        current = (known or {}).get(key) or units.load(current.superior_code)
        if known is not None:
            known[key] = current
        seen.add(current.credit_code)
        chain.append(current)
    return chain


def _refuse_cycle(requester: Unit, target: Unit) -> list:
    chain = [target] + superior_chain(target)
    if any(u.credit_code == requester.credit_code for u in chain):
        raise ValidationFailed("绑定后将形成循环的上下级关系，不能绑定", code="BINDING_CYCLE")
    return chain


def request_superior(principal: Principal, credit_code: str) -> dict:
    principal.require(ROLE_UNIT)
    requester = units.load(principal.unit_code)
    code = credit_code.strip().upper()
    if code == requester.credit_code:
        raise ValidationFailed("严禁本单位绑定本单位统一社会信用代码", code="SELF_BINDING")
    target = units.load(code)
    if target.kind != UNIT_KIND_UNIT:
        raise ValidationFailed("人社局/厅无需绑定，系统按行政区划推送", code="TARGET_NOT_A_UNIT")
    if requester.superior_status in (STATUS_PENDING, STATUS_APPROVED):
        raise Conflict("本单位已绑定或正在申请上级单位，如需更换请先解除绑定", code="ALREADY_BOUND")
    _refuse_cycle(requester, target)
    req = _new_request(KIND_UNIT, requester.credit_code, requester.name, target)
    requester.superior_code, requester.superior_name = target.credit_code, target.name
    requester.superior_status, requester.superior_request = STATUS_PENDING, req.request_id
    requester.updated_at = req.created_at
    with db_errors(conflict=Conflict("单位信息已变化，请刷新后重试", code="BINDING_CHANGED")):
        with transaction() as tx:
            tx.save(requester)
            tx.save(req, condition=BindingRequest.pk.does_not_exist())
            counters.add(tx, target.credit_code, req.year, _matter(KIND_UNIT), pending=1)
            AuditRecord.append(tx, f"UNIT#{requester.credit_code}", "superior.request", principal,
                               detail={"request_id": req.request_id, "superior": target.credit_code})
    return units.view(requester)


def unbind_superior(principal: Principal) -> dict:
    """解除绑定: needs no review (manual 001 §3.2)."""
    principal.require(ROLE_UNIT)
    unit = units.load(principal.unit_code)
    if unit.superior_status not in (STATUS_PENDING, STATUS_APPROVED):
        raise Conflict("本单位未绑定上级单位", code="NOT_BOUND")
    old, status, request_id = unit.superior_code, unit.superior_status, unit.superior_request
    unit.superior_code = unit.superior_name = unit.superior_status = unit.superior_request = None
    unit.updated_at = now_iso()
    with db_errors(conflict=Conflict("单位信息已变化，请刷新后重试", code="BINDING_CHANGED")):
        with transaction() as tx:
            tx.save(unit)
            if status == STATUS_PENDING and request_id:
                _cancel_request(tx, request_id, old, KIND_UNIT)
            AuditRecord.append(tx, f"UNIT#{unit.credit_code}", "superior.unbind", principal,
                               detail={"superior": old})
    return units.view(unit)


# --- the reviewing unit -----------------------------------------------------------------------

def list_requests(principal: Principal, kind: str, state: str, cursor: str | None, limit) -> dict:
    principal.require(*UNIT_ROLES)
    if kind not in (KIND_PERSON, KIND_UNIT) or state not in ("pending", "done"):
        raise ValidationFailed("查询条件有误", code="BAD_FILTER")
    list_pk = BindingRequest.list_key(principal.unit_code, kind, done=state == "done")
    start = decode(cursor, "GSI1PK", list_pk)
    with db_errors():
        return query_page(
            lambda **kw: BindingRequest.gsi1.query(list_pk, scan_index_forward=False, **kw),
            page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"), request_view)


def get_request(principal: Principal, request_id: str) -> dict:
    """The requester sees their own; the target unit sees requests made to it; nobody else."""
    with db_errors(not_found=REQUEST_MISSING):
        req = BindingRequest.get(*BindingRequest.key(request_id))
    mine = (principal.is_applicant and req.kind == KIND_PERSON and req.requester_id == principal.subject) or \
           (not principal.is_applicant and principal.unit_code in (req.target_code, req.requester_id)
            and (req.kind == KIND_UNIT or req.target_code == principal.unit_code))
    if not mine:
        raise REQUEST_MISSING
    return request_view(req)


def decide(principal: Principal, request_id: str, decision: str, opinion: str | None) -> dict:
    principal.require(*UNIT_ROLES)
    if decision not in DECISIONS:
        raise ValidationFailed("审核结果应为审核通过或资格不符，终止审核", code="BAD_DECISION")
    if decision == "end" and not opinion:
        raise ValidationFailed("资格不符，终止审核时请填写审核意见", code="OPINION_REQUIRED")
    with db_errors(not_found=REQUEST_MISSING):
        req = BindingRequest.get(*BindingRequest.key(request_id))
    if req.target_code != principal.unit_code:
        raise REQUEST_MISSING  # not routed to this unit: do not reveal it exists
    if req.status != STATUS_PENDING:
        raise ALREADY_DECIDED
    status = DECISIONS[decision]
    opinion = opinion or ("审核通过" if status == STATUS_APPROVED else None)
    now = now_iso()
    with db_errors(conflict=ALREADY_DECIDED):
        with transaction() as tx:
            tx.update(req, actions=[
                BindingRequest.status.set(status), BindingRequest.opinion.set(opinion),
                BindingRequest.decided_at.set(now), BindingRequest.decided_by.set(principal.subject),
                BindingRequest.decided_by_name.set(principal.name or None),
                *req.move_to_done(),
            ], condition=BindingRequest.status == STATUS_PENDING)
            if req.kind == KIND_PERSON:
                _decide_person(tx, req, status, opinion, now)
            else:
                _decide_unit(tx, req, status, now)
            counters.add(tx, req.target_code, req.year, _matter(req.kind), pending=-1, done=1)
            AuditRecord.append(tx, f"BINDREQ#{req.request_id}", f"binding.{decision}", principal,
                               opinion=opinion)
    req.status, req.opinion, req.decided_at = status, opinion, now
    req.decided_by_name = principal.name or None
    return request_view(req)


def _decide_person(tx, req: BindingRequest, status: str, opinion: str | None, now: str) -> None:
    # Loaded first so the version attribute is known: updating an unfetched versioned model
    # would reset its version (pynamodb #1247).
    binding = PersonBinding.find(req.requester_id)
    if binding is None or binding.request_id != req.request_id or binding.status != STATUS_PENDING:
        raise ALREADY_DECIDED
    tx.update(binding, actions=[PersonBinding.status.set(status), PersonBinding.opinion.set(opinion),
                                PersonBinding.updated_at.set(now)],
              condition=(PersonBinding.request_id == req.request_id) &
                        (PersonBinding.status == STATUS_PENDING))


def _decide_unit(tx, req: BindingRequest, status: str, now: str) -> None:
    requester = units.load(req.requester_id)
    if requester.superior_request != req.request_id or requester.superior_status != STATUS_PENDING:
        raise ALREADY_DECIDED
    if status == STATUS_APPROVED:
        target = units.load(req.target_code)
        # Guard against a cycle formed by concurrent approvals: every unit on the chain must be
        # unchanged since we walked it, or the transaction is cancelled.
        for unit in _refuse_cycle(requester, target):
            tx.condition_check(Unit, unit.pk, unit.sk, condition=Unit.version == unit.version)
        requester.superior_status = STATUS_APPROVED
    else:
        requester.superior_code = requester.superior_name = None
        requester.superior_status = requester.superior_request = None
    requester.updated_at = now
    tx.save(requester)
