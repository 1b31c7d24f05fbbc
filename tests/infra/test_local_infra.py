"""The local stack is built from infra/template.yaml, and moto runs the review state machine."""
import json
import time

import boto3
from moto import mock_aws

from devtools.local_infra import deploy


def test_deploy_creates_what_the_template_defines():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-t")
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        table = ddb.describe_table(TableName=env["TABLE_NAME"])["Table"]
        assert {g["IndexName"] for g in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
        s3 = boto3.client("s3", region_name="cn-north-1")
        assert s3.get_bucket_cors(Bucket=env["ATTACHMENTS_BUCKET"])["CORSRules"][0]["AllowedMethods"]
        rules = s3.get_bucket_lifecycle_configuration(Bucket=env["ATTACHMENTS_BUCKET"])["Rules"]
        assert any(r["Filter"].get("Prefix") == "incoming/" for r in rules)
        sqs = boto3.client("sqs", region_name="cn-north-1")
        attrs = sqs.get_queue_attributes(QueueUrl=env["REVIEW_QUEUE_URL"], AttributeNames=["All"])["Attributes"]
        assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] in (5, "5")
        assert env["REVIEW_STATE_MACHINE_ARN"].startswith("arn:aws-cn:states:cn-north-1:")


def test_moto_executes_the_review_machine_from_the_asl_file():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-t")
        sfn = boto3.client("stepfunctions", region_name="cn-north-1")
        sqs = boto3.client("sqs", region_name="cn-north-1")
        arn = sfn.start_execution(stateMachineArn=env["REVIEW_STATE_MACHINE_ARN"], name="d-r1", input=json.dumps(
            {"decl_id": "d", "round": 1, "matter_type": "TALENT_GRADING", "level": 0, "levels": 1,
             "backstop_seconds": 600}))["executionArn"]

        def next_message():
            deadline = time.time() + 10
            while time.time() < deadline:
                msgs = sqs.receive_message(QueueUrl=env["REVIEW_QUEUE_URL"], WaitTimeSeconds=0).get("Messages")
                if msgs:
                    sqs.delete_message(QueueUrl=env["REVIEW_QUEUE_URL"], ReceiptHandle=msgs[0]["ReceiptHandle"])
                    return json.loads(msgs[0]["Body"])
                time.sleep(0.05)
            raise AssertionError("no message")

        first = next_message()
        assert first["type"] == "open_review_task" and first["level"] == 0 and first["task_token"]
        sfn.send_task_success(taskToken=first["task_token"], output=json.dumps({"outcome": "committee", "level": 1}))
        committee = next_message()
        assert committee["type"] == "committee"
        sfn.send_task_success(taskToken=committee["task_token"], output=json.dumps({"outcome": "final", "level": 1}))
        deadline = time.time() + 10
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.time() < deadline:
            time.sleep(0.05)
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_backstop_timeouts_are_bounded_then_the_execution_fails_loudly():
    """Never wait forever: each backstop timeout escalates and re-arms the level, and after three
    the execution fails (ReviewOverdue), which the template alarms on."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-t")
        sfn = boto3.client("stepfunctions", region_name="cn-north-1")
        sqs = boto3.client("sqs", region_name="cn-north-1")
        arn = sfn.start_execution(stateMachineArn=env["REVIEW_STATE_MACHINE_ARN"], name="x-r1", input=json.dumps(
            {"decl_id": "x", "round": 1, "matter_type": "TALENT_GRADING", "level": 0, "levels": 2,
             "backstop_seconds": 1}))["executionArn"]
        kinds, deadline = [], time.time() + 30
        while time.time() < deadline and sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            for m in sqs.receive_message(QueueUrl=env["REVIEW_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages", []):
                kinds.append(json.loads(m["Body"])["type"])
                sqs.delete_message(QueueUrl=env["REVIEW_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
            time.sleep(0.1)
        assert sfn.describe_execution(executionArn=arn)["status"] == "FAILED"
        assert kinds.count("escalate") == 3 and kinds.count("open_review_task") == 4


def test_buckets_are_versioned_and_logged_locally_too():
    with mock_aws():
        env = deploy(None, stack_name="talent-grading-t")
        s3 = boto3.client("s3", region_name="cn-north-1")
        bucket = env["ATTACHMENTS_BUCKET"]
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging["TargetBucket"].startswith("talent-grading-t-access-logs-") and logging["TargetPrefix"] == "attachments/"
        rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
        assert rules["evidence-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 180


def test_a_resource_type_the_local_stack_does_not_know_fails_loudly(monkeypatch):
    import yaml

    from devtools import local_infra

    template = yaml.safe_load(local_infra.TEMPLATE.read_text(encoding="utf-8"))
    template["Resources"]["Surprise"] = {"Type": "AWS::Kinesis::Stream", "Properties": {}}
    monkeypatch.setattr(local_infra.yaml, "safe_load", lambda _text: template)
    with mock_aws():
        try:
            deploy(None, stack_name="talent-grading-t")
        except RuntimeError as err:
            assert "AWS::Kinesis::Stream" in str(err)
        else:
            raise AssertionError("an unknown resource type was silently skipped")


def test_the_local_stack_processes_enforce_each_functions_role(tmp_path):
    """./dev up's API and worker processes load the deployed stack (IAM_STACK_FILE) and refuse a
    call the function's role does not allow, logging it to IAM_DENIED_LOG; an allowed one passes."""
    import os
    import pathlib
    import subprocess
    import sys

    from devtools import local_infra

    with mock_aws():
        deploy(None, stack_name="talent-grading-t")
        local_infra.save(local_infra.LAST_STACK, tmp_path / "stack.json")
    denied_log = tmp_path / "denied.log"
    script = """
import boto3
from devtools import iam_audit
assert iam_audit.enforce_from_environment()
s3 = boto3.client("s3", region_name="cn-north-1")
bucket = "talent-grading-t-attachments-123456789012"
with iam_audit.running("ExportWorkerFunction"):
    try:
        s3.put_object(Bucket=bucket, Key="decl/d1/photo/a.jpg", Body=b"x")
    except Exception as exc:
        print("refused", type(exc).__name__, exc.response["Error"]["Code"])
    print("allowed" if not iam_audit.check("ExportWorkerFunction", "s3", "PutObject",
                                         {"Bucket": bucket, "Key": "exports/j1.xlsx"}, "cn-north-1") else "denied")
"""
    env = {**os.environ, "IAM_STACK_FILE": str(tmp_path / "stack.json"), "IAM_DENIED_LOG": str(denied_log),
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", script], cwd=pathlib.Path(__file__).resolve().parents[2],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["refused ClientError AccessDeniedException", "allowed"]
    assert denied_log.read_text().split("\t")[:3] == [
        "ExportWorkerFunction", "s3:PutObject", "arn:aws-cn:s3:::talent-grading-t-attachments-123456789012/decl/d1/photo/a.jpg"]
