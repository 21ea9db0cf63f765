"""Who may do what with appeals, and the lists staff and citizens see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from govplus.appeals.models import Appeal, Category
from govplus.identity.models import Region, Role, StaffRole
from govplus.identity.selectors import is_platform_admin

HANDLING_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.DEPARTMENT_ADMIN)


def is_dispatcher(actor: Any) -> bool:
    """A 分办员 anywhere, or the platform administrator."""
    if not getattr(actor, "pk", None):
        return False
    return is_platform_admin(user=actor) or StaffRole.objects.filter(user=actor, role=Role.DISPATCHER).exists()


def departments_handled_by(actor: Any) -> list[int]:
    if not getattr(actor, "pk", None):
        return []
    return list(
        StaffRole.objects.filter(user=actor, role__in=HANDLING_ROLES).values_list("department_id", flat=True).distinct()
    )


def staff_of_department(actor: Any, department_id: int) -> bool:
    return department_id in departments_handled_by(actor)


def appeals_of_departments(department_ids: list[int]) -> QuerySet[Appeal]:
    return Appeal.objects.filter(department_id__in=department_ids).select_related("category", "department")


def appeals_to_dispatch() -> QuerySet[Appeal]:
    return Appeal.objects.filter(status=Appeal.Status.DISPATCHING).select_related("category").order_by("submitted_at")


def appeals_of_citizen(actor: Any) -> QuerySet[Appeal]:
    return Appeal.objects.filter(citizen_id=getattr(actor, "pk", None)).select_related("category", "department")


PLACE_LEVELS = ("street", "community", "grid")


def appeal_places() -> QuerySet[Region]:
    """The places an appeal is about, for the forms: streets, communities and grids (at most 500)."""
    return Region.objects.filter(level__in=PLACE_LEVELS).order_by("code")[:500]


def routing_categories() -> QuerySet[Category]:
    """The first and second levels, in taxonomy order: what staff choose from when they route."""
    return Category.objects.filter(level__lte=2).order_by("code")
