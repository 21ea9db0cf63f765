"""Small helpers shared by the portal's views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from govplus.core.errors import GovplusError
from govplus.identity.models import User


def user_of(request: HttpRequest) -> User:
    """The signed-in user of a page behind `login_required` (never anonymous there)."""
    return cast(User, request.user)


def field_errors(error: GovplusError) -> dict[str, list[str]]:
    """Errors keyed by field; a message without fields goes under "general"."""
    return error.fields or {"general": [f"{error.message}"]}


def whole_number(text: str, *, default: int, maximum: int) -> int:
    """A page's number parameter (`?page=`, a row id): `default` when it is not a whole number from 0
    to `maximum`, so that `page=99999999999999999999` never overflows the database (a 500)."""
    text = text.strip()
    if not text.isdigit() or len(text) > 18 or int(text) > maximum:
        return default
    return int(text)


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", "") != "staff":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def applicant_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", "") == "staff":
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
