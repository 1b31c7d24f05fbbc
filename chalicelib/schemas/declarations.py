"""Request schemas for declarations. Module content is validated against the matter
definition (chalicelib/matters), not here, because its shape is data."""
from typing import Any, Literal, Optional, Union

from pydantic import Field

from chalicelib.schemas.files import MAX_FILE_BYTES, FileSlotIn
from chalicelib.schemas.types import DEFAULT_MATTER, CreditCode, KnownMatterCode, Year
from chalicelib.validation import Schema


class DeclarationStartIn(Schema):
    notice_id: str = Field(title="申报通知", min_length=1, max_length=64)
    unit_code: Optional[CreditCode] = Field(None, title="推荐单位（统一社会信用代码；不填为已绑定的推荐单位）")
    confirmed: bool = Field(False, title="已阅读申报注意事项并确认开始申报（有条件自检的事项必填）")


class ModuleContentIn(Schema):
    content: Any = Field(title="模块内容")


class EntryIn(Schema):
    entry: dict = Field(title="条目")


class PledgeIn(Schema):
    accepted: Literal[True] = Field(title="诚信承诺")


class UploadSlotIn(Schema):
    category: str = Field(title="附件类别", min_length=1, max_length=40)
    entry_id: Optional[str] = Field(None, title="所属条目", max_length=40)
    slot: Optional[str] = Field(None, title="附件位置", max_length=10)
    file_name: str = Field(title="文件名", min_length=1, max_length=200)
    content_type: str = Field(title="文件类型", min_length=1, max_length=100)
    size: int = Field(title="文件大小", ge=1, le=MAX_FILE_BYTES)


class ReuseIn(Schema):
    source_decl_id: str = Field(title="以前的申报", min_length=1, max_length=64)
    attachment_id: str = Field(title="以前上传并通过核验的附件", min_length=1, max_length=40)


class DecisionIn(Schema):
    outcome: Literal["pass", "return", "terminate"] = Field(title="审核结果")
    marks: dict[str, Literal["correct", "wrong"]] = Field(title="信息是否有误")
    problem_modules: Optional[list[str]] = Field(None, title="问题模块", max_length=20)
    return_to: Optional[Union[Literal["applicant"], int]] = Field(None, title="退回目标")
    opinion: Optional[str] = Field(None, title="审核意见", max_length=500)


class SendIn(Schema):
    decl_ids: list[str] = Field(title="送审申报", min_length=1, max_length=100)


class ResultIn(Schema):
    result: str = Field(title="评定状态（该事项评委会可录入的评定状态之一）", min_length=1, max_length=10)
    level: Optional[str] = Field(None, title="评审后评定级别", max_length=10)


class OpinionIn(Schema):
    text: str = Field(title="常用意见", min_length=1, max_length=500)


class ReportSlotIn(FileSlotIn):
    pass


class ExportIn(Schema):
    matter_type: KnownMatterCode = Field(DEFAULT_MATTER, title="事项类型")
    unit: Optional[CreditCode] = Field(None, title="推荐单位（省人社厅可选）", min_length=18, max_length=18)
    year: Year = Field(title="年度", min_length=4, max_length=4)
    result: Optional[str] = Field(None, title="评定状态", max_length=10)
    level: Optional[str] = Field(None, title="评审后评定级别", max_length=10)


class SelectionIn(Schema):
    decl_ids: list[str] = Field(title="所选申报", min_length=1, max_length=500)
