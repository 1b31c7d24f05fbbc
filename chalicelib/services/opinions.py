"""常用意见 (manual 001 §3.5.2.4): each reviewer keeps their own list of common opinions.

A reviewer's list starts with the defaults of their level (推荐单位 / 主管部门 / 人社部门), written once
on the first read with a seed marker, so opinions the reviewer deleted do not come back."""
import uuid

from chalicelib import clock

from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.models.base import db_errors, now_iso, request_token, transaction
from chalicelib.models.reviews import CommonOpinion

MAX_OPINIONS = 50
OPINION_MISSING = NotFound("常用意见不存在", code="OPINION_NOT_FOUND")
SEED_MARK = "~seeded"          # sorts after every opinion id (digits): one item, never shown

# The defaults of each level: what reviewers at that level write most (pass, return, terminate).
DEFAULTS = {
    "unit": ("经审核，申报材料真实、齐全，符合申报条件，同意推荐。",
             "申报材料不完整，请按问题模块补充完善后重新提交。",
             "经审核，不符合申报条件，终止审核。"),
    "city_bureau": ("经审核，申报材料齐全，符合申报条件，同意上报。",
                    "申报材料需补充完善，请按问题模块修改后重新提交。",
                    "经审核，不符合申报条件，终止审核。"),
    "province": ("经审核，申报材料齐全，符合申报条件，同意提交评委会评审。",
                 "申报材料需补充完善，请按问题模块修改后重新提交。",
                 "经审核，不符合申报条件，终止审核。"),
}


def _view(o: CommonOpinion) -> dict:
    return {"opinion_id": o.opinion_id, "text": o.text, "created_at": o.created_at}


def _new_id(n: int = 0) -> str:
    return f"{int(clock.now().timestamp() * 1000) + n:013d}{uuid.uuid4().hex[:8]}"   # URL-safe, sorts by time


def _query(principal: Principal) -> list:
    with db_errors():
        return list(CommonOpinion.query(f"OPINIONS#{principal.subject}", limit=MAX_OPINIONS + 1))


def _seed(principal: Principal) -> None:
    """The level's defaults and the marker, in one transaction; a concurrent first read loses the
    marker's condition and writes nothing."""
    now = now_iso()
    texts = DEFAULTS.get(principal.role, DEFAULTS["unit"])
    items = [(_new_id(i), text) for i, text in enumerate(texts)] + [(SEED_MARK, "")]
    try:
        with db_errors():
            with transaction(client_request_token=request_token("seed-opinions", principal.subject)) as tx:
                for opinion_id, text in items:
                    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
                    tx.save(CommonOpinion(pk=pk, sk=sk, agent_id=principal.subject, opinion_id=opinion_id,
                                          text=text, created_at=now),
                            condition=CommonOpinion.pk.does_not_exist())
    except Conflict:
        pass   # a concurrent first read seeded them


def list_mine(principal: Principal) -> list:
    principal.require(*UNIT_ROLES)
    found = _query(principal)
    if not found:
        _seed(principal)
        found = _query(principal)
    return [_view(o) for o in found if o.opinion_id != SEED_MARK][:MAX_OPINIONS]


def add(principal: Principal, text: str) -> dict:
    mine = list_mine(principal)
    if len(mine) >= MAX_OPINIONS:
        raise ValidationFailed(f"常用意见最多{MAX_OPINIONS}条", code="TOO_MANY_OPINIONS")
    if any(o["text"] == text for o in mine):
        raise ValidationFailed("该常用意见已存在", code="OPINION_EXISTS")
    now = now_iso()
    opinion_id = _new_id()
    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
    opinion = CommonOpinion(pk=pk, sk=sk, agent_id=principal.subject, opinion_id=opinion_id, text=text,
                            created_at=now)
    with db_errors():
        opinion.save(condition=CommonOpinion.pk.does_not_exist())
    return _view(opinion)


def _own(principal: Principal, opinion_id: str) -> CommonOpinion:
    principal.require(*UNIT_ROLES)
    if opinion_id == SEED_MARK:
        raise OPINION_MISSING
    pk, sk = CommonOpinion.key(principal.subject, opinion_id)
    return CommonOpinion(pk=pk, sk=sk)


def edit(principal: Principal, opinion_id: str, text: str) -> dict:
    opinion = _own(principal, opinion_id)
    with db_errors(conflict=OPINION_MISSING):
        opinion.update(actions=[CommonOpinion.text.set(text)], condition=CommonOpinion.pk.exists())
    return _view(opinion)


def delete(principal: Principal, opinion_id: str) -> None:
    opinion = _own(principal, opinion_id)
    with db_errors(conflict=OPINION_MISSING):
        opinion.delete(condition=CommonOpinion.pk.exists())
