"""The applicant's menu of matters (事项): services → groups → matters, each with its currently open
published notices. "A matter the province has not opened is not offered": a matter appears only
while at least one of its published notices is inside its declaration window.

One Query: the year's published notices share a partition (Notice GSI1: NOTICES#<year>, sorted by
matter), and the window ("open now") is checked on each notice against the clock, since a notice opens
and closes by time, not by a write. The province publishes a handful of notices a year; MAX_NOTICES
bounds the read all the same."""
from chalicelib import clock
from chalicelib.identity import Principal
from chalicelib.matters import registry
from chalicelib.models.base import db_errors
from chalicelib.models.notices import Notice
from chalicelib.services import notices

MAX_NOTICES = 200   # published notices of one year, all matters (a few dozen in practice)


def menu_of(definition) -> dict:
    return definition.menu


def entry(definition) -> dict:
    return {"code": definition.code, "name": definition.name, "description": definition.description,
            "self_check": definition.self_check}


def _open_notices(year: str) -> dict:
    """{matter code: [open notice views, newest first]} for the year."""
    found: dict = {}
    with db_errors():
        for n in Notice.published(year, limit=MAX_NOTICES):
            if notices.is_open(n):
                found.setdefault(n.matter_type, []).append(notices.view(n, full=False))
    return found


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
    year = year or str(clock.today_local().year)   # the schema (queries.YearQuery) checked its form
    by_code = _open_notices(year)
    served = registry.REGISTRY.codes()
    tree = group([registry.get(code) for code in served if code in by_code])
    for service in tree:
        for g in service["groups"]:
            g["matters"] = [{**entry(d), "notices": by_code[d.code]} for d in g["matters"]]
    return {"year": year, "services": tree}
