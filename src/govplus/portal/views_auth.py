"""Sign in, register, sign out, and staff TOTP set-up."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from govplus.core.errors import GovplusError, RateLimited
from govplus.identity import services
from govplus.portal.helpers import field_errors, user_of


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def login_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"next": request.GET.get("next", "")}
    if request.method == "POST":
        try:
            user = services.login_authenticate(
                request=request,
                username=request.POST.get("username", ""),
                password=request.POST.get("password", ""),
                totp_code=request.POST.get("totp_code", ""),
            )
        except GovplusError as error:
            context.update(
                errors=field_errors(error),
                message=error.message,
                username=request.POST.get("username", ""),
                needs_totp=error.code == "totp_required",
                next=request.POST.get("next", ""),
            )
            response = render(request, "portal/login.html", context, status=error.status)
            if isinstance(error, RateLimited):
                response["Retry-After"] = str(error.retry_after)
            return response
        login(request, user, backend="govplus.identity.backends.LockoutModelBackend")
        default = "/staff/" if user.kind == "staff" else "/my/applications"
        return redirect(_next_url(request, default))
    return render(request, "portal/login.html", context)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site signs in through the portal's sign-in (throttle, one-time code, audit), never by
    password alone: Django's own admin form would skip the TOTP step."""
    target = _next_url(request, "/admin/")
    return redirect(f"{reverse('portal:login')}?{urlencode({'next': target})}")


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Signing out is a POST (a link or an image on another site must not sign anyone out); a GET,
    e.g. a bookmarked or typed /logout/, shows a page with the sign-out button instead of a blank 405."""
    if request.method == "POST":
        logout(request)
        return redirect("portal:home")
    return render(request, "portal/logout.html")


def register_view(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"values": {}}
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ("username", "name", "id_number", "phone", "email")}
        try:
            user = services.citizen_register(password=request.POST.get("password", ""), **values)
        except GovplusError as error:
            context.update(errors=field_errors(error), values=values)
            return render(request, "portal/register.html", context, status=error.status)
        login(request, user, backend="govplus.identity.backends.LockoutModelBackend")
        messages.success(request, _("注册成功，欢迎使用。"))
        return redirect("portal:home")
    return render(request, "portal/register.html", context)


@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Set up TOTP (scan, then prove with a code) or, once it is on, turn it off with a current code."""
    user = user_of(request)
    context: dict[str, object] = {"is_enabled": user.is_totp_enabled}
    if user.is_totp_enabled:
        if request.method == "POST":
            try:
                services.totp_disable(actor=user, code=request.POST.get("code", ""))
            except GovplusError as error:
                context["errors"] = field_errors(error)
                return render(request, "portal/totp.html", context, status=error.status)
            messages.success(request, _("动态口令已停用。"))
            return redirect("portal:totp")
        return render(request, "portal/totp.html", context)
    if request.method == "POST" and request.POST.get("code"):
        try:
            services.totp_enable(actor=user, code=request.POST["code"])
        except GovplusError as error:
            context["errors"] = field_errors(error)
        else:
            messages.success(request, _("动态口令已启用，下次登录需要输入。"))
            return redirect("portal:workbench")
    uri = services.totp_current_uri(actor=user) if "errors" in context else services.totp_begin(actor=user)
    context["qr_svg"] = segno.make(uri, error="m").svg_inline(scale=4)
    return render(request, "portal/totp.html", context)
