"""Read-only admin views of the licence library: licences change through the services (issued by a
case, imported by a department, status by the issuing department), never by editing rows; keys are
never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from govplus.licences.models import IssuerKey, Licence, LicenceType


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "defining_authority", "holder_kind", "validity_years", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["licence_id", "licence_type", "issuer_name", "issued_on", "valid_until", "status", "origin"]
    list_filter = ["status", "origin", "licence_type"]
    search_fields = ["licence_id", "number"]
    exclude = ["holder_name_encrypted", "holder_code_encrypted", "holder_code_hash", "face_encrypted"]


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ["kind", "department", "kid", "created_at", "retired_at"]
    list_filter = ["kind"]
    exclude = ["private_key_encrypted"]
