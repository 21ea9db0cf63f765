"""Reads of the exchange: the catalogue, consumer systems and their grants."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from govplus.exchange.models import ConsumerSystem, Grant, Resource


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
