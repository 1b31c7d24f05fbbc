import datetime as dt

import pytest

from chalicelib import identifiers as ids


@pytest.mark.parametrize("code", ["12100000423202747Q", "121000004232040648"])
def test_credit_codes_from_the_manuals_are_valid(code):
    assert ids.is_valid_credit_code(code)


@pytest.mark.parametrize("code", ["12100000423202747A", "12100000423202747", "I2100000423202747Q",
                                  "11220000000000000000", "", None, "12100000423202747q"])
def test_bad_credit_codes_are_refused(code):
    assert not ids.is_valid_credit_code(code)


def test_id_number_checksum_birth_date_sex_and_age():
    number = "22010219850612301" + ids.id_check_char("22010219850612301")
    assert ids.is_valid_id_number(number)
    assert ids.sex_from_id(number) == "男性"          # 17th digit 1 is odd
    assert ids.age_from_id(number, dt.date(2026, 6, 11)) == 40
    assert ids.age_from_id(number, dt.date(2026, 6, 12)) == 41
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert not ids.is_valid_id_number(wrong)


@pytest.mark.parametrize("number", ["220102198502301234", "22010219850612301", "2201021985061230XX",
                                    "220102290001013015"])
def test_impossible_id_numbers_are_refused(number):
    assert not ids.is_valid_id_number(number)


def test_masking_keeps_only_what_the_design_allows():
    assert ids.mask_id_number("22010219900307123X") == "220102********123X"
    assert ids.mask_phone("13812345678") == "138****5678"


def test_logs_never_carry_id_or_phone_numbers():
    from chalicelib.logs import scrub

    text = scrub("person 22010219900307123X called from 13812345678")
    assert "22010219900307123X" not in text and "13812345678" not in text
    assert "220102********123X" in text and "138****5678" in text
