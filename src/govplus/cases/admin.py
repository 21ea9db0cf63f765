"""Read-mostly admin views of cases (changes go through the case services, never the admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from govplus.cases.models import Application, CaseTask, RectificationTask


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["receipt_no", "service_item", "department", "status", "stage", "due_date", "submitted_at"]
    list_filter = ["status", "department", "channel"]
    search_fields = ["receipt_no"]
    exclude = ["form_data_encrypted", "contact_phone_encrypted", "workflow_state"]


@admin.register(CaseTask)
class CaseTaskAdmin(ReadOnlyAdmin):
    list_display = ["application", "label", "department", "role", "status", "due_date"]
    list_filter = ["status", "step", "department"]


@admin.register(RectificationTask)
class RectificationTaskAdmin(ReadOnlyAdmin):
    list_display = ["rating", "department", "due_date", "status"]
    list_filter = ["status", "department"]
