"""What every part of the review chain shares: the matter's review rules, the current round's
tasks of a declaration, and the task view."""
from chalicelib import clock
from chalicelib import identifiers as ids
from chalicelib.errors import Conflict, NotFound
from chalicelib.identity import ROLE_PROVINCE, Principal
from chalicelib.logs import get_logger
from chalicelib.matters import registry
from chalicelib.models.base import db_errors
from chalicelib.models.reviews import DONE, OPEN, TO_SEND, ReviewTask


log = get_logger("talent.review")

TASK_MISSING = NotFound("审核任务不存在或不属于本单位", code="TASK_NOT_FOUND")
DECIDED = Conflict("该申报已被审核，请刷新后查看", code="ALREADY_DECIDED")


def review_rules(matter_type: str):
    """The matter's definition (served or closed): its review accessors (deadline_days, results, …)."""
    return registry.get(matter_type, include_disabled=True)


def execution_name(decl_id: str, round_: int) -> str:
    return f"{decl_id}-r{round_}"


def system_principal() -> Principal:
    return Principal(subject="system", role=ROLE_PROVINCE, name="系统")


COMMITTEE_STAGE = "评委会结果录入"
REVIEW_STAGE = "审核"


def task_view(task: ReviewTask, mask: bool = True) -> dict:
    committee = task.level >= 0 and task.role == ROLE_PROVINCE and task.due_at is None
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
            "committee": committee,
            # what the task asks (the committee's result is a stage of its own, with no 办理期限)
            "stage_label": COMMITTEE_STAGE if committee else REVIEW_STAGE,
            "version": task.version}


def my_task(part, principal: Principal) -> ReviewTask:
    """The current round's task of the caller's unit (the one at the highest visit)."""
    meta = part.meta
    tasks = [t for t in round_tasks(meta.decl_id, meta.round) if t.unit_code == principal.unit_code]
    if not tasks:
        raise TASK_MISSING
    return max(tasks, key=lambda t: (t.state != DONE, t.level))


def round_tasks(decl_id: str, round_: int) -> list:
    with db_errors():
        return list(ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith(f"TASK#{round_:03d}#")))
