"""业务审核 workbench: the maintained counts per matter for a unit and year (one Query): the two
binding rows, then every served matter (and a closed one while the unit still counts its declarations)
grouped by its menu service (category) and menu (group)."""
from chalicelib import clock
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.matters import registry
from chalicelib.services import counters

BINDING_ROWS = (
    ("自然人基础业务", counters.BIND_PERSON, "个人绑定推荐单位", "绑定推荐单位"),
    ("法人基础业务", counters.BIND_UNIT, "单位绑定上级单位", "绑定上级单位"),
)
COUNTS = ("pending", "to_send", "returned", "today", "done_total")


def _matter_rows(totals: dict) -> list:
    """Every served matter, and a matter the province has closed ("enabled": false) while this unit
    still has its declarations counted (they stay reviewable), in menu order; read at call time so a
    registry built elsewhere (a test's matter) is followed."""
    from chalicelib.services.matter_menu import menu_of

    rows = []
    for code, label in registry.REGISTRY.codes(include_disabled=True).items():     # menu order
        definition = registry.get(code, include_disabled=True)
        if not definition.enabled and not any(totals.get(code, {}).get(k) for k in COUNTS):
            continue
        where = menu_of(definition)
        rows.append((where["service"], code, label, where["group"]))
    return rows


def counts(principal: Principal, year: str | None) -> dict:
    principal.require(*UNIT_ROLES)
    year = year or str(clock.today_local().year)
    totals = counters.read(principal.unit_code, year)
    rows = []
    for category, matter, label, group in BINDING_ROWS + tuple(_matter_rows(totals)):
        c = totals.get(matter, {})
        rows.append({"category": category, "group": group, "matter": matter, "label": label,
                     "pending": c.get("pending", 0), "to_send": c.get("to_send", 0),
                     "returned": c.get("returned", 0), "today": c.get("today", 0),
                     "done_total": c.get("done_total", 0)})
    summary = {k: sum(r[k] for r in rows) for k in COUNTS}
    # default_matter: the matter a list shows when none is chosen (as the list endpoints default)
    return {"year": year, "unit_code": principal.unit_code, "rows": rows, "summary": summary,
            "default_matter": registry.DEFAULT_MATTER}
