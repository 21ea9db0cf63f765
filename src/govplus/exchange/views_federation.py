"""Staff pages of the federation: the registered nodes (the platform administrator registers one), a
peer's catalogue read live with a signed call, the form to ask for a peer's resource, and the requests
this node's departments filed at peers. Each page calls federation.py; the rules live there."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from govplus.core.errors import GovplusError
from govplus.exchange import federation, selectors
from govplus.exchange.models import Node, RemoteRequest
from govplus.identity.selectors import is_platform_admin
from govplus.portal.helpers import field_errors, staff_required, user_of


def _node_or_404(code: str) -> Node:
    node = Node.objects.filter(code=code, is_active=True).first()
    if node is None:
        raise Http404
    return node


@staff_required
def federation_nodes(request: HttpRequest) -> HttpResponse:
    """联邦节点: the peers, and the requests of the actor's departments at them."""
    actor = user_of(request)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            node = federation.node_register(
                actor=actor, url=request.POST.get("url", "")[:200], thumbprint=request.POST.get("thumbprint", "")[:64]
            )
            messages.success(request, _("已登记节点 %(name)s。") % {"name": node.name})
            return HttpResponseRedirect(reverse("portal:exchange_nodes"), status=303)
        except GovplusError as error:
            errors, status = field_errors(error), error.status
    seen = selectors.departments_seen_by(actor)
    mirrored = RemoteRequest.objects.select_related("node", "consumer__department")
    if seen is not None:
        mirrored = mirrored.filter(consumer__department_id__in=seen)
    return render(
        request,
        "exchange/nodes.html",
        {
            "nodes": list(Node.objects.all()),
            "this_node": federation.node_document(),
            "remote_requests": list(mirrored[:200]),
            "may_register": is_platform_admin(user=actor),
            "errors": errors,
            "form": {"url": request.POST.get("url", ""), "thumbprint": request.POST.get("thumbprint", "")},
        },
        status=status,
    )


@staff_required
def federation_node(request: HttpRequest, code: str) -> HttpResponse:
    """A peer's catalogue, read now with a signed call (an unreachable peer is said so, not a 500)."""
    node = _node_or_404(code)
    catalogue: list[dict[str, Any]] = []
    problem = ""
    try:
        catalogue = federation.node_call(node, "GET", f"{federation.NODE_API}/resources")
    except GovplusError as error:
        problem = str(error.message)
    return render(
        request,
        "exchange/node.html",
        {"node": node, "catalogue": catalogue, "problem": problem},
        status=502 if problem else 200,
    )


@staff_required
def federation_request_new(request: HttpRequest, code: str, resource_code: str) -> HttpResponse:
    """Ask a peer's resource for one of the department's systems (the peer files and decides it)."""
    node = _node_or_404(code)
    actor = user_of(request)
    try:
        catalogue = federation.node_call(node, "GET", f"{federation.NODE_API}/resources")
    except GovplusError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(reverse("portal:exchange_nodes"), status=303)
    resource = next((r for r in catalogue if r.get("code") == resource_code), None)
    if resource is None:
        raise Http404
    today = timezone.localdate()
    form = {
        "consumer": request.POST.get("consumer", ""),
        "purpose": request.POST.get("purpose", ""),
        "legal_basis": request.POST.get("legal_basis", ""),
        "valid_from": request.POST.get("valid_from", today.isoformat()),
        "valid_until": request.POST.get("valid_until", today.replace(year=today.year + 1).isoformat()),
    }
    context: dict[str, Any] = {
        "node": node,
        "resource": resource,
        "shareable": [f for f in resource.get("fields", []) if f.get("sensitivity", 1) < 4],
        "systems": list(selectors.consumers_of_departments(sorted(selectors.data_departments_of(actor)))),
        "form": form,
        "chosen": request.POST.getlist("fields"),
    }
    if request.method != "POST":
        return render(request, "exchange/node_request_new.html", context)
    errors: dict[str, list[str]] = {}
    dates: dict[str, dt.date] = {}
    for name in ("valid_from", "valid_until"):
        try:
            dates[name] = dt.date.fromisoformat(form[name])
        except ValueError:
            errors[name] = ["日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD"]
    consumer = selectors.consumer_of_client(form["consumer"])
    if consumer is None or consumer.department_id not in selectors.data_departments_of(actor):
        errors["consumer"] = ["请选择本部门的接入系统 / choose one of the department's systems"]
    if errors:
        return render(request, "exchange/node_request_new.html", {**context, "errors": errors}, status=422)
    assert consumer is not None
    try:
        mirrored = federation.remote_request_create(
            actor=actor,
            node=node,
            resource_code=resource_code,
            consumer=consumer,
            purpose=form["purpose"][:200],
            legal_basis=form["legal_basis"][:300],
            fields=context["chosen"],
            valid_from=dates["valid_from"],
            valid_until=dates["valid_until"],
        )
    except GovplusError as error:
        return render(
            request, "exchange/node_request_new.html", {**context, "errors": field_errors(error)}, status=error.status
        )
    done = _("申请已提交至 %(node)s，编号 %(number)s。") % {"node": node.name, "number": mirrored.number}
    messages.success(request, done)
    return HttpResponseRedirect(reverse("portal:exchange_nodes"), status=303)
