"""Rehearsal step: a declaration's 5-level review chain on the rehearsal stack, IAM enforced.

The applicant (signed in through the authorizer) fills and submits a declaration; moto runs the
review state machine (the API's StartExecution and SendTaskSuccess under the API handler's
credentials); each callback message is handed, as Lambda's event source mapping would, to the
review-task opener running from the zip with its own credentials; each level's agent signs in,
passes the declaration and sends it up. Done when every level and then the committee's task have
opened. Uploads are not rehearsed: the required attachments are written as verified records.
"""
import datetime as dt
import time
import uuid

CHAIN = ("institute", "university", "edu-dept", "cc-bureau", "province")
MARKS = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements", "honours", "attachments")}
BASIC = {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
         "education": "博士研究生", "applied_level": "C类"}
MODULES = {"basic": BASIC, "work": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}],
           "achievements": "主持国家级项目三项。",
           "honours": [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10", "representative": True}]}


class ChainFailed(SystemExit):
    pass


def _verified(decl_id, category, attachment_id, entry_id=None):
    from chalicelib.models.declarations import Attachment

    pk, sk = Attachment.key(decl_id, category, attachment_id)
    Attachment(pk=pk, sk=sk, decl_id=decl_id, attachment_id=attachment_id, category=category, entry_id=entry_id,
               file_name="x.pdf", content_type="application/pdf", declared_size=100, size=100,
               s3_key=f"decl/{decl_id}/{category}/{attachment_id}.pdf", incoming_key="incoming/x", state="verified",
               created_at=dt.datetime.now(dt.timezone.utc).isoformat()).save()


def _execution(decl_id) -> str:
    import boto3

    from chalicelib.models.declarations import Declaration

    arn = Declaration.get(*Declaration.key(decl_id)).execution_arn
    if not arn:
        return "not started"
    sfn = boto3.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=3)["events"]
    return f"{sfn.describe_execution(executionArn=arn)['status']}, last events {[e['type'] for e in events]}"


def _agent_claims(unit_login):
    from chalicelib.models.accounts import Agent, DevLogin, Unit

    code = DevLogin.get(*DevLogin.key(f"{unit_login}-agent")).unit_code
    agent = next(a for a in Agent.query(Unit.key(code)[0], Agent.sk.startswith("AGENT#")) if not a.is_legal)
    return {"sub": f"rh-{unit_login}", "account_kind": "agent", "credit_code": code, "phone_number": agent.phone}


def open_every_level(call, token, opener, review_queue_url, applicant_claims, log, deadline_s=90.0) -> dict:
    """call(method, route, token, body=None, headers=None, **path_params) -> (status, body); token(claims) -> JWT."""
    import boto3

    sqs = boto3.client("sqs")
    applicant = token(applicant_claims)
    started = time.monotonic()

    def ok(status, body, *expected):
        if status not in (expected or (200,)):
            raise ChainFailed(f"the chain stopped: {status} {body}")
        return body

    received = []

    def pump(until, where):
        deadline = time.monotonic() + deadline_s
        while not until():
            if time.monotonic() > deadline:
                raise ChainFailed(f"the task at {where} did not open before the deadline "
                                  f"({len(received)} messages received; execution: {_execution(decl_id)})")
            msgs = sqs.receive_message(QueueUrl=review_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if not msgs:
                continue
            received.extend(msgs)
            result = opener({"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                                          "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                                          "eventSourceARN": "arn:aws-cn:sqs:cn-north-1:123456789012:review",
                                          "awsRegion": "cn-north-1"} for m in msgs]})
            failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
            if failed:
                raise ChainFailed(f"the review-task opener failed {len(failed)} message(s) (see its role)")
            for m in msgs:
                sqs.delete_message(QueueUrl=review_queue_url, ReceiptHandle=m["ReceiptHandle"])

    notice = ok(*call("GET", "/notices", applicant))["items"][0]["notice_id"]
    decl = ok(*call("POST", "/declarations", applicant, {"notice_id": notice, "confirmed": True}), 201)
    decl_id = decl["decl_id"]
    for module, content in MODULES.items():
        ok(*call("PUT", "/declarations/{decl_id}/modules/{module}", applicant, {"content": content},
                 {"If-Match": str(decl["modules"][module]["version"])}, decl_id=decl_id, module=module))
    for category, n in (("photo", 1), ("id_card", 2), ("talent_certificate", 1)):
        for i in range(n):
            _verified(decl_id, category, f"{category}{i}")
    ok(*call("POST", "/declarations/{decl_id}/pledge", applicant, {"accepted": True}, decl_id=decl_id))
    ok(*call("POST", "/declarations/{decl_id}/submit", applicant, decl_id=decl_id))
    opened = []
    for unit_login in CHAIN:
        agent = token(_agent_claims(unit_login))

        def task():
            status, body = call("GET", "/reviews/{decl_id}", agent, decl_id=decl_id)
            return body["task"] if status == 200 and (body.get("task") or {}).get("state") == "open" else None

        pump(task, unit_login)
        current = task()
        opened.append(unit_login)
        decision = ok(*call("POST", "/reviews/{decl_id}/decision", agent, {"outcome": "pass", "marks": dict(MARKS)},
                            decl_id=decl_id))
        if decision.get("state") == "to_send":
            _verified(decl_id, "recommendation_report", uuid.uuid4().hex, entry_id=f"T{current['round']}-{current['level']}")
            sent = ok(*call("POST", "/reviews/send", agent, {"decl_ids": [decl_id]}))
            if sent.get("sent") != 1:
                raise ChainFailed(f"{unit_login} could not send the declaration up: {sent}")
    from chalicelib.models.reviews import ReviewTask

    pump(lambda: any(t.state == "open" for t in ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith(
        f"TASK#001#{len(CHAIN):02d}"))), "the committee")
    opened.append("committee")
    seconds = round(time.monotonic() - started, 1)
    log(f"review chain: {len(CHAIN)} levels and the committee opened with IAM enforced ({seconds} s)")
    return {"chain_opened": opened, "chain_seconds": seconds}
