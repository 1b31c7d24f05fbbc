"""The daily snapshot of what a counter cannot answer later: how many files waited and how many
were overdue at each day's end (the trend chart). Written by the hourly sweep (functions/reminders.py):
each run overwrites today's item, so the last run of a day is that day's figure.

Bounded: one Query per (scope, matter) for the province and its nine 市州 over the served matters of
the current year, and a PutItem only where something is counted. Unit scopes are not snapshotted
(their number grows with the units; their pages show today's counts without the trend).
"""
from __future__ import annotations

from chalicelib import clock, geo
from chalicelib.models.base import db_errors
from chalicelib.models.statistics import PROVINCE_SCOPE, StatShard, region_scope
from chalicelib.services.statistics.figures import read_partition


def _open_and_overdue(totals: dict, today: str) -> tuple:
    open_ = sum(n for k, n in totals.items() if k.startswith("open|"))
    overdue = sum(n for k, n in totals.items() if k.startswith("due|") and k.rsplit("|", 1)[1] < today)
    return open_, overdue


def take(year: str | None = None) -> dict:
    from chalicelib.matters import registry

    today = clock.today_local().strftime("%Y%m%d")
    year = year or str(clock.today_local().year)
    scopes = [PROVINCE_SCOPE] + [region_scope(c["code"]) for c in geo.cities()]
    written = 0
    for matter in registry.REGISTRY.codes():
        for scope in scopes:
            with db_errors():
                totals, _bodies, _days, _reads = read_partition(scope, matter, year)
            if not any(totals.values()):
                continue
            open_, overdue = _open_and_overdue(totals, today)
            pk, sk = StatShard.day_key(scope, matter, year, today)
            with db_errors():
                StatShard._get_connection().put_item(pk, sk, attributes={
                    "type": {"S": "StatShard"}, "scope": {"S": scope}, "matter": {"S": matter},
                    "year": {"S": year}, "open": {"N": str(open_)}, "overdue": {"N": str(overdue)}})
            written += 1
    return {"snapshots": written}

