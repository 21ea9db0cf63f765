"""Identity: national identifiers, real-name registration, lockout, TOTP, argon2."""

from __future__ import annotations

import pyotp
import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.test import RequestFactory

from govplus.core.crypto import decrypt_text
from govplus.core.errors import GovplusError, NotAuthenticated, ValidationFailed
from govplus.identity.services import (
    business_register,
    citizen_register,
    login_authenticate,
    totp_begin,
    totp_enable,
)
from govplus.identity.validators import credit_check_char, credit_code_problem, id_number_problem
from govplus.testing.factories import PASSWORD, id_number


@pytest.mark.parametrize(
    "number, ok",
    [
        ("11010519491231002X", True),  # the example of GB 11643
        ("11010519491231002x", True),
        ("110105194912310021", False),  # wrong check digit
        ("110105194913310028", False),  # month 13
        ("99010519491231002X", False),  # no such province
        ("1101051949123100", False),
    ],
)
def test_id_number_check(number, ok):
    assert (id_number_problem(number) is None) is ok


def test_credit_code_check():
    assert credit_code_problem("91350100M000100Y43") is None  # a published example
    assert credit_code_problem("91350100M000100Y44") is not None
    assert credit_code_problem("91350100M000100YI3") is not None  # I is not in the alphabet
    first17 = "91330521MA2B3C4D5"
    assert credit_code_problem(first17 + credit_check_char(first17)) is None


def test_registration_reports_every_bad_field_at_once(db):
    with pytest.raises(ValidationFailed) as error:
        citizen_register(username="", password="123", name="张", id_number="110105194912310021", phone="12345")
    assert set(error.value.fields) == {"username", "name", "id_number", "phone", "password"}
    assert error.value.fields["id_number"][0].startswith("身份证号校验位错误")


def test_one_account_per_identity_number(county):
    with pytest.raises(ValidationFailed) as error:
        citizen_register(
            username="again",
            password=PASSWORD,
            name="张三",
            id_number=id_number("33052119900307123"),
            phone="13800138001",
        )
    assert "id_number" in error.value.fields


def test_identity_is_stored_encrypted_and_shown_masked(county):
    profile = county.citizen.citizen_profile
    assert profile.id_number_masked.startswith("330521") and "*" in profile.id_number_masked
    assert decrypt_text(profile.id_number_encrypted) == profile.id_number
    assert county.citizen.phone_masked == "138****8000"


def test_business_registration_checks_the_credit_code(db):
    with pytest.raises(ValidationFailed) as error:
        business_register(
            username="biz",
            password=PASSWORD,
            name="某公司",
            credit_code="91330521MA2B3C4D5X",
            representative="李四",
            phone="13800138001",
        )
    assert "credit_code" in error.value.fields


def _login(username: str, password: str, totp: str = ""):
    request = RequestFactory().post("/login/")
    return login_authenticate(request=request, username=username, password=password, totp_code=totp)


def test_lockout_after_repeated_failures_even_with_the_right_password(county):
    for _ in range(settings.GOVPLUS_LOCKOUT_THRESHOLD - 1):
        with pytest.raises(NotAuthenticated):
            _login("zhangsan", "wrong-password")
    with pytest.raises(GovplusError) as locked:
        _login("zhangsan", "wrong-password")
    assert locked.value.code == "account_locked"
    with pytest.raises(GovplusError) as still_locked:
        _login("zhangsan", PASSWORD)
    assert still_locked.value.code == "account_locked"


def test_staff_totp_is_required_once_enabled(county):
    clerk = county.staff["clerk"]
    uri = totp_begin(actor=clerk)
    secret = pyotp.parse_uri(uri).secret
    with pytest.raises(ValidationFailed):
        totp_enable(actor=clerk, code="000000")
    totp_enable(actor=clerk, code=pyotp.TOTP(secret).now())
    with pytest.raises(NotAuthenticated) as error:
        _login("gaj_clerk", PASSWORD)
    assert error.value.code == "totp_required"
    assert _login("gaj_clerk", PASSWORD, pyotp.TOTP(secret).now()) == clerk


def test_production_passwords_are_hashed_with_argon2():
    production = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    assert production[0].endswith("Argon2PasswordHasher")
    assert get_hasher("argon2").algorithm == "argon2"
