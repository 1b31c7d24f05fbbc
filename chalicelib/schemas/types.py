"""The shared string types of every request schema (issue 16 items 2 and 5).

- Text: every string a request carries, at any depth (free module content included), is refused
  when it holds an unpaired surrogate ("\\ud800" decodes from JSON but cannot be encoded as UTF-8:
  it broke the 申报表 for the owner and every reviewer), a control character other than tab and
  line breaks, a bidirectional override/isolate (text that displays differently from what it is)
  or a Unicode non-character (the rule is chalicelib/text.py). `chalicelib.validation.Schema` applies
  `check_text` to every field, so a schema cannot forget it.
- IdNumber, CreditCode, Phone, RegionCode: identifiers are NFKC-normalised (full-width ２ → 2) and
  upper-cased *before* validation, so the value that is validated is the value that is stored and
  keyed; whatever is still not ASCII afterwards (Arabic-Indic ٢ …) is refused by the validators.

Nothing here imports pydantic models or the validation module.
"""
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from chalicelib import identifiers as ids
from chalicelib.text import TEXT_MESSAGE, bad_text, check_plain, check_text  # noqa: F401  (re-exported)
from chalicelib.matters import MATTER_CODES, TALENT_GRADING
from chalicelib.matters.registry import REGISTRY

Text = Annotated[str, AfterValidator(check_text)]
# A name (a person's, a unit's, an agent's, a contact's) or a search input: compared and searched, so
# no invisible character either (issue 28 item 4; the rule and why refuse: chalicelib/text.py).
Name = Annotated[str, AfterValidator(check_plain)]


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


def _search_id_number(value: str) -> str:
    if value and not (value.isascii() and value.isalnum() and value[:-1].isdigit()):
        raise ValueError("证件号码应为数字（末位可为X）")
    return value


def _normalize(value):
    """ids.normalize, then no invisible character: one gets its own message, before the length or
    the checksum is judged ("长度不能超过18个字" for 18 visible digits would puzzle anyone)."""
    return check_plain(ids.normalize(value))


_normalized = BeforeValidator(_normalize)
IdNumber = Annotated[str, _normalized, AfterValidator(_id_number)]
CreditCode = Annotated[str, _normalized, AfterValidator(_credit_code)]
Phone = Annotated[str, _normalized, AfterValidator(_phone)]
RegionCode = Annotated[str, _normalized, AfterValidator(_region)]
# 证件号码 as a search types it (POST /reviews/search, /results/search): the writes' normalisation
# exactly (NFKC + upper case: a full-width number finds the row, issue 28 item 5), the same refusal
# of what NFKC leaves non-ASCII; no checksum (a search for a number nobody holds finds nothing).
SearchIdNumber = Annotated[str, _normalized, AfterValidator(_search_id_number)]
SearchCode = Annotated[str, _normalized]     # a credit code typed into a filter


# --- the year and the matter code: one validator each, used by every schema (bodies and queries) ---

YEAR_MESSAGE = "应为四位数字"    # shown as "年度：应为四位数字"


def check_year(value: str) -> str:
    """A 4-digit ASCII year (a full-width or Arabic-Indic digit passes `\\d` and int(): refused)."""
    if not (len(value) == 4 and value.isascii() and value.isdigit()):
        raise ValueError(YEAR_MESSAGE)
    return value


Year = Annotated[str, AfterValidator(check_year), WithJsonSchema({"type": "string", "pattern": r"^\d{4}$"})]


MATTER_MESSAGE = "不存在或尚未开放"   # shown as "事项类型：不存在或尚未开放"


def check_matter_code(value: str) -> str:
    """A matter the platform serves (chalicelib/matters/*.json with "enabled" true). Read at call time,
    not frozen at import, so a registry built from another folder (a matter defined only in a test)
    is served without a code change."""
    from chalicelib import matters

    if value not in matters.MATTER_CODES:
        raise ValueError(MATTER_MESSAGE)
    return value


# The matter-code type of the declaring schemas (notices, new declarations); the OpenAPI document
# lists the shipped served matters as its enum.
MatterCode = Annotated[str, AfterValidator(check_matter_code),
                       WithJsonSchema({"type": "string", "enum": list(MATTER_CODES)})]


KNOWN_MATTER_MESSAGE = "不存在"   # shown as "事项类型：不存在"


def check_known_matter_code(value: str) -> str:
    """A matter the registry defines, served or closed ("enabled": false): the reviewing paths (review
    lists, results, exports) keep the declarations already made under a matter the province has since
    closed; declaring paths (notices, new declarations) take MatterCode. Read at call time too."""
    from chalicelib.matters import registry

    if value not in registry.REGISTRY.codes(include_disabled=True):
        raise ValueError(KNOWN_MATTER_MESSAGE)
    return value


KnownMatterCode = Annotated[str, AfterValidator(check_known_matter_code),
                            WithJsonSchema({"type": "string", "enum": list(REGISTRY.codes(include_disabled=True))})]
DEFAULT_MATTER = TALENT_GRADING   # the matter a list shows when none is chosen


def result_state_of(matter_type: str, result):
    """评定状态 filter: one of the matter's own result words (pending, passed, failed, others); a closed matter's
    declarations keep their results, so its labels are read too."""
    if result is None:
        return result
    from chalicelib.matters import registry

    allowed = registry.result_words(matter_type).all
    if result not in allowed:
        raise ValueError(f"评定状态应为{'、'.join(allowed)}之一")
    return result
