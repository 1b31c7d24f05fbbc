"""Request validation with pydantic: bad input is refused whole, in Chinese, before any write.

Every request schema forbids unknown fields and bounds every string. `parse` turns pydantic's
errors into one ValidationFailed listing each problem with the field's Chinese title.
"""
import json
import re
from typing import Type, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from chalicelib.errors import BadRequest, ValidationFailed
from chalicelib.text import check_text

T = TypeVar("T", bound=BaseModel)

MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32          # JSON nesting a request may carry; the deepest schema needs 5


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=False,
                              validate_default=False)

    # The shared string type (chalicelib/schemas/types.Text) for every field of every schema, at
    # any depth: no unpaired surrogates, control characters or bidi overrides get stored.
    _text = field_validator("*", mode="after")(check_text)


_MESSAGES = {
    "missing": "必须填写",
    "extra_forbidden": "不是可接受的字段",
    "string_too_long": "长度不能超过{max_length}个字",
    "string_too_short": "长度不能少于{min_length}个字",
    "too_long": "最多{max_length}项",
    "too_short": "至少{min_length}项",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "date_from_datetime_parsing": "日期格式应为YYYY-MM-DD",
    "date_parsing": "日期格式应为YYYY-MM-DD",
    "date_type": "日期格式应为YYYY-MM-DD",
    "datetime_parsing": "时间格式有误",
    "datetime_type": "时间格式有误",
    "literal_error": "取值不在可选范围内",
    "enum": "取值不在可选范围内",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "string_pattern_mismatch": "格式不正确",
}


def _field_title(model: Type[BaseModel], loc: tuple) -> str:
    names = []
    current = model
    for part in loc:
        if isinstance(part, int):
            names.append(f"第{part + 1}项")
            continue
        field = getattr(current, "model_fields", {}).get(part) if current else None
        names.append((field.title if field and field.title else str(part)))
        annotation = field.annotation if field else None
        current = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return "·".join(names) or "请求"


def _message(error: dict) -> str:
    if error["type"] == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    template = _MESSAGES.get(error["type"])
    if template:
        try:
            return template.format(**error.get("ctx", {}))
        except (KeyError, IndexError):
            return template
    return "格式不正确"


def errors_of(model: Type[BaseModel], exc: ValidationError) -> list:
    return [{"field": ".".join(str(p) for p in e["loc"]),
             "message": f"{_field_title(model, e['loc'])}：{_message(e)}"} for e in exc.errors()]


def parse(model: Type[T], data) -> T:
    """Validate a decoded JSON value against a schema, or raise ValidationFailed."""
    if not isinstance(data, dict):
        raise BadRequest("请求内容应为JSON对象", code="BODY_NOT_OBJECT")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = errors_of(model, exc)
        raise ValidationFailed("；".join(d["message"] for d in details[:5]), details=details)


# One token per string literal (escapes included) or bracket: strings are skipped whole, so a
# bracket inside a string never counts. The scan runs in the regex engine, not a Python loop per byte.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def nesting_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays/objects in a JSON text, counted without decoding it (the
    decoder recurses per level: 100,000 levels were a RecursionError, a 500). Stops past limit."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(raw):
        char = token.group()[:1]
        if char in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in (b"]", b"}"):
            depth -= 1
    return deepest


def decode_json(raw: bytes | None) -> object:
    """Decode a request body; malformed, oversized or too deeply nested bodies are the caller's
    mistake (400)."""
    if not raw:
        return {}
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest("请求内容过大", code="BODY_TOO_LARGE")
    if nesting_depth(raw) > MAX_DEPTH:
        raise BadRequest(f"请求内容嵌套层数过多（最多{MAX_DEPTH}层）", code="BODY_TOO_DEEP")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("请求内容不是有效的JSON", code="MALFORMED_JSON")
