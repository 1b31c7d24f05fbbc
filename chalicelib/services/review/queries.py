"""Reviewers' reads: task lists (bounded filtered pages; by 证件号码 one keyed Query), the review
detail and 进度跟踪."""
from chalicelib import clock, storage
from chalicelib import identifiers as ids
from chalicelib.errors import ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, UNIT_ROLES, Principal
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import Entity, db_errors
from chalicelib.models.declarations import STATUS_LABELS, Declaration
from chalicelib.models.reviews import ReturnedMark, ReviewTask, TaskIdIndex
from chalicelib.pagination import decode, encode, page_size, query_page
from chalicelib.services import declaration_aggregate as aggregate
from chalicelib.services import results as result_rows
from chalicelib.services.review.tasks import my_task, task_view


# --- reviewers: lists, detail ------------------------------------------------------------------


def list_tasks(principal: Principal, bucket: str, matter_type: str, year: str | None, name: str | None,
               id_number: str | None, cursor, limit) -> dict:
    principal.require(*UNIT_ROLES)
    if bucket not in ("pending", "to_send", "done", "returned"):
        raise ValidationFailed("查询条件有误", code="BAD_FILTER")
    year = year or str(clock.today_local().year)
    list_pk = ReviewTask.list_key(principal.unit_code, matter_type, year, bucket)
    start = decode(cursor, "GSI1PK", list_pk)
    model = ReturnedMark if bucket == "returned" else ReviewTask
    view = _returned_view if bucket == "returned" else task_view
    if id_number:
        return _person_page(principal.unit_code, matter_type, year, bucket, name, id_number, start,
                            page_size(limit), view)
    condition = _filter(name)
    with db_errors():
        if condition is None:
            return query_page(lambda **kw: model.gsi1.query(list_pk, scan_index_forward=False, **kw),
                              page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"), view)
        return bounded_page(lambda **kw: model.gsi1.query(list_pk, scan_index_forward=False,
                                                          filter_condition=condition, **kw),
                            model, page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"), view)


def _filter(name: str | None):
    return Entity.gsi1pk.exists() & ReviewTask.person_name.contains(name[:50]) if name else None


PERSON_TASKS = 100      # index items one 证件号码 search reads (one BatchGetItem); a person has a few


def _person_entries(unit_code: str, matter_type: str, year: str, bucket: str, name: str | None,
                    id_number: str) -> list:
    """The entries of one person (by 证件号码) in one of the unit's lists, newest first: one keyed
    Query of the unit's index items of that person for the matter and year (TaskIdIndex; one per
    digest, two only while the PII key rotates), then one BatchGetItem of the tasks (or 已退回 marks)
    they name; the list, the number itself and 姓名 are checked on those few items. Reads what the
    person has at this unit, whatever the unit holds; another unit's tasks are under its own key."""
    number = ids.normalize(id_number)[:18]     # the writes' normalisation (NFKC: full-width finds it)
    model = ReturnedMark if bucket == "returned" else ReviewTask
    keys: dict = {}
    with db_errors():
        for digest in result_rows.id_digests(number):
            for item in TaskIdIndex.query(TaskIdIndex.partition(unit_code, digest),
                                          TaskIdIndex.sk.startswith(TaskIdIndex.prefix(matter_type, year)),
                                          limit=PERSON_TASKS, page_size=PERSON_TASKS):
                key = (ReturnedMark.key(item.decl_id, unit_code) if model is ReturnedMark
                       else item.task_key())
                keys[key] = None
        found = list(model.batch_get(list(keys)[:PERSON_TASKS])) if keys else []
    list_pk = ReviewTask.list_key(unit_code, matter_type, year, bucket)
    entries = [e for e in found if e.gsi1pk == list_pk and ids.normalize(e.id_number) == number
               and (not name or name[:50] in (e.person_name or ""))]
    return sorted(entries, key=_place, reverse=True)


def _place(entry) -> tuple:
    """An entry's place in its list (newest first by GSI1SK; the item key breaks a tie)."""
    return entry.gsi1sk, entry.pk, entry.sk


def _person_page(unit_code, matter_type, year, bucket, name, id_number, start, size: int, view) -> dict:
    """A page of the person's entries: the same shape and cursor as a list page (an empty cursor
    when the rest fits)."""
    entries = _person_entries(unit_code, matter_type, year, bucket, name, id_number)
    if start:
        after = (start.get("GSI1SK", {}).get("S", ""), start.get("PK", {}).get("S", ""),
                 start.get("SK", {}).get("S", ""))
        entries = [e for e in entries if _place(e) < after]
    page, more = entries[:size], len(entries) > size
    cursor = None
    if more:
        last = page[-1]
        cursor = encode({"PK": last.pk, "SK": last.sk, "GSI1PK": last.gsi1pk, "GSI1SK": last.gsi1sk})
    return {"items": [view(e) for e in page], "next_cursor": cursor, "budget_reached": False}


def neighbours(principal: Principal, decl_id: str, bucket: str, matter_type: str, year: str | None,
               name: str | None, id_number: str | None) -> dict:
    """上一条/下一条 of a declaration in the caller's filtered list (the whole list, not a loaded page):
    its entry's place (one Query of the declaration's own items), then one bounded GSI1 Query each
    way from that place. The entry is found only in the caller's unit's list (its key names the unit)."""
    principal.require(*UNIT_ROLES)
    if bucket not in ("pending", "to_send", "done", "returned"):
        raise ValidationFailed("查询条件有误", code="BAD_FILTER")
    year = year or str(clock.today_local().year)
    list_pk = ReviewTask.list_key(principal.unit_code, matter_type, year, bucket)
    model = ReturnedMark if bucket == "returned" else ReviewTask
    view = _returned_view if bucket == "returned" else task_view
    prefix = "RETURNED#" if bucket == "returned" else "TASK#"
    with db_errors():
        entries = [e for e in model.query(f"DECL#{decl_id}", model.sk.startswith(prefix)) if e.gsi1pk == list_pk]
    if not entries:
        return {"previous": None, "next": None, "in_list": False}
    place = max(e.gsi1sk for e in entries)
    if id_number:       # the person's few entries in this list, by the keyed index
        person = _person_entries(principal.unit_code, matter_type, year, bucket, name, id_number)
        newer = [e for e in person if e.gsi1sk > place]
        older = [e for e in person if e.gsi1sk < place]
        return {"previous": view(newer[-1]) if newer else None, "next": view(older[0]) if older else None,
                "in_list": True}
    condition = _filter(name)
    budget = READ_BUDGET if condition is not None else 2

    def one(newer: bool):
        key = Entity.gsi1sk > place if newer else Entity.gsi1sk < place
        page = bounded_page(lambda **kw: model.gsi1.query(list_pk, key, scan_index_forward=newer,
                                                          filter_condition=condition, **kw),
                            model, 1, None, ("PK", "SK", "GSI1PK", "GSI1SK"), view, budget=budget)
        return page["items"][0] if page["items"] else None

    with db_errors():
        # the list is newest first: 上一条 is the newer entry, 下一条 the older one
        return {"previous": one(True), "next": one(False), "in_list": True}


READ_BUDGET = 1000      # items a filtered list may evaluate per request, whatever the queue holds
READ_PAGE = 250         # items evaluated per Query (≤ 4 Queries per request)


def bounded_page(query, model, limit: int, start_key: dict | None, key_attrs: tuple, to_dict,
                 budget: int = READ_BUDGET) -> dict:
    """A filtered page that stops at the read budget: DynamoDB evaluates at most `budget` items
    (Limit counts items evaluated before the filter), and the cursor continues from where the
    search stopped. `budget_reached` tells the client the page may be short because of it."""
    pages = query(page_size=min(READ_PAGE, budget), last_evaluated_key=start_key).page_iter
    found: list = []
    while True:
        pages.page_size = max(1, min(READ_PAGE, budget - pages.total_scanned_count))
        try:
            page = next(pages)
        except StopIteration:
            return {"items": [to_dict(i) for i in found], "next_cursor": None, "budget_reached": False}
        for raw in page.get("Items", []):
            found.append(model.from_raw_data(raw))
            if len(found) > limit:
                found = found[:limit]
                raw_last = found[-1].serialize(null_check=False)   # projected attributes only
                return {"items": [to_dict(i) for i in found], "budget_reached": False,
                        "next_cursor": encode({a: raw_last[a]["S"] for a in key_attrs if a in raw_last})}
        last = pages.last_evaluated_key
        if last is None:
            return {"items": [to_dict(i) for i in found], "next_cursor": None, "budget_reached": False}
        if pages.total_scanned_count >= budget:
            return {"items": [to_dict(i) for i in found], "budget_reached": True,
                    "next_cursor": encode({a: last[a]["S"] for a in key_attrs if a in last})}


def _returned_view(mark: ReturnedMark) -> dict:
    return {"decl_id": mark.decl_id, "person_name": mark.person_name,
            "id_number": ids.mask_id_number(mark.id_number), "returned_at": mark.returned_at,
            "round": mark.round, "decl_unit_name": mark.decl_unit_name, "applied_level": mark.applied_level,
            "submitted_at": mark.submitted_at, "state": "returned"}


def detail(principal: Principal, decl_id: str) -> dict:
    """审核: the whole declaration, its attachments (presigned GETs) and this unit's task."""
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    task = my_task(part, principal)
    view = aggregate.full_view(part, mask=False)
    for att in view["attachments"]:
        if att["state"] == "verified":
            stored = next(a for a in part.attachments if a.attachment_id == att["attachment_id"])
            att["url"] = storage.download_url(stored.s3_key, 300, content_type=stored.content_type)
    view["task"] = task_view(task, mask=False)
    view["passed_levels"] = [lvl for lvl in part.meta.route if lvl["level"] < task.level]
    return view


ACTION_LABELS = {"declaration.start": "开始申报", "declaration.submit": "提交申报",
                 "declaration.withdraw": "撤销流程", "review.open": "待审核", "review.pass": "审核通过",
                 "review.return": "退回修改", "review.terminate": "资格不符，终止审核",
                 "review.send": "送审", "review.result": "评委会评定", "review.urge": "催办"}


def progress(principal: Principal, decl_id: str) -> dict:
    """进度跟踪: built from the platform's own append-only audit trail (one Query).

    The applicant and every level of the current round's route that the declaration has reached
    see each step: level, unit, agent, decision, opinion and time (an instant with its offset,
    and Beijing time to show)."""

    part = aggregate.readable(principal, decl_id)
    with db_errors():
        records = list(AuditRecord.trail(f"DECL#{decl_id}"))
    steps = []
    for r in records:
        if r.action not in ACTION_LABELS:
            continue
        detail = r.detail.as_dict() if r.detail else {}
        unit = detail.get("unit") or (r.actor_unit if r.actor_role != ROLE_APPLICANT else None)
        steps.append({"action": r.action, "label": ACTION_LABELS[r.action], "decision": ACTION_LABELS[r.action],
                      "at": r.at, "at_local": clock.beijing(r.at),
                      "round": detail.get("round"), "level": detail.get("level"), "unit_code": unit,
                      "unit_name": detail.get("unit_name") or _unit_name(part.meta, unit),
                      "agent": r.actor_name if r.actor_role != ROLE_APPLICANT or r.actor_id == part.meta.person_id else None,
                      "opinion": r.opinion})
    return {"decl_id": decl_id, "status": part.meta.status, "status_label": STATUS_LABELS[part.meta.status],
            "route": part.meta.route, "steps": steps, "result": part.meta.result,
            "result_level": part.meta.result_level}


def _unit_name(meta: Declaration, code: str | None) -> str | None:
    return next((lvl["unit_name"] for lvl in meta.route if lvl["unit_code"] == code), None)
