"""The SQS job consumer shared by the export and certificate workers (functions/exports.py,
functions/certificates.py): each message is `{"job_id": ...}` of a job item the API queued.

Partial batch failures are reported (ReportBatchItemFailures), so one bad message never makes the
whole batch redeliver. A failure is never swallowed: a job that raised, or whose job item is
already marked failed when its message comes back, is reported as a batch item failure, so the
message is received again (a restartable job goes on from its saved cursor) and, after the
queue's maxReceiveCount, lands in the DLQ, whose alarm reaches a person.
"""
import json
from typing import Callable


def consume(event: dict, run: Callable[[str], str], log, what: str) -> dict:
    """Run `run(job_id)` for every record of an SQS event; `what` names the job in the logs."""
    failures = []
    for record in event.get("Records", []):
        message_id = record.get("messageId")
        try:
            job_id = json.loads(record["body"])["job_id"]
            state = run(job_id)
        except Exception:  # noqa: BLE001 - this item fails visibly; the others are done
            log.exception(f"{what} failed", extra={"fields": {"id": message_id}})
            failures.append({"itemIdentifier": message_id})
            continue
        if state == "failed":
            log.error(f"{what} is failed; message kept for the DLQ",
                      extra={"fields": {"id": message_id, "job": job_id}})
            failures.append({"itemIdentifier": message_id})
        else:
            log.info(f"{what} handled", extra={"fields": {"job": job_id, "state": state}})
    return {"batchItemFailures": failures}


# --- the job item's side (a pynamodb model with state, error, finished_at) -----------------------

def enqueue(job, queue_url: str, message_type: str, not_queued: str) -> None:
    """Save a new job item and send its message; a job that could not be queued is marked failed
    with `not_queued` (so it never shows as waiting forever) and the error goes on: the client retries."""
    from chalicelib import aws
    from chalicelib.models.base import db_errors, now_iso

    model = type(job)
    with db_errors():
        job.save(condition=model.pk.does_not_exist())
    try:
        aws.sqs().send_message(QueueUrl=queue_url, MessageBody=json.dumps({"type": message_type, "job_id": job.job_id}))
    except Exception:
        job.update(actions=[model.state.set("failed"), model.error.set(not_queued), model.finished_at.set(now_iso())])
        raise


def begin(model, job_id: str, missing):
    """The worker takes a job: the item (marked running), or its final state when it is already
    done or failed (a message delivered again); `missing` is raised for an unknown job."""
    from chalicelib.models.base import db_errors

    with db_errors(not_found=missing):
        job = model.get(*model.key(job_id))
    if job.state in ("done", "failed"):
        return job.state
    job.update(actions=[model.state.set("running")])
    return job
