"""The review chain: submit, review tasks opened by the state machine, decisions, 送审, withdraw.

The chain itself is the Step Functions state machine (infra/statemachine/review.asl.json): one
execution per declaration round, named <decl_id>-r<round>. Each level is a
sqs:sendMessage.waitForTaskToken task; functions/review_tasks.py opens the reviewer's task here
with its token. A decision is recorded in one transaction guarded on the task being open
(task + declaration + counters + audit), then delivered with SendTaskSuccess carrying where the
machine goes next. Undelivered decisions stay in the OUTBOX index until a sweep delivers them.

One job per module, each importing only the ones above it:
  tasks      the matter's review rules, the round's tasks, the task view (shared)
  machine    executions, tasks the machine opens, delivery and the outbox, the deadline sweep
  decisions  提交, 撤销流程, 审核, 送审, the committee result, 催办
  queries    task lists, the review detail, 进度跟踪
  reports    送审附件 (推荐报告/申报函)
This package re-exports the public API: `from chalicelib.services import review; review.decide(...)`.
"""
from chalicelib.services.review.decisions import (SEND_SECONDS, SEND_WORKERS, decide, record_result, send,
                                                  submit, urge, withdraw)
from chalicelib.services.review.machine import deliver, open_task, redeliver_outbox, sweep_deadlines
from chalicelib.services.review.queries import (ACTION_LABELS, READ_BUDGET, READ_PAGE, bounded_page, detail,
                                                list_tasks, neighbours, progress)
from chalicelib.services.review.reports import report_complete, report_delete, report_slot
from chalicelib.services.review.tasks import DECIDED, TASK_MISSING, execution_name, task_view

__all__ = ["ACTION_LABELS", "DECIDED", "READ_BUDGET", "READ_PAGE", "SEND_SECONDS", "SEND_WORKERS",
           "TASK_MISSING", "bounded_page", "decide", "deliver", "detail", "execution_name", "list_tasks",
           "neighbours", "open_task", "progress", "record_result", "redeliver_outbox", "report_complete", "report_delete",
           "report_slot", "send", "submit", "sweep_deadlines", "task_view", "urge", "withdraw"]
