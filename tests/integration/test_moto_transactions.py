"""moto's DynamoDB transactions under concurrency: the bug, reproduced with plain boto3, and the fix
(devtools/moto_server.py) that the local stack's moto server runs with.

The in-process test interleaves two requests deterministically: transaction A has started (moto
snapshotted the table) when request B writes another item; A is then cancelled and plain moto
restores its snapshot, wiping B's write. With the fix, B waits for A (DynamoDB requests are
serialised) and A's cancellation puts back only the items A touched.
The over-the-wire test hammers the wrapped server with concurrent transactions from many threads.
"""
import concurrent.futures
import subprocess
import sys
import threading

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devtools import moto_server
from devtools.local_stack import ROOT, free_port, wait_http

TABLE = "race"


def _client(endpoint=None):
    return boto3.client("dynamodb", region_name="cn-north-1", endpoint_url=endpoint,
                        aws_access_key_id="local", aws_secret_access_key="local",
                        config=Config(retries={"max_attempts": 1}, max_pool_connections=32))


def _create(ddb):
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                                           {"AttributeName": "SK", "AttributeType": "S"},
                                           {"AttributeName": "G", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                {"AttributeName": "SK", "KeyType": "RANGE"}],
                     GlobalSecondaryIndexes=[{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"},
                                                            {"AttributeName": "SK", "KeyType": "RANGE"}]}])


def _key(pk, sk="x"):
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _interleaved_cancel(ddb) -> tuple[bool, bool]:
    """A: update X, then a failing ConditionCheck; B (another thread) puts Z while A runs.
    Returns (B finished while A was running, Z exists afterwards)."""
    from moto.dynamodb.models import DynamoDBBackend

    ddb.put_item(TableName=TABLE, Item={**_key("X"), "n": {"N": "0"}})
    other = _client()
    b_done = threading.Event()
    state = {"b_during_a": False, "started": False}
    original_get = DynamoDBBackend.get_item

    def b():
        other.put_item(TableName=TABLE, Item={**_key("Z"), "G": {"S": "g"}})
        b_done.set()

    def hooked_get(self, *args, **kwargs):
        if threading.current_thread().name == "txn-a" and not state["started"]:
            state["started"] = True
            thread = threading.Thread(target=b)
            thread.start()
            state["b_during_a"] = b_done.wait(0.5)   # the fix makes B wait for A: we give up after 0.5 s
            state["thread"] = thread
        return original_get(self, *args, **kwargs)

    def a():
        try:
            ddb.transact_write_items(TransactItems=[
                {"Update": {"TableName": TABLE, "Key": _key("X"), "UpdateExpression": "SET n = :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                {"ConditionCheck": {"TableName": TABLE, "Key": _key("Y"),
                                    "ConditionExpression": "attribute_exists(PK)"}}])
        except ClientError as exc:
            assert exc.response["Error"]["Code"] == "TransactionCanceledException"

    DynamoDBBackend.get_item = hooked_get
    try:
        thread_a = threading.Thread(target=a, name="txn-a")
        thread_a.start()
        thread_a.join(10)
        state["thread"].join(10)
    finally:
        DynamoDBBackend.get_item = original_get
    assert ddb.get_item(TableName=TABLE, Key=_key("X"))["Item"]["n"] == {"N": "0"}   # A rolled back
    z = ddb.get_item(TableName=TABLE, Key=_key("Z")).get("Item")
    return state["b_during_a"], z is not None


def test_plain_moto_loses_a_concurrent_write_when_a_transaction_is_cancelled():
    from moto import mock_aws

    with mock_aws():
        ddb = _client()
        _create(ddb)
        b_during_a, z_exists = _interleaved_cancel(ddb)
    assert b_during_a          # moto let B write in the middle of A ...
    assert not z_exists        # ... and A's whole-table rollback wiped B's item: moto's bug


def test_fixed_moto_serialises_and_rolls_back_only_the_transactions_items():
    from moto import mock_aws

    with mock_aws(), moto_server.installed():
        ddb = _client()
        _create(ddb)
        b_during_a, z_exists = _interleaved_cancel(ddb)
        # the GSI query reads Z through the maintained index
        found = ddb.query(TableName=TABLE, IndexName="GSI1", KeyConditionExpression="G = :g",
                          ExpressionAttributeValues={":g": {"S": "g"}})["Items"]
    assert not b_during_a      # B waited for A
    assert z_exists            # and survived A's cancellation
    assert [i["PK"]["S"] for i in found] == ["Z"]


@pytest.fixture(scope="module")
def wrapped_moto():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devtools.moto_server", "-H", "127.0.0.1", "-p", str(port)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", 30, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_concurrent_transactions_over_the_wire_are_atomic(wrapped_moto):
    """16 threads × 30 transactions: each claims a slot (conditional put) and bumps a counter in the
    same transaction; half the slots are contended. Counter == slots claimed, no 5xx."""
    ddb = _client(wrapped_moto)
    _create(ddb)
    ddb.put_item(TableName=TABLE, Item={**_key("COUNTER"), "n": {"N": "0"}})

    def claim(worker: int, i: int) -> str:
        slot = f"S{i}" if i % 2 else f"S{worker}-{i}"      # odd slots: every worker races for them
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**_key(slot), "G": {"S": "slots"},
                                                       "by": {"N": str(worker)}},
                         "ConditionExpression": "attribute_not_exists(PK)"}},
                {"Update": {"TableName": TABLE, "Key": _key("COUNTER"), "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
            return "won"
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            assert code == "TransactionCanceledException", code
            return "lost"

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(lambda args: claim(*args), [(w, i) for w in range(16) for i in range(30)]))
    won = outcomes.count("won")
    assert won == 16 * 15 + 15      # every even slot once per worker, each odd slot exactly once
    counter = int(ddb.get_item(TableName=TABLE, Key=_key("COUNTER"), ConsistentRead=True)["Item"]["n"]["N"])
    slots, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        page = ddb.query(TableName=TABLE, IndexName="GSI1", KeyConditionExpression="G = :g",
                         ExpressionAttributeValues={":g": {"S": "slots"}}, **kw)
        slots += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert counter == won == len(slots)
