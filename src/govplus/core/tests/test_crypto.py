"""Personal data: encrypted at rest, found by keyed hash, shown masked."""

from __future__ import annotations

from django.db import connection

from govplus.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_id_number, mask_name, mask_phone


def test_encryption_round_trips_and_never_repeats():
    first, second = encrypt_text("330521199003071234"), encrypt_text("330521199003071234")
    assert first != second
    assert decrypt_text(first) == decrypt_text(second) == "330521199003071234"


def test_lookup_hash_ignores_case_of_the_check_character():
    assert lookup_hash("33052119900307123x") == lookup_hash("33052119900307123X")


def test_masks():
    assert mask_id_number("330521199003071234") == "330521********1234"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_name("欧阳娜娜") == "欧***"


def test_the_database_holds_no_plaintext_identity(county):
    id_number = county.citizen.citizen_profile.id_number
    with connection.cursor() as cursor:
        cursor.execute("SELECT name_encrypted, id_number_encrypted FROM identity_citizenprofile")
        rows = cursor.fetchall()
        cursor.execute("SELECT phone_encrypted FROM identity_user WHERE username = 'zhangsan'")
        phones = cursor.fetchall()
    stored = " ".join(" ".join(row) for row in rows + phones)
    assert id_number not in stored and "张三" not in stored and "13800138000" not in stored
