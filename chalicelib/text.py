"""What text the platform accepts in any request: no unpaired surrogate ("\\ud800" decodes from JSON
but cannot be encoded as UTF-8), no control character other than tab and line breaks, no
bidirectional override/isolate, no Unicode non-character. Below the schemas and the validation
module, which both apply it."""
import re

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
