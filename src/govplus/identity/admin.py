"""Admin for regions, departments, users and roles. Personal data shows masked only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from govplus.core.admin import AuditedAdmin
from govplus.identity.models import CitizenProfile, Department, Region, StaffRole, User


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "short_name", "parent", "phone", "is_active"]
    search_fields = ["code", "name"]
    list_filter = ["is_active"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(User)
class GovplusUserAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "display_name", "kind", "phone_masked", "is_active", "is_totp_enabled"]
    list_filter = ["kind", "is_active", "is_totp_enabled"]
    search_fields = ["username", "display_name"]
    inlines = [StaffRoleInline]
    readonly_fields = ["phone_masked", "is_totp_enabled"]
    fieldsets = (
        (None, {"fields": ("username", "password", "display_name", "kind", "email", "phone_masked")}),
        (
            "状态 / status",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "is_totp_enabled",
                )
            },
        ),
    )


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin):
    """Masked view only; real-name data is changed through the identity services, never here."""

    list_display = ["user", "name_masked", "id_number_masked", "verified_at"]
    fields = ["user", "name_masked", "id_number_masked", "verified_at"]
    readonly_fields = ["user", "name_masked", "id_number_masked", "verified_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
