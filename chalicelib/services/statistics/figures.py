"""统计分析 figures of one scope, matter and year, from its counter partition: one Query (paged only
past DynamoDB's 1 MB; the partition grows with the window's reviewing bodies and days, never with
its declarations).

Overdue is read from the open tasks counted by their deadline's day: a task whose deadline's
(Beijing) day is before today is overdue. Median and 90th percentile waiting times come from the
fixed histogram (counters.WAIT_EDGES): the upper edge of the bucket holding the rank, in days.
"""
from __future__ import annotations

from chalicelib import clock, geo
from chalicelib.models import status as st
from chalicelib.models.statistics import StatShard
from chalicelib.services.statistics.counters import COMMITTEE, WAIT_EDGES

STATUSES = (st.SUBMITTED, st.RETURNED, st.APPROVED, st.TERMINATED)
BODY_ROWS = 50          # reviewing bodies shown (largest backlog first)


def read_partition(scope_key: str, matter: str, year: str) -> tuple:
    """(shard totals, bodies, snapshots, reads): one Query over the scope's partition."""
    conn = StatShard._get_connection()
    pk = StatShard.partition(scope_key, matter, year)
    totals: dict = {}
    bodies: dict = {}
    days: list = []
    reads = {"queries": 0, "items": 0}
    kwargs: dict = {}
    while True:
        page = conn.query(pk, **kwargs)
        reads["queries"] += 1
        for item in page.get("Items", []):
            reads["items"] += 1
            sk = item["SK"]["S"]
            if sk.startswith("S#"):
                _sum(totals, item)
            elif sk.startswith("B#"):
                code = item.get("body", {}).get("S") or sk.split("#")[1]
                body = bodies.setdefault(code, {"code": code, "name": item.get("body_name", {}).get("S", ""),
                                                "stage": item.get("stage", {}).get("S", ""), "n": {}})
                _sum(body["n"], item)
            elif sk.startswith("D#"):
                days.append({k: _number(v) for k, v in item.items() if "N" in v} | {"day": sk[2:]})
        if "LastEvaluatedKey" not in page:
            return totals, bodies, days, reads
        kwargs["exclusive_start_key"] = page["LastEvaluatedKey"]


def _number(value: dict) -> int:
    return int(value["N"])


def _sum(into: dict, item: dict) -> None:
    for name, value in item.items():
        if "N" in value and ("|" in name or name in ("open", "tosend")):
            into[name] = into.get(name, 0) + _number(value)


def _prefixed(totals: dict, prefix: str) -> dict:
    """{rest of the name: count} of the attributes `<prefix>|<rest>`."""
    head = prefix + "|"
    return {name[len(head):]: n for name, n in totals.items() if name.startswith(head)}


def overdue_of(counts: dict, today: str, prefix: str = "due") -> int:
    """Open tasks whose deadline's day is before today (yyyymmdd)."""
    return sum(n for day, n in _prefixed(counts, prefix).items() if day < today)


def percentile(buckets: list, fraction: float) -> float | None:
    """The upper edge (days) of the bucket holding the rank; None without data; the last bucket
    (longer than the last edge) answers the last edge."""
    total = sum(buckets)
    if not total:
        return None
    rank, seen = fraction * total, 0
    for i, n in enumerate(buckets):
        seen += n
        if seen >= rank:
            return round(WAIT_EDGES[min(i, len(WAIT_EDGES) - 1)] / 24, 1)
    return round(WAIT_EDGES[-1] / 24, 1)


def levels_of(definition, totals: dict) -> list:
    """The matter's stages in route order, then the committee result; stages never counted and
    not in the definition are shown by their key."""
    committee = definition.committee_stage
    levels = [{"key": s.key, "label": s.label} for s in definition.stages]
    known = {lv["key"] for lv in levels}
    levels.append({"key": COMMITTEE, "label": committee.label if committee else "评审结果录入"})
    known.add(COMMITTEE)
    for name in totals:
        parts = name.split("|")
        if parts[0] in ("open", "reached", "decided", "wait", "tosend") and len(parts) > 1 and parts[1] not in known:
            levels.append({"key": parts[1], "label": parts[1]})
            known.add(parts[1])
    return levels


def compute(definition, scope: dict, matter: str, year: str, totals: dict, bodies: dict, days: list) -> dict:
    today = clock.today_local().strftime("%Y%m%d")
    levels = levels_of(definition, totals)
    label = {lv["key"]: lv["label"] for lv in levels}
    status = [{"status": s, "label": st.STATUS_LABELS[s], "count": totals.get(f"status|{s}", 0)} for s in STATUSES]
    reached = [{"level": k, "label": label[k], "count": totals.get(f"reached|{k}", 0)} for k in label]
    per_day = sorted(_prefixed(totals, "sub").items())
    submissions = [{"date": f"{d[:4]}-{d[4:6]}-{d[6:]}", "count": n} for d, n in per_day if n]
    backlog, waiting, returns = [], [], []
    for k in label:
        due = {d.split("|", 1)[1]: n for d, n in _prefixed(totals, "due").items() if d.startswith(k + "|")}
        backlog.append({"level": k, "label": label[k], "open": totals.get(f"open|{k}", 0),
                        "to_send": totals.get(f"tosend|{k}", 0),
                        "overdue": sum(n for d, n in due.items() if d < today)})
        buckets = [totals.get(f"wait|{k}|{i}", 0) for i in range(len(WAIT_EDGES) + 1)]
        waiting.append({"level": k, "label": label[k], "buckets": buckets, "count": sum(buckets),
                        "median_days": percentile(buckets, 0.5), "p90_days": percentile(buckets, 0.9)})
        decided, returned = totals.get(f"decided|{k}", 0), totals.get(f"returned|{k}", 0)
        returns.append({"level": k, "label": label[k], "decided": decided, "returned": returned,
                        "rate": round(returned / decided, 4) if decided else None})
    body_rows = sorted(({"code": b["code"], "name": b["name"], "level": b["stage"],
                         "label": label.get(b["stage"], b["stage"]), "open": b["n"].get("open", 0),
                         "to_send": b["n"].get("tosend", 0), "overdue": overdue_of(b["n"], today)}
                        for b in bodies.values()), key=lambda r: (-r["open"], -r["overdue"], r["code"]))
    body_rows = [r for r in body_rows if r["open"] or r["to_send"]][:BODY_ROWS]
    wrong = sorted(({"module": m, "label": _module_label(definition, m), "count": n}
                    for m, n in _prefixed(totals, "wrong").items() if n), key=lambda r: (-r["count"], r["module"]))
    results = []
    for key, n in sorted(_prefixed(totals, "result").items()):
        word, _, granted = key.partition("|")
        if n:
            results.append({"result": word, "level": granted or None, "count": n})
    by_region = []
    for key, n in sorted(_prefixed(totals, "region").items()):
        code, _, word = key.partition("|")
        if n:
            by_region.append({"region_code": code or None, "region_name": geo.name_of(code) or "未知", "result": word,
                              "count": n})
    trend = [{"date": f"{d['day'][:4]}-{d['day'][4:6]}-{d['day'][6:]}", "open": d.get("open", 0),
              "overdue": d.get("overdue", 0)} for d in sorted(days, key=lambda d: d["day"])]
    return {"matter": matter, "matter_label": definition.name,
            "year": year, "scope": {k: scope[k] for k in ("kind", "code", "name")},
            "as_of": clock.beijing(clock.now_iso()), "levels": levels,
            "status": status, "reached": reached, "submissions": submissions, "backlog": backlog,
            "bodies": body_rows, "waiting": waiting,
            "wait_edges_hours": list(WAIT_EDGES), "returns": returns, "wrong_modules": wrong,
            "results": results, "results_by_region": by_region, "trend": trend,
            "result_words": list(definition.results.all)}


def _module_label(definition, module: str) -> str:
    try:
        return definition.label(module)
    except (KeyError, ValueError, TypeError):
        return module
