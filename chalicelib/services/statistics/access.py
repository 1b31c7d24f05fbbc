"""Which 统计分析 scope a caller may read, decided from our records (never from token claims):

    the provincial office   every scope (default: the province)
    a city bureau           its region (its unit record's 行政区划), and any unit of that region
    a unit                  itself (its scope counts the units below it too) and any unit below it
                            on the approved superior chain (≤ 10 GetItems up the unit's chain)

A scope is written `province`, `region:<city code>` or `unit:<credit code>`.
"""
from __future__ import annotations

from chalicelib import geo
from chalicelib import identifiers as ids
from chalicelib.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.identity import ROLE_CITY_BUREAU, ROLE_PROVINCE, UNIT_ROLES, Principal
from chalicelib.models.statistics import PROVINCE_SCOPE, region_scope, unit_scope

OUT_OF_SCOPE = Forbidden("无权查看该范围的统计分析", code="STATISTICS_SCOPE_FORBIDDEN")
BAD_SCOPE = ValidationFailed("统计范围格式不正确", code="BAD_SCOPE",
                             details=[{"field": "scope", "message": "统计范围：应为 province、region:<行政区划代码> 或 unit:<统一社会信用代码>"}])


def _unit(code: str):
    from chalicelib.services import units

    try:
        return units.load(code)
    except NotFound:
        raise OUT_OF_SCOPE


def _city(unit) -> str | None:
    return geo.city_of(unit.region_code) or ids.city_region_of(unit.region_code)


def resolve(principal: Principal, scope: str | None) -> dict:
    """The stored scope key and how people name it, or Forbidden."""
    principal.require(*UNIT_ROLES)
    role = principal.role
    if not scope:
        if role == ROLE_PROVINCE:
            scope = "province"
        elif role == ROLE_CITY_BUREAU:
            scope = f"region:{_city(_unit(principal.unit_code))}"
        else:
            scope = f"unit:{principal.unit_code}"
    kind, _, code = scope.partition(":")
    if kind == "province" and not code:
        if role != ROLE_PROVINCE:
            raise OUT_OF_SCOPE
        return {"kind": "province", "code": "", "name": geo.name_of("220000") or "吉林省", "key": PROVINCE_SCOPE}
    if kind == "region" and geo.city_of(code) == code:
        if role == ROLE_CITY_BUREAU and _city(_unit(principal.unit_code)) != code:
            raise OUT_OF_SCOPE
        if role not in (ROLE_PROVINCE, ROLE_CITY_BUREAU):
            raise OUT_OF_SCOPE
        return {"kind": "region", "code": code, "name": geo.name_of(code), "key": region_scope(code)}
    if kind == "unit" and code and ids.is_valid_credit_code(code):
        target = _unit(code)
        if role == ROLE_CITY_BUREAU and _city(target) != _city(_unit(principal.unit_code)):
            raise OUT_OF_SCOPE
        if role not in (ROLE_PROVINCE, ROLE_CITY_BUREAU) and code != principal.unit_code:
            from chalicelib.services.bindings import superior_chain

            if principal.unit_code not in {u.credit_code for u in superior_chain(target)}:
                raise OUT_OF_SCOPE
        return {"kind": "unit", "code": code, "name": target.name, "key": unit_scope(code)}
    raise BAD_SCOPE
