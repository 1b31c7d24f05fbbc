"""Faults injected into DynamoDB, S3, SQS and Step Functions calls on the write paths: the API
answers with a clear retryable error, and afterwards nothing is lost, duplicated or drifted."""
import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import files
from tests.helpers.review import ready, wait_task  # noqa: F401
from tests.helpers.declarations import BASIC
from tests.helpers.declarations import save as _save


@pytest.fixture
def inject(monkeypatch):
    """inject("UpdateItem", "ThrottlingException", times=1): the next call(s) of that operation fail."""
    import botocore.client

    plan = {}
    original = botocore.client.BaseClient._make_api_call

    def faulty(self, operation, params):
        left = plan.get(operation, (None, 0))
        if left[1] > 0:
            plan[operation] = (left[0], left[1] - 1)
            raise ClientError({"Error": {"Code": left[0], "Message": "injected"}}, operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", faulty)

    def arm(operation, code="ThrottlingException", times=1):
        plan[operation] = (code, times)
    return arm


def _busy(resp):
    assert resp.status == 503, resp
    assert resp.json["Code"] in ("SERVICE_BUSY", "WORKFLOW_BUSY") and resp.headers.get("Retry-After")


def test_module_save_throttled_then_retried(client, world, inject):
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    inject("UpdateItem", "ProvisionedThroughputExceededException")
    _busy(_save(client, world, d, "basic", BASIC))
    stored = client.get(f"/declarations/{d['decl_id']}", headers=world.headers("applicant1")).json
    assert stored["modules"]["basic"]["version"] == d["modules"]["basic"]["version"]      # nothing half-written
    assert _save(client, world, d, "basic", BASIC).status == 200


def test_binding_decision_transaction_throttled_keeps_counters_exact(client, world, inject):
    unit = world.headers("university-agent")
    req = client.get("/binding-requests?kind=person&state=pending", headers=unit).json["items"][0]
    inject("TransactWriteItems", "ThrottlingException")
    _busy(client.post(f"/binding-requests/{req['request_id']}/decision", headers=unit,
                      json_body={"decision": "approve"}))
    row = lambda: next(r for r in client.get("/workbench", headers=unit).json["rows"] if r["matter"] == "BIND_PERSON")  # noqa: E731
    assert row()["pending"] == 1 and row()["done_total"] == 0
    assert client.post(f"/binding-requests/{req['request_id']}/decision", headers=unit,
                       json_body={"decision": "approve"}).status == 200
    assert row()["pending"] == 0 and row()["done_total"] == 1


def test_submit_when_step_functions_is_busy_starts_exactly_one_execution_on_retry(client, world, aws, inject):
    decl = ready(client, world)
    inject("StartExecution", "ThrottlingException")
    first = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    _busy(first)
    assert "稍后" in first.json["Message"]
    again = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    assert again.status == 200 and again.json["round"] == 1
    sfn = boto3.client("stepfunctions", region_name="cn-north-1")
    assert len(sfn.list_executions(stateMachineArn=aws["REVIEW_STATE_MACHINE_ARN"])["executions"]) == 1
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])


def test_upload_verification_interrupted_by_s3_is_retried_cleanly(client, world, aws, inject):
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    data = files.png()
    slot = client.post(f"/declarations/{d['decl_id']}/attachments", headers=world.headers("applicant1"), json_body={
        "category": "id_card", "file_name": "a.png", "content_type": "image/png", "size": len(data)}).json
    boto3.client("s3", region_name="cn-north-1").put_object(Bucket=aws["ATTACHMENTS_BUCKET"],
                                                            Key=slot["upload"]["fields"]["key"], Body=data)
    url = f"/declarations/{d['decl_id']}/attachments/{slot['attachment']['attachment_id']}/complete"
    inject("HeadObject", "SlowDown")
    _busy(client.post(url, headers=world.headers("applicant1")))
    done = client.post(url, headers=world.headers("applicant1"))
    assert done.status == 200 and done.json["state"] == "verified"
    from chalicelib.models.declarations import AttachmentCount

    assert AttachmentCount.get(*AttachmentCount.key(d["decl_id"], "id_card", None)).n == 1


def test_export_not_queued_is_reported_and_not_left_waiting(client, world, inject):
    inject("SendMessage", "ServiceUnavailable")
    _busy(client.post("/exports", headers=world.headers("institute-legal"), json_body={"year": "2026"}))
    assert client.post("/exports", headers=world.headers("institute-legal"), json_body={"year": "2026"}).status == 201


def test_task_opener_redelivery_after_a_failure_opens_one_task(client, world, aws, inject):
    """The SQS consumer fails on DynamoDB and reports the item; the redelivered message opens the
    task once, and a duplicate delivery changes nothing (counters count one)."""
    import time

    from functions import review_tasks

    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    sqs = boto3.client("sqs", region_name="cn-north-1")
    deadline, msgs = time.time() + 20, []
    while not msgs and time.time() < deadline:
        msgs = sqs.receive_message(QueueUrl=aws["REVIEW_QUEUE_URL"]).get("Messages", [])
        if not msgs:
            time.sleep(0.05)    # let moto's execution thread run
    assert msgs, "the state machine sent no task message"
    event = {"Records": [{"messageId": msgs[0]["MessageId"], "body": msgs[0]["Body"]}]}
    inject("TransactWriteItems", "ThrottlingException")
    assert review_tasks.handler(event, None) == {"batchItemFailures": [{"itemIdentifier": msgs[0]["MessageId"]}]}
    assert review_tasks.handler(event, None) == {"batchItemFailures": []}     # redelivered
    assert review_tasks.handler(event, None) == {"batchItemFailures": []}     # delivered twice
    row = next(r for r in client.get("/workbench", headers=world.headers("institute-agent")).json["rows"]
               if r["matter"] == "TALENT_GRADING")
    assert row["pending"] == 1
    items = client.get("/reviews?bucket=pending", headers=world.headers("institute-agent")).json["items"]
    assert [i["decl_id"] for i in items] == [decl["decl_id"]]


def test_sqs_consumer_reports_only_the_failed_item(client, world, aws):
    from functions import review_tasks

    result = review_tasks.handler({"Records": [
        {"messageId": "bad", "body": "{not json"},
        {"messageId": "gone", "body": '{"type": "open_review_task", "decl_id": "nope", "round": 1, "level": 0, "task_token": "t"}'},
    ]}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad"}]}


def test_a_reused_request_token_from_another_agent_is_a_conflict_not_a_500(client, world, aws, inject):
    """moto does not emulate ClientRequestToken; DynamoDB answers IdempotentParameterMismatch when a
    second agent's decision reuses the task's token within ten minutes."""
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    from tests.helpers.review import decide

    inject("TransactWriteItems", "IdempotentParameterMismatchException")
    resp = decide(client, world, "institute-legal", decl["decl_id"])
    assert resp.status == 409 and resp.json["Code"] == "ALREADY_DECIDED"
