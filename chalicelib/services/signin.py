"""Who a unit-side caller is allowed to be, from our records (never from a token's claims).

The identity platform says *who* signed in (a legal person by credit code, an agent by the unit's
credit code + the agent's phone or ID number). What they may do comes from here: the unit's kind (unit, city
bureau, province) and, for an agent, being listed and enabled in that unit's 经办人 list.

AWS calls per resolution: legal person 1 BatchGetItem (legal account + unit); agent by phone 1 GetItem
(the unit's phone index item) + 1 BatchGetItem (agent + unit); agent by ID number 1 GetItem (the unit's
ID-number index item) + 1 BatchGetItem (agent + unit). First sign-in of a legal person adds one
conditional TransactWriteItems.
"""
from __future__ import annotations

from chalicelib.errors import Conflict, Unauthorized
from chalicelib.identity import Principal
from chalicelib.models.accounts import (UNIT_KIND_CITY_BUREAU, UNIT_KIND_PROVINCE, Agent,
                                        AgentIdNumber, AgentPhone, Unit)
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import Entity, db_errors, now_iso, transaction

ROLE_OF_KIND = {UNIT_KIND_PROVINCE: "province", UNIT_KIND_CITY_BUREAU: "city_bureau"}
AGENT_UNKNOWN = Unauthorized("经办人账号不存在，请联系本单位法人账号在经办人管理中添加",
                             code="AGENT_UNKNOWN")
AGENT_DISABLED = Unauthorized("经办人账号已停用", code="AGENT_DISABLED")


def legal_agent_id(credit_code: str) -> str:
    """The legal-person account of a unit is an agent record with this id (one per unit)."""
    return f"legal-{credit_code}"


def role_of(unit: Unit | None) -> str:
    return ROLE_OF_KIND.get(unit.kind, "unit") if unit is not None else "unit"


def legal_person(credit_code: str, name: str) -> tuple[Agent, str]:
    """The unit's legal-person account and role; linked by credit code on the first sign-in."""
    pk, sk = Agent.key(credit_code, legal_agent_id(credit_code))
    upk, usk = Unit.key(credit_code)
    agent, unit = None, None
    with db_errors():
        for item in Entity.batch_get([(pk, sk), (upk, usk)]):
            if isinstance(item, Unit):
                unit = item
            elif isinstance(item, Agent):
                agent = item
    if agent is None:
        agent = _link_legal_person(credit_code, name)
    if not agent.active:
        raise AGENT_DISABLED
    return agent, role_of(unit)


def _link_legal_person(credit_code: str, name: str) -> Agent:
    now = now_iso()
    agent_id = legal_agent_id(credit_code)
    pk, sk = Agent.key(credit_code, agent_id)
    agent = Agent(pk=pk, sk=sk, unit_code=credit_code, agent_id=agent_id, name=name or "法人账号",
                  phone="", is_legal=True, active=True, created_at=now, updated_at=now)
    actor = Principal(subject=agent_id, role="unit", name=agent.name, unit_code=credit_code,
                      is_legal=True)
    try:
        with db_errors():
            with transaction() as tx:
                tx.save(agent, condition=Agent.pk.does_not_exist())
                AuditRecord.append(tx, f"UNIT#{credit_code}", "legal.first_sign_in", actor)
    except Conflict:   # a concurrent first sign-in linked it
        with db_errors():
            return Agent.get(pk, sk)
    return agent


def agent(credit_code: str, phone: str) -> tuple[Agent, str]:
    """An agent listed in the unit's 经办人 list under this phone, enabled; and the unit's role.
    Found through the phone's keyed-hash index item (1 GetItem) and read with the unit (1
    BatchGetItem), as by ID number; an agent listed before the index item existed (none since
    `infra/rekey_pii.py` wrote them) is found by the unit's agent list, on that path only."""
    from chalicelib.pii import id_number_digests
    from chalicelib import identifiers

    agent_id = _indexed_agent(AgentPhone, credit_code, id_number_digests("AGENT_PHONE", identifiers.normalize(phone)))
    if agent_id is None:
        return _agent_by_listed_phone(credit_code, phone)
    return _enabled_agent(credit_code, agent_id, lambda record: record.phone == phone)


def _indexed_agent(index, credit_code: str, digests: list) -> str | None:
    """The agent id a keyed-hash index item (AgentPhone, AgentIdNumber) names, trying each key's
    digest (both keys while the PII key rotates); None when there is none."""
    with db_errors():
        for digest in digests:
            try:
                return index.get(*index.key(credit_code, digest)).agent_id
            except index.DoesNotExist:
                continue
    return None


def _enabled_agent(credit_code: str, agent_id: str, matches) -> tuple[Agent, str]:
    """The agent and its unit in one BatchGetItem: listed, not the legal person, still holding what
    the caller signed in with (`matches`), and enabled; and the unit's role."""
    record, unit = None, None
    with db_errors():
        for item in Entity.batch_get([Agent.key(credit_code, agent_id), Unit.key(credit_code)]):
            if isinstance(item, Unit):
                unit = item
            elif isinstance(item, Agent):
                record = item
    if record is None or record.is_legal or not matches(record):
        raise AGENT_UNKNOWN
    if not record.active:
        raise AGENT_DISABLED
    return record, role_of(unit)


def _agent_by_listed_phone(credit_code: str, phone: str) -> tuple[Agent, str]:
    """Agents listed before the phone index item existed: the unit's agents filtered by phone."""
    pk, _ = Unit.key(credit_code)
    with db_errors():
        found = [a for a in Agent.query(pk, Agent.sk.startswith("AGENT#"),
                                        filter_condition=(Agent.phone == phone))
                 if not a.is_legal]
    if not found:
        raise AGENT_UNKNOWN
    if not any(a.active for a in found):
        raise AGENT_DISABLED
    record = next(a for a in found if a.active)
    with db_errors():
        try:
            unit = Unit.get(*Unit.key(credit_code))
        except Unit.DoesNotExist:
            unit = None
    return record, role_of(unit)


def agent_by_id_number(credit_code: str, id_number: str) -> tuple[Agent, str]:
    """An agent listed in the unit's 经办人 list under this ID number (found through its keyed-hash
    index item, no table scan), enabled; and the unit's role."""
    from chalicelib.pii import id_number_digests
    from chalicelib import identifiers

    agent_id = _indexed_agent(AgentIdNumber, credit_code, id_number_digests(identifiers.ID_TYPE_RESIDENT, id_number))
    if agent_id is None:
        raise AGENT_UNKNOWN
    return _enabled_agent(credit_code, agent_id, lambda record: record.id_number == id_number)


def standing(unit_code: str, agent_id: str) -> None:
    """A unit-side caller whose authorizer result API Gateway may have cached: still listed and
    enabled (1 consistent GetItem). The legal-person account is an agent record too, so an unlinked
    or disabled legal person is refused the same way."""
    with db_errors():
        try:
            record = Agent.get(*Agent.key(unit_code, agent_id), consistent_read=True)
        except Agent.DoesNotExist:
            raise AGENT_UNKNOWN
    if not record.active:
        raise AGENT_DISABLED


def agent_record(credit_code: str, agent_id: str) -> Agent:
    """The agent record a local-stage test token names (it must be listed and enabled)."""
    with db_errors():
        try:
            record = Agent.get(*Agent.key(credit_code, agent_id))
        except Agent.DoesNotExist:
            raise AGENT_UNKNOWN
    if not record.active:
        raise AGENT_DISABLED
    return record
