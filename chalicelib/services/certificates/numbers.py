"""Certificate numbers and check codes.

A number is <prefix><year><10 random characters><1 check character>, e.g. JLRC2026K7QD2M9XWR4,
over Crockford's base-32 alphabet (no I, L, O, U: nothing to misread on paper). The 50 random
bits come from `secrets`, so no number tells anything about another; the check character (Luhn
mod 32) catches a mistyped character or a swapped pair before any lookup. Uniqueness is the
database's: the certificate is put with attribute_not_exists, and a collision draws again.

The 查验码 (check code) is 6 more random characters printed beside the number and carried in the
QR code: the public verify endpoint answers only for number + check code, so knowing or guessing
a number alone reveals nothing (50 + 30 bits, and the endpoint is throttled per client).
"""
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 10
CHECK_CODE_CHARS = 6
_NUMBER = re.compile(r"^[A-Z]{2,6}\d{4}[0-9A-HJKMNP-TV-Z]{11}$", re.ASCII)
_CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{6}$", re.ASCII)
# What people type for what they mean (Crockford): O→0, I/L→1.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_char(body: str) -> str:
    """Luhn mod 32 over the body's characters (letters of the prefix count by their index too)."""
    n = len(ALPHABET)
    total, factor = 0, 2
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch) if ch in ALPHABET else factor * (ord(ch) % n)
        addend = addend // n + addend % n
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_number(prefix: str, year: str) -> str:
    body = prefix + year + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return body + check_char(body)


def new_check_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CHECK_CODE_CHARS))


def normalize(value: str) -> str:
    """Upper case, spaces and dashes dropped, Crockford's look-alikes read as digits (only in the
    random part: the prefix is letters)."""
    value = "".join((value or "").split()).replace("-", "").upper()
    m = re.match(r"^([A-Z]{2,6})(\d{4})(.*)$", value, re.ASCII)
    return m.group(1) + m.group(2) + m.group(3).translate(_READ_AS) if m else value


def normalize_code(value: str) -> str:
    return "".join((value or "").split()).upper().translate(_READ_AS)


def well_formed(number: str) -> bool:
    """Shape and check character: a typo is caught here, before any lookup."""
    return bool(_NUMBER.match(number)) and check_char(number[:-1]) == number[-1]


def code_well_formed(code: str) -> bool:
    return bool(_CODE.match(code))
