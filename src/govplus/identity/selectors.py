"""Identity reads."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from govplus.core.context import user_memo
from govplus.identity.models import Department, Role, StaffRole, User


@dataclass(frozen=True)
class Assignment:
    department_id: int
    department_code: str
    role: str
    department_name: str = ""
    department_name_en: str = ""


def staff_assignments(*, user: User) -> list[Assignment]:
    """The (department, role) pairs whose work this user may see and do (read once per request, or per
    remembered Bearer token: `user_memo`)."""
    if not user.is_authenticated or user.kind != User.Kind.STAFF:
        return []

    def read() -> list[Assignment]:
        return [
            Assignment(department_id, code, role, name, name_en)
            for department_id, code, role, name, name_en in StaffRole.objects.filter(user=user).values_list(
                "department_id", "department__code", "role", "department__name", "department__name_en"
            )
        ]

    return list(user_memo(user, "staff_assignments", read))


def user_has_role(*, user: User, roles: set[str]) -> bool:
    return any(assignment.role in roles for assignment in staff_assignments(user=user))


def is_platform_admin(*, user: User) -> bool:
    return bool(user.is_superuser) or user_has_role(user=user, roles={Role.PLATFORM_ADMIN})


def department_list() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).order_by("code")


def department_by_code(*, code: str) -> Department | None:
    return Department.objects.filter(code=code).first()
