"""Status transitions: one table for declarations, one for review tasks.

Each table maps (status, event) to the next status. A flow asks `can(...)` before it acts,
writes `next_status(...)`, and guards its conditional write with `condition(...)`, which is built
from the same table (the statuses the event is allowed from). Adding a status or an event is one
line here; no service spells the allowed-from sets itself.

models/declarations.py and models/reviews.py re-export the status names and labels.
"""
# --- declarations ---------------------------------------------------------------------------

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
TERMINATED = "terminated"
APPROVED = "approved"
DELETED = "deleted"          # not stored: the declaration's items are removed

STATUS_LABELS = {DRAFT: "未提交", SUBMITTED: "已申报", RETURNED: "被退回",
                 TERMINATED: "审核不通过终止审核", APPROVED: "终审通过"}

SUBMIT = "submit"            # 提交 (first time, or again after 退回修改)
WITHDRAW = "withdraw"        # 撤销流程: a returned declaration goes back to draft
EDIT = "edit"                # the applicant saves a module or an attachment
DELETE = "delete"            # the applicant deletes a draft
OPEN_LEVEL = "open_level"    # the state machine opens a level's task
DECIDE = "decide"            # a level passes it on (or back to a lower level)
RETURN = "return"            # 退回修改 to the applicant
TERMINATE = "terminate"      # 资格不符，终止审核
APPROVE = "approve"          # 评委会结果 通过
REJECT = "reject"            # 评委会结果 未通过

DECLARATION = {
    (DRAFT, SUBMIT): SUBMITTED,
    (RETURNED, SUBMIT): SUBMITTED,
    (RETURNED, WITHDRAW): DRAFT,
    (DRAFT, EDIT): DRAFT,
    (RETURNED, EDIT): RETURNED,
    (DRAFT, DELETE): DELETED,
    (SUBMITTED, OPEN_LEVEL): SUBMITTED,
    (SUBMITTED, DECIDE): SUBMITTED,
    (SUBMITTED, RETURN): RETURNED,
    (SUBMITTED, TERMINATE): TERMINATED,
    (SUBMITTED, APPROVE): APPROVED,
    (SUBMITTED, REJECT): TERMINATED,
}

# --- review tasks -----------------------------------------------------------------------------

NEW = None                   # no task item yet
OPEN = "open"
TO_SEND = "to_send"
DONE = "done"

TASK_OPEN = "open"           # the machine opens the level (new, or a lower level the chain came back to)
TASK_REARM = "rearm"         # the machine's backstop re-armed an open task (new token)
TASK_FLAG = "flag"           # reminder or overdue flag
TASK_URGE = "urge"           # 催办 from a level above
TASK_DECIDE = "decide"       # a decision that goes straight to the machine
TASK_AWAIT_SEND = "await_send"   # 审核通过 at a level that must 送审 first
TASK_REPORT = "report"       # 送审附件 uploaded or removed
TASK_SEND = "send"           # 送审
TASK_RESULT = "result"       # the committee's result

TASK = {
    (NEW, TASK_OPEN): OPEN,
    (DONE, TASK_OPEN): OPEN,
    (OPEN, TASK_REARM): OPEN,
    (OPEN, TASK_FLAG): OPEN,
    (OPEN, TASK_URGE): OPEN,
    (OPEN, TASK_DECIDE): DONE,
    (OPEN, TASK_AWAIT_SEND): TO_SEND,
    (TO_SEND, TASK_REPORT): TO_SEND,
    (TO_SEND, TASK_SEND): DONE,
    (OPEN, TASK_RESULT): DONE,
}


def allowed_from(table: dict, event: str) -> tuple:
    """The statuses `event` may happen in, in the table's order."""
    return tuple(status for status, ev in table if ev == event)


def can(table: dict, status, event: str) -> bool:
    return (status, event) in table


def next_status(table: dict, status, event: str):
    """The status after `event`; a KeyError for a transition the table does not hold (callers
    check `can` first and answer the person in their own words)."""
    return table[(status, event)]


def condition(attribute, table: dict, event: str):
    """The write guard for `event`: the stored status is one the event is allowed from."""
    allowed = [s for s in allowed_from(table, event) if s is not None]
    return attribute == allowed[0] if len(allowed) == 1 else attribute.is_in(*allowed)


EDITABLE_STATUSES = allowed_from(DECLARATION, EDIT)
