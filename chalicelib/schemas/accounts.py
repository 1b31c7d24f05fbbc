"""Request schemas for persons, units and agents."""
import re
from typing import Literal, Optional

from pydantic import Field, field_validator

from chalicelib import identifiers as ids
from chalicelib.schemas.types import check_plain
from chalicelib.schemas.types import IdNumber, Name, Phone, RegionCode
from chalicelib.validation import Schema


class PersonProfileIn(Schema):
    name: Name = Field(title="姓名", min_length=1, max_length=50)
    former_name: Optional[Name] = Field(None, title="曾用名", max_length=50)
    id_type: Literal["居民身份证（户口簿）"] = Field(title="证件类型")
    id_number: IdNumber = Field(title="证件号码", min_length=18, max_length=18)
    phone: Phone = Field(title="手机号码", max_length=11)


def _contact_phone(value):
    """A mobile number or a landline with its area code (0432-6200000, 043162000000)."""
    value = ids.normalize(value)
    check_plain(value)
    if value is not None and not ids.is_valid_phone(value) and \
            not re.fullmatch(r"0[1-9][0-9]{1,2}-?[2-9][0-9]{6,7}(-[0-9]{1,6})?", value, re.ASCII):
        raise ValueError("联系电话应为手机号码或带区号的固定电话（如0432-6200000）")
    return value


class ReportingInfoIn(Schema):
    contact_name: Optional[Name] = Field(None, title="报送联系人", max_length=50)
    contact_phone: Optional[str] = Field(None, title="联系电话", max_length=20)
    contact_post: Optional[str] = Field(None, title="联系人职务", max_length=50)
    office_address: Optional[str] = Field(None, title="办公地址", max_length=200)
    personnel_authority: Optional[Literal["省直", "市（州）属", "县（市、区）属"]] = Field(
        None, title="人事管理权限（不填时按单位所在行政区划：省级为省直，市级为市（州）属，县级为县（市、区）属）")

    _check_phone = field_validator("contact_phone")(_contact_phone)


class UnitProfileIn(Schema):
    name: Name = Field(title="单位名称", min_length=1, max_length=100)
    region_code: RegionCode = Field(title="所属行政区划", min_length=6, max_length=6)
    unit_type: Optional[str] = Field(None, title="单位类型", max_length=50)
    industry: Optional[str] = Field(None, title="所属行业", max_length=50)
    address: Optional[str] = Field(None, title="单位地址", max_length=200)
    email: Optional[str] = Field(None, title="单位邮箱", max_length=100,
                                 pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    reporting_info: Optional[ReportingInfoIn] = Field(None, title="人才分类定级报送信息")


class AgentIn(Schema):
    name: Name = Field(title="经办人姓名", min_length=1, max_length=50)
    phone: Phone = Field(title="经办人手机号", max_length=11)
    id_number: Optional[IdNumber] = Field(None, title="经办人身份证号", min_length=18, max_length=18)


class AgentPatch(Schema):
    name: Optional[Name] = Field(None, title="经办人姓名", min_length=1, max_length=50)
    phone: Optional[Phone] = Field(None, title="经办人手机号", max_length=11)
    id_number: Optional[IdNumber] = Field(None, title="经办人身份证号", min_length=18, max_length=18)
    active: Optional[bool] = Field(None, title="是否启用")


class DevTokenIn(Schema):
    login: str = Field(title="演示账号", min_length=1, max_length=50)
