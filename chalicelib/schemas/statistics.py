"""Query strings of 统计分析 (GET /statistics, GET /statistics/export)."""
from typing import Literal, Optional

from pydantic import Field

from chalicelib.schemas.queries import Query
from chalicelib.schemas.types import DEFAULT_MATTER, KnownMatterCode, Year

CHARTS = Literal["status", "reached", "submissions", "backlog", "bodies", "waiting", "returns", "wrong_modules",
                 "results", "results_by_region", "trend"]


class StatisticsQuery(Query):
    matter: KnownMatterCode = Field(DEFAULT_MATTER, title="事项类型")
    year: Optional[Year] = Field(None, title="年度")
    scope: Optional[str] = Field(None, title="统计范围", max_length=40,
                                 description="province、region:<市州行政区划代码> 或 unit:<统一社会信用代码>；"
                                             "默认为本账号的范围")


class StatisticsExportQuery(StatisticsQuery):
    chart: Optional[CHARTS] = Field(None, title="图表", description="只导出该图表的表格；不填导出全部")
