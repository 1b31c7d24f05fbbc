"""devtools.moto_server writes DynamoDB's item-bearing responses straight to JSON (moto's generic
serializer cost a third of a review-chain test) and projects items on top-level attributes by
copying them. What a client reads must be exactly what moto as shipped gives, for every attribute
type, every read that returns items, and every kind of projection."""
import datetime as dt
from decimal import Decimal

import boto3
import pytest
from moto import mock_aws

from devtools import moto_server
from tests.helpers.moto_shipped import moto_plain, sets_sorted  # noqa: F401 (a fixture)

ITEMS = [
    {"pk": "P#1", "sk": "A", "s": "吉林 ＡＢＣ", "n": Decimal("12.5"), "b": b"\x00\xffbytes",
     "ss": {"x", "y"}, "ns": {Decimal(1), Decimal("2.25")}, "bs": {b"\x01", b"\x02\x03"},
     "m": {"nested": {"l": [1, "two", None, True, {"deep": b"\x10"}]}, "empty": {}},
     "l": [], "null": None, "t": True, "f": False, "g": "G#1"},
    {"pk": "P#1", "sk": "B", "g": "G#1", "n": Decimal(-3)},
    {"pk": "P#2", "sk": "A"},
]


def _reads(ddb):
    """Every read the project makes that returns items, plus the write answers carrying items."""
    out = {
        "get": ddb.get_item(TableName="t", Key={"pk": {"S": "P#1"}, "sk": {"S": "A"}}),
        "get_projection": ddb.get_item(TableName="t", Key={"pk": {"S": "P#1"}, "sk": {"S": "A"}},
                                       ProjectionExpression="m.nested, b"),
        "get_top_level": ddb.get_item(TableName="t", Key={"pk": {"S": "P#1"}, "sk": {"S": "A"}},
                                      ProjectionExpression="#s, b, ss, m, l, #n, t, absent",
                                      ExpressionAttributeNames={"#s": "s", "#n": "null"}),
        "get_list_element": ddb.get_item(TableName="t", Key={"pk": {"S": "P#1"}, "sk": {"S": "A"}},
                                         ProjectionExpression="m.nested.l[4], s"),
        "query_include": ddb.query(TableName="t", IndexName="inc", KeyConditionExpression="g = :g",
                                   ExpressionAttributeValues={":g": {"S": "G#1"}}),
        "query_projected": ddb.query(TableName="t", KeyConditionExpression="pk = :p",
                                     ProjectionExpression="sk, n, ns, bs",
                                     ExpressionAttributeValues={":p": {"S": "P#1"}}),
        "get_missing": ddb.get_item(TableName="t", Key={"pk": {"S": "P#9"}, "sk": {"S": "A"}}),
        "query_page": ddb.query(TableName="t", KeyConditionExpression="pk = :p",
                                ExpressionAttributeValues={":p": {"S": "P#1"}}, Limit=1),
        "query_gsi": ddb.query(TableName="t", IndexName="gsi", KeyConditionExpression="g = :g",
                               ExpressionAttributeValues={":g": {"S": "G#1"}}),
        "query_count": ddb.query(TableName="t", KeyConditionExpression="pk = :p", Select="COUNT",
                                 ExpressionAttributeValues={":p": {"S": "P#1"}}),
        "batch_get": ddb.batch_get_item(RequestItems={"t": {"Keys": [
            {"pk": {"S": "P#1"}, "sk": {"S": "A"}}, {"pk": {"S": "P#2"}, "sk": {"S": "A"}}]}}),
        "transact_get": ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "t", "Key": {"pk": {"S": "P#1"}, "sk": {"S": "B"}}}}]),
        "update_all_new": ddb.update_item(TableName="t", Key={"pk": {"S": "P#2"}, "sk": {"S": "A"}},
                                          UpdateExpression="SET v = :v", ReturnValues="ALL_NEW",
                                          ExpressionAttributeValues={":v": {"B": b"\x7f"}}),
        "put_all_old": ddb.put_item(TableName="t", Item={"pk": {"S": "P#2"}, "sk": {"S": "A"}},
                                    ReturnValues="ALL_OLD"),
        "describe": ddb.describe_table(TableName="t"),
    }
    for answer in out.values():
        answer.pop("ResponseMetadata", None)
    return out


def _world_reads():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "g")],
                         GlobalSecondaryIndexes=[
                             {"IndexName": "gsi", "Projection": {"ProjectionType": "ALL"},
                              "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}]},
                             {"IndexName": "inc", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                              "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n", "m", "bs"]}}])
        table = boto3.resource("dynamodb", region_name="cn-north-1").Table("t")
        for item in ITEMS:
            table.put_item(Item=item)
        return _reads(ddb)


def test_direct_json_reads_back_exactly_what_motos_serializer_gives(moto_plain):
    expected = _world_reads()
    with moto_server.installed():
        from moto.dynamodb.responses import DynamoResult

        from moto.dynamodb.models.dynamo_type import Item

        assert DynamoResult.execute_result is moto_server._direct_execute_result
        assert Item.project is moto_server._item_project
        got = _world_reads()
    created = [reads["describe"]["Table"].pop("CreationDateTime") for reads in (expected, got)]
    for name in expected:
        assert sets_sorted(got[name]) == sets_sorted(expected[name]), name
    assert all(isinstance(when, dt.datetime) and when.tzinfo for when in created)
    assert created[1].microsecond % 1000 == 0       # milliseconds, as DynamoDB and moto write them
    assert got["get"]["Item"]["b"] == {"B": b"\x00\xffbytes"}
    assert set(got["get_top_level"]["Item"]) == {"s", "b", "ss", "m", "l", "null", "t"}
    assert set(got["query_include"]["Items"][0]) == {"pk", "sk", "g", "n", "m", "bs"}


def test_an_unknown_value_falls_back_to_motos_serializer():
    with pytest.raises(moto_server._NotWire):
        moto_server._wire({"x": object()})
