"""业务审核 workbench: the maintained counts per matter for a unit and year (one Query): the two
binding rows, then every served matter grouped by its menu service (category) and menu (group)."""
from chalicelib import clock
from chalicelib.errors import ValidationFailed
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.matters import MATTER_CODES
from chalicelib.matters import definition as matter_def
from chalicelib.services import counters

def _matter_rows() -> tuple:
    from chalicelib.services.matter_menu import menu_of

    rows = []
    for code, label in MATTER_CODES.items():     # menu order
        where = menu_of(matter_def.get(code))
        rows.append((where["service"], code, label, where["group"]))
    return tuple(rows)


ROWS = (
    ("自然人基础业务", counters.BIND_PERSON, "个人绑定推荐单位", "绑定推荐单位"),
    ("法人基础业务", counters.BIND_UNIT, "单位绑定上级单位", "绑定上级单位"),
) + _matter_rows()


def counts(principal: Principal, year: str | None) -> dict:
    principal.require(*UNIT_ROLES)
    year = year or str(clock.today_local().year)
    if not year.isdigit() or len(year) != 4:
        raise ValidationFailed("年度应为四位数字", code="BAD_YEAR")
    totals = counters.read(principal.unit_code, year)
    rows = []
    for category, matter, label, group in ROWS:
        c = totals.get(matter, {})
        rows.append({"category": category, "group": group, "matter": matter, "label": label,
                     "pending": c.get("pending", 0), "to_send": c.get("to_send", 0),
                     "returned": c.get("returned", 0), "today": c.get("today", 0),
                     "done_total": c.get("done_total", 0)})
    summary = {k: sum(r[k] for r in rows) for k in ("pending", "to_send", "returned", "today", "done_total")}
    return {"year": year, "unit_code": principal.unit_code, "rows": rows, "summary": summary}
