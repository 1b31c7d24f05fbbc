"""Failure visibility of the non-HTTP handlers: nothing is swallowed, so the DLQ alarms can fire."""
import json

import pytest

from functions import exports


def records(*job_ids):
    return {"Records": [{"messageId": f"m{i}", "body": json.dumps({"job_id": j})} for i, j in enumerate(job_ids)]}


def test_an_export_that_raises_is_a_batch_item_failure(monkeypatch):
    from chalicelib.services import documents

    def run(job_id):
        if job_id == "bad":
            raise RuntimeError("S3 down")
        return "done"

    monkeypatch.setattr(documents, "run_export", run)
    assert exports.handler(records("ok", "bad"), None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_a_job_already_marked_failed_keeps_failing_until_the_dlq(monkeypatch):
    """The first attempt marks the job failed and raises; the redelivered message must fail again
    (not be deleted as handled), so after maxReceiveCount it reaches the export DLQ."""
    from chalicelib.services import documents

    monkeypatch.setattr(documents, "run_export", lambda job_id: "failed")
    assert exports.handler(records("j1"), None) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}


def test_a_malformed_message_is_a_failure_not_a_crash():
    out = exports.handler({"Records": [{"messageId": "x", "body": "not json"}]}, None)
    assert out == {"batchItemFailures": [{"itemIdentifier": "x"}]}


def test_the_async_verifier_raises_so_lambda_retries_then_the_destination_gets_it(monkeypatch):
    from chalicelib.services import uploads
    from functions import verify_upload

    def broken(*args, **kwargs):
        raise RuntimeError("transient")

    monkeypatch.setattr(uploads, "verify", broken)
    event = {"Records": [{"s3": {"object": {"key": "incoming/d1/photo/a1.jpg"}}}]}
    with pytest.raises(RuntimeError):
        verify_upload.handler(event, None)
