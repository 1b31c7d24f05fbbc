"""Results search by 证件号码 (issue 29): items read and AWS calls at 1 000 and 100 000 result rows
of one level. The rows are written as the submit transaction writes them (results._row: the keyed
hash on GSI1), one of them the person searched for; then the search's service call runs and its
DynamoDB calls and the items the Query evaluated (ScannedCount) are counted. Target: ≤ 2 items read
at every size (one keyed Query on GSI1). For contrast, the same level's search by 姓名 (a filter
over the level's GSI2 partition) reads up to its 200-item budget.

Run: python -m bench.results_search_bench [rows ...]        (default 1000 100000)
"""
import sys
import time
import types

VIEWER, MATTER, YEAR = "11220000013544357", "TALENT_GRADING", "2026"
TARGET_ID = "220102198001010012"


def _id(n: int) -> str:
    from devtools.seed import _id as with_check

    return with_check(f"2201021980{n // 100_000 % 12 + 1:02d}{n // 1000 % 28 + 1:02d}{n % 1000:03d}"[:17])


def _seed(n: int) -> None:
    """n rows at the viewer, row 0 the target, the rest other people. Written into moto's store
    directly (its put_item validates each item: 100 000 of them through it take many minutes on a
    loaded laptop); the GSI partition index of devtools/moto_server is rebuilt before measuring."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    from chalicelib import config
    from chalicelib.models.results import ResultRow
    from chalicelib.services import results
    from devtools import moto_server

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID][config.AWS_REGION].get_table(config.TABLE_NAME)
    target = results.id_digest(TARGET_ID)
    template = None
    for i in range(n):
        if template is None or i == 0:
            meta = types.SimpleNamespace(
                decl_id=f"bench{i:07d}", matter_type=MATTER, year=YEAR, round=1, person_name=f"申报人{i}",
                id_number=TARGET_ID, unit_code="12220000MB0000001X", unit_name="长白理工大学",
                submitted_at="2026-05-01T08:00:00+00:00", applied_level="C类")
            template = {**results._row(meta, VIEWER, talent_category=None, city_code="220100", applied_level="C类",
                                       now="2026-05-30T08:00:00+00:00").serialize(), "type": {"S": "ResultRow"}}
        attrs = dict(template)
        if i:        # another person: own declaration, name, ID number and keyed hash
            digest = f"{i:064x}"
            submitted = f"2026-05-{1 + i % 28:02d}T08:00:00+00:00"
            decl = f"bench{i:07d}"
            attrs.update({
                "PK": {"S": f"DECL#{decl}"}, "decl_id": {"S": decl}, "person_name": {"S": f"申报人{i}"},
                "id_number": {"S": _id(i + 1)}, "id_hash": {"S": digest}, "submitted_at": {"S": submitted},
                "GSI1PK": {"S": ResultRow.id_key(VIEWER, MATTER, YEAR, digest)},
                "GSI1SK": {"S": f"{submitted}#{decl}"},
                "GSI2SK": {"S": ResultRow.sort_key("未认定", submitted, decl)}})
        else:
            assert attrs["id_hash"]["S"] == target
        item = {k: DynamoType(v) for k, v in attrs.items()}
        table.items[item["PK"]][item["SK"]] = Item(item["PK"], item["SK"], attrs)
    moto_server._GENERATION[0] += 1
    moto_server._index(table)


def measure(n: int) -> dict:
    from bench.moto_world import counted, deployed
    from chalicelib.identity import ROLE_PROVINCE, Principal

    with deployed():
        t = time.perf_counter()
        _seed(n)
        seeded = time.perf_counter() - t
        from chalicelib.services import results

        principal = Principal(subject="bench", role=ROLE_PROVINCE, unit_code=VIEWER)
        calls = []
        with counted(lambda operation_name, _: calls.append(operation_name)):
            t = time.perf_counter()
            by_id = results.search(principal, {"matter_type": MATTER, "year": YEAR, "id_number": TARGET_ID}, None, 20)
            elapsed = time.perf_counter() - t
            id_calls = list(calls)
            calls.clear()
            by_name = results.search(principal, {"matter_type": MATTER, "year": YEAR, "name": "申报人0"}, None, 20)
            name_calls = list(calls)
    return {"rows": n, "found": len(by_id["items"]), "read": by_id["scanned"], "calls": id_calls, "ms": elapsed * 1000,
            "name_read": by_name["scanned"], "name_calls": name_calls, "seed_s": seeded}


def main(sizes=(1_000, 100_000)) -> list:
    print("results search by 证件号码: items read per request (one level's result rows)")
    out = []
    for n in sizes:
        r = measure(n)
        out.append(r)
        print(f"  {r['rows']:>7,} rows: found {r['found']}, {r['read']} items read, AWS calls {', '.join(r['calls'])}, "
              f"{r['ms']:.0f} ms   (by 姓名: {r['name_read']} items read, {len(r['name_calls'])} Query)"
              f"   [seeded in {r['seed_s']:.0f} s]")
    ok = all(r["read"] <= 2 and r["found"] == 1 and r["calls"] == ["Query"] for r in out)
    print(f"  ≤ 2 items read and one Query at every size: {'yes' if ok else 'NO'}")
    return out


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (1_000, 100_000))
