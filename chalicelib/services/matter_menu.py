"""The applicant's menu of matters (事项): services → groups → matters, each with its currently open
published notices. "A matter the province has not opened is not offered": a matter appears only
while at least one of its published notices is inside its declaration window.

One Query per enabled matter (Notice GSI1: NOTICES#<matter>#<year>, published only), so the cost is
bounded by the number of matter definitions (16 today), never by data. An "open matters" index item
maintained on publish/withdraw would save those Queries but could not follow the notices' time
windows (a notice opens and closes by the clock, not by a write), so it would still need the
per-matter read to answer "open now" correctly."""
from chalicelib import clock
from chalicelib.errors import ValidationFailed
from chalicelib.identity import Principal
from chalicelib.matters import definition as matter_def
from chalicelib.models.base import db_errors
from chalicelib.models.notices import Notice
from chalicelib.services import notices

MAX_NOTICES = 20   # open notices of one matter in one year (a handful in practice)


def menu_of(definition) -> dict:
    menu = definition.raw.get("menu") or {}
    return {"service": menu.get("service", definition.name), "group": menu.get("group", definition.name),
            "order": menu.get("order", 0)}


def entry(definition) -> dict:
    raw = definition.raw
    return {"code": definition.code, "name": definition.name, "description": raw.get("description"),
            "self_check": raw.get("self_check")}


def _open_notices(code: str, year: str) -> list:
    with db_errors():
        found = Notice.gsi1.query(Notice.list_key(code, year), scan_index_forward=False, limit=MAX_NOTICES)
        return [notices.view(n, full=False) for n in found if notices.is_open(n)]


def group(definitions) -> list:
    """[{service, groups: [{group, matters: [...]}]}] in menu order."""
    services: dict = {}
    for d in sorted(definitions, key=lambda d: menu_of(d)["order"]):
        where = menu_of(d)
        groups = services.setdefault(where["service"], {})
        groups.setdefault(where["group"], []).append(d)
    return [{"service": service, "groups": [{"group": name, "matters": items} for name, items in groups.items()]}
            for service, groups in services.items()]


def menu(principal: Principal, year: str | None = None) -> dict:
    year = year or str(clock.today_local().year)
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        raise ValidationFailed("年度应为四位数字", code="BAD_YEAR")
    offered = []
    for code in matter_def.REGISTRY.codes():
        d = matter_def.get(code)
        open_now = _open_notices(code, year)
        if open_now:
            offered.append((d, open_now))
    by_code = {d.code: items for d, items in offered}
    tree = group([d for d, _ in offered])
    for service in tree:
        for g in service["groups"]:
            g["matters"] = [{**entry(d), "notices": by_code[d.code]} for d in g["matters"]]
    return {"year": year, "services": tree}
