"""Units (法人单位), their profile and reporting info, lookup by credit code, and agents (经办人)."""
from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from chalicelib import geo
from chalicelib import identifiers as ids
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.models.accounts import Agent, AgentIdNumber, AgentPhone, ReportingInfo, Unit
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import cancellation_codes, db_errors, now_iso, transaction

if TYPE_CHECKING:
    from chalicelib.schemas.accounts import AgentIn, AgentPatch, UnitProfileIn

UNIT_MISSING = NotFound("该统一社会信用代码对应的单位未在系统中注册", code="UNIT_NOT_REGISTERED")
AGENT_MISSING = NotFound("经办人不存在", code="AGENT_NOT_FOUND")
AGENT_ID_TAKEN = Conflict("该身份证号已登记为本单位的经办人", code="AGENT_ID_NUMBER_TAKEN")
# Agents sign in by phone: two agents of a unit under one phone would let a disabled one in (issue 28
# item 2). A disabled agent keeps the number, as it keeps its ID number.
AGENT_PHONE_TAKEN = Conflict("该手机号已登记为本单位的经办人（含已停用的经办人），请启用或修改原经办人",
                             code="AGENT_PHONE_TAKEN")
AGENT_CHANGED = Conflict("经办人信息已被他人修改，请刷新后重试", code="VERSION_CONFLICT")
# 绑定状态 as manuals 000/004 show it
BINDING_LABELS = {None: "未绑定", "pending": "待审核", "approved": "已绑定"}
REPORTING_FIELDS = ("contact_name", "contact_phone", "contact_post", "office_address",
                    "personnel_authority")


def reporting_complete(info: ReportingInfo | None) -> bool:
    """Members may declare only when every reporting field is filled (manual 004)."""
    return bool(info) and all(getattr(info, f, None) for f in REPORTING_FIELDS)


def load(credit_code: str) -> Unit:
    if not ids.is_valid_credit_code(credit_code):
        raise ValidationFailed("统一社会信用代码校验不通过，请核对", code="INVALID_CREDIT_CODE")
    with db_errors(not_found=UNIT_MISSING):
        return Unit.get(*Unit.key(credit_code))


def superior_view(unit: Unit) -> dict:
    """While the request is pending the superior is not bound: the console shows 待审核, not the
    superior's name as if bound."""
    status = unit.superior_status if unit.superior_code else None
    return {"superior_status": status, "superior_status_label": BINDING_LABELS.get(status, "未绑定"),
            "superior_bound_name": unit.superior_name if status == "approved" else None,
            "superior_requested_name": unit.superior_name if status == "pending" else None}


def view(unit: Unit) -> dict:
    info = unit.reporting_info.as_dict() if unit.reporting_info else {}
    return {
        "credit_code": unit.credit_code, "name": unit.name, "kind": unit.kind,
        "region_code": unit.region_code, "region_name": geo.name_of(unit.region_code),
        "unit_type": unit.unit_type, "industry": unit.industry,
        "address": unit.address, "email": unit.email,
        "superior_code": unit.superior_code, "superior_name": unit.superior_name,
        **superior_view(unit),
        "reporting_info": {f: info.get(f) for f in REPORTING_FIELDS},
        "reporting_complete": bool(unit.reporting_complete),
        "region_in_province": unit.region_code.startswith("22"),
        "version": unit.version,
    }


def public_view(unit: Unit) -> dict:
    """What anyone looking a unit up by credit code may see."""
    return {"credit_code": unit.credit_code, "name": unit.name, "kind": unit.kind,
            "region_code": unit.region_code, "region_name": geo.name_of(unit.region_code)}


def lookup(principal: Principal, credit_code: str) -> dict:
    """查询 in the binding dialog: the unit, and 绑定状态 (未绑定 / 已绑定 / 待审核) of the caller
    towards it (a unit's superior binding; a person's recommending-unit binding)."""
    target = load(credit_code.strip().upper())
    view_ = public_view(target)
    status = None
    if principal.unit_code == target.credit_code:
        view_["self"] = True
    elif principal.is_applicant:
        from chalicelib.models.bindings import PersonBinding

        binding = PersonBinding.find(principal.subject)
        if binding is not None and binding.unit_code == target.credit_code:
            status = binding.status if binding.status in ("pending", "approved") else None
    elif principal.role in UNIT_ROLES and principal.unit_code:
        try:
            mine = Unit.get(*Unit.key(principal.unit_code))
        except Unit.DoesNotExist:
            mine = None
        if mine is not None and mine.superior_code == target.credit_code:
            status = mine.superior_status if mine.superior_status in ("pending", "approved") else None
    return {**view_, "binding_status": status, "binding_status_label": BINDING_LABELS[status]}


def get_my_unit(principal: Principal) -> dict:
    principal.require(*UNIT_ROLES)
    return view(load(principal.unit_code))


def save_my_unit(principal: Principal, data: UnitProfileIn, expected_version: int | None) -> dict:
    """Register (first save) or edit the caller's unit. Only the legal-person account may."""
    principal.require_legal("维护单位基本信息")
    if not ids.is_valid_credit_code(principal.unit_code):
        raise ValidationFailed("统一社会信用代码校验不通过，请核对", code="INVALID_CREDIT_CODE")
    if data.region_code.startswith("22") and not geo.known(data.region_code):
        raise ValidationFailed("所属行政区划代码不存在，请从行政区划列表中选择", code="UNKNOWN_REGION",
                               details=[{"field": "region_code", "message": "所属行政区划代码不存在"}])
    now = now_iso()
    info = ReportingInfo(**data.reporting_info.model_dump()) if data.reporting_info else None
    fields = dict(name=data.name, region_code=data.region_code, unit_type=data.unit_type,
                  industry=data.industry, address=data.address, email=data.email,
                  reporting_info=info, reporting_complete=reporting_complete(info), updated_at=now)
    try:
        unit = Unit.get(*Unit.key(principal.unit_code))
    except Unit.DoesNotExist:
        unit = None
    if unit is None:
        pk, sk = Unit.key(principal.unit_code)
        unit = Unit(pk=pk, sk=sk, credit_code=principal.unit_code, created_at=now, **fields)
        with db_errors(conflict=Conflict("单位已注册", code="UNIT_EXISTS")):
            unit.save(condition=Unit.pk.does_not_exist())
        return view(unit)
    if expected_version is not None and expected_version != unit.version:
        raise Conflict("单位信息已被他人修改，请刷新后重试", code="VERSION_CONFLICT",
                       details={"current_version": unit.version})
    for key, value in fields.items():
        setattr(unit, key, value)
    with db_errors(conflict=Conflict("单位信息已被他人修改，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction() as tx:
            tx.save(unit)  # pynamodb adds the version condition
            AuditRecord.append(tx, f"UNIT#{unit.credit_code}", "unit.update", principal)
    return view(unit)


def agent_id_index(unit_code: str, id_number: str) -> AgentIdNumber:
    """The index item that makes an agent's ID number unique in its unit and findable by GetItem
    (its key holds a keyed hash, never the number)."""
    from chalicelib.pii import id_number_digest

    pk, sk = AgentIdNumber.key(unit_code, id_number_digest(ids.ID_TYPE_RESIDENT, id_number))
    return AgentIdNumber(pk=pk, sk=sk)


def agent_view(agent: Agent) -> dict:
    return {"agent_id": agent.agent_id, "name": agent.name, "phone": ids.mask_phone(agent.phone),
            "id_number": ids.mask_id_number(agent.id_number) if agent.id_number else None,
            "is_legal": agent.is_legal, "active": agent.active, "version": agent.version}


def list_agents(principal: Principal) -> list:
    principal.require_legal()
    pk, _ = Unit.key(principal.unit_code)
    with db_errors():
        return [agent_view(a) for a in Agent.query(pk, Agent.sk.startswith("AGENT#"))]


def agent_phone_index(unit_code: str, phone: str) -> AgentPhone:
    """The index item that makes an agent's phone unique in its unit (a keyed hash in its key, never
    the number; the phone is NFKC-normalised ASCII by the Phone schema type before it gets here)."""
    from chalicelib.pii import id_number_digest

    pk, sk = AgentPhone.key(unit_code, id_number_digest("AGENT_PHONE", ids.normalize(phone)))
    return AgentPhone(pk=pk, sk=sk)


def _phone_listed(unit_code: str, phone: str, agent_id: str | None = None) -> bool:
    """Another agent of the unit listed under this phone: agents added before the index item existed
    have none (one Query of the unit's agents, as sign-in by phone reads them)."""
    pk, _ = Unit.key(unit_code)
    with db_errors():
        return any(a.agent_id != agent_id and not a.is_legal
                   for a in Agent.query(pk, Agent.sk.startswith("AGENT#"), filter_condition=(Agent.phone == phone)))


class _Guards:
    """Which conditional item of an agent's transaction failed: the phone's index, the ID number's,
    or the agent itself (a concurrent edit)."""

    def __init__(self):
        self.labels = []

    def add(self, label: str):
        self.labels.append(label)

    def conflict(self, exc: Conflict) -> Conflict:
        failed = {label for label, code in zip(self.labels, cancellation_codes(exc.__cause__))
                  if code == "ConditionalCheckFailed"}
        return AGENT_PHONE_TAKEN if "phone" in failed else AGENT_ID_TAKEN if "id" in failed else AGENT_CHANGED


def add_agent(principal: Principal, data: AgentIn) -> dict:
    principal.require_legal()
    load(principal.unit_code)
    if _phone_listed(principal.unit_code, data.phone):
        raise AGENT_PHONE_TAKEN
    now = now_iso()
    agent_id = uuid.uuid4().hex
    pk, sk = Agent.key(principal.unit_code, agent_id)
    agent = Agent(pk=pk, sk=sk, unit_code=principal.unit_code, agent_id=agent_id, name=data.name,
                  phone=data.phone, id_number=data.id_number, is_legal=False, active=True,
                  created_by=principal.subject, created_at=now, updated_at=now)
    guards = _Guards()
    try:
        with db_errors():
            with transaction() as tx:
                tx.save(agent, condition=Agent.pk.does_not_exist())
                guards.add("agent")
                phone = agent_phone_index(principal.unit_code, data.phone)
                phone.agent_id = agent_id
                tx.save(phone, condition=AgentPhone.pk.does_not_exist())   # two adds at once: one wins
                guards.add("phone")
                if data.id_number:
                    index = agent_id_index(principal.unit_code, data.id_number)
                    index.agent_id = agent_id
                    tx.save(index, condition=AgentIdNumber.pk.does_not_exist())
                    guards.add("id")
                AuditRecord.append(tx, f"UNIT#{principal.unit_code}", "agent.add", principal,
                                   detail={"agent_id": agent_id})
    except Conflict as exc:
        raise guards.conflict(exc) from None
    return agent_view(agent)


def update_agent(principal: Principal, agent_id: str, data: AgentPatch) -> dict:
    principal.require_legal()
    with db_errors(not_found=AGENT_MISSING):
        agent = Agent.get(*Agent.key(principal.unit_code, agent_id))
    if agent.is_legal and data.active is False:
        raise Forbidden("不能停用法人账号", code="LEGAL_ACCOUNT_LOCKED")
    changes = data.model_dump(exclude_unset=True)
    if "id_number" in changes and changes["id_number"] is None:
        del changes["id_number"]          # the number is replaced, never cleared to nothing
    if "phone" in changes and changes["phone"] is None:
        del changes["phone"]
    if not changes:
        raise ValidationFailed("没有需要修改的内容", code="NOTHING_TO_UPDATE")
    old_index = new_index = None
    if changes.get("id_number") and changes["id_number"] != agent.id_number:
        new_index = agent_id_index(principal.unit_code, changes["id_number"])
        new_index.agent_id = agent_id
        with db_errors():
            try:
                AgentIdNumber.get(new_index.pk, new_index.sk)
                raise AGENT_ID_TAKEN
            except AgentIdNumber.DoesNotExist:
                pass
        if agent.id_number:
            old_index = agent_id_index(principal.unit_code, agent.id_number)
    # The phone is claimed when it changes and when the agent is enabled again (an agent listed
    # before the index existed claims it then); the old number is released when it changes.
    new_phone = changes.get("phone") if changes.get("phone") and changes["phone"] != agent.phone else None
    enabling = changes.get("active") is True and not agent.active
    phone_claim = old_phone = None
    if not agent.is_legal and (new_phone or enabling):
        if _phone_listed(principal.unit_code, new_phone or agent.phone, agent_id):
            raise AGENT_PHONE_TAKEN
        phone_claim = agent_phone_index(principal.unit_code, new_phone or agent.phone)
        phone_claim.agent_id = agent_id
        if new_phone and agent.phone:
            old_phone = agent_phone_index(principal.unit_code, agent.phone)
    for key, value in changes.items():
        setattr(agent, key, value)
    agent.updated_at = now_iso()
    guards = _Guards()
    try:
        with db_errors():
            with transaction() as tx:
                tx.save(agent)
                guards.add("agent")
                if new_index is not None:   # a concurrent claim of the same number fails this guard
                    tx.save(new_index, condition=AgentIdNumber.pk.does_not_exist())
                    guards.add("id")
                if old_index is not None:
                    tx.delete(old_index, condition=AgentIdNumber.agent_id == agent_id)
                    guards.add("agent")
                if phone_claim is not None:
                    tx.save(phone_claim, condition=AgentPhone.pk.does_not_exist() |
                            (AgentPhone.agent_id == agent_id))
                    guards.add("phone")
                if old_phone is not None:   # released; an agent listed before the index had none
                    tx.delete(old_phone, condition=AgentPhone.pk.does_not_exist() |
                              (AgentPhone.agent_id == agent_id))
                    guards.add("agent")
                AuditRecord.append(tx, f"UNIT#{principal.unit_code}", "agent.update", principal,
                                   detail={"agent_id": agent_id, "fields": sorted(changes)})
    except Conflict as exc:
        raise guards.conflict(exc) from None
    return agent_view(agent)
