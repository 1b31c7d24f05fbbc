"""The DLQ redrive that works where `start-message-move-task` does not (AWS China)."""
import boto3
from moto import mock_aws

from devtools.local_infra import deploy
from infra import redrive


def test_dead_letters_go_back_to_their_queue_and_leave_the_dlq():
    with mock_aws():
        env = deploy(None, stack_name="talent-grading-test")
        sqs = boto3.client("sqs", region_name="cn-north-1")
        dlq = sqs.get_queue_url(QueueName="talent-grading-test-review-tasks-dlq")["QueueUrl"]
        for i in range(13):
            sqs.send_message(QueueUrl=dlq, MessageBody=f'{{"decl_id": "d-{i}"}}')
        assert redrive.redrive(sqs, dlq, env["REVIEW_QUEUE_URL"]) == 13
        back = []
        while True:
            got = sqs.receive_message(QueueUrl=env["REVIEW_QUEUE_URL"], MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            back += [m["Body"] for m in got]
        assert sorted(back) == sorted(f'{{"decl_id": "d-{i}"}}' for i in range(13))
        assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []
