"""Checksums, derived facts and masking for ID numbers, credit codes and phone numbers.

GB 11643-1999 (citizen ID number) and GB 32100-2015 (unified social credit code).
"""
import datetime as dt
import re
import unicodedata

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# re.ASCII: `\d` must not match full-width (２) or Arabic-Indic (٢) digits, and `int()` must never see
# them either — one person would otherwise get two accounts (issue 16 item 2).
_ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_REGION_RE = re.compile(r"^\d{6}$", re.ASCII)

ID_TYPE_RESIDENT = "居民身份证（户口簿）"
ID_TYPES = (ID_TYPE_RESIDENT,)


def normalize(value):
    """The one canonical form of an identifier as typed: NFKC (full-width ２ → 2, Ｘ → X), no
    surrounding blanks, upper case. Call it before validation and before any key is made from the
    value; the validators below still refuse anything that is not ASCII afterwards (Arabic-Indic
    digits survive NFKC and are refused there). Non-strings are returned unchanged."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFKC", value).strip().upper()


def _ascii(value) -> bool:
    return isinstance(value, str) and value.isascii()


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def is_valid_id_number(id_number: str, today: dt.date | None = None) -> bool:
    """A GB 11643 citizen ID number: 18 characters, a real birth date, the right check char."""
    if not _ascii(id_number) or not _ID_RE.fullmatch(id_number):
        return False
    try:
        born = id_birth_date(id_number)
    except ValueError:
        return False
    if born.year < 1900 or born > (today or dt.date.today()):
        return False
    return id_check_char(id_number[:17]) == id_number[17]


def sex_from_id(id_number: str) -> str:
    """The 17th digit is odd for men, even for women (GB 11643)."""
    return "男性" if int(id_number[16]) % 2 else "女性"


def age_from_id(id_number: str, today: dt.date) -> int:
    born = id_birth_date(id_number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """A GB 32100 unified social credit code: 18 characters and the right check character."""
    if not _ascii(code) or not _CREDIT_RE.fullmatch(code):
        return False
    return credit_check_char(code[:17]) == code[17]


def is_valid_phone(phone: str) -> bool:
    return _ascii(phone) and bool(_PHONE_RE.fullmatch(phone))


def is_valid_region_code(code: str) -> bool:
    """A 6-digit GB/T 2260 code; the first two digits are the province (22 = Jilin)."""
    return _ascii(code) and bool(_REGION_RE.fullmatch(code)) and code[:2] != "00"


def city_region_of(region_code: str) -> str:
    """The prefecture-level (市/州) region a county-level code belongs to: 220104 -> 220100."""
    return region_code[:4] + "00"


def mask_id_number(id_number: str) -> str:
    """Keep the first 6 and last 4 characters: 220102********123X."""
    if not id_number or len(id_number) <= 10:
        return "*" * len(id_number or "")
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if not phone or len(phone) <= 7:
        return "*" * len(phone or "")
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
