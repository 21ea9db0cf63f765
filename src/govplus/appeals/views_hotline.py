"""The hotline operator's console (热线坐席): an operator types a call in while the caller speaks. One
form, keyboard first (the text field has the focus; Ctrl+Enter sends; the form clears for the next
call), the caller's number shows their earlier appeals (found by the number's keyed hash), and the
answer says at once where the appeal went. For 分办员 (the 12345 office) and the platform administrator."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from govplus.appeals import selectors
from govplus.appeals.intake import PHONE, AppealInput, appeal_submit
from govplus.appeals.models import Appeal
from govplus.core.crypto import lookup_hash
from govplus.core.errors import GovplusError
from govplus.portal.helpers import field_errors, staff_required, user_of

FIELDS = ("contact_phone", "contact_name", "body", "category", "region", "address", "urgency")


def _earlier(phone: str) -> list[Appeal]:
    number = phone.replace(" ", "")
    if not PHONE.match(number):
        return []
    return list(
        Appeal.objects.filter(contact_phone_hash=lookup_hash(number))
        .select_related("department")
        .order_by("-submitted_at")[:10]
    )


def _context(**more: Any) -> dict[str, Any]:
    return {
        "categories": selectors.routing_categories(),
        "regions": selectors.appeal_places(),
        **more,
    }


@staff_required
def hotline(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    if not selectors.is_dispatcher(actor):
        raise Http404
    if request.method != "POST":
        phone = request.GET.get("phone", "")[:20]
        return render(request, "appeals/hotline.html", _context(form={"contact_phone": phone}, earlier=_earlier(phone)))
    form = {name: request.POST.get(name, "")[:5_010] for name in FIELDS}
    try:
        appeal = appeal_submit(
            actor=None,  # the caller is not a user of the platform; the operator is the audit's actor below
            data=AppealInput(
                channel=Appeal.Channel.HOTLINE,
                body=form["body"],
                category_code=form["category"],
                region_code=form["region"],
                address=form["address"],
                contact_name=form["contact_name"],
                contact_phone=form["contact_phone"],
                is_anonymous=not form["contact_phone"].strip() and not form["contact_name"].strip(),
                urgency=form["urgency"] or "normal",
            ),
            operator=actor,
        )
    except GovplusError as error:
        context = _context(form=form, errors=field_errors(error), earlier=_earlier(form["contact_phone"]))
        return render(request, "appeals/hotline.html", context, status=error.status)
    return render(request, "appeals/hotline.html", _context(form={}, taken=appeal, earlier=[]))
