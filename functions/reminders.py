"""Scheduled sweep (hourly): reminders before review deadlines, overdue flags after them, and
delivery of decisions whose SendTaskSuccess failed earlier, and the 统计分析 daily snapshot."""
from chalicelib.logs import get_logger

log = get_logger("talent.fn.reminders")


def handler(event, context):
    from chalicelib.services import review

    deadlines = review.sweep_deadlines()
    outbox = review.redeliver_outbox()
    from chalicelib.services.statistics import snapshot   # 统计分析: today's backlog and overdue

    deadlines.update(snapshot.take())
    log.info("sweep done", extra={"fields": {**deadlines, **{f"outbox_{k}": v for k, v in outbox.items()}}})
    return {**deadlines, "outbox": outbox}
