"""Query-string schemas: list filters are validated like bodies (chalicelib.web.route(query=...)),
and the OpenAPI document lists them from these same classes.

Query values arrive as strings; an empty value counts as absent (its default applies). Unknown
query parameters are ignored (caches and browsers add their own). `limit` stays text here: the
page size is checked by chalicelib.pagination.page_size with its own 400 (BAD_PAGE_SIZE).
"""
from typing import Literal, Optional

from pydantic import ConfigDict, Field

from chalicelib.schemas.console import ResultFilterFields
from chalicelib.schemas.types import DEFAULT_MATTER, KnownMatterCode, MatterCode, Name, Year
from chalicelib.validation import Schema


class Query(Schema):
    model_config = ConfigDict(extra="ignore")


class PageQuery(Query):
    cursor: Optional[str] = Field(None, title="分页游标", max_length=2000)
    limit: Optional[str] = Field(None, title="每页条数", max_length=10)


class BindingRequestsQuery(PageQuery):
    kind: str = Field("person", title="申请类型", max_length=20)
    state: str = Field("pending", title="办理状态", max_length=20)


class NoticesQuery(PageQuery):
    matter_type: MatterCode = Field(DEFAULT_MATTER, title="事项类型")
    year: Optional[Year] = Field(None, title="年度")


class YearQuery(Query):
    year: Optional[Year] = Field(None, title="年度")


class WorkbenchQuery(YearQuery):
    pass


class DownloadQuery(Query):
    thumbnail: Optional[str] = Field(None, title="缩略图（1）", max_length=1)


class ReviewListQuery(PageQuery):
    bucket: Literal["pending", "to_send", "done", "returned"] = Field("pending", title="列表")
    matter_type: KnownMatterCode = Field(DEFAULT_MATTER, title="事项类型")
    year: Optional[Year] = Field(None, title="年度")
    name: Optional[Name] = Field(None, title="姓名", max_length=50)


class ResultListQuery(PageQuery, ResultFilterFields):
    model_config = ConfigDict(extra="ignore")      # the last base's config would forbid extras


# 统计分析 (GET /statistics, GET /statistics/export)
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


class CertificateListQuery(PageQuery):
    """证书管理: the province's list of a matter's certificates for a year."""
    matter_type: KnownMatterCode = Field(title="事项类型")
    year: Year = Field(title="年度")
    status: Optional[Literal["有效", "已撤销", "已更正"]] = Field(None, title="状态")
    name: Optional[Name] = Field(None, title="姓名", max_length=50)
