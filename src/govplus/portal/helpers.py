"""Small helpers shared by the portal's views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

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


@dataclass(frozen=True)
class Pager:
    """One page of a list: which page, how many, and the links to the others (filters kept)."""

    page: int
    pages: int
    total: int
    per_page: int
    query: str  # the list's filters, urlencoded, without the page number

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to show: the first, the last and two either side of the current; None is a gap."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def href(self, page: int) -> str:
        return f"?{self.query}&page={page}" if self.query else f"?page={page}"

    @property
    def previous_href(self) -> str:
        return self.href(self.page - 1)

    @property
    def next_href(self) -> str:
        return self.href(self.page + 1)

    @property
    def links(self) -> list[dict[str, Any] | None]:
        """For the template: {"number", "href", "is_current"} per shown page, None for a gap."""
        return [
            None if number is None else {"number": number, "href": self.href(number), "is_current": number == self.page}
            for number in self.numbers
        ]


def pager_for(request: HttpRequest, *, total: int, per_page: int, filters: dict[str, str]) -> Pager:
    """The page asked for in `?page=` (a number past the end shows the last page, nonsense the first)."""
    pages = max(1, -(-total // per_page))
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    page = min(max(1, page), pages)
    query = urlencode({name: value for name, value in filters.items() if value})
    return Pager(page=page, pages=pages, total=total, per_page=per_page, query=query)
