"""SQS consumer: the review state machine's callback messages open reviewers' tasks.

Reports partial batch failures (ReportBatchItemFailures), so one bad message never makes the
whole batch redeliver; a message that keeps failing lands in the DLQ.
"""
import json

from chalicelib.logs import get_logger

log = get_logger("talent.fn.review_tasks")


def handler(event, context):
    from chalicelib.errors import NotFound
    from chalicelib.services import review

    failures = []
    for record in event.get("Records", []):
        try:
            message = json.loads(record["body"])
            outcome = review.open_task(message)
            log.info("review message handled", extra={"fields": {
                "type": message.get("type"), "decl": message.get("decl_id"),
                "level": message.get("level"), "outcome": outcome}})
        except NotFound:
            log.warning("declaration gone; message dropped", extra={"fields": {"id": record.get("messageId")}})
        except Exception:  # noqa: BLE001 - report this item only; the others are done
            log.exception("review message failed", extra={"fields": {"id": record.get("messageId")}})
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
