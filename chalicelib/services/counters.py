"""Maintained workbench counts: changed inside the caller's transaction, read with one Query."""
import random

from pynamodb.expressions.operand import Path

from chalicelib import config
from chalicelib.clock import today_local
from chalicelib.models.counters import CounterShard

# Matter keys: the binding matters of the workbench, and declaration matter types by code.
BIND_PERSON = "BIND_PERSON"    # 个人绑定推荐单位
BIND_UNIT = "BIND_UNIT"        # 单位绑定上级单位
COUNT_NAMES = ("pending", "to_send", "returned", "done_total")


def add(tx, unit_code: str, year: str, matter: str, **deltas: int) -> None:
    """Add deltas (e.g. pending=-1, done=1) to a random shard, in the caller's transaction.

    `done=1` bumps both done_total and today's done_<yyyymmdd>.
    """
    actions = []
    for name, delta in deltas.items():
        if not delta:
            continue
        if name == "done":
            actions.append(Path("done_total").add(delta))
            actions.append(Path(CounterShard.day_attribute(today_local())).add(delta))
        else:
            actions.append(Path(name).add(delta))
    if not actions:
        return
    pk, sk = CounterShard.key(unit_code, year, matter, random.randrange(config.COUNTER_SHARDS))
    shard = CounterShard(pk=pk, sk=sk)
    actions += [CounterShard.unit_code.set(unit_code), CounterShard.year.set(year),
                CounterShard.matter.set(matter), Path("type").set("CounterShard")]
    tx.update(shard, actions=actions)


def read(unit_code: str, year: str) -> dict:
    """All counts of a unit for a year: {matter: {pending, to_send, returned, today, done_total}}.

    One Query over the unit-year partition (every matter, every shard).
    """
    today_attr = CounterShard.day_attribute(today_local())
    totals: dict = {}
    pk = CounterShard.partition(unit_code, year)
    kwargs = {}
    while True:
        page = CounterShard._get_connection().query(pk, **kwargs)  # raw items: dynamic day attrs
        for item in page.get("Items", []):
            matter = CounterShard.matter_of(item["SK"]["S"])
            counts = totals.setdefault(matter, {n: 0 for n in COUNT_NAMES} | {"today": 0})
            for name in COUNT_NAMES:
                counts[name] += int(item.get(name, {}).get("N", "0"))
            counts["today"] += int(item.get(today_attr, {}).get("N", "0"))
        if "LastEvaluatedKey" not in page:
            return totals
        kwargs["exclusive_start_key"] = page["LastEvaluatedKey"]
