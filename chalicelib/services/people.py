"""Person profiles (自然人): ID type + number identify a person; age and sex derive from it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib import identifiers as ids
from chalicelib.clock import today_local
from chalicelib.pii import id_number_digest
from chalicelib.errors import Conflict, Forbidden, NotFound
from chalicelib.identity import ROLE_APPLICANT, Principal
from chalicelib.models.accounts import Person, PersonIdNumber
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, transaction

if TYPE_CHECKING:
    from chalicelib.schemas.accounts import PersonProfileIn

PROFILE_MISSING = NotFound("请先完善个人基本信息", code="PROFILE_NOT_FOUND")


def view(person: Person, masked: bool = False) -> dict:
    today = today_local()
    return {
        "person_id": person.person_id,
        "name": person.name,
        "former_name": person.former_name,
        "id_type": person.id_type,
        "id_number": ids.mask_id_number(person.id_number) if masked else person.id_number,
        "phone": ids.mask_phone(person.phone) if masked else person.phone,
        "sex": ids.sex_from_id(person.id_number),
        "age": ids.age_from_id(person.id_number, today),
        "version": person.version,
    }


def load(person_id: str) -> Person:
    with db_errors(not_found=PROFILE_MISSING):
        return Person.get(*Person.key(person_id))


def get_profile(principal: Principal) -> dict:
    principal.require(ROLE_APPLICANT)
    return view(load(principal.subject))


def save_profile(principal: Principal, data: PersonProfileIn) -> dict:
    """Create the profile once (ID number claimed uniquely), then edit name/phone by version."""
    principal.require(ROLE_APPLICANT)
    now = now_iso()
    try:
        current = Person.get(*Person.key(principal.subject))
    except Person.DoesNotExist:
        current = None
    if current is None:
        pk, sk = Person.key(principal.subject)
        person = Person(pk=pk, sk=sk, person_id=principal.subject, name=data.name,
                        former_name=data.former_name, id_type=data.id_type,
                        id_number=data.id_number, phone=data.phone, created_at=now, updated_at=now)
        claim_pk, claim_sk = PersonIdNumber.key(id_number_digest(data.id_type, data.id_number))
        claim = PersonIdNumber(pk=claim_pk, sk=claim_sk, person_id=principal.subject)
        with db_errors(conflict=Conflict("该证件号码已被其他账号使用", code="ID_NUMBER_TAKEN")):
            with transaction() as tx:
                tx.save(person, condition=Person.pk.does_not_exist())
                tx.save(claim, condition=PersonIdNumber.pk.does_not_exist())
                AuditRecord.append(tx, f"PERSON#{principal.subject}", "person.create", principal)
        return view(person)
    if (current.id_type, current.id_number) != (data.id_type, data.id_number):
        raise Forbidden("证件类型和证件号码不能修改", code="ID_NUMBER_IMMUTABLE")
    current.name, current.former_name, current.phone = data.name, data.former_name, data.phone
    current.updated_at = now
    with db_errors():
        current.save()  # conditional on the version read above
    return view(current)


def sign_in(name: str, id_type: str, id_number: str, phone: str = "") -> str:
    """A person arriving from the identity platform: the person id of their account, created from
    the platform's claims on the first sign-in (Person + ID-number claim in one transaction).

    One GetItem when the account exists. Two first sign-ins at once race on the ID-number claim;
    the loser reads the winner's account, so both get the same person id.
    """
    from chalicelib.pii import id_number_digests

    for digest in id_number_digests(id_type, id_number):        # both keys during a rotation
        with db_errors():
            try:
                return PersonIdNumber.get(*PersonIdNumber.key(digest)).person_id
            except PersonIdNumber.DoesNotExist:
                pass
    claim_pk, claim_sk = PersonIdNumber.key(id_number_digest(id_type, id_number))
    import uuid

    person_id = f"p-{uuid.uuid4().hex}"
    now = now_iso()
    pk, sk = Person.key(person_id)
    person = Person(pk=pk, sk=sk, person_id=person_id, name=name, id_type=id_type,
                    id_number=id_number, phone=phone or "", created_at=now, updated_at=now)
    actor = Principal(subject=person_id, role=ROLE_APPLICANT, name=name)
    try:
        with db_errors():
            with transaction() as tx:
                tx.save(person, condition=Person.pk.does_not_exist())
                tx.save(PersonIdNumber(pk=claim_pk, sk=claim_sk, person_id=person_id),
                        condition=PersonIdNumber.pk.does_not_exist())
                AuditRecord.append(tx, f"PERSON#{person_id}", "person.first_sign_in", actor)
    except Conflict:
        with db_errors():
            return PersonIdNumber.get(claim_pk, claim_sk).person_id
    return person_id
