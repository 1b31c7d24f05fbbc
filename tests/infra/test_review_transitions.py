"""The review machine's billed state transitions per declaration, counted on moto running the ASL
file: a level costs two (the wait for the decision and the Choice on it), the committee's wait ends
the execution. Before issue 29 a Pass state opened the execution and another ran between levels,
and a Succeed state followed the committee: 3 × levels + 2."""
import json
import time

import boto3
from moto import mock_aws

from devtools.local_infra import deploy
from infra import capacity


def _messages(sqs, url, want: int) -> list:
    got, deadline = [], time.time() + 30
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        if len(got) < want:
            time.sleep(0.05)
    assert len(got) >= want, f"expected {want} messages, got {got}"
    return got


def _finished(sfn, arn: str, deadline_s: float = 30) -> str:
    deadline = time.time() + deadline_s
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.time() < deadline:
        time.sleep(0.05)
    return sfn.describe_execution(executionArn=arn)["status"]


def _entered(sfn, arn: str) -> list:
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_a_declaration_through_three_levels_costs_two_transitions_a_level_plus_the_committee():
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-t")
        sfn = boto3.client("stepfunctions", region_name="cn-north-1")
        sqs = boto3.client("sqs", region_name="cn-north-1")
        url = env["REVIEW_QUEUE_URL"]
        arn = sfn.start_execution(stateMachineArn=env["REVIEW_STATE_MACHINE_ARN"], name="t-r1", input=json.dumps(
            {"decl_id": "t", "round": 1, "matter_type": "TALENT_GRADING", "level": 0, "levels": 3,
             "backstop_seconds": 600}))["executionArn"]
        levels = []
        for answer in ({"outcome": "next", "level": 1}, {"outcome": "next", "level": 2},
                       {"outcome": "committee", "level": 3}):
            (msg,) = _messages(sqs, url, 1)
            assert msg["type"] == "open_review_task" and (msg["decl_id"], msg["round"]) == ("t", 1)
            levels.append(msg["level"])
            sfn.send_task_success(taskToken=msg["task_token"], output=json.dumps(answer))
        (committee,) = _messages(sqs, url, 1)
        assert committee["type"] == "committee" and committee["level"] == 3
        sfn.send_task_success(taskToken=committee["task_token"], output=json.dumps({"outcome": "final", "level": 3}))
        assert _finished(sfn, arn) == "SUCCEEDED"
        assert levels == [0, 1, 2]        # each decision names the level the next wait opens
        entered = _entered(sfn, arn)
        assert entered == ["OpenReviewTask", "RouteDecision"] * 3 + ["CommitteeResult"]
        assert len(entered) == capacity.transitions_per_round(3) == 2 * 3 + 1   # was 3 × 3 + 2 = 11


def test_a_return_ends_in_two_transitions_a_level_and_the_overdue_count_restarts_at_each_level():
    """A backstop timeout at level 0, then a pass: level 1 gets its own three re-arms before the
    execution fails (the count is per level, as the MoveToLevel Pass state reset it before)."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-t")
        sfn = boto3.client("stepfunctions", region_name="cn-north-1")
        sqs = boto3.client("sqs", region_name="cn-north-1")
        url = env["REVIEW_QUEUE_URL"]
        arn = sfn.start_execution(stateMachineArn=env["REVIEW_STATE_MACHINE_ARN"], name="o-r1", input=json.dumps(
            {"decl_id": "o", "round": 1, "matter_type": "TALENT_GRADING", "level": 0, "levels": 2,
             "backstop_seconds": 1}))["executionArn"]
        first, escalate, rearmed = _messages(sqs, url, 3)   # open, timeout → escalate, re-armed
        assert (first["type"], escalate["type"], escalate["overdue_count"]) == ("open_review_task", "escalate", 1)
        assert (rearmed["type"], rearmed["level"]) == ("open_review_task", 0)
        sfn.send_task_success(taskToken=rearmed["task_token"], output=json.dumps({"outcome": "next", "level": 1}))
        assert _finished(sfn, arn) == "FAILED"
        rest = _messages(sqs, url, 7)
        assert [m.get("overdue_count") for m in rest if m["type"] == "escalate"] == [1, 2, 3]
        assert {m["level"] for m in rest} == {1}

        ret = sfn.start_execution(stateMachineArn=env["REVIEW_STATE_MACHINE_ARN"], name="r-r1", input=json.dumps(
            {"decl_id": "r", "round": 1, "matter_type": "TALENT_GRADING", "level": 0, "levels": 2,
             "backstop_seconds": 600}))["executionArn"]
        (msg,) = _messages(sqs, url, 1)
        sfn.send_task_success(taskToken=msg["task_token"], output=json.dumps({"outcome": "returned", "level": 0}))
        assert _finished(sfn, ret) == "SUCCEEDED"
        assert _entered(sfn, ret) == ["OpenReviewTask", "RouteDecision", "Returned"]
