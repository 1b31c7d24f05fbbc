"""统计分析 read cost (issue #31): the page's figures for a window of 1 000 and of 100 000
declarations. The counters are seeded directly, as the transaction hooks would have left them
(each scope's shards, one item per reviewing body and shard, a snapshot per day of a 60-day
window), so seeding costs the same at both sizes; then GET /statistics's service call is timed and
its DynamoDB calls, items and response bytes counted. Target: the same calls and bytes at both sizes.

Run: python -m bench.statistics_bench [declarations ...]
"""
import json
import random
import sys
import time

MATTER, YEAR = "TALENT_GRADING", "2026"
STAGES = ("recommending_unit", "superiors", "city_bureau", "province", "committee")
BODIES = 60          # reviewing bodies above level 0 in the province (9 bureaus, the province, 主管部门)
DAYS = 60


def _seed(n: int) -> None:
    """Counters of a province-wide window of n declarations, spread over the shards."""
    from chalicelib import config
    from chalicelib.models.statistics import PROVINCE_SCOPE, StatShard
    from chalicelib.services.statistics.counters import WAIT_EDGES, shards_of

    rng = random.Random(n)
    conn = StatShard._get_connection()
    shards = shards_of(PROVINCE_SCOPE)
    totals: dict = {}

    def add(name, value):
        totals[name] = totals.get(name, 0) + value

    add("status|submitted", int(n * 0.6)), add("status|returned", int(n * 0.1))
    add("status|approved", int(n * 0.25)), add("status|terminated", n - int(n * 0.6) - int(n * 0.1) - int(n * 0.25))
    for i, stage in enumerate(STAGES):
        add(f"reached|{stage}", n // len(STAGES))
        add(f"open|{stage}", n // (10 * (i + 1)))
        add(f"decided|{stage}", n // (i + 1))
        add(f"returned|{stage}", n // (20 * (i + 1)))
        for b in range(len(WAIT_EDGES) + 1):
            add(f"wait|{stage}|{b}", rng.randint(0, n // 50 + 1))
        for d in range(DAYS):
            add(f"due|{stage}|{YEAR}{3 + d // 30:02d}{1 + d % 28:02d}", rng.randint(0, n // 1000 + 1))
    for d in range(DAYS):
        add(f"sub|{YEAR}{3 + d // 30:02d}{1 + d % 28:02d}", n // DAYS)
    for m in ("basic", "education", "work", "achievements", "honours", "attachments"):
        add(f"wrong|{m}", rng.randint(0, n // 10))
    for level in ("A类", "B类", "C类", "D类", "E类"):
        add(f"result|通过|{level}", n // 25)
    for city in ("220100", "220200", "220300", "220400", "220500", "220600", "220700", "220800", "222400"):
        add(f"region|{city}|通过", n // 45), add(f"region|{city}|未通过", n // 90)
    pk = StatShard.partition(PROVINCE_SCOPE, MATTER, YEAR)
    for s in range(shards):       # every shard carries every attribute (the worst case for bytes)
        item = {"PK": {"S": pk}, "SK": {"S": f"S#{s:02d}"}, "type": {"S": "StatShard"}}
        for name, value in totals.items():
            item[name] = {"N": str(value // shards + (1 if s < value % shards else 0))}
        conn.put_item(pk, item["SK"]["S"], attributes={k: v for k, v in item.items() if k not in ("PK", "SK")})
    for b in range(BODIES):
        for s in range(config.COUNTER_SHARDS):
            attrs = {"type": {"S": "StatShard"}, "body": {"S": f"1122{b:014d}"}, "body_name": {"S": f"审核单位{b}"},
                     "stage": {"S": STAGES[1 + b % 3]}, "open": {"N": str(n // (BODIES * 8))}}
            for d in range(DAYS):
                attrs[f"due|{YEAR}{3 + d // 30:02d}{1 + d % 28:02d}"] = {"N": str(n // 100000 + 1)}
            conn.put_item(pk, f"B#1122{b:014d}#{s:02d}", attributes=attrs)
    for d in range(DAYS):
        conn.put_item(pk, f"D#{YEAR}{3 + d // 30:02d}{1 + d % 28:02d}",
                      attributes={"type": {"S": "StatShard"}, "open": {"N": str(n // 5)}, "overdue": {"N": str(n // 50)}})


def measure(n: int) -> dict:
    import botocore.client
    from moto import mock_aws

    from chalicelib import aws as aws_clients
    from chalicelib import config
    from chalicelib.identity import ROLE_PROVINCE, Principal
    from devtools.local_infra import deploy

    with mock_aws():
        aws_clients.reset_clients()
        env = deploy(None, stack_name="talent-grading-bench", region="cn-north-1")
        for key, value in env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        _seed(n)
        from chalicelib.services.statistics import report

        calls, raw = [], []
        original = botocore.client.BaseClient._make_api_call

        def counting(self, operation_name, api_params):
            result = original(self, operation_name, api_params)
            calls.append(operation_name)
            raw.append(len(json.dumps(result, default=str)))
            return result

        botocore.client.BaseClient._make_api_call = counting
        try:
            principal = Principal(subject="bench", role=ROLE_PROVINCE, unit_code="11220000013544357")
            t = time.perf_counter()
            body = report.read(principal, MATTER, YEAR, None)
            elapsed = time.perf_counter() - t
        finally:
            botocore.client.BaseClient._make_api_call = original
        aws_clients.reset_clients()
    return {"declarations": n, "calls": calls, "items": body["reads"]["items"], "read_bytes": sum(raw),
            "response_bytes": len(json.dumps(body, ensure_ascii=False).encode()), "ms": elapsed * 1000,
            "counted": sum(r["count"] for r in body["status"])}


def main(sizes=(1_000, 100_000)) -> None:
    print("统计分析: reads of one page open (province scope), counters seeded for the window")
    rows = [measure(n) for n in sizes]
    for r in rows:
        print(f"  {r['declarations']:>7,} declarations (counted {r['counted']:,}): {', '.join(r['calls'])}; "
              f"{r['items']} items, {r['read_bytes'] / 1024:.1f} KB read, answer {r['response_bytes'] / 1024:.1f} KB, "
              f"{r['ms']:.0f} ms")
    same = len({tuple(r["calls"]) for r in rows}) == 1 and len({r["items"] for r in rows}) == 1
    print(f"  same calls and items at every size: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (1_000, 100_000))
