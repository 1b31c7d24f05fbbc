"""devtools.moto_server parses an UpdateExpression once, runs the checks that read only the
expression (clause counts, overlapping paths, key attributes) once per expression, names and
table, and builds an item with one size check (items 6-7). Every answer and every refusal must be
exactly what moto as shipped gives, the second time an expression is used as well as the first."""
import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devtools import moto_server
from tests.helpers.moto_shipped import moto_plain, sets_sorted  # noqa: F401 (a fixture)

KEY = {"pk": {"S": "P#1"}, "sk": {"S": "A"}}
BIG = "x" * 210_000

# (UpdateExpression, names, values): each is sent twice, so a remembered check is exercised too.
UPDATES = [
    ("SET a = :one, b = :two", None, {":one": {"N": "1"}, ":two": {"S": "二"}}),
    ("SET #n = :one REMOVE b", {"#n": "named"}, {":one": {"N": "1"}}),
    ("SET #n = :one REMOVE b", {"#n": "a"}, {":one": {"N": "5"}}),       # same text, other names
    ("ADD c :one SET m = if_not_exists(m, :map)", None, {":one": {"N": "2"}, ":map": {"M": {}}}),
    ("SET m.nest = list_append(if_not_exists(m.nest, :empty), :l)", None,
     {":empty": {"L": []}, ":l": {"L": [{"S": "x"}]}}),
    ("SET a = a + :one", None, {":one": {"N": "3"}}),
    ("DELETE ss :s", None, {":s": {"SS": ["y"]}}),
    ("SET a = :one SET b = :two", None, {":one": {"N": "1"}, ":two": {"N": "2"}}),   # two SET
    ("REMOVE a REMOVE b", None, None),                                                 # two REMOVE
    ("SET a = :one, a = :two", None, {":one": {"N": "1"}, ":two": {"N": "2"}}),      # duplicate
    ("SET m = :map, m.nest = :one", None, {":map": {"M": {}}, ":one": {"N": "1"}}),  # overlap
    ("SET #a = :one, #b = :two", {"#a": "a", "#b": "a"}, {":one": {"N": "1"}, ":two": {"N": "2"}}),
    ("SET #a = :one, #b = :two", {"#a": "a", "#b": "b"}, {":one": {"N": "1"}, ":two": {"N": "2"}}),
    ("SET sk = :one", None, {":one": {"S": "B"}}),                                     # a key
    ("SET #k = :one", {"#k": "pk"}, {":one": {"S": "P#2"}}),                           # a key, named
    ("SET nothing = :missing", None, {":one": {"N": "1"}}),                           # value absent
    ("SET a = b + :one", None, {":one": {"N": "1"}}),                                 # path absent
    ("SET big = :big", None, {":big": {"S": BIG}}),
    ("SET big2 = :big", None, {":big": {"S": BIG}}),                                  # over 400 KB
    ("SET a = :one,", None, {":one": {"N": "1"}}),                                    # syntax
]


def _answer(call):
    try:
        answer = call()
    except ClientError as error:
        return ("refused", error.response["Error"]["Code"], error.response["Error"]["Message"])
    answer.pop("ResponseMetadata", None)
    return ("answered", answer)


def _session():
    out = []
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")])
        ddb.put_item(TableName="t", Item={**KEY, "ss": {"SS": ["x", "y"]}, "b": {"S": "b"}})
        for _round in range(2):
            for expression, names, values in UPDATES:
                request = {"TableName": "t", "Key": KEY, "UpdateExpression": expression,
                           "ReturnValues": "ALL_NEW"}
                if names:
                    request["ExpressionAttributeNames"] = names
                if values:
                    request["ExpressionAttributeValues"] = values
                out.append((expression, _answer(lambda: ddb.update_item(**request))))
            out.append(("get", _answer(lambda: ddb.get_item(TableName="t", Key=KEY))))
        # items built whole: under the limit, at it, over it (one attribute and many)
        many = {f"f{i:03d}": {"S": "y" * 2_000} for i in range(190)}
        for name, item in [("small", {"n": {"N": "1"}}), ("many", many),
                           ("one over", {"big": {"S": "z" * 405_000}}),
                           ("many over", {**many, "more": {"S": "y" * 30_000}})]:
            out.append((name, _answer(lambda: ddb.put_item(TableName="t", Item={
                "pk": {"S": "P#9"}, "sk": {"S": name}, **item}))))
            out.append((name, _answer(lambda: ddb.get_item(
                TableName="t", Key={"pk": {"S": "P#9"}, "sk": {"S": name}}, ProjectionExpression="sk"))))
    return out




def test_updates_and_refusals_are_exactly_motos_the_second_time_too(moto_plain):
    expected = _session()
    with moto_server.installed():
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.parsing.validators import UpdateExpressionValidator

        assert Item.__init__ is moto_server._item_init
        assert UpdateExpressionValidator.validate is moto_server._validate_update
        got = _session()
        remembered = len(moto_server._EXPRESSION_CHECKED)
    assert len(got) == len(expected)
    for (name, answer), (_, want) in zip(got, expected):
        assert sets_sorted(answer) == sets_sorted(want), name
    kinds = {answer[0] for _, answer in expected}
    refusals = {answer[1] for _, answer in expected if answer[0] == "refused"}
    assert kinds == {"answered", "refused"}
    assert {"ValidationException"} <= refusals       # duplicate, overlap, key, size, syntax
    assert remembered >= 5
    assert not moto_server._PARSED and not moto_server._EXPRESSION_CHECKED   # cleared on uninstall


def test_an_item_over_the_limit_is_refused_at_the_same_attribute():
    """The one-pass size check raises as the running total passes the limit, as moto's
    LimitedSizeDict does on the attribute that crosses it: a later attribute that moto would
    never reach must not decide the error."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    with moto_server.installed():
        with pytest.raises(ItemSizeTooLarge):
            Item(DynamoType({"S": "k"}), None, {"a": {"S": "z" * 405_001}, "b": {"BAD": "type"}})
        item = Item(DynamoType({"S": "k"}), None, {"a": {"S": "z" * 1000}, "n": {"N": "7"}})
        assert item.size() == len("a") + 1000 + len("n") + 1
