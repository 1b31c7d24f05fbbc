"""送审附件 (推荐报告/申报函): the upload slot, completion and removal on a 待送审 task."""
from chalicelib.errors import Conflict
from chalicelib.identity import UNIT_ROLES, Principal
from chalicelib.models.base import db_errors
from chalicelib.models import status as st
from chalicelib.models.reviews import ReviewTask
from chalicelib.services import declaration_aggregate as aggregate
from chalicelib.services.review.tasks import my_task, review_rules


# --- 送审附件 (推荐报告/申报函) -------------------------------------------------------------------

def _report_task(principal: Principal, decl_id: str):
    principal.require(*UNIT_ROLES)
    part = aggregate.readable(principal, decl_id)
    task = my_task(part, principal)
    if not st.can(st.TASK, task.state, st.TASK_REPORT):
        raise Conflict("只有待送审的申报可以上传或删除送审附件", code="NOT_TO_SEND")
    return part, task


def report_slot(principal: Principal, decl_id: str, file_name: str, content_type: str, size: int) -> dict:
    from chalicelib.services import uploads

    part, task = _report_task(principal, decl_id)
    rule = part.definition.attachment(part.definition.report.category)
    content_type = uploads.check_file(rule, content_type, size, file_name)
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
        task.update(actions=[action], condition=st.condition(ReviewTask.state, st.TASK, st.TASK_REPORT),
                    add_version_condition=False)


def report_delete(principal: Principal, decl_id: str, attachment_id: str) -> None:
    from chalicelib.services import uploads

    uploads.remove(_report(principal, decl_id, attachment_id), principal)
    part, task = _report_task(principal, decl_id)
    rest = part.verified(part.definition.report.category, f"T{task.round}-{task.level}")
    remaining = [a.attachment_id for a in rest if a.attachment_id != attachment_id]
    _mark_report(principal, decl_id, remaining[0] if remaining else None)
