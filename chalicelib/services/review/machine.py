"""The state machine side: executions, the tasks the machine opens, delivery of decisions (and
the outbox sweep), deadline reminders and overdue flags."""
import datetime as dt
import json

from chalicelib import aws, clock, config
from chalicelib import review_machine as machine
from chalicelib.errors import Conflict, NotFound, Unavailable
from chalicelib.identity import ROLE_PROVINCE
from chalicelib.models.audit import AuditRecord
from chalicelib.models.base import db_errors, request_token, transaction
from chalicelib.models.declarations import Declaration
from chalicelib.models import status as st
from chalicelib.models.reviews import BUCKET_OF_STATE, ReviewTask, TaskIdIndex
from chalicelib.services import counters
from chalicelib.services.statistics import counters as stats   # 统计分析: hooks in the transactions below
from chalicelib.services import results as result_rows   # 评审结果 rows: hooks in the transactions below
from chalicelib.services.review.tasks import execution_name, log, review_rules, system_principal


def _execution_input(meta: Declaration, level: int = 0) -> dict:
    rules = review_rules(meta.matter_type)
    deadline = rules.deadline_days * 86400
    return {"decl_id": meta.decl_id, "round": meta.round, "matter_type": meta.matter_type,
            "level": level, "levels": len(meta.route),
            "backstop_seconds": deadline * rules.backstop_factor}


def execution_arn(meta: Declaration) -> str:
    """The ARN StartExecution gives this round's execution (AWS's format: the state machine's ARN
    with `stateMachine` → `execution` and the execution name appended), so submit stores it in its
    transaction instead of writing it after the start."""
    arn = config.REVIEW_STATE_MACHINE_ARN or ""
    prefix, _, name = arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{name}:{execution_name(meta.decl_id, meta.round)}" if prefix else ""


def start_execution(meta: Declaration) -> None:
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
        raise Unavailable("申报已保存，审核流程启动繁忙，请稍后再次点击提交", code="WORKFLOW_BUSY")
    if meta.execution_arn != resp["executionArn"]:
        with db_errors():
            meta.update(actions=[Declaration.execution_arn.set(resp["executionArn"])],
                        add_version_condition=False)


def stop_execution(meta: Declaration) -> None:
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
    if meta.round != round_ or not st.can(st.DECLARATION, meta.status, st.OPEN_LEVEL):
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
    rules = review_rules(meta.matter_type)
    due = None if level >= len(meta.route) else clock.iso(now + dt.timedelta(days=rules.deadline_days))
    try:
        task = ReviewTask.get(pk, sk)
    except ReviewTask.DoesNotExist:
        task = None
    if task is not None and task.token == message["task_token"]:
        return "duplicate"
    stamp = clock.iso(now)
    if task is not None and st.can(st.TASK, task.state, st.TASK_REARM):
        # The machine's backstop timed out and re-armed this level: same task, new token,
        # flagged overdue; nothing to count again.
        with db_errors():
            task.update(actions=[ReviewTask.token.set(message["task_token"]), ReviewTask.overdue.set(True),
                                 ReviewTask.updated_at.set(stamp)],
                        condition=st.condition(ReviewTask.state, st.TASK, st.TASK_REARM),
                        add_version_condition=False)
        return "rearmed"
    if task is None:
        task = ReviewTask(pk=pk, sk=sk, decl_id=decl_id, round=round_, level=level,
                          unit_code=route_level["unit_code"], unit_name=route_level["unit_name"],
                          role=route_level["role"], matter_type=meta.matter_type, year=meta.year,
                          person_name=meta.person_name, id_number=meta.id_number,
                          state=st.next_status(st.TASK, st.NEW, st.TASK_OPEN),
                          token=message["task_token"], opened_at=stamp, due_at=due, updated_at=stamp)
    else:   # a lower level the chain came back to: re-arm deadline and reminders
        task.state, task.token, task.opened_at, task.due_at, task.updated_at = (
            st.next_status(st.TASK, task.state, st.TASK_OPEN), message["task_token"], stamp, due, stamp)
        task.overdue = task.reminded = False
        task.visits = (task.visits or 1) + 1
        task.outcome = task.output = task.opinion = task.decided_at = None
        task.decided_by = task.decided_by_name = task.sent_at = None
        task.delivered = False
    task.place(BUCKET_OF_STATE[task.state], stamp)
    task.decl_unit_name, task.applied_level, task.submitted_at = meta.unit_name, meta.applied_level, meta.submitted_at
    task.set_due(due)
    with db_errors(conflict=Conflict("任务已被打开")):
        with transaction(client_request_token=request_token("open", message["task_token"])) as tx:
            tx.save(task)   # new: attribute_not_exists(version); reopened: version-guarded
            # the 证件号码 search's keyed item (rewritten as is on a reopening: the same item)
            tx.save(TaskIdIndex.of(task, result_rows.id_digest(meta.id_number)))
            tx.update(meta, actions=[Declaration.reached_level.set(max(level, meta.reached_level or 0))],
                      condition=(Declaration.round == round_)
                      & st.condition(Declaration.status, st.DECLARATION, st.OPEN_LEVEL),
                      add_version_condition=False)
            counters.add(tx, task.unit_code, meta.year, meta.matter_type, pending=1)
            stats.on_open(tx, meta, task)
            AuditRecord.append(tx, f"DECL#{decl_id}", "review.open", system_principal(),
                               detail={"round": round_, "level": level, "unit": task.unit_code,
                                       "unit_name": task.unit_name})
            result_rows.on_open(tx, meta, task.unit_code)
    return "opened"


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
    if st.can(st.TASK, task.state, st.TASK_FLAG) and not task.overdue:
        task.update(actions=[ReviewTask.overdue.set(True)], add_version_condition=False)
    return "overdue"


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
        # GSI2 does not project the token and the recorded output (models/base.py GSI2_READS):
        # the outbox gives the keys, one BatchGetItem the tasks (a sweep, never a request path)
        keys = [(t.pk, t.sk) for t in ReviewTask.outbox(limit)]
        pending = list(ReviewTask.batch_get(keys)) if keys else []
    for task in pending:
        if deliver(task):
            delivered += 1
        else:
            failed += 1
    return {"delivered": delivered, "failed": failed}


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
            if not st.can(st.TASK, task.state, st.TASK_FLAG):
                continue
            rules = review_rules(task.matter_type)
            remind_from = clock.iso(clock.parse_iso(task.due_at)
                               - dt.timedelta(days=rules.remind_before_days))
            if task.due_at <= now_s and not task.overdue:
                flagged += _flag(task, ReviewTask.overdue)
            elif remind_from <= now_s < task.due_at and not task.reminded:
                reminded += _flag(task, ReviewTask.reminded, audit="review.reminder")
    return {"reminded": reminded, "overdue": flagged}


def _flag(task: ReviewTask, attribute, audit: str | None = None) -> int:
    """Set a task's reminded/overdue flag once, while the task is still open, with its audit record
    in the same transaction; 0 when the task moved on (decided meanwhile) or another sweep won."""
    try:
        with db_errors():
            with transaction() as tx:
                tx.update(task, actions=[attribute.set(True)], add_version_condition=False,
                          condition=st.condition(ReviewTask.state, st.TASK, st.TASK_FLAG)
                          & (attribute.does_not_exist() | (attribute == False)))   # noqa: E712
                if audit:
                    AuditRecord.append(tx, f"UNIT#{task.unit_code}", audit, system_principal(),
                                       detail={"decl_id": task.decl_id, "due_at": task.due_at})
    except Conflict:
        return 0
    return 1
