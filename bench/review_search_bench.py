"""Review list search by 证件号码 (issue 29): items read and AWS calls at 1 000 and 100 000 review
tasks of one unit. The tasks and their 证件号码 index items (TaskIdIndex) are written as task opening
writes them, one of them the person searched for; then the list's service call runs and its
DynamoDB calls and the items they read (the Query's ScannedCount, the BatchGetItem's items) are
counted. Target: ≤ 2 items read at every size (one keyed Query + one BatchGetItem). For contrast,
the same list's search by 姓名 (a filter over the unit's GSI1 list) reads up to its 1 000-item budget.

Run: python -m bench.review_search_bench [tasks ...]        (default 1000 100000)
"""
import sys
import time

UNIT, MATTER, YEAR = "12220000412756703X", "TALENT_GRADING", "2026"
TARGET_ID = "220102198001010012"


def _seed(n: int) -> None:
    """n open tasks at the unit, task 0 the target's, the rest other people's, each with its index
    item. Written into moto's store directly (100 000 put_item calls through moto take many minutes
    on a loaded laptop); the GSI partition index of devtools/moto_server is rebuilt before measuring."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from chalicelib import config
    from chalicelib.models.reviews import ReviewTask, TaskIdIndex
    from chalicelib.services import results
    from devtools import moto_server

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.AWS_REGION].get_table(config.TABLE_NAME)

    def put(attrs: dict) -> None:
        item = {k: DynamoType(v) for k, v in attrs.items()}
        table.items[item["PK"]][item["SK"]] = Item(item["PK"], item["SK"], attrs)

    for i in range(n):
        decl = f"bench{i:07d}"
        pk, sk = ReviewTask.key(decl, 1, 0)
        task = ReviewTask(pk=pk, sk=sk, decl_id=decl, round=1, level=0, unit_code=UNIT, unit_name="长白理工大学",
                          role="unit", matter_type=MATTER, year=YEAR, person_name=f"申报人{i}",
                          id_number=TARGET_ID if i == 0 else f"2201021970{i:07d}"[:17] + "0", state="open",
                          opened_at="2026-05-01T08:00:00+00:00", updated_at="2026-05-01T08:00:00+00:00", version=1)
        task.place("pending", f"2026-05-{1 + i % 28:02d}T08:{i // 60 % 60:02d}:{i % 60:02d}+00:00")
        put({**task.serialize(), "type": {"S": "ReviewTask"}})
        digest = results.id_digest(TARGET_ID) if i == 0 else f"{i:064x}"
        put({**TaskIdIndex.of(task, digest).serialize(), "type": {"S": "TaskIdIndex"}})
    moto_server._GENERATION[0] += 1
    moto_server._index(table)


def measure(n: int) -> dict:
    from bench.moto_world import counted, deployed
    from chalicelib.identity import Principal

    with deployed():
        t = time.perf_counter()
        _seed(n)
        seeded = time.perf_counter() - t
        from chalicelib.services.review import queries

        principal = Principal(subject="bench", role="unit", unit_code=UNIT)
        calls, read = [], []

        def count(operation_name, out):
            calls.append(operation_name)
            if operation_name == "Query":
                read.append(out.get("ScannedCount", 0))
            elif operation_name == "BatchGetItem":
                read.append(sum(len(v) for v in out.get("Responses", {}).values()))

        with counted(count):
            t = time.perf_counter()
            by_id = queries.list_tasks(principal, "pending", MATTER, YEAR, None, TARGET_ID, None, 20)
            elapsed = time.perf_counter() - t
            id_calls, id_read = list(calls), sum(read)
            calls.clear(), read.clear()
            queries.list_tasks(principal, "pending", MATTER, YEAR, "申报人0", None, None, 20)
            name_calls, name_read = list(calls), sum(read)
    return {"tasks": n, "found": len(by_id["items"]), "read": id_read, "calls": id_calls, "ms": elapsed * 1000,
            "name_read": name_read, "name_calls": name_calls, "seed_s": seeded}


def main(sizes=(1_000, 100_000)) -> list:
    print("review list search by 证件号码: items read per request (one unit's review tasks)")
    out = []
    for n in sizes:
        r = measure(n)
        out.append(r)
        print(f"  {r['tasks']:>7,} tasks: found {r['found']}, {r['read']} items read, AWS calls {', '.join(r['calls'])}, "
              f"{r['ms']:.0f} ms   (by 姓名: {r['name_read']} items read, {len(r['name_calls'])} Query)"
              f"   [seeded in {r['seed_s']:.0f} s]")
    ok = all(r["read"] <= 2 and r["found"] == 1 and sorted(r["calls"]) == ["BatchGetItem", "Query"] for r in out)
    print(f"  ≤ 2 items read, one Query and one BatchGetItem at every size: {'yes' if ok else 'NO'}")
    return out


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (1_000, 100_000))
