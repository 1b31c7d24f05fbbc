"""Decisions on a declaration: 提交, 撤销流程, 审核 (pass/return/terminate), 送审, the committee
result and 催办. Each one is one guarded transaction, then handed to the machine."""
from chalicelib import review_machine as machine
from chalicelib.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from chalicelib.identity import ROLE_PROVINCE, UNIT_ROLES, Principal
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, now_iso, request_token, transaction
from chalicelib.models.bindings import PersonBinding
from chalicelib.models.declarations import (DRAFT, RETURNED, STATUS_LABELS, SUBMITTED, Declaration,
                                            DeclarationModule)
from chalicelib.models import status as st
from chalicelib.models.reviews import BUCKET_OF_STATE, ReturnedMark, ReviewTask
from chalicelib.services import counters, declarations
from chalicelib.services import declaration_aggregate as aggregate
from chalicelib.services import results as result_rows   # 评审结果 rows: hooks in the transactions below
from chalicelib.services.statistics import counters as stats   # 统计分析: hooks in the transactions below
from chalicelib.services.review.machine import deliver, execution_arn, start_execution, stop_execution
from chalicelib.services.review.tasks import DECIDED, my_task, review_rules, round_tasks, task_view


# --- submit, withdraw --------------------------------------------------------------------------

def submit(principal: Principal, decl_id: str) -> dict:
    """提交: one transaction, then StartExecution named after the round (a retry finds it)."""
    part = aggregate.owned(principal, decl_id)
    meta = part.meta
    if meta.status == SUBMITTED:
        start_execution(meta)          # idempotent: same name + input returns the running one
        return aggregate.summary_view(meta)
    if not st.can(st.DECLARATION, meta.status, st.SUBMIT):
        raise Conflict(f"申报状态为“{STATUS_LABELS[meta.status]}”，不能提交", code="DECLARATION_LOCKED")
    problems = declarations.problems(part)
    if problems:
        raise ValidationFailed("数据验证未通过，请根据数据验证信息补充修改",
                               code="VALIDATION_NOT_CLEAN", details=problems)
    if not meta.pledge_accepted_at:
        raise ValidationFailed("请勾选诚信承诺后提交", code="PLEDGE_REQUIRED")
    previous_status, returned_by, previous_reached = meta.status, meta.returned_by, meta.reached_level
    unit = None
    if previous_status == DRAFT:
        # A new declaration (first or after 撤销流程) takes the route from the binding chain and
        # region as they are now (manual 001: correct the region, withdraw, declare again).
        from chalicelib.models.accounts import Unit
        from chalicelib.services import routing, units

        # the unit, its first superior and the bureaus in one BatchGetItem (routing.build_route)
        known = routing.prefetch([Unit.key(meta.unit_code)])
        unit = known.get(Unit.key(meta.unit_code)) or units.load(meta.unit_code)
        meta.route = routing.build_route(unit, meta.matter_type, known)
        meta.stat_scopes = stats.scopes_of(unit, known)
    now = now_iso()
    meta.status = st.next_status(st.DECLARATION, previous_status, st.SUBMIT)
    meta.round, meta.submitted_at, meta.updated_at = meta.round + 1, now, now
    meta.reached_level, meta.editable_modules = 0, None
    meta.returned_by = meta.return_opinion = None
    meta.applied_level = part.definition.identity_content(part.modules).get("applied_level")
    meta.gsi2pk = meta.gsi2sk = None   # results are ResultRow items (services/results.py)
    meta.execution_arn = execution_arn(meta)   # known before it starts: no write after StartExecution
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
            result_rows.on_submit(tx, part, unit)
            stats.on_submit(tx, meta, previous_status, previous_reached)
    start_execution(meta)
    return aggregate.summary_view(meta)


def withdraw(principal: Principal, decl_id: str) -> dict:
    """撤销流程: a returned declaration goes back to draft (all modules editable) to declare anew."""
    part = aggregate.owned(principal, decl_id)
    meta = part.meta
    if not st.can(st.DECLARATION, meta.status, st.WITHDRAW):
        raise Conflict("只有被退回的申报可以撤销流程", code="NOT_RETURNED")
    returned_by = meta.returned_by
    meta.status = st.next_status(st.DECLARATION, meta.status, st.WITHDRAW)
    meta.editable_modules, meta.updated_at = None, now_iso()
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
            stats.on_withdraw(tx, meta)
    stop_execution(meta)
    return aggregate.summary_view(meta)


# --- decisions ------------------------------------------------------------------------------

def decide(principal: Principal, decl_id: str, data) -> dict:
    """审核通过 / 退回修改 / 资格不符，终止审核 — recorded atomically, then delivered."""
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    meta = part.meta
    task = my_task(part, principal)
    if not st.can(st.TASK, task.state, st.TASK_DECIDE) or not st.can(st.DECLARATION, meta.status, st.DECIDE):
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
    needs_send = outcome == "pass" and task.role in review_rules(meta.matter_type).send_required_roles
    new_state = st.next_status(st.TASK, task.state, st.TASK_AWAIT_SEND if needs_send else st.TASK_DECIDE)
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
            tx.update(task, actions=actions, condition=st.condition(ReviewTask.state, st.TASK, st.TASK_DECIDE))
            _apply_to_declaration(tx, part, task, outcome, problem, opinion, target, principal)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=-1,
                         to_send=1 if needs_send else 0, done=0 if needs_send else 1,
                         returned=1 if outcome == "return" and target == "applicant" else 0)
            stats.on_decide(tx, meta, task, outcome, marks, target, needs_send, now)
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
        tx.update(meta, actions=[Declaration.status.set(st.next_status(st.DECLARATION, meta.status, st.RETURN)),
                                 Declaration.editable_modules.set(problem),
                                 Declaration.returned_by.set(task.unit_code),
                                 Declaration.return_opinion.set(opinion),
                                 Declaration.updated_at.set(now_iso())],
                  condition=st.condition(Declaration.status, st.DECLARATION, st.RETURN), add_version_condition=False)
        for key in problem:
            module = part.modules.get(key)
            if module is not None:
                tx.update(module, actions=[DeclarationModule.editable.set(True)], add_version_condition=False)
        tx.save(ReturnedMark.new(task, meta.person_name, meta.id_number, now_iso()))
    else:   # terminate
        tx.update(meta, actions=[Declaration.status.set(st.next_status(st.DECLARATION, meta.status, st.TERMINATE)),
                                 Declaration.updated_at.set(now_iso()),
                                 Declaration.return_opinion.set(opinion), Declaration.gsi2pk.remove(),
                                 Declaration.gsi2sk.remove()],
                  condition=st.condition(Declaration.status, st.DECLARATION, st.TERMINATE), add_version_condition=False)
        tx.update(binding, actions=[PersonBinding.locked_by.remove()], add_version_condition=False)
        result_rows.on_remove(tx, meta)


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
    task = my_task(part, principal)
    if not st.can(st.TASK, task.state, st.TASK_SEND):
        raise Conflict("该申报不在待送审状态", code="NOT_TO_SEND")
    report = [a for a in part.verified(part.definition.report.category, f"T{task.round}-{task.level}")]
    if not report:
        raise ValidationFailed(f"{part.definition.report.label}附件是必填项，请先上传", code="REPORT_REQUIRED")
    now = now_iso()
    sent = st.next_status(st.TASK, task.state, st.TASK_SEND)
    with db_errors(conflict=DECIDED):
        with transaction() as tx:
            tx.update(task, actions=[
                ReviewTask.state.set(sent), ReviewTask.sent_at.set(now), ReviewTask.updated_at.set(now),
                ReviewTask.report_attachment.set(report[0].attachment_id),
                *task.move_to(BUCKET_OF_STATE[sent], now), *task.into_outbox(now)],
                condition=st.condition(ReviewTask.state, st.TASK, st.TASK_SEND))
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, to_send=-1, done=1)
            stats.on_send(tx, meta, task)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.send", principal,
                               detail={"round": task.round, "level": task.level,
                                       "unit": task.unit_code, "unit_name": task.unit_name})
    deliver(task)
    return {"state": sent}


# --- committee result, progress, urging -----------------------------------------------------

def record_result(principal: Principal, decl_id: str, result: str, level: str | None) -> dict:
    """评委会结果: the provincial office records one of the matter's final result words (its passed
    word: 终审通过, with the level; any other: 未通过)."""
    principal.require(ROLE_PROVINCE)
    part = aggregate.readable(principal, decl_id)
    meta = part.meta
    rules = part.definition
    words = rules.results
    if result not in words.final:
        raise ValidationFailed(f"评定状态应为{'或'.join(words.final)}", code="BAD_RESULT",
                               details=[{"field": "result", "message": f"评定状态：应为{'、'.join(words.final)}之一"}])
    if result == words.passed and level not in rules.levels:
        raise ValidationFailed("请选择评审后评定级别", code="LEVEL_REQUIRED")
    level = rules.result_level(result, level)
    task = next((t for t in round_tasks(decl_id, meta.round)
                 if t.level == len(meta.route) and st.can(st.TASK, t.state, st.TASK_RESULT)), None)
    event = st.APPROVE if result == words.passed else st.REJECT
    if task is None or not st.can(st.DECLARATION, meta.status, event):
        raise Conflict("该申报尚未进入评委会评审环节", code="NOT_AT_COMMITTEE")
    now = now_iso()
    status = st.next_status(st.DECLARATION, meta.status, event)
    done = st.next_status(st.TASK, task.state, st.TASK_RESULT)
    with db_errors(conflict=DECIDED):
        with transaction() as tx:
            tx.update(task, actions=[ReviewTask.state.set(done), ReviewTask.outcome.set("result"),
                                     ReviewTask.output.set({"outcome": machine.OUT_FINAL, "level": task.level}),
                                     ReviewTask.opinion.set(result), ReviewTask.decided_at.set(now),
                                     ReviewTask.decided_by.set(principal.subject),
                                     ReviewTask.decided_by_name.set(principal.name or None),
                                     ReviewTask.updated_at.set(now),
                                     *task.move_to(BUCKET_OF_STATE[done], now, restamp=False),
                                     *task.into_outbox(now)],
                      condition=st.condition(ReviewTask.state, st.TASK, st.TASK_RESULT))
            tx.update(meta, actions=[Declaration.status.set(status), Declaration.result.set(result),
                                     Declaration.result_level.set(level),
                                     Declaration.result_at.set(now), Declaration.updated_at.set(now)],
                      condition=st.condition(Declaration.status, st.DECLARATION, event), add_version_condition=False)
            result_rows.on_result(tx, meta, result, level, now)
            tx.update(PersonBinding(*PersonBinding.key(meta.person_id)),
                      actions=[PersonBinding.locked_by.remove()], add_version_condition=False)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=-1, done=1)
            stats.on_result(tx, meta, task, status, result, level, now)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.result", principal, opinion=result,
                               detail={"level": level})
    task.output = {"outcome": machine.OUT_FINAL, "level": task.level}
    deliver(task)
    return {"decl_id": decl_id, "result": result, "result_level": level, "status": status,
            "status_label": STATUS_LABELS[status]}


def urge(principal: Principal, decl_id: str) -> dict:
    """催办: a level above an overdue task urges it."""
    principal.require(*UNIT_ROLES)
    part = aggregate.load_partition(decl_id)   # the levels above may urge before the file reaches them
    meta = part.meta
    mine = [lvl["level"] for lvl in meta.route if lvl["unit_code"] == principal.unit_code]
    if not mine or not meta.round:
        raise aggregate.DECL_MISSING
    open_tasks = [t for t in round_tasks(decl_id, meta.round) if st.can(st.TASK, t.state, st.TASK_URGE)]
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
