"""Request schemas of 证书管理: the province's issue/revoke/reissue, the public verify bodies."""
from typing import Annotated, Literal, Optional

from pydantic import Field

from chalicelib.schemas.types import KnownMatterCode, Name, Text, Year
from chalicelib.validation import Schema


class IssueIn(Schema):
    matter_type: KnownMatterCode = Field(title="事项类型")
    year: Year = Field(title="年度")
    decl_ids: Optional[list[Annotated[str, Field(min_length=1, max_length=64)]]] = Field(
        None, title="所选结果（不填则为该事项该年度全部应发证的结果）", min_length=1, max_length=5000)


class ExportIn(Schema):
    """导出 of the province's certificate list, with the list's filters."""
    matter_type: KnownMatterCode = Field(title="事项类型")
    year: Year = Field(title="年度")
    status: Optional[Literal["有效", "已撤销", "已更正"]] = Field(None, title="状态")
    name: Optional[Name] = Field(None, title="姓名", max_length=50)


class RevokeIn(Schema):
    reason: Text = Field(title="撤销原因", min_length=2, max_length=200)


class ReissueIn(Schema):
    reason: Text = Field(title="更正原因", min_length=2, max_length=200)
    holder_name: Optional[Text] = Field(None, title="更正后的姓名", max_length=50)
    unit_name: Optional[Text] = Field(None, title="更正后的工作单位", max_length=100)
    grant: Optional[Text] = Field(None, title="更正后的认定等级/资格级别", max_length=20)


class VerifyIn(Schema):
    number: str = Field(title="证书编号", min_length=1, max_length=40)
    check_code: str = Field(title="查验码", min_length=1, max_length=12)


class VerifyPayloadIn(Schema):
    payload: str = Field(title="二维码内容", min_length=10, max_length=2000)


class VerifyPdfIn(Schema):
    pdf: str = Field(title="证书PDF（Base64）", min_length=8, max_length=2_800_000)

