"""Driving real state-machine executions in process: pump the review queue into the handler."""
import datetime as dt
import json
import time
import uuid

from tests.helpers.declarations import fill

MARKS_ALL_CORRECT = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements",
                                            "honours", "attachments")}


def pump(env, until, timeout=15.0):
    """Feed review-queue messages to functions.review_tasks.handler (as Lambda would) until
    `until()` is true; poll with a deadline, no fixed sleeps."""
    import boto3

    from functions import review_tasks

    sqs = boto3.client("sqs", region_name="cn-north-1")
    deadline = time.time() + timeout
    while time.time() < deadline:
        if until():
            return True
        msgs = sqs.receive_message(QueueUrl=env["REVIEW_QUEUE_URL"], MaxNumberOfMessages=10,
                                   WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            time.sleep(0.05)
            continue
        event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                              "body": m["Body"], "attributes": {}, "messageAttributes": {},
                              "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                              "eventSourceARN": "arn:aws-cn:sqs:cn-north-1:123456789012:review",
                              "awsRegion": "cn-north-1"} for m in msgs]}
        result = review_tasks.handler(event, None)
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in msgs:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=env["REVIEW_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
    raise AssertionError("condition not reached before the deadline")


def ready(client, world, login="applicant1"):
    notice = client.get("/notices", headers=world.headers(login)).json["items"][0]["notice_id"]
    decl = client.post("/declarations", headers=world.headers(login), json_body={"notice_id": notice, "confirmed": True}).json
    fill(client, world, decl, login=login)
    client.post(f"/declarations/{decl['decl_id']}/pledge", headers=world.headers(login),
                json_body={"accepted": True})
    return decl


def task_state(client, world, unit_login, decl_id):
    resp = client.get(f"/reviews/{decl_id}", headers=world.headers(unit_login))
    return resp.json["task"] if resp.status == 200 else None


def wait_task(client, world, env, unit_login, decl_id, state="open"):
    pump(env, lambda: (task_state(client, world, unit_login, decl_id) or {}).get("state") == state)
    return task_state(client, world, unit_login, decl_id)


def decide(client, world, unit_login, decl_id, outcome="pass", **extra):
    body = {"outcome": outcome, "marks": dict(MARKS_ALL_CORRECT), **extra}
    return client.post(f"/reviews/{decl_id}/decision", headers=world.headers(unit_login), json_body=body)


def add_report(decl_id, task, category="recommendation_report"):
    """A verified 推荐报告 (the matter's report category) for a task (the real upload path is
    exercised in the uploads tests)."""
    from chalicelib.models.declarations import Attachment

    att_id = uuid.uuid4().hex
    pk, sk = Attachment.key(decl_id, category, att_id)
    Attachment(pk=pk, sk=sk, decl_id=decl_id, attachment_id=att_id, category=category,
               entry_id=f"T{task['round']}-{task['level']}", file_name="推荐报告.pdf",
               content_type="application/pdf", declared_size=10, size=10, incoming_key="incoming/x",
               s3_key=f"decl/{decl_id}/report/{att_id}.pdf", state="verified",
               created_at=dt.datetime.now(dt.timezone.utc).isoformat()).save()
    return att_id


def pass_and_send(client, world, env, unit_login, decl_id):
    task = wait_task(client, world, env, unit_login, decl_id)
    resp = decide(client, world, unit_login, decl_id)
    assert resp.status == 200, resp
    if resp.json["state"] == "to_send":
        add_report(decl_id, task)
        sent = client.post("/reviews/send", headers=world.headers(unit_login), json_body={"decl_ids": [decl_id]})
        assert sent.json["sent"] == 1, sent
    return task


CHAIN = ["institute-agent", "university-agent", "edu-dept-agent", "cc-bureau-agent", "province-agent"]


def body_of(resp):
    return json.loads(resp.body)


def province_committee(client, world, decl):
    from chalicelib.models.reviews import ReviewTask

    return [{"state": t.state} for t in ReviewTask.query(f"DECL#{decl['decl_id']}", ReviewTask.sk.startswith("TASK#001#05"))]
