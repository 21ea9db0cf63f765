"""Personal data: encrypted at rest, found by keyed hash, shown masked."""

from __future__ import annotations

from govplus.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_id_number, mask_name, mask_phone
from govplus.core.tests.journeys import Person, every_stored_value, personal_data_journey


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
    """After a whole case with an application, a supplement and a rating, no column of any table holds
    a name, an ID number or a phone number in plain text (a database dump reveals nobody)."""
    person = Person()
    application = personal_data_journey(county, person)
    assert application.status == "concluded"
    stored = every_stored_value()
    assert "cases_application" in stored and "cases_supplementrequest" in stored and "cases_rating" in stored
    secrets = [*person.secrets(), county.citizen.citizen_profile.id_number, "张三", "13800138000"]
    found = {(table, value) for table, text in stored.items() for value in secrets if value in text}
    assert not found, f"plaintext personal data in the database: {sorted(found)}"
