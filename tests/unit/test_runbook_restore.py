"""docs/runbook.md §4 walked against moto: restore the table to a point in time into a new table,
then switch every function to it with the ActiveTableName parameter. After the switch the data
of the restore point is what users see, and every function's role (IAM enforced in process)
names the restored table: a function still pointed at the old table would be refused."""
import boto3
import pytest

from chalicelib import config
from chalicelib.models.base import Entity
from devtools import iam_audit, local_infra

RESTORED_SUFFIX = "-restored-202605010830"
BASIC = {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
         "education": "博士研究生", "applied_level": "C类"}


def _declarations(client, world):
    resp = client.get("/declarations", headers=world.headers("applicant1"))
    assert resp.status == 200, resp
    return [d["decl_id"] for d in resp.json["items"]]


def _switched(stack, restored):
    """The stack as `./dev deploy … --parameter ActiveTableName=<restored>` resolves it."""
    switched = local_infra.Stack(stack.t, stack.name, stack.region, {**stack.params, "ActiveTableName": restored})
    switched.physical = stack.physical
    return switched


def test_restore_to_a_new_table_then_switch_with_active_table_name(aws, world, client, monkeypatch):
    ddb = boto3.client("dynamodb", region_name="cn-north-1")
    source = aws["TABLE_NAME"]
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    draft = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True})
    assert draft.status == 201, draft
    decl_id = draft.json["decl_id"]
    assert decl_id in _declarations(client, world)

    # §4.2: PITR is on; the restore creates a new table (the stack's table is never overwritten).
    ddb.update_continuous_backups(TableName=source, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    restored = source + RESTORED_SUFFIX
    ddb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=restored, UseLatestRestorableTime=True)
    ddb.get_waiter("table_exists").wait(TableName=restored)
    indexes = {i["IndexName"] for i in ddb.describe_table(TableName=restored)["Table"]["GlobalSecondaryIndexes"]}
    assert indexes == {"GSI1", "GSI2"}                   # keys and GSIs come with the restore
    ddb.update_time_to_live(TableName=restored, TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})
    ddb.update_continuous_backups(TableName=restored, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})

    # The damage after the restore point: the declaration is gone from the stack's table.
    removed = client.delete(f"/declarations/{decl_id}", headers=world.headers("applicant1"))
    assert removed.status == 204, removed
    assert decl_id not in _declarations(client, world)

    # §4.3: redeploy with ActiveTableName: every function's TABLE_NAME and every role follow.
    stack = local_infra.LAST_STACK
    switched = _switched(stack, restored)
    functions = {lid: r for lid, r in switched.t["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    for lid, fn in functions.items():
        assert switched.resolve(fn["Properties"]["Environment"]["Variables"])["TABLE_NAME"] == restored, lid
    head = f"arn:aws-cn:dynamodb:cn-north-1:{local_infra.ACCOUNT}:table/"
    roles = iam_audit.role_statements(switched)
    for lid, statements in roles.items():
        tables = {r for st in statements if any(str(a).startswith("dynamodb:") for a in iam_audit._listed(st.get("Action", [])))
                  for r in iam_audit._listed(st.get("Resource", [])) if st["Effect"] == "Allow"}
        if tables:
            assert tables <= {head + restored, head + restored + "/index/*"}, (lid, tables)
    assert iam_audit.allowed(roles["APIHandler"], "dynamodb:GetItem", head + restored)
    assert not iam_audit.allowed(roles["APIHandler"], "dynamodb:GetItem", head + source)

    # New containers start with the switched environment (config is read at cold start) and the
    # switched roles are the ones enforced from here on.
    monkeypatch.setattr(local_infra, "LAST_STACK", switched)
    monkeypatch.setattr(config, "TABLE_NAME", restored)
    monkeypatch.setattr(Entity.Meta, "table_name", restored)
    assert decl_id in _declarations(client, world)       # what the restore point held
    saved = client.put(f"/declarations/{decl_id}/modules/basic",
                       headers={**world.headers("applicant1"), "If-Match": str(draft.json["modules"]["basic"]["version"])},
                       json_body={"content": BASIC})
    assert saved.status == 200, saved                    # writes land in the restored table, allowed by the roles
    assert ddb.describe_table(TableName=source)["Table"]["TableStatus"] == "ACTIVE"   # kept for the investigation


def test_the_old_table_is_refused_after_the_switch(aws, monkeypatch):
    """A container that kept the old TABLE_NAME after the switch fails loudly instead of writing to it."""
    restored = aws["TABLE_NAME"] + RESTORED_SUFFIX
    monkeypatch.setattr(local_infra, "LAST_STACK", _switched(local_infra.LAST_STACK, restored))
    from chalicelib.models.accounts import Person

    with iam_audit.running("APIHandler"), pytest.raises(Exception, match="AccessDenied|not authorized"):
        Person.get(*Person.key("p-missing"))
    iam_audit.DENIED.clear()
