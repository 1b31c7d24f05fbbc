"""SQS consumer: background exports (results spreadsheets), partial batch failures reported."""
import json

from chalicelib.logs import get_logger

log = get_logger("talent.fn.exports")


def handler(event, context):
    from chalicelib.services import documents

    failures = []
    for record in event.get("Records", []):
        try:
            message = json.loads(record["body"])
            state = documents.run_export(message["job_id"])
            log.info("export handled", extra={"fields": {"job": message["job_id"], "state": state}})
        except Exception:  # noqa: BLE001 - report only this item
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
