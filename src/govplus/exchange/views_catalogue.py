"""Staff pages of the resource catalogue (资源目录): everyone finds resources and asks for them; the
provider's data officer uploads a resource's table (check first, every bad row shown, then apply),
sets its SQL or HTTP source and publishes or withdraws it. Thin: the rules live in catalogue/sources."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govplus.core.errors import GovplusError, NotFound
from govplus.exchange import catalogue, selectors, sources
from govplus.exchange.models import Resource, SourceVersion
from govplus.portal.helpers import field_errors, staff_required, user_of

PAGE_SIZE = 100


def _resource_or_404(actor: Any, code: str) -> Resource:
    try:
        return selectors.resource_visible_to(actor=actor, code=code)
    except NotFound as error:
        raise Http404 from error


def _officer_resource_or_404(actor: Any, code: str) -> Resource:
    resource = _resource_or_404(actor, code)
    if not selectors.speaks_for(actor, resource.provider_id):
        raise Http404
    return resource


@staff_required
def resource_list(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    query = request.GET.get("q", "")[:100]
    share_class = request.GET.get("share_class", "")
    share_class = share_class if share_class in Resource.ShareClass.values else ""
    provider = request.GET.get("provider", "")[:32]
    rows = selectors.resource_catalogue(actor=actor, query=query, share_class=share_class, provider=provider)
    return render(
        request,
        "exchange/resources.html",
        {
            "rows": list(rows[:PAGE_SIZE]),
            "total": rows.count(),
            "query": query,
            "share_class": share_class,
            "provider": provider,
            "share_classes": Resource.ShareClass.choices,
            "providers": selectors.resource_providers(),
        },
    )


def _detail_context(actor: Any, resource: Resource) -> dict[str, Any]:
    return {
        "resource": resource,
        "fields": list(resource.fields.all()),
        "items": selectors.service_items_named(list(resource.service_items or [])),
        "versions": list(selectors.resource_versions(resource, limit=20)),
        "is_officer": selectors.speaks_for(actor, resource.provider_id),
        "may_request": resource.is_published and resource.share_class != Resource.ShareClass.NONE,
    }


@staff_required
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = user_of(request)
    resource = _resource_or_404(actor, code)
    return render(request, "exchange/resource_detail.html", _detail_context(actor, resource))


@staff_required
@require_POST
def resource_publish(request: HttpRequest, code: str) -> HttpResponse:
    actor = user_of(request)
    resource = _officer_resource_or_404(actor, code)
    try:
        if request.POST.get("action") == "unpublish":
            catalogue.resource_unpublish(actor=actor, code=resource.code)
            messages.success(request, _("资源已撤回，不再出现在目录中。"))
        else:
            catalogue.resource_publish(actor=actor, code=resource.code)
            messages.success(request, _("资源已发布。"))
    except GovplusError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(reverse("portal:exchange_resource", args=[resource.code]))


@staff_required
def resource_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a table: 检查 (a dry run: the report, every bad row) — then 生效 on the report."""
    actor = user_of(request)
    resource = _officer_resource_or_404(actor, code)
    context: dict[str, Any] = {"resource": resource, "fields": list(resource.fields.all())}
    if request.method != "POST":
        return render(request, "exchange/resource_upload.html", context)
    upload = request.FILES.get("file")
    try:
        version = sources.table_upload(
            actor=actor,
            code=resource.code,
            file_name=(upload.name or "") if upload else "",
            content=upload.read() if upload else b"",
            apply=False,
        )
    except GovplusError as error:
        context.update(errors=field_errors(error), page_error=error)
        return render(request, "exchange/resource_upload.html", context, status=error.status)
    context["version"] = version
    status = 422 if version.status == SourceVersion.Status.REJECTED else 200
    return render(request, "exchange/resource_upload.html", context, status=status)


@staff_required
@require_POST
def version_apply(request: HttpRequest, code: str, number: int) -> HttpResponse:
    actor = user_of(request)
    resource = _officer_resource_or_404(actor, code)
    try:
        version = sources.source_version_apply(actor=actor, code=resource.code, number=number)
    except GovplusError as error:
        messages.error(request, f"{error.message}")
    else:
        messages.success(
            request,
            _("第 %(number)s 版已生效：新增 %(added)s，变更 %(changed)s，删除 %(removed)s。")
            % {
                "number": version.number,
                "added": version.added,
                "changed": version.changed,
                "removed": version.removed,
            },
        )
    return HttpResponseRedirect(reverse("portal:exchange_resource", args=[resource.code]))


def _headers_of(text: str) -> dict[str, str]:
    headers = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


@staff_required
def resource_source(request: HttpRequest, code: str) -> HttpResponse:
    """The resource's SQL or HTTP source: set it (stored encrypted; the saved password is never shown),
    or read it now."""
    actor = user_of(request)
    resource = _officer_resource_or_404(actor, code)
    saved = sources.source_config_of(resource)
    form = {
        "kind": request.POST.get("kind", resource.source_kind if resource.source_kind != "table" else "sql"),
        "url": request.POST.get("url", ""),
        "query": request.POST.get("query", saved.get("query", "")),
        "headers": request.POST.get("headers", ""),
    }
    context: dict[str, Any] = {
        "resource": resource,
        "form": form,
        "has_source": bool(saved) and resource.source_kind in ("sql", "http"),
        "saved_host": sources.source_host(saved),
    }
    if request.method != "POST":
        return render(request, "exchange/resource_source.html", context)
    try:
        if request.POST.get("action") == "refresh":
            version = sources.source_refresh(actor=actor, code=resource.code)
            if version.status == SourceVersion.Status.APPLIED:
                messages.success(request, _("已读取来源并生效（第 %(number)s 版）。") % {"number": version.number})
            else:
                messages.error(request, _("来源数据有错误，未生效（第 %(number)s 版）。") % {"number": version.number})
        else:
            sources.source_configure(
                actor=actor,
                code=resource.code,
                kind=form["kind"],
                config={"url": form["url"], "query": form["query"], "headers": _headers_of(form["headers"])},
            )
            messages.success(request, _("数据来源已保存。"))
    except GovplusError as error:
        context.update(errors=field_errors(error), page_error=error)
        return render(request, "exchange/resource_source.html", context, status=error.status)
    return HttpResponseRedirect(reverse("portal:exchange_resource", args=[resource.code]))
