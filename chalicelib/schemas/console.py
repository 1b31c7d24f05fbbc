"""Request schemas of the reviewers' console searches and exports. Personal identifiers (证件号码)
travel in these bodies, never in a URL."""
from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from chalicelib.schemas.types import (DEFAULT_MATTER, KnownMatterCode, Name, SearchCode, SearchIdNumber, Year,
                                      result_state_of)
from chalicelib.validation import Schema


class ReviewSearchIn(Schema):
    bucket: Literal["pending", "to_send", "done", "returned"] = Field("pending", title="列表")
    matter_type: KnownMatterCode = Field(DEFAULT_MATTER, title="事项类型")
    year: Optional[Year] = Field(None, title="年度")
    name: Optional[Name] = Field(None, title="姓名", max_length=50)
    id_number: Optional[SearchIdNumber] = Field(None, title="证件号码", max_length=18)
    cursor: Optional[str] = Field(None, title="分页游标", max_length=2000)
    limit: Optional[int] = Field(None, title="每页条数", ge=1, le=100)


class ResultFilterFields(Schema):
    """The filters of 评审结果 that may travel in a query string (GET /results: no personal data);
    the search and export bodies add the others."""
    matter_type: KnownMatterCode = Field(DEFAULT_MATTER, title="事项类型")
    year: Optional[Year] = Field(None, title="年度")
    result: Optional[str] = Field(None, title="评定状态（该事项的评定状态之一）",
                                  max_length=10)
    level: Optional[Name] = Field(None, title="评审后评定级别", max_length=10)
    unit: Optional[SearchCode] = Field(None, title="推荐单位", max_length=18)

    @model_validator(mode="after")
    def _result_of_matter(self):
        result_state_of(self.matter_type, self.result)
        return self


class ResultFiltersIn(ResultFilterFields):
    city: Optional[str] = Field(None, title="市（州）", pattern=r"^\d{6}$")
    name: Optional[Name] = Field(None, title="姓名", max_length=50)
    id_number: Optional[SearchIdNumber] = Field(None, title="证件号码", max_length=18)
    applied_level: Optional[Name] = Field(None, title="申请评定级别", max_length=10)
    talent_category: Optional[Name] = Field(None, title="人才认定分类", max_length=100)


class ResultSearchIn(ResultFiltersIn):
    cursor: Optional[str] = Field(None, title="分页游标", max_length=2000)
    limit: Optional[int] = Field(None, title="每页条数", ge=1, le=100)


class ResultExportIn(ResultFiltersIn):
    decl_ids: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(None, title="所选申报（不填则导出全部查询结果）", min_length=1,
                                          max_length=500)
