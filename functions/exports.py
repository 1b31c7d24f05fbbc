"""SQS consumer: background exports (results spreadsheets), partial batch failures reported.

A failure is never swallowed: an export that raised, or whose job is already marked failed when
its message comes back, is reported as a batch item failure, so the message is received again
and, after the queue's maxReceiveCount, lands in the export DLQ, whose alarm reaches a person.
"""
import json

from chalicelib.logs import get_logger

log = get_logger("talent.fn.exports")


def handler(event, context):
    from chalicelib.services import documents

    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId")
        try:
            job_id = json.loads(record["body"])["job_id"]
            state = documents.run_export(job_id)
        except Exception:  # noqa: BLE001 - this item fails visibly; the others are done
            log.exception("export failed", extra={"fields": {"id": message_id}})
            failures.append({"itemIdentifier": message_id})
            continue
        if state == "failed":
            log.error("export job is failed; message kept for the DLQ",
                      extra={"fields": {"id": message_id, "job": job_id}})
            failures.append({"itemIdentifier": message_id})
        else:
            log.info("export handled", extra={"fields": {"job": job_id, "state": state}})
    return {"batchItemFailures": failures}
