"""评审结果查询: a recommending unit's applicants filtered by 评定状态 and 评审后评定级别;
applicants see their own in their declaration."""
from chalicelib import clock
from chalicelib import identifiers as ids
from chalicelib.errors import Forbidden, ValidationFailed
from chalicelib.identity import ROLE_PROVINCE, UNIT_ROLES, Principal
from chalicelib.models.base import db_errors
from chalicelib.models.declarations import STATUS_LABELS, Declaration
from chalicelib.pagination import decode, page_size, query_page

RESULT_STATES = ("未认定", "通过", "未通过")


def results_key(unit_code: str, matter_type: str, year: str) -> str:
    return f"RESULTS#{unit_code}#{matter_type}#{year}"


def row_view(meta: Declaration) -> dict:
    return {"decl_id": meta.decl_id, "person_name": meta.person_name,
            "id_number": ids.mask_id_number(meta.id_number), "unit_name": meta.unit_name,
            "applied_level": meta.applied_level, "submitted_at": meta.submitted_at,
            "status": meta.status, "status_label": STATUS_LABELS[meta.status],
            "result": meta.result or "未认定", "result_level": meta.result_level}


def unit_in_scope(principal: Principal, unit_code: str | None) -> str:
    """A unit sees its own applicants; the provincial office may look at any recommending unit."""
    if unit_code and unit_code != principal.unit_code:
        if principal.role != ROLE_PROVINCE:
            raise Forbidden("只能查询本单位的评审结果", code="ROLE_FORBIDDEN")
        return unit_code.strip().upper()[:18]
    return principal.unit_code


def list_results(principal: Principal, matter_type: str, year: str | None, result: str | None,
                 level: str | None, cursor, limit, unit_code: str | None = None) -> dict:
    principal.require(*UNIT_ROLES)
    unit = unit_in_scope(principal, unit_code)
    year = year or str(clock.today_local().year)
    if result is not None and result not in RESULT_STATES:
        raise ValidationFailed("评定状态应为未认定、通过或未通过", code="BAD_FILTER")
    key = results_key(unit, matter_type, year)
    start = decode(cursor, "GSI2PK", key)
    range_condition = Declaration.gsi2sk.startswith(f"{result}#") if result else None
    filter_condition = (Declaration.result_level == level) if level else None
    with db_errors():
        return query_page(lambda **kw: Declaration.gsi2.query(key, range_condition, filter_condition,
                                                              scan_index_forward=False, **kw),
                          page_size(limit), start, ("PK", "SK", "GSI2PK", "GSI2SK"), row_view)
