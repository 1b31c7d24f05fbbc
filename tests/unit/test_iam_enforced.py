"""Each function's AWS calls are evaluated against its own role in infra/template.yaml
(devtools/iam_audit.py, enforced on every in-process test by tests/iam_audit.py)."""
import pytest

from devtools import iam_audit

TABLE = "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/t-main"


def test_the_evaluation_follows_iam_deny_first_wildcards_and_leading_keys():
    role = [{"Effect": "Allow", "Action": ["dynamodb:Get*", "dynamodb:PutItem", "dynamodb:UpdateItem"],
             "Resource": [TABLE, f"{TABLE}/index/*"]},
            {"Effect": "Deny", "Action": "dynamodb:UpdateItem", "Resource": TABLE,
             "Condition": {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["AUDIT#*"]}}}]
    assert iam_audit.allowed(role, "dynamodb:GetItem", TABLE)
    assert iam_audit.allowed(role, "DynamoDB:getitem", TABLE)                 # actions ignore case
    assert not iam_audit.allowed(role, "dynamodb:Query", TABLE)
    assert not iam_audit.allowed(role, "dynamodb:GetItem", TABLE + "-other")  # resources do not
    assert iam_audit.allowed(role, "dynamodb:UpdateItem", TABLE, {"dynamodb:leadingkeys": ["DECL#1"]})
    assert not iam_audit.allowed(role, "dynamodb:UpdateItem", TABLE, {"dynamodb:leadingkeys": ["AUDIT#1"]})
    assert not iam_audit.allowed(role, "dynamodb:UpdateItem", TABLE)          # unknown context: the Deny holds


def test_calls_become_the_actions_and_resources_aws_authorises():
    auth = iam_audit.authorizations
    tx = auth("dynamodb", "TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "t-main", "Item": {"PK": {"S": "PERSON#1"}}}},
        {"ConditionCheck": {"TableName": "t-main", "Key": {"PK": {"S": "UNIT#1"}}}}]}, "cn-north-1")
    assert [(a, r) for a, r, _ in tx] == [("dynamodb:PutItem", TABLE), ("dynamodb:ConditionCheckItem", TABLE)]
    q = auth("dynamodb", "Query", {"TableName": "t-main", "IndexName": "GSI1"}, "cn-north-1")
    assert q[0][:2] == ("dynamodb:Query", f"{TABLE}/index/GSI1")
    copy = auth("s3", "CopyObject", {"Bucket": "b", "Key": "final/x", "CopySource": {"Bucket": "b", "Key": "incoming/x"}},
                "cn-north-1")
    assert [(a, r) for a, r, _ in copy] == [("s3:PutObject", "arn:aws-cn:s3:::b/final/x"),
                                             ("s3:GetObject", "arn:aws-cn:s3:::b/incoming/x")]
    ssm = auth("ssm", "GetParameter", {"Name": "/stack/pii-hash-key"}, "cn-north-1")
    assert ssm[0][:2] == ("ssm:GetParameter", "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/stack/pii-hash-key")
    sqs = auth("sqs", "SendMessageBatch", {"QueueUrl": "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"}, "cn-north-1")
    assert sqs[0][:2] == ("sqs:SendMessage", "arn:aws-cn:sqs:cn-north-1:123456789012:q")


@pytest.fixture
def authorizer_role_stripped_to_get_item(aws):
    """The AuthorizerRole as it was: dynamodb:GetItem on the table, nothing else."""
    from devtools import local_infra

    roles = iam_audit.role_statements(local_infra.LAST_STACK)
    table = f"arn:aws-cn:dynamodb:cn-north-1:123456789012:table/{aws['TABLE_NAME']}"
    local_infra.LAST_STACK._iam_statements = {**roles, "JwtAuth": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table}]}
    yield
    local_infra.LAST_STACK._iam_statements = roles


def _platform(claims):
    from tests.helpers.in_process import make_token

    return {"Authorization": f"Bearer {make_token(claims)}"}


def _sign_ins(world):
    from chalicelib.models.accounts import Agent, Unit
    from devtools.seed import _id

    pk, _ = Unit.key(world.code("university"))
    agent = next(a for a in Agent.query(pk, Agent.sk.startswith("AGENT#")) if not a.is_legal)
    code = world.code("university")
    return {"person": {"sub": "p-iam", "account_kind": "person", "name": "孙立", "id_number": _id("22010219950101901")},
            "legal": {"sub": "l-iam", "account_kind": "legal", "credit_code": code},
            "agent by phone": {"sub": "a-iam", "account_kind": "agent", "credit_code": code, "phone_number": agent.phone}}


def test_a_role_stripped_to_get_item_fails_every_sign_in_and_the_test_that_made_the_calls(
        client, world, authorizer_role_stripped_to_get_item):
    for kind, claims in _sign_ins(world).items():
        iam_audit.DENIED.clear()
        try:
            status = client.get("/me", headers=_platform(claims)).status
        except Exception:  # noqa: BLE001 - the authorizer failed: API Gateway answers 5xx (系统繁忙)
            status = 500
        denied = {action for fn, action, _, _ in iam_audit.DENIED if fn == "JwtAuth"}
        assert status >= 500 and denied, (kind, status, denied)
    iam_audit.DENIED.clear()          # the plugin would fail this test for them: that is the point


def test_with_the_template_roles_every_kind_signs_in_and_nothing_is_denied(client, world):
    for kind, claims in _sign_ins(world).items():
        resp = client.get("/me", headers=_platform(claims))
        assert resp.status == 200, (kind, resp)
    assert iam_audit.DENIED == []


def test_s3_transfers_on_worker_threads_are_checked_as_the_function_that_started_them(aws, tmp_path):
    """upload_file runs its PutObject on s3transfer's threads: still the export worker's call, so a
    key outside exports/ is refused and an export is allowed."""
    import boto3

    path = tmp_path / "export.xlsx"
    path.write_bytes(b"x" * 10)
    s3 = boto3.client("s3", region_name="cn-north-1")
    iam_audit.DENIED.clear()
    with iam_audit.running("ExportWorkerFunction"):
        s3.upload_file(str(path), aws["ATTACHMENTS_BUCKET"], "exports/u1/j1.xlsx")
        with pytest.raises(Exception, match="AccessDenied|not authorized"):
            s3.upload_file(str(path), aws["ATTACHMENTS_BUCKET"], "decl/d1/photo/a.jpg")
    assert [(fn, action, resource.rsplit(":::", 1)[1]) for fn, action, resource, _ in iam_audit.DENIED] == [
        ("ExportWorkerFunction", "s3:PutObject", f"{aws['ATTACHMENTS_BUCKET']}/decl/d1/photo/a.jpg")]
    iam_audit.DENIED.clear()          # the plugin would fail this test for it: that is the point
