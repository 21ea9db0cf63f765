"""Licence identifiers (电子证照标识) as the provincial e-licence libraries write them.

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>

`1.2.156.3005.2` is the OID arc of e-licences (GB/T 36904); the type code is the licence type's code
(the defining authority's 18-character unified social credit code and a three-digit sequence), the issuer
code the issuing department's unified social credit code, the serial seven or more digits, the version
three digits; the check character is ISO 7064 MOD 37,36 over the alphanumerics of everything before it
(dots left out), so one mistyped character is always caught, and nearly every swap of two neighbours
(a hybrid system guarantees single errors only). Every identifier that comes in
(a URL, an import row, a verification request) goes through `licence_id_problem` first.
"""

from __future__ import annotations

import re

OID_ARC = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MODULUS = 36
_PATTERN = re.compile(
    r"^1\.2\.156\.3005\.2\.(?P<type>[0-9A-Z]{18}\d{3})\.(?P<issuer>[0-9A-Z]{18})\."
    r"(?P<serial>\d{7,12})\.(?P<version>\d{3})\.(?P<check>[0-9A-Z*])$"
)


def mod37_36_check(payload: str) -> str:
    """The ISO 7064 MOD 37,36 check character of `payload` (digits and capital letters)."""
    product = _MODULUS
    for char in payload:
        value = ALPHABET.index(char)
        total = (product + value) % _MODULUS or _MODULUS
        product = (total * 2) % (_MODULUS + 1)
    return ALPHABET[(_MODULUS + 1 - product) % _MODULUS]


def mod37_36_valid(payload_with_check: str) -> bool:
    """True when the last character is the MOD 37,36 check character of the rest."""
    body, check = payload_with_check[:-1], payload_with_check[-1:]
    return bool(body) and all(c in ALPHABET for c in body) and mod37_36_check(body) == check


def _check_payload(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    return (OID_ARC + type_code + issuer_code + serial + version).replace(".", "")


def licence_id_make(*, type_code: str, issuer_code: str, serial: int, version: int = 1) -> str:
    """A new identifier; `serial` is the issuer's running number for the type."""
    serial_text, version_text = f"{serial:07d}", f"{version:03d}"
    check = mod37_36_check(_check_payload(type_code, issuer_code, serial_text, version_text))
    licence_id = f"{OID_ARC}.{type_code}.{issuer_code}.{serial_text}.{version_text}.{check}"
    problem = licence_id_problem(licence_id)
    if problem:
        raise ValueError(problem[1])
    return licence_id


def licence_id_problem(value: str) -> tuple[str, str] | None:
    """(Chinese, English) of what is wrong with `value` as a licence identifier, or None when it is valid."""
    match = _PATTERN.match(value or "")
    if match is None:
        return (
            "证照标识格式不正确（应为 1.2.156.3005.2.类型代码.颁发机构代码.序号.版本.校验位）",
            "the licence identifier is malformed (1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>)",
        )
    expected = mod37_36_check(_check_payload(match["type"], match["issuer"], match["serial"], match["version"]))
    if match["check"] != expected:
        return ("证照标识校验位错误，请核对是否输错", "the licence identifier's check character is wrong (a typo?)")
    return None


def licence_id_parts(value: str) -> dict[str, str]:
    """The parts of a valid identifier (type, issuer, serial, version, check)."""
    match = _PATTERN.match(value)
    if match is None:
        raise ValueError("not a licence identifier")
    return match.groupdict()
