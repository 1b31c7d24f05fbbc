"""统计分析 counters, changed inside the transactions that change a declaration or a review task.

Each hook appends UpdateItem ADD actions to the caller's TransactWrite: one item per scope the
declaration counts in (the province, its region, its unit and every unit above it on the bound
chain: `Declaration.stat_scopes`, fixed at submit), plus one item per scope for the reviewing body
whose backlog changes. A cancelled transaction changes no count; a retried one with the same
ClientRequestToken is applied once.

    hook          where (the transaction)              figures
    on_submit     decisions.submit                     status, level reached, submissions per day
    on_withdraw   decisions.withdraw                   status, level reached
    on_open       machine.open_task                    level reached, backlog (level, body), due day
    on_decide     decisions.decide                     backlog, due day, waiting time, decisions,
                                                       returns, modules marked 有误, status
    on_send       decisions._send_one                  待送审 backlog (level, body)
    on_result     decisions.record_result              backlog, waiting time, status, results

Declarations submitted before statistics existed carry no scopes and are not counted.
"""
from __future__ import annotations

import random

from pynamodb.expressions.operand import Path

from chalicelib import clock, config
from chalicelib.models import status as st
from chalicelib.models.statistics import PROVINCE_SCOPE, StatShard, region_scope, unit_scope

# Waiting time at a level, in hours: bucket i holds waits <= WAIT_EDGES[i] (the last: longer).
WAIT_EDGES = (24, 48, 72, 120, 168, 240, 336, 504, 720)
COMMITTEE = "committee"      # the level after the route: the committee result


def shards_of(scope: str) -> int:
    """The province is written by every change in the province: more shards, fewer conflicts."""
    base = config.COUNTER_SHARDS
    return base * 4 if scope == PROVINCE_SCOPE else base * 2 if scope.startswith("R#") else base


def scopes_of(unit, known: dict | None = None) -> list:
    """The scopes a declaration of `unit` counts in, from our records (the unit, its region and
    its approved superior chain; ≤ 10 GetItems, as routing reads it, none for units in `known`)."""
    from chalicelib import geo
    from chalicelib import identifiers as ids
    from chalicelib.models.accounts import UNIT_KIND_UNIT
    from chalicelib.services.bindings import superior_chain

    scopes = [PROVINCE_SCOPE]
    city = geo.city_of(unit.region_code) or ids.city_region_of(unit.region_code)
    if city:
        scopes.append(region_scope(city))
    scopes.append(unit_scope(unit.credit_code))
    scopes += [unit_scope(u.credit_code) for u in superior_chain(unit, known) if (u.kind or UNIT_KIND_UNIT) == UNIT_KIND_UNIT]
    return list(dict.fromkeys(scopes))


def level_key(meta, level: int) -> str:
    """A route level as counted: the matter's stage key (the committee after the route)."""
    route = meta.route or []
    if level >= len(route):
        return COMMITTEE
    return route[level].get("stage") or f"level{level}"


def wait_bucket(opened_at: str, closed_at: str) -> int:
    hours = (clock.parse_iso(closed_at) - clock.parse_iso(opened_at)).total_seconds() / 3600
    for i, edge in enumerate(WAIT_EDGES):
        if hours <= edge:
            return i
    return len(WAIT_EDGES)


def _day(instant: str | None = None) -> str:
    if instant:
        return clock.parse_iso(instant).astimezone(clock.SHANGHAI).strftime("%Y%m%d")
    return clock.today_local().strftime("%Y%m%d")


def _add(deltas: dict, name: str, delta: int = 1) -> None:
    if delta:
        deltas[name] = deltas.get(name, 0) + delta


def _write(tx, meta, deltas: dict, body: tuple | None = None, body_deltas: dict | None = None) -> None:
    """ADD `deltas` to a random shard of each scope of the declaration (and `body_deltas` to the
    body's shard: in unit scopes always, in the province and region scopes above level 0)."""
    scopes = meta.stat_scopes or []
    if not scopes:
        return
    deltas = {k: v for k, v in deltas.items() if v}
    body_deltas = {k: v for k, v in (body_deltas or {}).items() if v}
    for scope in scopes:
        if deltas:
            pk, sk = StatShard.shard_key(scope, meta.matter_type, meta.year, random.randrange(shards_of(scope)))
            tx.update(StatShard(pk=pk, sk=sk), actions=_actions(scope, meta, deltas))
        if body and body_deltas and (scope.startswith("U#") or body[2] > 0):
            code, name, level, stage = body
            pk, sk = StatShard.body_key(scope, meta.matter_type, meta.year, code,
                                        random.randrange(config.COUNTER_SHARDS))
            tx.update(StatShard(pk=pk, sk=sk), actions=_actions(scope, meta, body_deltas) + [
                Path(["body"]).set(code), Path(["body_name"]).set(name), Path(["stage"]).set(stage)])


def _actions(scope: str, meta, deltas: dict) -> list:
    return [Path([name]).add(delta) for name, delta in sorted(deltas.items())] + [
        StatShard.scope.set(scope), StatShard.matter.set(meta.matter_type), StatShard.year.set(meta.year),
        Path(["type"]).set("StatShard")]


def _body(meta, task) -> tuple:
    return task.unit_code, task.unit_name, task.level, level_key(meta, task.level)


# --- hooks -------------------------------------------------------------------------------------

def on_submit(tx, meta, previous_status: str, previous_reached: int | None) -> None:
    """提交 (meta already carries the new round): counted 已申报 from now, at level 0."""
    deltas: dict = {}
    _add(deltas, f"status|{st.SUBMITTED}")
    _add(deltas, f"reached|{level_key(meta, 0)}")
    _add(deltas, f"sub|{_day()}")
    if previous_status == st.RETURNED:
        _add(deltas, f"status|{st.RETURNED}", -1)
        _add(deltas, f"reached|{level_key(meta, previous_reached or 0)}", -1)
    _write(tx, meta, deltas)


def on_withdraw(tx, meta) -> None:
    """撤销流程: a returned declaration goes back to draft and leaves the counts."""
    _write(tx, meta, {f"status|{st.RETURNED}": -1,
                      f"reached|{level_key(meta, meta.reached_level or 0)}": -1})


def on_open(tx, meta, task) -> None:
    """A level's task opens: backlog at the level and its body, due on its deadline's day."""
    stage = level_key(meta, task.level)
    deltas = {f"open|{stage}": 1}
    body = {"open": 1}
    if task.due_at:
        deltas[f"due|{stage}|{_day(task.due_at)}"] = 1
        body[f"due|{_day(task.due_at)}"] = 1
    old = meta.reached_level or 0
    if task.level > old:
        _add(deltas, f"reached|{level_key(meta, old)}", -1)
        _add(deltas, f"reached|{stage}")
    _write(tx, meta, deltas, _body(meta, task), body)


def on_decide(tx, meta, task, outcome: str, marks: dict, target, needs_send: bool, now: str) -> None:
    """审核通过 / 退回修改 / 终止审核 at a level (task: as read, still open)."""
    stage = level_key(meta, task.level)
    deltas = {f"open|{stage}": -1, f"decided|{stage}": 1,
              f"wait|{stage}|{wait_bucket(task.opened_at, now)}": 1}
    body = {"open": -1}
    if task.due_at:
        deltas[f"due|{stage}|{_day(task.due_at)}"] = -1
        body[f"due|{_day(task.due_at)}"] = -1
    if needs_send:
        deltas[f"tosend|{stage}"] = 1
        body["tosend"] = 1
    if outcome == "return":
        deltas[f"returned|{stage}"] = 1
    for module, mark in sorted((marks or {}).items()):
        if mark == "wrong":
            deltas[f"wrong|{module}"] = 1
    if outcome == "return" and target == "applicant":
        _add(deltas, f"status|{st.SUBMITTED}", -1)
        _add(deltas, f"status|{st.RETURNED}")
    elif outcome == "terminate":
        _add(deltas, f"status|{st.SUBMITTED}", -1)
        _add(deltas, f"status|{st.TERMINATED}")
    _write(tx, meta, deltas, _body(meta, task), body)


def on_send(tx, meta, task) -> None:
    """送审: the level's 待送审 backlog goes down."""
    _write(tx, meta, {f"tosend|{level_key(meta, task.level)}": -1}, _body(meta, task), {"tosend": -1})


def on_result(tx, meta, task, status: str, result: str, level: str | None, now: str) -> None:
    """评委会结果: the committee's backlog, its waiting time, the status and the result (by the
    granted level and, in every scope, by the declaration's region)."""
    stage = level_key(meta, task.level)
    deltas = {f"open|{stage}": -1, f"decided|{stage}": 1,
              f"wait|{stage}|{wait_bucket(task.opened_at, now)}": 1,
              f"status|{st.SUBMITTED}": -1, f"status|{status}": 1,
              f"result|{result}|{level or ''}": 1}
    region = next((s[2:] for s in meta.stat_scopes or [] if s.startswith("R#")), "")
    deltas[f"region|{region}|{result}"] = 1
    _write(tx, meta, deltas, _body(meta, task), {"open": -1})
