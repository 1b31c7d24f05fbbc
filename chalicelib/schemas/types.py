"""The shared string types of every request schema (issue 16 items 2 and 5).

- Text: every string a request carries, at any depth (free module content included), is refused
  when it holds an unpaired surrogate ("\\ud800" decodes from JSON but cannot be encoded as UTF-8:
  it broke the 申报表 for the owner and every reviewer), a control character other than tab and
  line breaks, a bidirectional override/isolate (text that displays differently from what it is)
  or a Unicode non-character. `chalicelib.validation.Schema` applies `check_text` to every field,
  so a schema cannot forget it.
- IdNumber, CreditCode, Phone, RegionCode: identifiers are NFKC-normalised (full-width ２ → 2) and
  upper-cased *before* validation, so the value that is validated is the value that is stored and
  keyed; whatever is still not ASCII afterwards (Arabic-Indic ٢ …) is refused by the validators.

Nothing here imports pydantic models or the validation module (which imports this one).
"""
import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

from chalicelib import identifiers as ids

# C0/C1 controls except \t \n \r, surrogates (only unpaired ones survive JSON decoding into a str),
# bidi embeddings/overrides/isolates, and the non-characters U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
TEXT_MESSAGE = "含有无效字符或不可见的控制字符，请删除后重新输入"


def bad_text(value: str) -> bool:
    return _FORBIDDEN.search(value) is not None


def check_text(value):
    """Refuse a string with a forbidden character; walk lists and objects (free content)."""
    if isinstance(value, str):
        if bad_text(value):
            raise ValueError(TEXT_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key)
            check_text(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_text(item)
    return value


Text = Annotated[str, AfterValidator(check_text)]


def _id_number(value: str) -> str:
    if not ids.is_valid_id_number(value):
        raise ValueError("证件号码校验不通过，请核对")
    return value


def _credit_code(value: str) -> str:
    if not ids.is_valid_credit_code(value):
        raise ValueError("统一社会信用代码校验不通过，请核对")
    return value


def _phone(value: str) -> str:
    if not ids.is_valid_phone(value):
        raise ValueError("手机号码格式不正确")
    return value


def _region(value: str) -> str:
    if not ids.is_valid_region_code(value):
        raise ValueError("所属行政区划应为6位行政区划代码")
    return value


_normalized = BeforeValidator(ids.normalize)
IdNumber = Annotated[str, _normalized, AfterValidator(_id_number)]
CreditCode = Annotated[str, _normalized, AfterValidator(_credit_code)]
Phone = Annotated[str, _normalized, AfterValidator(_phone)]
RegionCode = Annotated[str, _normalized, AfterValidator(_region)]


def _matter_code(value: str) -> str:
    from chalicelib.matters import MATTER_CODES   # deferred: the registry loads the definitions

    if value not in MATTER_CODES:
        raise ValueError("事项类型不存在或尚未开放")
    return value


def _matter_codes_schema(schema: dict) -> None:
    from chalicelib.matters import MATTER_CODES

    schema["enum"] = list(MATTER_CODES)


# A matter code the platform serves (chalicelib/matters/*.json with "enabled" true).
MatterType = Annotated[str, AfterValidator(_matter_code)]
MATTER_TYPE_SCHEMA = _matter_codes_schema


def result_state_of(matter_type: str, result):
    """评定状态 filter: one of the matter's own result labels (未认定/未评审, 通过, 未通过)."""
    if result is None:
        return result
    from chalicelib.matters import definition

    allowed = definition.get(matter_type).raw["review"]["results"]
    if result not in allowed:
        raise ValueError(f"评定状态应为{'、'.join(allowed)}之一")
    return result
