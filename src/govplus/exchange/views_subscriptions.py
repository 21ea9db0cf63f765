"""Staff page of change subscriptions (变更订阅): the department's subscriptions with their status,
failures and last error (resume, pause, end), and the form that subscribes one of its systems to a
resource it holds a grant for — the signing secret is shown once, on the page that follows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from govplus.core.errors import GovplusError, ValidationFailed
from govplus.exchange import selectors, subscriptions
from govplus.exchange.models import Grant
from govplus.portal.helpers import field_errors, staff_required, user_of


def _grants_to_subscribe(actor: Any) -> list[Grant]:
    """Grants in force received by the systems of the departments the actor speaks for about data."""
    mine = sorted(selectors.data_departments_of(actor))
    rows = selectors.grants_visible_to(department_ids=mine).filter(consumer__department_id__in=mine)
    return [g for g in rows[:300] if selectors.grant_in_force(g)]


def _context(actor: Any) -> dict[str, Any]:
    rows = list(subscriptions.subscriptions_visible_to(actor=actor)[:300])
    return {
        "rows": [(s, selectors.speaks_for(actor, s.consumer.department_id)) for s in rows],
        "grants": _grants_to_subscribe(actor),
        "pause_after": settings.GOVPLUS_WEBHOOK_PAUSE_AFTER,
    }


@staff_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    context = _context(actor)
    if request.method != "POST":
        return render(request, "exchange/subscriptions.html", context)
    grant = next((g for g in context["grants"] if str(g.pk) == request.POST.get("grant", "")), None)
    keys = [line.strip() for line in request.POST.get("keys", "")[:40_000].splitlines() if line.strip()]
    form = {"grant": request.POST.get("grant", ""), "endpoint_url": request.POST.get("endpoint_url", "")[:500]}
    try:
        if grant is None:
            raise ValidationFailed({"grant": ["请选择接入系统和资源 / choose the system and the resource"]})
        created, secret = subscriptions.subscription_create(
            actor=actor,
            consumer=grant.consumer,
            resource=grant.resource,
            endpoint_url=form["endpoint_url"],
            keys=keys if request.POST.get("scope") == "keys" else None,
        )
    except GovplusError as error:
        return render(
            request,
            "exchange/subscriptions.html",
            {**context, "errors": field_errors(error), "form": {**form, "scope": request.POST.get("scope", "all")}},
            status=error.status,
        )
    return render(request, "exchange/subscriptions.html", {**_context(actor), "created": created, "secret": secret})


ACTIONS = {
    "pause": (subscriptions.subscription_pause, gettext_noop("订阅已暂停。")),
    "resume": (subscriptions.subscription_resume, gettext_noop("订阅已恢复，将补发暂停期间的变更。")),
    "delete": (subscriptions.subscription_delete, gettext_noop("订阅已取消。")),
}


@staff_required
@require_POST
def subscription_action(request: HttpRequest, subscription_id: int, action: str) -> HttpResponse:
    chosen = ACTIONS.get(action)
    try:
        if chosen is None:
            raise ValidationFailed({"action": ["不支持的操作 / unknown action"]})
        service, done = chosen
        service(actor=user_of(request), subscription_id=subscription_id)
        messages.success(request, _(done))
    except GovplusError as error:
        details = [message for found in (error.fields or {}).values() for message in found]
        messages.error(request, " ".join([str(error.message), *details]))
    return HttpResponseRedirect(reverse("portal:exchange_subscriptions"))
