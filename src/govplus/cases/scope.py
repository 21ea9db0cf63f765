"""Which tasks a staff member may see: those of their (department, role) pairs."""

from __future__ import annotations

from django.db.models import Q

from govplus.identity.models import User
from govplus.identity.selectors import staff_assignments


def task_scope(actor: User) -> Q:
    assignments = staff_assignments(user=actor)
    if not assignments:
        return Q(pk__in=[])
    scope = Q()
    for assignment in assignments:
        scope |= Q(department_id=assignment.department_id, role=assignment.role)
    return scope
