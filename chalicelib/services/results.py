"""评审结果查询 (manual 001 §3.7): every level sees the results of the declarations that passed
through it, the provincial office all of them.

Access pattern (models/__init__.py #20): one ResultRow per declaration and viewing level, in
GSI2 under RESULTS#<viewer>#<matter>#<year>, sorted by 评定状态 then submit time. The rows are
written by the hooks below, each called inside the transaction of the state change that makes
the declaration visible (or changes its result):

    on_submit     submit            rows for the recommending unit and the provincial office
    on_open       a task opens      a row for that level (superior units, the city bureau)
    on_result     committee result  every row of the declaration gets 评定状态/评审后评定级别
    on_remove     withdraw, 终止审核  every row of the declaration is deleted

Filters: 评定状态 is a key condition; the others are a FilterExpression over one Query page whose
DynamoDB Limit is the read budget (READ_BUDGET items), so a request never reads more than the
budget whatever the table holds; when the budget ends before the page is full the answer has
fewer rows and a cursor to continue. 证件号码 is compared as a keyed hash and arrives in a POST
body, never in a URL.
"""
from __future__ import annotations

from chalicelib import clock, geo
from chalicelib import identifiers as ids
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.models.base import db_errors, now_iso
from chalicelib.models.results import ResultRow
from chalicelib.pagination import decode, encode, page_size

READ_BUDGET = 200          # items one results request may read (DynamoDB Limit of its one Query)
KEY_ATTRS = ("PK", "SK", "GSI2PK", "GSI2SK")


def results_key(unit_code: str, matter_type: str, year: str) -> str:
    return ResultRow.list_key(unit_code, matter_type, year)


def result_states(matter_type: str) -> tuple:
    """评定状态 of a matter, from its definition: (pending, passed, failed, *others)."""
    from chalicelib.matters import registry

    return registry.result_words(matter_type).all


def id_digest(id_number: str) -> str:
    from chalicelib.pii import id_number_digest

    return id_number_digest(ids.ID_TYPE_RESIDENT, ids.normalize(id_number))


def id_digests(id_number: str) -> list:
    """A search's digests: the current key's and, during a rotation, the previous key's."""
    from chalicelib.pii import id_number_digests

    return id_number_digests(ids.ID_TYPE_RESIDENT, id_number.strip().upper())


# --- hooks: called inside the state change's TransactWrite ------------------------------------

def _row(meta, viewer: str, *, talent_category, city_code, applied_level, now: str) -> ResultRow:
    pk, sk = ResultRow.key(meta.decl_id, viewer)
    submitted = meta.submitted_at or now
    pending = result_states(meta.matter_type)[0]
    id_hash = id_digest(meta.id_number)
    return ResultRow(pk=pk, sk=sk, decl_id=meta.decl_id, viewer_code=viewer, matter_type=meta.matter_type,
                     year=meta.year, round=meta.round or 1, person_name=meta.person_name,
                     id_number=meta.id_number, id_hash=id_hash, unit_code=meta.unit_code,
                     unit_name=meta.unit_name, city_code=city_code, applied_level=applied_level,
                     talent_category=talent_category, result=pending, submitted_at=submitted,
                     updated_at=now,
                     gsi2pk=results_key(viewer, meta.matter_type, meta.year),
                     gsi2sk=ResultRow.sort_key(pending, submitted, meta.decl_id),
                     gsi1pk=ResultRow.id_key(viewer, meta.matter_type, meta.year, id_hash),
                     gsi1sk=f"{submitted}#{meta.decl_id}")


def on_submit(tx, part, unit=None) -> None:
    """Submit: the recommending unit (level 0) and the provincial office (last level) see it.
    `unit`: the recommending unit when the caller read it already (no second read)."""
    from chalicelib.models.accounts import Unit

    meta = part.meta
    basic = part.definition.identity_content(part.modules)
    try:
        unit = unit if unit is not None and unit.credit_code == meta.unit_code else Unit.get(*Unit.key(meta.unit_code))
        city = geo.city_of(unit.region_code) or ids.city_region_of(unit.region_code)
    except Unit.DoesNotExist:
        city = None
    now = now_iso()
    viewers = dict.fromkeys([meta.route[0]["unit_code"], meta.route[-1]["unit_code"]])
    for viewer in viewers:
        tx.save(_row(meta, viewer, talent_category=(basic.get("talent_category") or None),
                     city_code=city, applied_level=basic.get("applied_level") or meta.applied_level,
                     now=now))


def on_open(tx, meta, unit_code: str) -> None:
    """A review task opened at a level: that level sees the declaration from now on. Copies the
    recommending unit's row (written at submit); not a request path (the queue consumer)."""
    route_codes = {meta.route[0]["unit_code"], meta.route[-1]["unit_code"]}
    if unit_code in route_codes:
        return
    try:
        source = ResultRow.get(*ResultRow.key(meta.decl_id, meta.route[0]["unit_code"]))
    except ResultRow.DoesNotExist:
        return
    tx.save(_row(meta, unit_code, talent_category=source.talent_category, city_code=source.city_code,
                 applied_level=source.applied_level, now=now_iso()))


def _rows_of(decl_id: str) -> list:
    with db_errors():
        return list(ResultRow.query(f"DECL#{decl_id}", ResultRow.sk.startswith("RESULT#")))


def on_result(tx, meta, result: str, level: str | None, now: str) -> None:
    """评委会结果: every level's row shows the result (one Query, ≤ route length updates)."""
    for row in _rows_of(meta.decl_id):
        tx.update(row, actions=[ResultRow.result.set(result), ResultRow.result_level.set(level),
                                ResultRow.updated_at.set(now),
                                ResultRow.gsi2sk.set(ResultRow.sort_key(result, row.submitted_at, meta.decl_id))])


def on_remove(tx, meta) -> None:
    """Withdrawn to draft or terminated by a reviewer: out of every level's results."""
    for code in dict.fromkeys(level["unit_code"] for level in meta.route or []):
        tx.delete(ResultRow(*ResultRow.key(meta.decl_id, code)))


# --- the results search -----------------------------------------------------------------------

def row_view(row: ResultRow, full_id: bool = False) -> dict:
    return {"decl_id": row.decl_id, "round": row.round, "person_name": row.person_name,
            "id_number": row.id_number if full_id else ids.mask_id_number(row.id_number),
            "unit_code": row.unit_code, "unit_name": row.unit_name,
            "city_code": row.city_code, "city_name": geo.name_of(row.city_code),
            "applied_level": row.applied_level, "talent_category": row.talent_category,
            "submitted_at": row.submitted_at, "result": row.result or result_states(row.matter_type)[0],
            "result_level": row.result_level}


def _clean(value, limit: int) -> str | None:
    value = (value or "").strip() if isinstance(value, str) else None
    return value[:limit] if value else None


def normalize_filters(principal: Principal, filters: dict) -> dict:
    """The search's and the export job's filters, shaped for the Query. They arrive validated by the
    request schemas (ResultFiltersIn, ResultListQuery: one Year type, the result states of the
    matter), so no rule is written again here."""
    year = _clean(filters.get("year"), 4) or str(clock.today_local().year)
    from chalicelib.matters.registry import known_code

    matter_type = known_code(filters.get("matter_type"))
    result = _clean(filters.get("result"), 4)
    id_number = _clean(ids.normalize(filters.get("id_number")), 18)   # as writes normalise it
    return {"matter_type": matter_type, "year": year, "result": result,
            "level": _clean(filters.get("level"), 10), "unit": (_clean(filters.get("unit"), 18) or "").upper() or None,
            "city": _clean(filters.get("city"), 6), "name": _clean(filters.get("name"), 50),
            "id_hash": id_digests(id_number) if id_number else None,
            "applied_level": _clean(filters.get("applied_level"), 10),
            "talent_category": _clean(filters.get("talent_category"), 100),
            "viewer": principal.unit_code}


def _conditions(f: dict):
    range_condition = ResultRow.with_result(f["result"]) if f.get("result") else None
    parts = []
    if f.get("name"):
        parts.append(ResultRow.person_name.contains(f["name"]))
    if f.get("id_hash"):
        parts.append(ResultRow.id_hash.is_in(*f["id_hash"]))       # both keys during a rotation
    if f.get("unit"):
        parts.append(ResultRow.unit_code == f["unit"])
    if f.get("city"):
        parts.append(ResultRow.city_code == f["city"])
    if f.get("applied_level"):
        parts.append(ResultRow.applied_level == f["applied_level"])
    if f.get("talent_category"):
        parts.append(ResultRow.talent_category.contains(f["talent_category"]))
    if f.get("level"):
        parts.append(ResultRow.result_level == f["level"])
    condition = None
    for part in parts:
        condition = part if condition is None else condition & part
    return range_condition, condition


def search(principal: Principal, filters: dict, cursor: str | None, limit) -> dict:
    """One Query page of the caller's results, filtered; reads at most READ_BUDGET items. A search
    by 证件号码 is one keyed Query on that person's rows (GSI1), whatever the level holds."""
    principal.require(*UNIT_ROLES)
    size = page_size(limit)
    f = normalize_filters(principal, filters)
    if f.get("id_hash"):
        return _search_by_id(f, size)
    key = results_key(f["viewer"], f["matter_type"], f["year"])
    start = decode(cursor, "GSI2PK", key)
    range_condition, condition = _conditions(f)
    budget = READ_BUDGET if condition is not None else size + 1
    with db_errors():
        it = ResultRow.gsi2.query(key, range_condition, condition, scan_index_forward=False,
                                  page_size=budget, last_evaluated_key=start)
        page = next(it.page_iter)
    items = [ResultRow.from_raw_data(raw) for raw in page.get("Items", [])]
    next_key = None
    if len(items) > size:
        items = items[:size]
        raw = items[-1].serialize(null_check=False)   # a GSI2 item: projected attributes only
        next_key = {a: raw[a]["S"] for a in KEY_ATTRS if a in raw}
    elif page.get("LastEvaluatedKey"):
        next_key = {a: v["S"] for a, v in page["LastEvaluatedKey"].items()}
    return {"items": [row_view(r) for r in items], "next_cursor": encode(next_key) if next_key else None,
            "scanned": page.get("ScannedCount", 0), "budget": budget}


def _search_by_id(f: dict, size: int) -> dict:
    """The person's rows at this level (a handful: one per declaration round kept), other filters on
    them; one Query per digest (two only while the PII key rotates)."""
    condition = _conditions({**f, "id_hash": None})[1]
    if f.get("result"):
        match = ResultRow.result == f["result"]
        condition = match if condition is None else condition & match
    items, scanned = [], 0
    with db_errors():
        for digest in f["id_hash"]:
            key = ResultRow.id_key(f["viewer"], f["matter_type"], f["year"], digest)
            it = ResultRow.gsi1.query(key, None, condition, scan_index_forward=False, page_size=size + 1)
            page = next(it.page_iter)
            scanned += page.get("ScannedCount", 0)
            items += [ResultRow.from_raw_data(raw) for raw in page.get("Items", [])]
            if items:
                break
    return {"items": [row_view(r) for r in items[:size]], "next_cursor": None, "scanned": scanned,
            "budget": size + 1}


def list_results(principal: Principal, matter_type: str, year: str | None, result: str | None,
                 level: str | None, cursor, limit, unit_code: str | None = None) -> dict:
    """GET /results: the same search with the non-personal filters in the query string."""
    return search(principal, {"matter_type": matter_type, "year": year, "result": result, "level": level,
                              "unit": unit_code}, cursor, limit)


def stream_rows(viewer: str, f: dict, page: int = 500):
    """All rows of a selection for the export job (a queue worker: pages of `page`, constant memory)."""
    key = results_key(viewer, f["matter_type"], f["year"])
    range_condition, condition = _conditions(f)
    yield from ResultRow.gsi2.query(key, range_condition, condition, scan_index_forward=False,
                                    page_size=page)


def regions() -> dict:
    """The 市（州） filter options and the GB/T 2260 tree for unit information."""
    return {"cities": geo.cities(), "tree": geo.tree()}
