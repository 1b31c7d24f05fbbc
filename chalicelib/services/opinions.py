"""常用意见: each reviewer keeps their own list of common opinions."""
import uuid

from chalicelib import clock

from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.models.base import db_errors, now_iso
from chalicelib.models.reviews import CommonOpinion

MAX_OPINIONS = 50
OPINION_MISSING = NotFound("常用意见不存在", code="OPINION_NOT_FOUND")


def _view(o: CommonOpinion) -> dict:
    return {"opinion_id": o.opinion_id, "text": o.text, "created_at": o.created_at}


def list_mine(principal: Principal) -> list:
    principal.require(*UNIT_ROLES)
    with db_errors():
        return [_view(o) for o in CommonOpinion.query(f"OPINIONS#{principal.subject}", limit=MAX_OPINIONS)]


def add(principal: Principal, text: str) -> dict:
    if len(list_mine(principal)) >= MAX_OPINIONS:
        raise ValidationFailed(f"常用意见最多{MAX_OPINIONS}条", code="TOO_MANY_OPINIONS")
    now = now_iso()
    opinion_id = f"{int(clock.now().timestamp() * 1000):013d}{uuid.uuid4().hex[:8]}"   # URL-safe, sorts by time
    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
    opinion = CommonOpinion(pk=pk, sk=sk, agent_id=principal.subject, opinion_id=opinion_id, text=text,
                            created_at=now)
    with db_errors():
        opinion.save(condition=CommonOpinion.pk.does_not_exist())
    return _view(opinion)


def edit(principal: Principal, opinion_id: str, text: str) -> dict:
    principal.require(*UNIT_ROLES)
    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
    opinion = CommonOpinion(pk=pk, sk=sk)
    with db_errors(conflict=OPINION_MISSING):
        opinion.update(actions=[CommonOpinion.text.set(text)], condition=CommonOpinion.pk.exists())
    return _view(opinion)


def delete(principal: Principal, opinion_id: str) -> None:
    principal.require(*UNIT_ROLES)
    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
    with db_errors(conflict=OPINION_MISSING):
        CommonOpinion(pk=pk, sk=sk).delete(condition=CommonOpinion.pk.exists())
