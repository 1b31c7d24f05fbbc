"""One moto world per process, put back before each test (tests/helpers/moto_world.py): nothing a
test leaves behind (an item, an object, a multipart upload, a queue message, a running review
execution) is visible to the next one, and `aws` alone is the deployed, empty world."""
import json

import boto3
import pytest

REGION = "cn-north-1"
MARK = "LEFTOVER#isolation"


def _leave_everything_behind(env):
    from chalicelib import aws as clients

    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=env["TABLE_NAME"], Item={"PK": {"S": MARK}, "SK": {"S": MARK}})
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=env["ATTACHMENTS_BUCKET"], Key="decl/leftover.pdf", Body=b"%PDF-1.4")
    s3.create_multipart_upload(Bucket=env["ATTACHMENTS_BUCKET"], Key="incoming/leftover.pdf")
    boto3.client("sqs", region_name=REGION).send_message(QueueUrl=env["REVIEW_QUEUE_URL"], MessageBody="{}")
    sfn = clients.stepfunctions()
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    sfn.start_execution(stateMachineArn=machine, input=json.dumps({}))


def _leftovers(env):
    from chalicelib import aws as clients

    found = []
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=env["TABLE_NAME"], Key={"PK": {"S": MARK}, "SK": {"S": MARK}})
    if "Item" in item:
        found.append("item")
    s3 = boto3.client("s3", region_name=REGION)
    if s3.list_objects_v2(Bucket=env["ATTACHMENTS_BUCKET"]).get("KeyCount"):
        found.append("object")
    if s3.list_multipart_uploads(Bucket=env["ATTACHMENTS_BUCKET"]).get("Uploads"):
        found.append("multipart upload")
    attrs = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=env["REVIEW_QUEUE_URL"], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    if int(attrs["ApproximateNumberOfMessages"]):
        found.append("message")
    sfn = clients.stepfunctions()
    for machine in sfn.list_state_machines()["stateMachines"]:
        if sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            found.append("execution")
    return found


@pytest.mark.parametrize("turn", ["first", "second"])
def test_a_test_never_sees_what_the_one_before_it_left(aws, world, turn):
    # Whichever of the two runs second on a worker finds the world as the seed left it.
    assert _leftovers(aws) == []
    _leave_everything_behind(aws)
    assert _leftovers(aws) == ["item", "object", "multipart upload", "message", "execution"]


def test_restoring_the_world_removes_every_kind_of_leftover(aws, world, _moto_world):
    from chalicelib.models.accounts import DevLogin

    _leave_everything_behind(aws)
    _moto_world.snapshot.restore(_moto_world.seeded_tables)
    assert _leftovers(aws) == []
    assert DevLogin.get(*DevLogin.key("applicant1")).role       # the seed is back, whole


def test_aws_alone_is_the_deployed_empty_world(aws):
    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=aws["TABLE_NAME"], Limit=1)["Items"]
    assert items == []


def test_no_execution_thread_outlives_the_world_it_ran_in(client, world, _moto_world):
    """A submitted declaration's review execution waits for its task token in moto's threads; put
    back, the world leaves none running (one left ran into later tests: its SQS task went to
    http://localhost:5000, or would have landed in the next test's queue)."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    from tests.helpers.review import ready

    decl = ready(client, world)
    assert client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1")).status == 200
    assert any(t.is_alive() for t in TMP_THREADS), "the execution is running"
    _moto_world.snapshot.stop_executions()
    assert not [t.name for t in TMP_THREADS if t.is_alive()]
