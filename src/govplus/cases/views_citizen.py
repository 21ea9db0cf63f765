"""Pages of the applicant: apply wizard, my applications, case detail, supplement, rating."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govplus.cases import ratings, reveal, selectors, services
from govplus.cases.models import Application
from govplus.cases.workflow import WITHDRAWABLE
from govplus.catalog.selectors import service_get_published
from govplus.core.errors import GovplusError, NotFound
from govplus.portal.helpers import applicant_required, field_errors, pager_for, user_of


def _detail_url(receipt_no: str) -> str:
    return reverse("portal:application_detail", args=[receipt_no])


def _own_or_404(request: HttpRequest, receipt_no: str) -> Application:
    """The signed-in applicant's own case; anyone else's is a 404 (it reveals nothing)."""
    try:
        return selectors.application_get_for(actor=user_of(request), receipt_no=receipt_no)
    except NotFound as error:
        raise Http404 from error


def _problems_in_one_line(error: GovplusError) -> str:
    """Every field's problems as one flash message."""
    return "；".join(message for messages_of_field in field_errors(error).values() for message in messages_of_field)


@applicant_required
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    """Step 1: the form. A POST creates (or updates) the draft and moves on to materials."""
    try:
        item = service_get_published(code=code)
    except NotFound as error:
        raise Http404 from error
    context: dict[str, object] = {"item": item, "values": {}, "today": timezone.localdate()}
    if request.method == "GET" and request.GET.get("receipt_no"):
        try:
            draft = selectors.application_get_for(actor=user_of(request), receipt_no=request.GET["receipt_no"])
        except NotFound as error:
            raise Http404 from error
        if draft.status == Application.Status.DRAFT and draft.service_item.code == item.code:
            context.update(values=draft.form_data, receipt_no=draft.receipt_no)
    if request.method == "POST":
        values = {field["name"]: request.POST.get(field["name"], "") for field in item.form_fields}
        receipt_no = request.POST.get("receipt_no", "")
        try:
            if receipt_no:
                application = services.application_update_form(
                    actor=user_of(request), receipt_no=receipt_no, form=values, require_complete=True
                )
            else:
                application = services.application_create(
                    actor=user_of(request),
                    service_code=code,
                    form=values,
                    channel=_channel(request),
                    require_complete=True,  # step 1 is checked when it is left
                )
        except GovplusError as error:
            context.update(errors=field_errors(error), values=values, receipt_no=receipt_no)
            return render(request, "cases/apply_form.html", context, status=error.status)
        return redirect("portal:apply_materials", receipt_no=application.receipt_no)
    return render(request, "cases/apply_form.html", context)


def _channel(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    return Application.Channel.MOBILE if "Mobile" in agent else Application.Channel.WEB


def _consents_record(request: HttpRequest, application: Application) -> dict[str, list[str]]:
    """The consent checkboxes of the materials a provider offers: record a new tick, withdraw a cleared one."""
    errors: dict[str, list[str]] = {}
    supplied = selectors.application_supplies(application=application)
    for code in selectors.material_offers_for(application=application):
        ticked = request.POST.get(f"consent_{code}") == "1"
        if ticked == (code in supplied):
            continue
        try:
            services.material_supply_consent(
                actor=user_of(request), receipt_no=application.receipt_no, material_code=code, consent=ticked
            )
        except GovplusError as error:
            errors[code] = [message for messages_ in field_errors(error).values() for message in messages_]
    return errors


@applicant_required
def apply_materials(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """Step 2: upload materials (also used to answer a supplement notice)."""
    application = _own_or_404(request, receipt_no)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        uploaded = 0
        for material in application.service_item.materials.all():
            upload = request.FILES.get(f"file_{material.code}")
            if upload is None:
                continue
            try:
                services.material_upload(
                    actor=user_of(request),
                    receipt_no=receipt_no,
                    material_code=material.code,
                    upload=upload,
                )
                uploaded += 1
            except GovplusError as error:
                errors[material.code] = [message for messages_ in field_errors(error).values() for message in messages_]
                status = error.status
        errors.update(_consents_record(request, application))
        if errors:
            status = max(status, 400)
        if not errors and application.status == Application.Status.SUPPLEMENT_REQUESTED:
            return _supplement(request, receipt_no)
        if not errors:  # step 2 is checked when it is left: every required material is there
            for material in services.application_missing_materials(application=application):
                errors[material.code] = [
                    _("请上传“%(name)s”（必需材料）") % {"name": material.name},
                ]
                status = 422
        if not errors:
            return redirect("portal:apply_review", receipt_no=receipt_no)
    current = {m.material_code: m for m in selectors.application_materials(application=application)}
    supplement = selectors.supplement_open(application=application)
    return render(
        request,
        "cases/apply_materials.html",
        {
            "application": application,
            "materials": application.service_item.materials.all(),
            "current": current,
            "errors": errors,
            "supplement": supplement,
            "offers": selectors.material_offers_for(application=application),
            "supplies": selectors.application_supplies(application=application),
        },
        status=status,
    )


def _supplement(request: HttpRequest, receipt_no: str) -> HttpResponse:
    try:
        services.application_supplement(
            actor=user_of(request), receipt_no=receipt_no, note=request.POST.get("note", "")
        )
    except GovplusError as error:
        messages.error(request, _problems_in_one_line(error))
        return redirect("portal:apply_materials", receipt_no=receipt_no)
    messages.success(request, _("补正材料已提交，办理计时已恢复。"))
    return redirect(_detail_url(receipt_no))


@applicant_required
def apply_review(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """Step 3: check everything and submit."""
    application = _own_or_404(request, receipt_no)
    if request.method == "POST":
        try:
            services.application_submit(actor=user_of(request), receipt_no=receipt_no)
        except GovplusError as error:
            if error.code == "already_submitted":
                return redirect(_detail_url(receipt_no))
            return render(
                request,
                "cases/apply_review.html",
                {
                    "application": application,
                    "errors": field_errors(error),
                    "materials": selectors.application_materials(application=application),
                    "supplies": selectors.application_supplies(application=application),
                },
                status=error.status,
            )
        messages.success(request, _("申请已提交，办件编号 %(no)s。") % {"no": receipt_no})
        return redirect(_detail_url(receipt_no))
    return render(
        request,
        "cases/apply_review.html",
        {
            "application": application,
            "materials": selectors.application_materials(application=application),
            "supplies": selectors.application_supplies(application=application),
        },
    )


MY_APPLICATIONS_PER_PAGE = 20


@applicant_required
def my_applications(request: HttpRequest) -> HttpResponse:
    """My applications, newest first, 20 a page, optionally of one status."""
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    rows = selectors.application_list_for(actor=user_of(request), status=status)
    pager = pager_for(request, total=rows.count(), per_page=MY_APPLICATIONS_PER_PAGE, filters={"status": status})
    return render(
        request,
        "cases/my_applications.html",
        {
            "applications": rows[pager.offset : pager.offset + pager.per_page],
            "pager": pager,
            "status": status,
            "statuses": Application.Status.choices,
        },
    )


@applicant_required
def application_detail(request: HttpRequest, receipt_no: str) -> HttpResponse:
    application = _own_or_404(request, receipt_no)
    parts = selectors.application_department_parts(application=application)
    return render(
        request,
        "cases/application_detail.html",
        {
            "application": application,
            "parts": parts,
            "limits": selectors.application_time_limits(application=application),
            "denials": selectors.co_handling_denials(application=application, parts=parts),
            "events": selectors.application_events(application=application, include_internal=False),
            "materials": selectors.application_materials(application=application),
            "supplement": selectors.supplement_open(application=application),
            "rating": getattr(application, "rating", None),
            "reasons": ratings.REASONS,
            "scores": sorted(ratings.SCORE_LABELS.items(), reverse=True),
            "accesses": reveal.personal_data_accesses(application=application),
        },
    )


@applicant_required
@require_POST
def application_rate(request: HttpRequest, receipt_no: str) -> HttpResponse:
    try:
        score = int(request.POST.get("score", "0"))
    except ValueError:
        score = 0
    try:
        ratings.rating_submit(
            actor=user_of(request),
            receipt_no=receipt_no,
            score=score,
            reasons=request.POST.getlist("reasons"),
            comment=request.POST.get("comment", ""),
        )
    except GovplusError as error:
        messages.error(request, _problems_in_one_line(error))
    else:
        messages.success(request, _("感谢您的评价！"))
    return HttpResponseRedirect(_detail_url(receipt_no))


@applicant_required
def application_withdraw(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """撤回: a page that says what withdrawing means; only a POST with `confirm` withdraws."""
    application = _own_or_404(request, receipt_no)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.application_withdraw(
                actor=user_of(request), receipt_no=receipt_no, reason=request.POST.get("reason", "")
            )
        except GovplusError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("申请已撤回，办件编号 %(no)s。如需办理请重新申请。") % {"no": receipt_no})
        return HttpResponseRedirect(_detail_url(receipt_no))
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    return render(
        request,
        "cases/withdraw_confirm.html",
        {
            "application": application,
            "reason": request.POST.get("reason", ""),
            "is_withdrawable": application.status in WITHDRAWABLE,
        },
    )
