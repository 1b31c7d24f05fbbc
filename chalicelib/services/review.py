"""The review chain: submit, review tasks opened by the state machine, decisions, 送审, withdraw.

The chain itself is the Step Functions state machine (infra/statemachine/review.asl.json): one
execution per declaration round, named <decl_id>-r<round>. Each level is a
sqs:sendMessage.waitForTaskToken task; functions/review_tasks.py opens the reviewer's task here
with its token. A decision is recorded in one transaction guarded on the task being open
(task + declaration + counters + audit), then delivered with SendTaskSuccess carrying where the
machine goes next. Undelivered decisions stay in the OUTBOX index until a sweep delivers them.
"""
import datetime as dt
import json

from chalicelib import aws, clock, config, storage
from chalicelib import identifiers as ids
from chalicelib import review_machine as machine
from chalicelib.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from chalicelib.identity import ROLE_APPLICANT, ROLE_PROVINCE, UNIT_ROLES, Principal
from chalicelib.logs import get_logger
from chalicelib.matters import definition as matter_def
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import Entity, db_errors, now_iso, request_token, transaction
from chalicelib.models.bindings import PersonBinding
from chalicelib.models.declarations import (APPROVED, DRAFT, RETURNED, STATUS_LABELS, SUBMITTED,
                                            TERMINATED, Declaration, DeclarationModule)
from chalicelib.models.reviews import (BUCKET_OF_STATE, DONE, OPEN, TO_SEND, ReturnedMark,
                                       ReviewTask)
from chalicelib.pagination import decode, encode, page_size, query_page
from chalicelib.services import counters, declarations
from chalicelib.services import declaration_aggregate as aggregate
from chalicelib.services import results as result_rows   # 评审结果 rows: hooks in the transactions below

log = get_logger("talent.review")

TASK_MISSING = NotFound("审核任务不存在或不属于本单位", code="TASK_NOT_FOUND")
DECIDED = Conflict("该申报已被审核，请刷新后查看", code="ALREADY_DECIDED")


def _rules(matter_type: str) -> dict:
    return matter_def.get(matter_type).raw["review"]


def execution_name(decl_id: str, round_: int) -> str:
    return f"{decl_id}-r{round_}"


# --- submit, withdraw --------------------------------------------------------------------------

def submit(principal: Principal, decl_id: str) -> dict:
    """提交: one transaction, then StartExecution named after the round (a retry finds it)."""
    part = aggregate.owned(principal, decl_id)
    meta = part.meta
    if meta.status == SUBMITTED:
        _start_execution(meta)          # idempotent: same name + input returns the running one
        return aggregate.summary_view(meta)
    if meta.status not in (DRAFT, RETURNED):
        raise Conflict(f"申报状态为“{STATUS_LABELS[meta.status]}”，不能提交", code="DECLARATION_LOCKED")
    problems = declarations.problems(part)
    if problems:
        raise ValidationFailed("数据验证未通过，请根据数据验证信息补充修改",
                               code="VALIDATION_NOT_CLEAN", details=problems)
    if not meta.pledge_accepted_at:
        raise ValidationFailed("请勾选诚信承诺后提交", code="PLEDGE_REQUIRED")
    previous_status, returned_by = meta.status, meta.returned_by
    if previous_status == DRAFT:
        # A new declaration (first or after 撤销流程) takes the route from the binding chain and
        # region as they are now (manual 001: correct the region, withdraw, declare again).
        from chalicelib.services import routing, units

        meta.route = routing.build_route(units.load(meta.unit_code), meta.matter_type)
    now = now_iso()
    meta.status, meta.round, meta.submitted_at, meta.updated_at = SUBMITTED, meta.round + 1, now, now
    meta.reached_level, meta.editable_modules = 0, None
    meta.returned_by = meta.return_opinion = None
    meta.applied_level = (part.modules["basic"].content or {}).get("applied_level")
    meta.gsi2pk = meta.gsi2sk = None   # results are ResultRow items (services/results.py)
    token = request_token("submit", decl_id, meta.round)
    with db_errors(conflict=Conflict("申报已变化，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction(client_request_token=token) as tx:
            tx.save(meta)   # version-guarded: a double tap commits once
            for module in part.modules.values():
                tx.update(module, actions=[DeclarationModule.editable.set(False)],
                          add_version_condition=False)
            binding = PersonBinding(*PersonBinding.key(meta.person_id))
            tx.update(binding, actions=[PersonBinding.locked_by.set(f"DECL#{decl_id}")],
                      condition=PersonBinding.unit_code == meta.unit_code, add_version_condition=False)
            if previous_status == RETURNED and returned_by:
                tx.delete(ReturnedMark(*ReturnedMark.key(decl_id, returned_by)))
                counters.add(tx, returned_by, meta.year, meta.matter_type, returned=-1)
            AuditRecord.append(tx, f"DECL#{decl_id}", "declaration.submit", principal,
                               detail={"round": meta.round})
            result_rows.on_submit(tx, part)
    _start_execution(meta)
    return aggregate.summary_view(meta)


def _execution_input(meta: Declaration, level: int = 0) -> dict:
    rules = _rules(meta.matter_type)
    deadline = rules["deadline_days"] * 86400
    return {"decl_id": meta.decl_id, "round": meta.round, "matter_type": meta.matter_type,
            "level": level, "levels": len(meta.route),
            "backstop_seconds": deadline * rules["backstop_factor"]}


def _start_execution(meta: Declaration) -> None:
    from botocore.exceptions import ClientError

    try:
        resp = aws.stepfunctions().start_execution(
            stateMachineArn=config.REVIEW_STATE_MACHINE_ARN,
            name=execution_name(meta.decl_id, meta.round),
            input=json.dumps(_execution_input(meta), sort_keys=True))
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code == "ExecutionAlreadyExists":
            return    # this round's execution exists (and may have moved on): nothing to start
        log.warning("start execution failed", extra={"fields": {"code": code}})
        from chalicelib.errors import Unavailable

        raise Unavailable("申报已保存，审核流程启动繁忙，请稍后再次点击提交", code="WORKFLOW_BUSY")
    if meta.execution_arn != resp["executionArn"]:
        with db_errors():
            meta.update(actions=[Declaration.execution_arn.set(resp["executionArn"])],
                        add_version_condition=False)


def withdraw(principal: Principal, decl_id: str) -> dict:
    """撤销流程: a returned declaration goes back to draft (all modules editable) to declare anew."""
    part = aggregate.owned(principal, decl_id)
    meta = part.meta
    if meta.status != RETURNED:
        raise Conflict("只有被退回的申报可以撤销流程", code="NOT_RETURNED")
    returned_by = meta.returned_by
    meta.status, meta.editable_modules, meta.updated_at = DRAFT, None, now_iso()
    meta.returned_by = meta.return_opinion = None
    meta.gsi2pk = meta.gsi2sk = None
    with db_errors(conflict=Conflict("申报已变化，请刷新后重试", code="VERSION_CONFLICT")):
        with transaction() as tx:
            tx.save(meta)
            for module in part.modules.values():
                tx.update(module, actions=[DeclarationModule.editable.set(True)], add_version_condition=False)
            binding = PersonBinding(*PersonBinding.key(meta.person_id))
            tx.update(binding, actions=[PersonBinding.locked_by.remove()], add_version_condition=False)
            if returned_by:
                tx.delete(ReturnedMark(*ReturnedMark.key(decl_id, returned_by)))
                counters.add(tx, returned_by, meta.year, meta.matter_type, returned=-1)
            AuditRecord.append(tx, f"DECL#{decl_id}", "declaration.withdraw", principal)
            result_rows.on_remove(tx, meta)
    _stop_execution(meta)
    return aggregate.summary_view(meta)


def _stop_execution(meta: Declaration) -> None:
    if not meta.execution_arn:
        return
    from botocore.exceptions import ClientError

    try:
        aws.stepfunctions().stop_execution(executionArn=meta.execution_arn, cause="撤销流程")
    except ClientError:
        pass   # already ended (a return to the applicant ends the execution)


# --- tasks opened by the state machine -------------------------------------------------------

def open_task(message: dict) -> str:
    """Called by functions/review_tasks.py for each queue message. Idempotent by token."""
    kind = message.get("type")
    decl_id, round_ = message["decl_id"], int(message["round"])
    with db_errors(not_found=NotFound()):
        meta = Declaration.get(*Declaration.key(decl_id))
    if meta.round != round_ or meta.status != SUBMITTED:
        _send_failure(message.get("task_token"), "STALE_ROUND")
        return "stale"
    level = len(meta.route) if kind == machine.MSG_COMMITTEE else int(message["level"])
    if kind == machine.MSG_ESCALATE:
        return _flag_overdue(meta, round_, int(message["level"]))
    if level < len(meta.route):
        route_level = meta.route[level]
    else:   # the committee result, recorded by the provincial office
        route_level = {**meta.route[-1], "role": ROLE_PROVINCE, "committee": True}
    pk, sk = ReviewTask.key(decl_id, round_, level)
    now = clock.now()
    rules = _rules(meta.matter_type)
    due = None if level >= len(meta.route) else clock.iso(now + dt.timedelta(days=rules["deadline_days"]))
    try:
        task = ReviewTask.get(pk, sk)
    except ReviewTask.DoesNotExist:
        task = None
    if task is not None and task.token == message["task_token"]:
        return "duplicate"
    stamp = clock.iso(now)
    if task is not None and task.state == OPEN:
        # The machine's backstop timed out and re-armed this level: same task, new token,
        # flagged overdue; nothing to count again.
        with db_errors():
            task.update(actions=[ReviewTask.token.set(message["task_token"]), ReviewTask.overdue.set(True),
                                 ReviewTask.updated_at.set(stamp)], condition=ReviewTask.state == OPEN,
                        add_version_condition=False)
        return "rearmed"
    if task is None:
        task = ReviewTask(pk=pk, sk=sk, decl_id=decl_id, round=round_, level=level,
                          unit_code=route_level["unit_code"], unit_name=route_level["unit_name"],
                          role=route_level["role"], matter_type=meta.matter_type, year=meta.year,
                          person_name=meta.person_name, id_number=meta.id_number, state=OPEN,
                          token=message["task_token"], opened_at=stamp, due_at=due, updated_at=stamp)
    else:   # a lower level the chain came back to: re-arm deadline and reminders
        task.state, task.token, task.opened_at, task.due_at, task.updated_at = (
            OPEN, message["task_token"], stamp, due, stamp)
        task.overdue = task.reminded = False
        task.visits = (task.visits or 1) + 1
        task.outcome = task.output = task.opinion = task.decided_at = None
        task.decided_by = task.decided_by_name = task.sent_at = None
        task.delivered = False
    task.place(BUCKET_OF_STATE[OPEN], stamp)
    task.decl_unit_name, task.applied_level, task.submitted_at = meta.unit_name, meta.applied_level, meta.submitted_at
    task.set_due(due)
    with db_errors(conflict=Conflict("任务已被打开")):
        with transaction(client_request_token=request_token("open", message["task_token"])) as tx:
            tx.save(task)   # new: attribute_not_exists(version); reopened: version-guarded
            tx.update(meta, actions=[Declaration.reached_level.set(max(level, meta.reached_level or 0))],
                      condition=(Declaration.round == round_) & (Declaration.status == SUBMITTED),
                      add_version_condition=False)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=1)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.open", _system(),
                               detail={"round": round_, "level": level, "unit": task.unit_code,
                                       "unit_name": task.unit_name})
            result_rows.on_open(tx, meta, task.unit_code)
    return "opened"


def _system() -> Principal:
    return Principal(subject="system", role=ROLE_PROVINCE, name="系统")


def _send_failure(token: str | None, cause: str) -> None:
    if not token:
        return
    from botocore.exceptions import ClientError

    try:
        aws.stepfunctions().send_task_failure(taskToken=token, error="Stale", cause=cause)
    except ClientError:
        pass


def _flag_overdue(meta: Declaration, round_: int, level: int) -> str:
    """The state machine's backstop fired: flag the task overdue (the sweep normally did)."""
    try:
        task = ReviewTask.get(*ReviewTask.key(meta.decl_id, round_, level))
    except ReviewTask.DoesNotExist:
        return "missing"
    if task.state == OPEN and not task.overdue:
        task.update(actions=[ReviewTask.overdue.set(True)], add_version_condition=False)
    return "overdue"


# --- reviewers: lists, detail ------------------------------------------------------------------

def task_view(task: ReviewTask, mask: bool = True) -> dict:
    return {"decl_id": task.decl_id, "round": task.round, "level": task.level,
            "unit_code": task.unit_code, "unit_name": task.unit_name, "role": task.role,
            "matter_type": task.matter_type, "year": task.year, "person_name": task.person_name,
            "id_number": ids.mask_id_number(task.id_number) if mask else task.id_number,
            "state": task.state, "opened_at": task.opened_at, "due_at": task.due_at,
            "overdue": bool(task.overdue) or bool(task.due_at and task.state == OPEN
                                                   and task.due_at < clock.iso(clock.now())),
            "urged_at": task.urged_at, "outcome": task.outcome, "opinion": task.opinion,
            "decided_at": task.decided_at, "decided_by_name": task.decided_by_name,
            "sent_at": task.sent_at, "has_report": bool(task.report_attachment),
            "report_attachment_id": task.report_attachment if task.state == TO_SEND else None,
            "decl_unit_name": task.decl_unit_name, "applied_level": task.applied_level,
            "submitted_at": task.submitted_at,
            "committee": task.level >= 0 and task.role == ROLE_PROVINCE and task.due_at is None,
            "version": task.version}


def list_tasks(principal: Principal, bucket: str, matter_type: str, year: str | None, name: str | None,
               id_number: str | None, cursor, limit) -> dict:
    principal.require(*UNIT_ROLES)
    if bucket not in ("pending", "to_send", "done", "returned"):
        raise ValidationFailed("查询条件有误", code="BAD_FILTER")
    year = year or str(clock.today_local().year)
    list_pk = ReviewTask.list_key(principal.unit_code, matter_type, year, bucket)
    start = decode(cursor, "GSI1PK", list_pk)
    condition = None
    if name:
        condition = Entity.gsi1pk.exists() & ReviewTask.person_name.contains(name[:50])
    if id_number:
        match = ReviewTask.id_number == id_number.strip().upper()[:18]
        condition = match if condition is None else condition & match
    model = ReturnedMark if bucket == "returned" else ReviewTask
    view = _returned_view if bucket == "returned" else task_view
    with db_errors():
        if condition is None:
            return query_page(lambda **kw: model.gsi1.query(list_pk, scan_index_forward=False, **kw),
                              page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"), view)
        return bounded_page(lambda **kw: model.gsi1.query(list_pk, scan_index_forward=False,
                                                          filter_condition=condition, **kw),
                            model, page_size(limit), start, ("PK", "SK", "GSI1PK", "GSI1SK"), view)


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
                raw_last = found[-1].serialize()
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
            "state": "returned"}


def _my_task(part, principal: Principal) -> ReviewTask:
    """The current round's task of the caller's unit (the one at the highest visit)."""
    meta = part.meta
    tasks = [t for t in _round_tasks(meta.decl_id, meta.round) if t.unit_code == principal.unit_code]
    if not tasks:
        raise TASK_MISSING
    return max(tasks, key=lambda t: (t.state != DONE, t.level))


def _round_tasks(decl_id: str, round_: int) -> list:
    with db_errors():
        return list(ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith(f"TASK#{round_:03d}#")))


def detail(principal: Principal, decl_id: str) -> dict:
    """审核: the whole declaration, its attachments (presigned GETs) and this unit's task."""
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    task = _my_task(part, principal)
    view = aggregate.full_view(part, mask=False)
    for att in view["attachments"]:
        if att["state"] == "verified":
            stored = next(a for a in part.attachments if a.attachment_id == att["attachment_id"])
            att["url"] = storage.download_url(stored.s3_key, 300, content_type=stored.content_type)
    view["task"] = task_view(task, mask=False)
    view["passed_levels"] = [lvl for lvl in part.meta.route if lvl["level"] < task.level]
    return view


# --- decisions ------------------------------------------------------------------------------

def decide(principal: Principal, decl_id: str, data) -> dict:
    """审核通过 / 退回修改 / 资格不符，终止审核 — recorded atomically, then delivered."""
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    meta = part.meta
    task = _my_task(part, principal)
    if task.state != OPEN or meta.status != SUBMITTED:
        raise DECIDED
    if task.due_at is None:
        raise Conflict("评委会结果请在“评审结果”中录入", code="COMMITTEE_TASK")
    definition = part.definition
    modules = definition.module_keys
    marks = dict(data.marks or {})
    missing = [definition.label(m) for m in modules if m not in marks]
    if missing:
        raise ValidationFailed("请对每个模块选择信息是否有误：" + "、".join(missing), code="MARKS_REQUIRED")
    if set(marks) - set(modules):
        raise ValidationFailed("存在未知的模块", code="UNKNOWN_MODULE")
    wrong = {m for m, v in marks.items() if v == "wrong"}
    outcome, opinion = data.outcome, (data.opinion or "").strip() or None
    if outcome in ("return", "terminate") and not opinion:
        raise ValidationFailed("退回修改或终止审核时请填写审核意见", code="OPINION_REQUIRED")
    problem = list(dict.fromkeys(data.problem_modules or []))
    target = None
    if outcome == "return":
        if not problem:
            raise ValidationFailed("退回修改时请选择问题模块", code="PROBLEM_MODULES_REQUIRED")
        if not set(problem) <= wrong:
            raise ValidationFailed("问题模块须是标记为“信息有误”的模块", code="PROBLEM_NOT_MARKED")
        target = data.return_to if data.return_to is not None else "applicant"
        if target != "applicant":
            if not isinstance(target, int) or not 0 <= target < task.level:
                raise ValidationFailed("退回目标须是申报人或已审核通过的下级单位", code="BAD_RETURN_TARGET")
    now = now_iso()
    recorded_opinion = opinion or ("审核通过" if outcome == "pass" else None)
    output = _machine_output(meta, task, outcome, target)
    needs_send = outcome == "pass" and task.role in _rules(meta.matter_type)["send_required_roles"]
    new_state = TO_SEND if needs_send else DONE
    bucket = BUCKET_OF_STATE[new_state]
    actions = [ReviewTask.state.set(new_state), ReviewTask.outcome.set(outcome),
               ReviewTask.output.set(output), ReviewTask.marks.set(marks),
               ReviewTask.problem_modules.set(problem or None),
               ReviewTask.return_to.set(None if target is None else str(target)),
               ReviewTask.opinion.set(recorded_opinion),
               ReviewTask.decided_by.set(principal.subject),
               ReviewTask.decided_by_name.set(principal.name or None),
               ReviewTask.decided_at.set(now), ReviewTask.updated_at.set(now), *task.move_to(bucket, now)]
    if needs_send:   # waits for 送审: off the due index, not yet in the outbox
        actions += ReviewTask.off_secondary_index()
    else:            # off the due index, into the outbox until delivered
        actions += task.into_outbox(now)
    with db_errors(conflict=DECIDED):
        with transaction(client_request_token=request_token("decide", decl_id, task.round, task.level,
                                                              task.visits)) as tx:
            tx.update(task, actions=actions, condition=ReviewTask.state == OPEN)
            _apply_to_declaration(tx, part, task, outcome, problem, opinion, target, principal)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=-1,
                         to_send=1 if needs_send else 0, done=0 if needs_send else 1,
                         returned=1 if outcome == "return" and target == "applicant" else 0)
            # the opinion as decided (task.opinion is still the stored, undecided value here)
            AuditRecord.append(tx, f"DECL#{decl_id}", f"review.{outcome}", principal, opinion=recorded_opinion,
                               detail={"round": task.round, "level": task.level, "unit": task.unit_code,
                                       "unit_name": task.unit_name, "problem_modules": problem,
                                       "return_to": target})
    # TransactWrite.update does not refresh the model (pynamodb #983): mirror what was written.
    task.state, task.outcome, task.output, task.opinion = new_state, outcome, output, recorded_opinion
    task.decided_at, task.decided_by_name = now, principal.name or None
    if not needs_send:
        deliver(task)
    return task_view(task, mask=True)


def _machine_output(meta: Declaration, task: ReviewTask, outcome: str, target) -> dict:
    """What the state machine's Choice routes on."""
    if outcome == "pass":
        nxt = task.level + 1
        return {"outcome": machine.OUT_COMMITTEE if nxt >= len(meta.route) else machine.OUT_NEXT, "level": nxt}
    if outcome == "return":
        return {"outcome": machine.OUT_RETURNED, "level": 0} if target == "applicant" else \
            {"outcome": machine.OUT_NEXT, "level": int(target)}
    return {"outcome": machine.OUT_TERMINATED, "level": task.level}


def _apply_to_declaration(tx, part, task, outcome, problem, opinion, target, principal) -> None:
    meta = part.meta
    if outcome == "pass" or (outcome == "return" and target != "applicant"):
        return
    binding = PersonBinding(*PersonBinding.key(meta.person_id))
    if outcome == "return":
        tx.update(meta, actions=[Declaration.status.set(RETURNED), Declaration.editable_modules.set(problem),
                                 Declaration.returned_by.set(task.unit_code),
                                 Declaration.return_opinion.set(opinion),
                                 Declaration.updated_at.set(now_iso())],
                  condition=Declaration.status == SUBMITTED, add_version_condition=False)
        for key in problem:
            module = part.modules.get(key)
            if module is not None:
                tx.update(module, actions=[DeclarationModule.editable.set(True)], add_version_condition=False)
        tx.save(ReturnedMark.new(task, meta.person_name, meta.id_number, now_iso()))
    else:   # terminate
        tx.update(meta, actions=[Declaration.status.set(TERMINATED), Declaration.updated_at.set(now_iso()),
                                 Declaration.return_opinion.set(opinion), Declaration.gsi2pk.remove(),
                                 Declaration.gsi2sk.remove()],
                  condition=Declaration.status == SUBMITTED, add_version_condition=False)
        tx.update(binding, actions=[PersonBinding.locked_by.remove()], add_version_condition=False)
        result_rows.on_remove(tx, meta)


def deliver(task: ReviewTask) -> bool:
    """SendTaskSuccess with the recorded output; a closed token counts as delivered."""
    from botocore.exceptions import ClientError

    try:
        aws.stepfunctions().send_task_success(taskToken=task.token, output=json.dumps(task.output))
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code not in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
            log.warning("decision not delivered yet", extra={"fields": {"code": code}})
            return False
    with db_errors():
        task.update(actions=[ReviewTask.delivered.set(True), *ReviewTask.off_secondary_index()],
                    add_version_condition=False)
    return True


def redeliver_outbox(limit: int = 100) -> dict:
    """Sweep: deliver decisions recorded but not delivered (SendTaskSuccess failed earlier)."""
    delivered = failed = 0
    with db_errors():
        pending = list(ReviewTask.outbox(limit))
    for task in pending:
        if deliver(task):
            delivered += 1
        else:
            failed += 1
    return {"delivered": delivered, "failed": failed}


# --- 送审 -------------------------------------------------------------------------------------

def send(principal: Principal, decl_ids: list) -> dict:
    """批量送审: each declaration goes on if its 推荐报告/申报函 is uploaded; others are refused
    one by one with the reason, and the rest still go."""
    principal.require(*UNIT_ROLES)
    import concurrent.futures
    import time

    decl_ids = list(dict.fromkeys(decl_ids))
    deadline = time.monotonic() + SEND_SECONDS

    def one(decl_id: str) -> dict:
        if time.monotonic() > deadline:   # bounded: what did not start in time is left for a retry
            return {"decl_id": decl_id, "ok": False, "Code": "NOT_PROCESSED",
                    "Message": "本次送审处理时间已到，该申报未送审，请再次送审"}
        try:
            return {"decl_id": decl_id, "ok": True, **_send_one(principal, decl_id)}
        except (Conflict, NotFound, ValidationFailed, Forbidden) as err:
            return {"decl_id": decl_id, "ok": False, "Code": err.code, "Message": err.message}
        except Unavailable as err:
            return {"decl_id": decl_id, "ok": False, "Code": err.code, "Message": err.message}

    # each declaration is its own guarded transaction: a few at a time keeps 100 well inside the
    # function timeout (~4 AWS calls each), and every item reports its own result
    with concurrent.futures.ThreadPoolExecutor(max_workers=SEND_WORKERS) as pool:
        results = list(pool.map(one, decl_ids))
    return {"results": results, "sent": sum(1 for r in results if r["ok"])}


SEND_WORKERS = 8
SEND_SECONDS = 12.0


def _send_one(principal: Principal, decl_id: str) -> dict:
    part = aggregate.readable(principal, decl_id)
    meta = part.meta
    task = _my_task(part, principal)
    if task.state != TO_SEND:
        raise Conflict("该申报不在待送审状态", code="NOT_TO_SEND")
    report = [a for a in part.verified("recommendation_report", f"T{task.round}-{task.level}")]
    if not report:
        raise ValidationFailed("推荐报告/申报函附件是必填项，请先上传", code="REPORT_REQUIRED")
    now = now_iso()
    with db_errors(conflict=DECIDED):
        with transaction() as tx:
            tx.update(task, actions=[
                ReviewTask.state.set(DONE), ReviewTask.sent_at.set(now), ReviewTask.updated_at.set(now),
                ReviewTask.report_attachment.set(report[0].attachment_id),
                *task.move_to(BUCKET_OF_STATE[DONE], now), *task.into_outbox(now)],
                condition=ReviewTask.state == TO_SEND)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, to_send=-1, done=1)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.send", principal,
                               detail={"round": task.round, "level": task.level,
                                       "unit": task.unit_code, "unit_name": task.unit_name})
    deliver(task)
    return {"state": DONE}


# --- committee result, progress, urging -----------------------------------------------------

def record_result(principal: Principal, decl_id: str, result: str, level: str | None) -> dict:
    """评委会结果: the provincial office records 通过 (终审通过) or 未通过, with the level."""
    principal.require(ROLE_PROVINCE)
    part = aggregate.readable(principal, decl_id)
    meta = part.meta
    rules = _rules(meta.matter_type)
    if result not in ("通过", "未通过"):
        raise ValidationFailed("评定状态应为通过或未通过", code="BAD_RESULT")
    if result == "通过" and level not in rules["levels"]:
        raise ValidationFailed("请选择评审后评定级别", code="LEVEL_REQUIRED")
    task = next((t for t in _round_tasks(decl_id, meta.round)
                 if t.level == len(meta.route) and t.state == OPEN), None)
    if task is None or meta.status != SUBMITTED:
        raise Conflict("该申报尚未进入评委会评审环节", code="NOT_AT_COMMITTEE")
    now = now_iso()
    status = APPROVED if result == "通过" else TERMINATED
    with db_errors(conflict=DECIDED):
        with transaction() as tx:
            tx.update(task, actions=[ReviewTask.state.set(DONE), ReviewTask.outcome.set("result"),
                                     ReviewTask.output.set({"outcome": machine.OUT_FINAL, "level": task.level}),
                                     ReviewTask.opinion.set(result), ReviewTask.decided_at.set(now),
                                     ReviewTask.decided_by.set(principal.subject),
                                     ReviewTask.decided_by_name.set(principal.name or None),
                                     ReviewTask.updated_at.set(now),
                                     *task.move_to(BUCKET_OF_STATE[DONE], now, restamp=False),
                                     *task.into_outbox(now)],
                      condition=ReviewTask.state == OPEN)
            tx.update(meta, actions=[Declaration.status.set(status), Declaration.result.set(result),
                                     Declaration.result_level.set(level if result == "通过" else None),
                                     Declaration.result_at.set(now), Declaration.updated_at.set(now)],
                      condition=Declaration.status == SUBMITTED, add_version_condition=False)
            result_rows.on_result(tx, meta, result, level if result == "通过" else None, now)
            tx.update(PersonBinding(*PersonBinding.key(meta.person_id)),
                      actions=[PersonBinding.locked_by.remove()], add_version_condition=False)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=-1, done=1)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.result", principal, opinion=result,
                               detail={"level": level})
    task.output = {"outcome": machine.OUT_FINAL, "level": task.level}
    deliver(task)
    return {"decl_id": decl_id, "result": result, "result_level": level, "status": status,
            "status_label": STATUS_LABELS[status]}


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


def urge(principal: Principal, decl_id: str) -> dict:
    """催办: a level above an overdue task urges it."""
    principal.require(*UNIT_ROLES)
    part = aggregate.load_partition(decl_id)   # the levels above may urge before the file reaches them
    meta = part.meta
    mine = [lvl["level"] for lvl in meta.route if lvl["unit_code"] == principal.unit_code]
    if not mine or not meta.round:
        raise aggregate.DECL_MISSING
    open_tasks = [t for t in _round_tasks(decl_id, meta.round) if t.state == OPEN]
    target = next((t for t in open_tasks if mine and t.level < max(mine)), None)
    if target is None or not task_view(target)["overdue"]:
        raise Conflict("只能催办下级单位已超期的审核任务", code="NOT_OVERDUE")
    now = now_iso()
    with db_errors():
        with transaction() as tx:
            tx.update(target, actions=[ReviewTask.urged_at.set(now)], add_version_condition=False)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.urge", principal,
                               detail={"level": target.level, "unit": target.unit_code,
                                       "unit_name": target.unit_name})
    target.urged_at = now
    return task_view(target)


# --- deadlines: the scheduled sweep ----------------------------------------------------------

def sweep_deadlines(days_back: int = 14) -> dict:
    """Reminders before the deadline and overdue flags after it, over the due-date index.

    Queries one partition per day (DUE#<date>) from days_back ago to two days ahead.
    """
    now = clock.now()
    now_s = clock.iso(now)
    today = now.astimezone(dt.timezone.utc).date()
    reminded = flagged = 0
    for offset in range(-days_back, 3):
        day = (today + dt.timedelta(days=offset)).isoformat()
        with db_errors():
            tasks = list(ReviewTask.due_on(day))
        for task in tasks:
            if task.state != OPEN:
                continue
            rules = _rules(task.matter_type)
            remind_from = clock.iso(clock.parse_iso(task.due_at)
                               - dt.timedelta(days=rules["remind_before_days"]))
            if task.due_at <= now_s and not task.overdue:
                task.update(actions=[ReviewTask.overdue.set(True)], condition=ReviewTask.state == OPEN,
                            add_version_condition=False)
                flagged += 1
            elif remind_from <= now_s < task.due_at and not task.reminded:
                task.update(actions=[ReviewTask.reminded.set(True)], condition=ReviewTask.state == OPEN,
                            add_version_condition=False)
                AuditRecord.new(f"UNIT#{task.unit_code}", "review.reminder", _system(),
                                detail={"decl_id": task.decl_id, "due_at": task.due_at}).save()
                reminded += 1
    return {"reminded": reminded, "overdue": flagged}


# --- 送审附件 (推荐报告/申报函) -------------------------------------------------------------------

def _report_task(principal: Principal, decl_id: str):
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    task = _my_task(part, principal)
    if task.state != TO_SEND:
        raise Conflict("只有待送审的申报可以上传或删除送审附件", code="NOT_TO_SEND")
    return part, task


def report_slot(principal: Principal, decl_id: str, file_name: str, content_type: str, size: int) -> dict:
    from chalicelib.services import uploads

    part, task = _report_task(principal, decl_id)
    rule = part.definition.attachment(_rules(part.meta.matter_type)["report"]["category"])
    content_type = uploads.check_file(rule, content_type, size)
    return uploads.create_slot(part, rule, f"T{task.round}-{task.level}", None, file_name, content_type, size)


def _report(principal: Principal, decl_id: str, attachment_id: str):
    part, task = _report_task(principal, decl_id)
    att = next((a for a in part.attachments if a.attachment_id == attachment_id
                and a.entry_id == f"T{task.round}-{task.level}"), None)
    if att is None:
        from chalicelib.services.uploads import ATTACHMENT_MISSING

        raise ATTACHMENT_MISSING
    return att


def report_complete(principal: Principal, decl_id: str, attachment_id: str) -> dict:
    from chalicelib.services import uploads

    _report(principal, decl_id, attachment_id)
    att = uploads.verify(decl_id, attachment_id)
    if att.state == "verified":   # the 待送审 list shows 已上传 from the task (survives 查询)
        _mark_report(principal, decl_id, attachment_id)
    return aggregate.attachment_view(att)


def _mark_report(principal: Principal, decl_id: str, attachment_id: str | None) -> None:
    _, task = _report_task(principal, decl_id)
    action = ReviewTask.report_attachment.set(attachment_id) if attachment_id else ReviewTask.report_attachment.remove()
    with db_errors():
        task.update(actions=[action], condition=ReviewTask.state == TO_SEND, add_version_condition=False)


def report_delete(principal: Principal, decl_id: str, attachment_id: str) -> None:
    from chalicelib.services import uploads

    uploads.remove(_report(principal, decl_id, attachment_id), principal)
    part, task = _report_task(principal, decl_id)
    rest = part.verified("recommendation_report", f"T{task.round}-{task.level}")
    remaining = [a.attachment_id for a in rest if a.attachment_id != attachment_id]
    _mark_report(principal, decl_id, remaining[0] if remaining else None)
