"""Checks of Chinese identifiers, by their national standards.

- GB 11643-1999 citizen identity number: 6-digit address code, 8-digit birth date, 3-digit sequence,
  1 check character: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11, 10 written as X.
- GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from
  0-9 A-H J-N P-R T-U W-Y (no I, O, Z, S, V); check = 31 - (Σ value·weight mod 31), 31 → 0.
"""

from __future__ import annotations

import datetime as dt
import re

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK_CHARS = "10X98765432"
PROVINCE_CODES = {
    "11",
    "12",
    "13",
    "14",
    "15",
    "21",
    "22",
    "23",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "37",
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "81",
    "82",
}
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(value: str, *, today: dt.date | None = None) -> str | None:
    """None when valid, else a bilingual explanation of the first problem found."""
    number = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "身份证号应为18位，前17位为数字，最后一位为数字或X / must be 18 characters: 17 digits then a digit or X"
    if number[:2] not in PROVINCE_CODES:
        return "身份证号的地址码不正确 / the address code (first 6 digits) is not a Chinese region"
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在 / the birth date inside the number does not exist"
    if birth < dt.date(1900, 1, 1) or birth > (today or dt.date.today()):
        return "身份证号中的出生日期不合理 / the birth date inside the number is out of range"
    if id_check_char(number[:17]) != number[17]:
        return "身份证号校验位错误，请核对 / the check digit is wrong; please check the number"
    return None


def id_birth_date(value: str) -> dt.date:
    number = value.strip()
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(char) * weight for char, weight in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    code = value.strip().upper()
    if len(code) != 18 or any(char not in CREDIT_ALPHABET for char in code):
        return (
            "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）/ must be 18 digits or capital letters "
            "(no I, O, Z, S, V)"
        )
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划码 / characters 3-8 must be a region code"
    if credit_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误 / the check character is wrong"
    return None


def phone_problem(value: str) -> str | None:
    if not PHONE_PATTERN.fullmatch(value.strip()):
        return "手机号应为11位，以1开头 / a mobile number has 11 digits and starts with 1"
    return None
