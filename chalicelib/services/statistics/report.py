"""统计分析: the figures of a scope (GET /statistics) and their tables as a spreadsheet
(GET /statistics/export: written to the attachments bucket, handed back as a short-lived link).

Reads per request: the scope check (province: none; a city bureau: 1 GetItem; a unit: 1 GetItem,
plus ≤ 10 up the chain for a unit below it) and one Query over the scope's counter partition.
"""
from __future__ import annotations

from chalicelib import clock
from chalicelib.identity import Principal
from chalicelib.services.statistics import access, figures

LINK_SECONDS = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _definition(matter: str):
    from chalicelib.matters import registry

    return registry.get(matter, include_disabled=True)


def read(principal: Principal, matter: str, year: str | None, scope: str | None) -> dict:
    scope_ = access.resolve(principal, scope)
    definition = _definition(matter)
    year = year or str(clock.today_local().year)
    totals, bodies, days, reads = figures.read_partition(scope_["key"], matter, year)
    fig = figures.compute(definition, scope_, matter, year, totals, bodies, days)
    fig["tables"] = [{"key": k, "title": t, "columns": list(c), "rows": [list(r) for r in rows]}
                     for k, t, c, rows in tables(fig)]
    return {**fig, "reads": reads}


def _days(d) -> str:
    return "" if d is None else d


def tables(fig: dict) -> list:
    """(key, title, columns, rows) of every chart: what the console shows beside each chart."""
    edges = fig["wait_edges_hours"]
    bucket_names = [f"≤{e // 24}天" if e % 24 == 0 else f"≤{e}小时" for e in edges] + [f">{edges[-1] // 24}天"]
    return [
        ("status", "申报状态", ("状态", "申报数"), [(r["label"], r["count"]) for r in fig["status"]]),
        ("reached", "到达层级", ("审核层级", "申报数"), [(r["label"], r["count"]) for r in fig["reached"]]),
        ("submissions", "每日提交", ("日期", "提交数"), [(r["date"], r["count"]) for r in fig["submissions"]]),
        ("backlog", "各层级积压与超期", ("审核层级", "待审核", "待送审", "已超期"),
         [(r["label"], r["open"], r["to_send"], r["overdue"]) for r in fig["backlog"]]),
        ("bodies", "各审核单位积压与超期", ("审核单位", "审核层级", "待审核", "待送审", "已超期"),
         [(r["name"], r["label"], r["open"], r["to_send"], r["overdue"]) for r in fig["bodies"]]),
        ("waiting", "各层级等待时间", ("审核层级", "已办结", "中位数（天）", "90%分位（天）", *bucket_names),
         [(r["label"], r["count"], _days(r["median_days"]), _days(r["p90_days"]), *r["buckets"])
          for r in fig["waiting"]]),
        ("returns", "各层级退回率", ("审核层级", "审核数", "退回数", "退回率"),
         [(r["label"], r["decided"], r["returned"], "" if r["rate"] is None else f"{r['rate']:.1%}")
          for r in fig["returns"]]),
        ("wrong_modules", "被标记信息有误的模块", ("模块", "次数"),
         [(r["label"], r["count"]) for r in fig["wrong_modules"]]),
        ("results", "评审结果（按评定级别）", ("评定状态", "评审后评定级别", "人数"),
         [(r["result"], r["level"] or "", r["count"]) for r in fig["results"]]),
        ("results_by_region", "评审结果（按地区）", ("地区", "评定状态", "人数"),
         [(r["region_name"], r["result"], r["count"]) for r in fig["results_by_region"]]),
        ("trend", "每日积压与超期（快照）", ("日期", "待审核", "已超期"),
         [(r["date"], r["open"], r["overdue"]) for r in fig["trend"]]),
    ]


CHARTS = ("status", "reached", "submissions", "backlog", "bodies", "waiting", "returns", "wrong_modules",
          "results", "results_by_region", "trend")


def export(principal: Principal, matter: str, year: str | None, scope: str | None, chart: str | None) -> dict:
    """The tables (one chart's, or all) as an XLSX; answers a link valid LINK_SECONDS."""
    import os
    import tempfile
    import uuid

    import xlsxwriter

    from chalicelib import aws, config, storage
    from chalicelib.documents.spreadsheets import neutralize, write_cell

    fig = read(principal, matter, year, scope)
    chosen = [(t["key"], t["title"], t["columns"], t["rows"]) for t in fig["tables"] if chart in (None, t["key"])]
    title = f"{fig['matter_label']} {fig['year']}年 统计分析（{fig['scope']['name']}，截至{fig['as_of']}）"
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        book = xlsxwriter.Workbook(path)
        head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        for key, sheet_title, columns, rows in chosen:
            ws = book.add_worksheet(sheet_title[:31])
            ws.write_string(0, 0, neutralize(title))
            for col, name in enumerate(columns):
                ws.write_string(1, col, neutralize(name), head)
                ws.set_column(col, col, 16)
            for r, row in enumerate(rows, start=2):
                for col, value in enumerate(row):
                    write_cell(ws, r, col, value)
        book.close()
        key = f"exports/statistics/{uuid.uuid4().hex}.xlsx"
        aws.s3().upload_file(path, config.ATTACHMENTS_BUCKET, key)
    finally:
        os.unlink(path)
    name = f"统计分析-{fig['matter_label']}-{fig['year']}{'-' + chosen[0][1] if chart else ''}.xlsx"
    return {"url": storage.download_url(key, LINK_SECONDS, XLSX, name), "file_name": name,
            "expires_in": LINK_SECONDS}
