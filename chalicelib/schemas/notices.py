"""Request schemas for notices and binding actions."""
import datetime as dt
from typing import List, Literal, Optional

from pydantic import Field, field_validator, model_validator

from chalicelib.matters import MATTER_CODES
from chalicelib.schemas.files import FileSlotIn
from chalicelib.schemas.types import CreditCode
from chalicelib.validation import Schema


# An attachment of the notice as the office lists it: `key` names a file the server stored for this
# notice after a verified upload (POST /admin/notices/{id}/files → complete); a key the server did
# not make is refused (chalicelib.services.notices).
class NoticeFileIn(Schema):
    name: str = Field(title="附件名称", min_length=1, max_length=200)
    key: Optional[str] = Field(None, title="附件", max_length=300)


class NoticeIn(Schema):
    title: str = Field(title="通知标题", min_length=1, max_length=200)
    matter_type: str = Field(title="事项类型", max_length=50, json_schema_extra={"enum": list(MATTER_CODES)})
    year: int = Field(title="年度", ge=2000, le=2100)
    source: str = Field(title="发布来源", min_length=1, max_length=100)
    body: str = Field(title="通知内容", min_length=1, max_length=20000)
    files: Optional[List[NoticeFileIn]] = Field(None, title="附件", max_length=10)   # omitted: kept as they are
    opens_at: dt.datetime = Field(title="申报开始时间")
    closes_at: dt.datetime = Field(title="申报截止时间")

    @field_validator("matter_type")
    @classmethod
    def _served_matter(cls, value):
        """Only a matter the platform serves (its definition enabled) may get a notice."""
        if value not in MATTER_CODES:
            raise ValueError("事项类型不存在或尚未开放")
        return value

    @model_validator(mode="after")
    def _check(self):
        if self.opens_at.tzinfo is None or self.closes_at.tzinfo is None:
            raise ValueError("申报起止时间须带时区，例如2026-12-01T00:00:00+08:00")
        if self.closes_at <= self.opens_at:
            raise ValueError("申报截止时间应晚于开始时间")
        return self


class BindingRequestIn(Schema):
    credit_code: CreditCode = Field(title="统一社会信用代码", min_length=18, max_length=18)


class BindingDecisionIn(Schema):
    decision: Literal["approve", "end"] = Field(title="审核结果")
    opinion: Optional[str] = Field(None, title="审核意见", max_length=500)


class NoticeFileSlotIn(FileSlotIn):
    pass


class NoticeFileDoneIn(Schema):
    file_name: str = Field(title="文件名", min_length=1, max_length=200)
    content_type: str = Field(title="文件类型", min_length=1, max_length=100)
