"""Admin for the catalog: items, materials, themes and BPMN processes (upload a .bpmn file)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from govplus.catalog.models import Material, ProcessDefinition, ServiceItem, Theme
from govplus.catalog.services import catalog_changed, process_definition_problems, search_text_for
from govplus.core.admin import AuditedAdmin


class CatalogAdmin(AuditedAdmin):
    """Saves and deletes also retire the cached public pages and search results (`catalog_changed`)."""

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # after the inlines (materials) are saved
        catalog_changed()

    def delete_model(self, request: Any, obj: Any) -> None:
        super().delete_model(request, obj)
        catalog_changed()

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        catalog_changed()


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    fields = ["order", "code", "name", "name_en", "is_required", "form", "medium", "copies", "source", "licence_type"]


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogAdmin):
    list_display = ["name", "name_en", "code", "department", "item_type", "status", "process", "version"]
    list_filter = ["status", "item_type", "department", "online_depth"]
    search_fields = ["name", "name_en", "code", "basic_code"]
    filter_horizontal = ["co_departments", "themes"]
    inlines = [MaterialInline]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        obj.search_text = search_text_for(obj, obj.department.name, obj.department.name_en)
        if change and form.changed_data:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Theme)
class ThemeAdmin(CatalogAdmin):
    list_display = ["code", "name", "name_en", "audience", "order"]


class ProcessDefinitionForm(forms.ModelForm):
    bpmn_file = forms.FileField(label="BPMN 文件 / file (.bpmn)", required=False)

    class Meta:
        model = ProcessDefinition
        fields = ["key", "name", "bpmn_xml"]
        widgets = {"bpmn_xml": forms.Textarea(attrs={"rows": 12, "style": "font-family: monospace"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bpmn_xml"].required = False  # either paste the XML or upload the file

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("bpmn_file")
        if upload:
            data["bpmn_xml"] = upload.read().decode("utf-8")
        problems = process_definition_problems(bpmn_xml=data.get("bpmn_xml") or "")
        if problems:
            raise forms.ValidationError([f"BPMN 文件无法使用：{problem}" for problem in problems])
        return data

    def save(self, commit: bool = True) -> ProcessDefinition:
        self.instance.bpmn_xml = self.cleaned_data["bpmn_xml"]
        if self.instance.pk and "bpmn_xml" in self.changed_data:
            self.instance.version += 1
        return super().save(commit=commit)


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(CatalogAdmin):
    """An administrator attaches a process to an item by choosing it on the item; new cases use it,
    running cases keep the version they started with."""

    form = ProcessDefinitionForm
    list_display = ["key", "name", "version", "updated_at"]
