"""Admin for core tables. Writes through the admin are audited like any other write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from govplus.core.audit import audit_record
from govplus.core.calendar import overrides_changed
from govplus.core.events import events_retry
from govplus.core.models import AuditEntry, CalendarDay, EventDelivery, OutboxEvent


class AuditedAdmin(admin.ModelAdmin):
    """Adds an audit entry (changed field names only) for every save and delete made in the admin."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            changes={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        object_id = obj.pk
        super().delete_model(request, obj)
        audit_record(actor=request.user, action="admin.delete", object_type=obj._meta.label_lower, object_id=object_id)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        """The changelist's "delete selected" action: one entry per deleted object."""
        doomed = [(obj._meta.label_lower, obj.pk) for obj in queryset]
        super().delete_queryset(request, queryset)
        for object_type, object_id in doomed:
            audit_record(actor=request.user, action="admin.delete", object_type=object_type, object_id=object_id)


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        overrides_changed()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["id", "occurred_at", "actor_label", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "actor_label", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventDeliveryInline(admin.TabularInline):
    model = EventDelivery
    extra = 0
    can_delete = False
    fields = ("handler", "status", "attempts", "next_attempt_at", "delivered_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """Read-only: events are facts; their deliveries are shown with them."""

    list_display = ["id", "name", "occurred_at"]
    list_filter = ["name"]
    search_fields = ["name"]
    readonly_fields = ["name", "payload", "occurred_at"]
    inlines = [EventDeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):
    """Failed deliveries are found here (filter 投递失败) and re-queued with the "retry" action."""

    list_display = ["id", "event", "handler", "status", "attempts", "next_attempt_at", "delivered_at", "short_error"]
    list_filter = ["status", "handler"]
    search_fields = ["handler", "event__name"]
    list_select_related = ["event"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields if f.name not in {"claim_token"}]
    exclude = ["claim_token"]
    actions = ["retry_deliveries"]

    @admin.display(description="最近错误 / last error")
    def short_error(self, obj: EventDelivery) -> str:
        return obj.last_error[:120]

    @admin.action(description="重新投递所选的失败事件 / retry selected failed deliveries")
    def retry_deliveries(self, request: HttpRequest, queryset: QuerySet[EventDelivery]) -> None:
        count = events_retry(actor=request.user, delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"已重新排队 {count} 项 / {count} re-queued", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
