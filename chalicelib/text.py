"""What text the platform accepts in any request: no unpaired surrogate ("\\ud800" decodes from JSON
but cannot be encoded as UTF-8), no control character other than tab and line breaks, no
bidirectional override/isolate, no Unicode non-character. Below the schemas and the validation
module, which both apply it.

Names, identifiers and search inputs (fields that are compared or searched) are held to more: no
invisible character (issue 28 item 4). NFKC keeps them, so "张\u200b三" is stored as a different
name from "张三" and a search for the visible name finds nothing. They are refused, not stripped:
what is stored is what the person typed (as with the bidi overrides above), and a forged look-alike
is named at its field instead of silently turned into someone else's value. Free text (a module's
long descriptions) keeps them: there they are harmless and can have a use (emoji joiners)."""
import re
import unicodedata

# C0/C1 controls except \t \n \r, surrogates (only unpaired ones survive JSON decoding into a str),
# bidi embeddings/overrides/isolates, and the non-characters U+FFFE/U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
TEXT_MESSAGE = "含有无效字符或不可见的控制字符，请删除后重新输入"

# Invisible in a name: every format character (category Cf: U+00AD soft hyphen, U+200B–U+200F,
# U+2060–U+2064 word joiner and invisible operators, U+FEFF, U+061C, U+180E, tag characters …) and
# the other Default_Ignorable_Code_Point characters, which are not Cf: the combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian free variation selectors, variation selectors
# (U+FE00–FE0F, U+E0100–E01EF) and the unassigned rest of U+E0000–U+E0FFF.
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
                        "\U000e0000-\U000e0fff]")
INVISIBLE_MESSAGE = "含有不可见字符（如零宽空格、软连字符），请删除后重新输入"


def bad_text(value: str) -> bool:
    return _FORBIDDEN.search(value) is not None


def invisible(char: str) -> bool:
    """A character that shows nothing (or only changes its neighbour's look) where names are shown."""
    return unicodedata.category(char) == "Cf" or _IGNORABLE.match(char) is not None


def has_invisible(value: str) -> bool:
    return any(invisible(c) for c in value)


def without_invisible(value: str) -> str:
    """The text with every invisible character removed: for comparisons only (file-name extensions)."""
    return "".join(c for c in value if not invisible(c))


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


def check_plain(value):
    """A name, an identifier or a search input: check_text, and no invisible character either."""
    check_text(value)               # a bidi override keeps its own message
    if isinstance(value, str) and has_invisible(value):
        raise ValueError(INVISIBLE_MESSAGE)
    return value
