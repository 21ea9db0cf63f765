"""Reads of the exchange: the catalogue, consumer systems and their grants."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from govplus.catalog.models import ServiceItem
from govplus.core.errors import NotFound
from govplus.exchange.models import ConsumerSystem, ExchangeEvidence, Grant, Resource, ShareRequest, SourceVersion
from govplus.identity.client_assertion import ClientPolicy
from govplus.identity.selectors import is_platform_admin, staff_assignments


def resource_by_code(code: str) -> Resource | None:
    return Resource.objects.select_related("provider").filter(code=code).first()


def resources_published() -> QuerySet[Resource]:
    return Resource.objects.filter(is_published=True).select_related("provider").order_by("code")


def consumer_of_client(client_id: str) -> ConsumerSystem | None:
    """The consumer system an OAuth2 client id belongs to (active ones only)."""
    return (
        ConsumerSystem.objects.select_related("department", "application")
        .filter(application__client_id=client_id, is_active=True)
        .first()
    )


def consumer_client_policy(client_id: str) -> ClientPolicy | None:
    """What identity's token endpoint needs to know of a consumer system (`identity.client_assertion`):
    its public keys (a system with keys authenticates only with private_key_jwt) and its tokens' scope,
    `exchange` alone. None for a client that is no consumer system (or an inactive one)."""
    found = ConsumerSystem.objects.filter(application__client_id=client_id, is_active=True).values_list("jwks").first()
    if found is None:
        return None
    return ClientPolicy(jwks=found[0] or {}, scopes=("exchange",))


def grant_active(*, consumer: ConsumerSystem, resource: Resource, on: dt.date | None = None) -> Grant | None:
    """The consumer's grant on the resource in force on `on` (today): not withdrawn, inside its period.
    With several (a renewed request), the one that lasts longest."""
    day = on or timezone.localdate()
    return (
        Grant.objects.filter(consumer=consumer, resource=resource, withdrawn_at__isnull=True)
        .filter(Q(valid_from__lte=day) & Q(valid_until__gte=day))
        .order_by("-valid_until", "-id")
        .first()
    )


# Who speaks for a department's data: its administrators and data officers.
DATA_ROLES = frozenset({"department_admin", "data_officer"})


def departments_seen_by(actor: Any) -> list[int] | None:
    """The departments whose requests and grants the actor sees (None: all — the platform admin)."""
    if is_platform_admin(user=actor):
        return None
    return sorted({a.department_id for a in staff_assignments(user=actor)})


def data_departments_of(actor: Any) -> set[int]:
    """The departments the actor speaks for about data (administrator, data officer)."""
    return {a.department_id for a in staff_assignments(user=actor) if a.role in DATA_ROLES}


@dataclass(frozen=True)
class NodeActor:
    """A registered node speaking for one of its departments (it vouches for its own data officer)."""

    node: Any  # a models.Node
    department_ids: frozenset[int] = field(default_factory=frozenset)
    officer: str = ""
    pk: None = None
    is_superuser: bool = False
    is_authenticated: bool = False

    @property
    def username(self) -> str:
        return f"node:{self.node.code}/{self.officer}"[:150]


def speaks_for(actor: Any, department_id: int) -> bool:
    """May the actor ask, decide or withdraw for this department (or is the platform admin)? A peer node
    speaks for the departments that stand for its own (federation.py)."""
    if isinstance(actor, NodeActor):
        return department_id in actor.department_ids
    return is_platform_admin(user=actor) or department_id in data_departments_of(actor)


def request_visible_to(*, actor: Any, number: str) -> ShareRequest:
    """The request if either side of it is among the actor's departments; 404 otherwise."""
    found = requests_visible_to(actor=actor, department_ids=departments_seen_by(actor)).filter(number=number).first()
    if found is None:
        raise NotFound("没有这个申请 / no such request")
    return found


def requests_visible_to(*, actor: Any, department_ids: list[int] | None, status: str = "") -> QuerySet[ShareRequest]:
    """Requests either side may see: asked by the actor's departments or asking for their resources
    (`department_ids` None: every request — the platform administrator)."""
    rows = ShareRequest.objects.select_related(
        "resource", "resource__provider", "consumer", "consumer__department", "consumer__application"
    ).select_related("grant")
    if department_ids is not None:
        rows = rows.filter(Q(consumer__department_id__in=department_ids) | Q(resource__provider_id__in=department_ids))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-requested_at", "-id")


def grant_in_force(grant: Grant, on: dt.date | None = None) -> bool:
    day = on or timezone.localdate()
    return grant.withdrawn_at is None and grant.valid_from <= day <= grant.valid_until


def consumers_of_departments(department_ids: list[int]) -> QuerySet[ConsumerSystem]:
    return (
        ConsumerSystem.objects.filter(department_id__in=department_ids)
        .select_related("department", "application")
        .order_by("department__code", "name")
    )


def grants_visible_to(*, department_ids: list[int] | None) -> QuerySet[Grant]:
    """Grants either side may see: given by the actor's departments or received by their systems."""
    rows = Grant.objects.select_related(
        "resource", "resource__provider", "consumer", "consumer__department", "consumer__application", "request"
    )
    if department_ids is not None:
        rows = rows.filter(Q(consumer__department_id__in=department_ids) | Q(resource__provider_id__in=department_ids))
    return rows.order_by("-created_at", "-id")


def evidence_about(*, subject_hash: str, limit: int = 200) -> QuerySet[ExchangeEvidence]:
    """The exchanges that concerned one person or business (by the keyed hash of their code)."""
    return ExchangeEvidence.objects.filter(subject_hash=subject_hash).order_by("-occurred_at", "-id")[:limit]


def evidence_of_case(*, case_number: str, resource_code: str) -> QuerySet[ExchangeEvidence]:
    return ExchangeEvidence.objects.filter(case_number=case_number, resource_code=resource_code).order_by("id")


# --- the catalogue (资源目录): every staff member finds published resources; a provider also its drafts


def resource_catalogue(
    *, actor: Any, query: str = "", share_class: str = "", provider: str = "", include_drafts: bool = True
) -> QuerySet[Resource]:
    """The resources the actor may see: every published one, and the unpublished ones of the departments
    the actor speaks for (all of them for the platform administrator). `query` matches the code, the name
    (Chinese or English) or the provider's name; `provider` is a department code."""
    rows = Resource.objects.select_related("provider")
    if not is_platform_admin(user=actor):
        visible = Q(is_published=True)
        if include_drafts:
            visible |= Q(provider_id__in=data_departments_of(actor))
        rows = rows.filter(visible)
    text = query.strip()
    if text:
        rows = rows.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(name_en__icontains=text)
            | Q(provider__name__icontains=text)
            | Q(provider__short_name__icontains=text)
        )
    if share_class:
        rows = rows.filter(share_class=share_class)
    if provider:
        rows = rows.filter(provider__code=provider)
    return rows.order_by("code")


def resource_visible_to(*, actor: Any, code: str) -> Resource:
    """One resource the actor may see (see `resource_catalogue`); 404 otherwise."""
    resource = resource_by_code(code)
    if resource is None or not (resource.is_published or speaks_for(actor, resource.provider_id)):
        raise NotFound("没有这个资源 / no such resource")
    return resource


def resource_versions(resource: Resource, *, limit: int = 50) -> QuerySet[SourceVersion]:
    return SourceVersion.objects.filter(resource=resource).select_related("created_by").order_by("-number")[:limit]


def resource_providers() -> list[tuple[str, str]]:
    """(code, name) of the departments that provide a published resource, for the catalogue's filter."""
    rows = (
        Resource.objects.filter(is_published=True)
        .values_list("provider__code", "provider__name")
        .distinct()
        .order_by("provider__code")
    )
    return [(code, name) for code, name in rows]


def service_items_named(codes: list[str]) -> list[tuple[str, str]]:
    """(code, name) of the service items a resource serves, in its order (an unknown code keeps its code)."""
    names = dict(ServiceItem.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names.get(code, code)) for code in codes]
