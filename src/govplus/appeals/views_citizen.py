"""The citizen's pages of appeals: 我要留言 (the web and phone form, with photos), 我的诉求 and one
appeal's progress, reply and rating. Thin: the rules are in `intake.py` and `services.py`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govplus.appeals import selectors, services
from govplus.appeals.intake import BODY_MAX, AppealInput, appeal_submit
from govplus.appeals.models import Appeal, Category
from govplus.appeals.photos import MAX_PHOTOS
from govplus.core.errors import GovplusError
from govplus.portal.helpers import applicant_required, field_errors, user_of

FORM_FIELDS = ("title", "body", "category", "region", "address", "contact_name", "contact_phone", "urgency")


def _choices() -> dict[str, Any]:
    services_by_group: dict[Category, list[Category]] = {}
    for category in Category.objects.filter(level=2).select_related("parent"):
        services_by_group.setdefault(category.parent, []).append(category)  # type: ignore[arg-type]
    regions = selectors.appeal_places()
    return {"groups": services_by_group, "regions": regions, "body_max": BODY_MAX, "max_photos": MAX_PHOTOS}


def appeal_new(request: HttpRequest) -> HttpResponse:
    """我要留言: anyone may file an anonymous appeal; a signed-in citizen may file a real-name one and
    follow it. A bad field shows the form again with everything typed kept."""
    signed_in = request.user.is_authenticated and getattr(request.user, "kind", "") != "staff"
    context = {**_choices(), "signed_in": signed_in, "form": {"urgency": "normal", "is_public": True}}
    if request.method != "POST":
        return render(request, "appeals/new.html", context)
    form: dict[str, Any] = {name: request.POST.get(name, "")[: BODY_MAX + 10] for name in FORM_FIELDS}
    anonymous = not signed_in or request.POST.get("is_anonymous") == "on"
    form.update(is_anonymous=anonymous, is_public=request.POST.get("is_public") == "on")
    photos = [(f.name or "photo", f.read()) for f in request.FILES.getlist("photos")[: MAX_PHOTOS + 1]]
    try:
        appeal = appeal_submit(
            actor=user_of(request) if signed_in else None,
            photos=photos,
            data=AppealInput(
                channel=Appeal.Channel.MOBILE if request.POST.get("channel") == "mobile" else Appeal.Channel.WEB,
                title=form["title"],
                body=form["body"],
                category_code=form["category"],
                region_code=form["region"],
                address=form["address"],
                is_anonymous=anonymous,
                is_public=bool(form["is_public"]),
                contact_name=form["contact_name"],
                contact_phone=form["contact_phone"],
                urgency=form["urgency"] or "normal",
            ),
        )
    except GovplusError as error:
        return render(
            request, "appeals/new.html", {**context, "form": form, "errors": field_errors(error)}, status=error.status
        )
    if signed_in and not anonymous:
        messages.success(request, _("诉求已提交，编号 %(number)s。") % {"number": appeal.number})
        return HttpResponseRedirect(reverse("portal:my_appeal", args=[appeal.number]))
    return render(request, "appeals/filed.html", {"appeal": appeal})


@applicant_required
def my_appeals(request: HttpRequest) -> HttpResponse:
    rows = selectors.appeals_of_citizen(user_of(request)).order_by("-submitted_at")[:200]
    return render(request, "appeals/mine.html", {"rows": rows})


@applicant_required
def my_appeal(request: HttpRequest, number: str) -> HttpResponse:
    appeal = selectors.appeals_of_citizen(user_of(request)).filter(number=number).first()
    if appeal is None:
        raise Http404
    return render(
        request,
        "appeals/my_appeal.html",
        {"appeal": appeal, "steps": appeal.steps.all(), "verdicts": services.VERDICTS},
    )


@applicant_required
@require_POST
def my_appeal_rate(request: HttpRequest, number: str) -> HttpResponse:
    try:
        appeal = services.appeal_rate(
            actor=user_of(request),
            number=number,
            verdict=request.POST.get("verdict", ""),
            comment=request.POST.get("comment", "")[:600],
        )
    except GovplusError as error:
        shown = selectors.appeals_of_citizen(user_of(request)).filter(number=number).first()
        if shown is None:
            raise Http404 from error
        context = {"appeal": shown, "steps": shown.steps.all(), "verdicts": services.VERDICTS}
        return render(
            request, "appeals/my_appeal.html", {**context, "errors": field_errors(error)}, status=error.status
        )
    done = _("已重新交办，承办部门将再次办理。") if appeal.status == Appeal.Status.SIGNED else _("感谢您的评价。")
    messages.success(request, done)
    return HttpResponseRedirect(reverse("portal:my_appeal", args=[number]))
