"""SQS consumer: certificate issuing jobs (batch 发证 and 更正后重新发证), partial batch failures
reported. The only function whose role may call kms:Sign on the certificate key.

A job that raised is reported as a batch item failure: its message comes back after the
visibility timeout and the job goes on from its saved cursor (issued results are skipped by
their claims), and after maxReceiveCount it lands in the DLQ, whose alarm reaches a person.
"""
import json

from chalicelib.logs import get_logger

log = get_logger("talent.fn.certificates")


def handler(event, context):
    from chalicelib.services.certificates import issuing

    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId")
        try:
            job_id = json.loads(record["body"])["job_id"]
            state = issuing.run_job(job_id)
        except Exception:  # noqa: BLE001 - this item fails visibly; the others are done
            log.exception("certificate job failed", extra={"fields": {"id": message_id}})
            failures.append({"itemIdentifier": message_id})
            continue
        log.info("certificate job handled", extra={"fields": {"job": job_id, "state": state}})
    return {"batchItemFailures": failures}
