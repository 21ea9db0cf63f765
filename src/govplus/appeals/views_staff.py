"""Staff pages of appeals: the dispatcher's queue (待分办) and the department's appeals (to sign, to
answer, answered), one appeal with its photos and time line, and the steps (分办, 签收, 退回, 答复).
Thin: the rules are in `services.py`. A real-name caller's name and phone are shown masked; each
look at them unmasked is not offered here (the reply goes through the platform)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from govplus.appeals import selectors, services
from govplus.appeals.models import Appeal, AppealPhoto
from govplus.appeals.reply_checks import reply_problems
from govplus.appeals.taxonomy import category_department
from govplus.core.crypto import decrypt_text, mask_name, mask_phone
from govplus.core.errors import GovplusError
from govplus.identity.models import Department
from govplus.portal.helpers import field_errors, staff_required, user_of

TABS = {
    "todo": (Appeal.Status.ASSIGNED, Appeal.Status.SIGNED),
    "answered": (Appeal.Status.REPLIED,),
    "closed": (Appeal.Status.CLOSED,),
}


def _visible(actor: Any, number: str) -> Appeal:
    """An appeal the actor may see: one of their departments', or any if they dispatch."""
    rows = Appeal.objects.select_related("category", "department", "region", "duplicate_of")
    if not selectors.is_dispatcher(actor):
        rows = rows.filter(department_id__in=selectors.departments_handled_by(actor))
    appeal = rows.filter(number=number).first()
    if appeal is None:
        raise Http404
    return appeal


@staff_required
def staff_appeals(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    dispatcher = selectors.is_dispatcher(actor)
    tab = request.GET.get("tab", "dispatch" if dispatcher else "todo")
    if tab == "dispatch" and dispatcher:
        rows = selectors.appeals_to_dispatch()[:200]
    else:
        tab = tab if tab in TABS else "todo"
        mine = selectors.departments_handled_by(actor)
        rows = (
            selectors.appeals_of_departments(mine)
            .filter(status__in=TABS[tab])
            .order_by("reply_due", "submitted_at")[:200]
        )
    return render(request, "appeals/staff_list.html", {"rows": rows, "tab": tab, "dispatcher": dispatcher})


def _caller(appeal: Appeal) -> str:
    if appeal.is_anonymous:
        return _("匿名")
    name = mask_name(decrypt_text(appeal.contact_name_encrypted)) if appeal.contact_name_encrypted else ""
    phone = mask_phone(decrypt_text(appeal.contact_phone_encrypted)) if appeal.contact_phone_encrypted else ""
    return " ".join(part for part in (name, phone) if part) or _("未留联系方式")


def _detail(request: HttpRequest, appeal: Appeal, **more: Any) -> dict[str, Any]:
    actor = user_of(request)
    handles = appeal.department_id is not None and selectors.staff_of_department(actor, appeal.department_id)
    context = {
        "appeal": appeal,
        "steps": appeal.steps.select_related("department"),
        "photos": appeal.photos.all(),
        "caller": _caller(appeal),
        "suggested": category_department(appeal.category) if appeal.category and not appeal.department else None,
        "dispatcher": selectors.is_dispatcher(actor),
        "handles": handles,
        "departments": Department.objects.filter(is_active=True).order_by("code"),
        "categories": selectors.routing_categories(),
    }
    return {**context, **more}


@staff_required
def staff_appeal(request: HttpRequest, number: str) -> HttpResponse:
    appeal = _visible(user_of(request), number)
    return render(request, "appeals/staff_appeal.html", _detail(request, appeal))


@staff_required
def staff_appeal_photo(request: HttpRequest, number: str, photo_id: int) -> FileResponse:
    appeal = _visible(user_of(request), number)
    photo = AppealPhoto.objects.filter(appeal=appeal, pk=photo_id).first()
    if photo is None:
        raise Http404
    return FileResponse(photo.image.open("rb"), content_type=photo.content_type)


STEPS = {
    "dispatch": lambda actor, number, post: services.appeal_dispatch(
        actor=actor, number=number, department_code=post.get("department", ""), category_code=post.get("category", "")
    ),
    "sign": lambda actor, number, post: services.appeal_sign(actor=actor, number=number),
    "return": lambda actor, number, post: services.appeal_return(
        actor=actor, number=number, reason=post.get("reason", "")[:400]
    ),
    "merge": lambda actor, number, post: services.appeal_merge(actor=actor, number=number, into=post.get("into", "")),
    "split": lambda actor, number, post: services.appeal_split(actor=actor, number=number),
    "reply": lambda actor, number, post: services.appeal_reply(
        actor=actor, number=number, text=post.get("reply", "")[:6000], confirmed=post.get("confirmed") == "on"
    ),
}
DONE = {
    "dispatch": "已分办。",
    "sign": "已签收，请在答复期限内答复。",
    "return": "已退回分办员。",
    "reply": "答复已发送。",
    "merge": "已合并办理。",
    "split": "已拆分，单独办理。",
}


@staff_required
@require_POST
def staff_appeal_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    actor = user_of(request)
    appeal = _visible(actor, number)
    run = STEPS.get(step)
    if run is None:
        raise Http404
    try:
        run(actor, number, request.POST)
    except GovplusError as error:
        soft = reply_problems(appeal, request.POST.get("reply", ""))[1] if step == "reply" else []
        context = _detail(request, appeal, errors=field_errors(error), form=request.POST, soft=soft, failed=step)
        return render(request, "appeals/staff_appeal.html", context, status=error.status)
    messages.success(request, _(DONE[step]))
    if step in ("dispatch", "return"):
        return HttpResponseRedirect(reverse("portal:staff_appeals"))
    return HttpResponseRedirect(reverse("portal:staff_appeal", args=[number]))
