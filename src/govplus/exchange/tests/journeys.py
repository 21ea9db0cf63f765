"""One run of each exchange write service for core's "every write is audited" test, and the public
functions of exchange's service modules that are not write services (with the reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from govplus.exchange import services, subscriptions
from govplus.exchange.models import ConsumerSystem, Resource, ShareRequest, Subscription
from govplus.exchange.tests.conftest import resource_make
from govplus.identity.models import Department, Role, User
from govplus.identity.services import staff_create
from govplus.testing.factories import County


def _officer(county: County) -> User:
    """人社局's data officer (made once per test run of the county)."""
    found = User.objects.filter(username="rsj_data_officer").first()
    if found is not None:
        return found
    return staff_create(
        actor=None,
        username="rsj_data_officer",
        password="Pw#12345678",
        display_name="人社数据员",
        roles=[(Department.objects.get(code="rsj"), Role.DEPARTMENT_ADMIN)],
    )


def _resource(county: County) -> Resource:
    found = Resource.objects.filter(code="330521-GAJ-9001").first()
    return found or resource_make(
        "330521-GAJ-9001",
        "户籍人口",
        Department.objects.get(code="gaj"),
        Resource.ShareClass.CONDITIONAL,
        [("id_number", "公民身份号码", 3, True), ("name", "姓名", 2, True)],
    )


def _consumer(county: County) -> ConsumerSystem:
    consumer, _ = services.consumer_system_create(
        actor=_officer(county), department=Department.objects.get(code="rsj"), name="审核系统"
    )
    return consumer


def _asked(county: County) -> ShareRequest:
    today = timezone.localdate()
    return services.share_request_create(
        actor=_officer(county),
        resource=_resource(county),
        consumer=_consumer(county),
        purpose="社保待遇资格审核",
        legal_basis="《社会保险法》",
        fields=["name"],
        valid_from=today,
        valid_until=today + dt.timedelta(days=30),
    )


def _granted(county: County) -> ShareRequest:
    return services.share_request_decide(
        actor=county.staff["department_admin"], request_number=_asked(county).number, grant=True
    )


def _subscribed(county: County) -> Subscription:
    granted = _granted(county)
    subscription, _secret = subscriptions.subscription_create(
        actor=_officer(county),
        consumer=granted.consumer,
        resource=granted.resource,
        endpoint_url="https://rsj.example.gov.cn/hooks/population",
    )
    return subscription


def _paused(county: County) -> Subscription:
    return subscriptions.subscription_pause(actor=_officer(county), subscription_id=_subscribed(county).pk)


WRITE_SERVICES: dict[str, tuple[Callable[[County], Any], str, Callable[[County], Any]]] = {
    "govplus.exchange.services.consumer_system_create": (_consumer, "exchange.consumer_create", _officer),
    "govplus.exchange.services.share_request_create": (_asked, "exchange.request_create", _officer),
    "govplus.exchange.services.share_request_decide": (
        _granted,
        "exchange.grant_create",
        lambda c: c.staff["department_admin"],
    ),
    "govplus.exchange.services.share_request_cancel": (
        lambda c: services.share_request_cancel(actor=_officer(c), request_number=_asked(c).number),
        "exchange.request_cancel",
        _officer,
    ),
    "govplus.exchange.services.grant_withdraw": (
        lambda c: services.grant_withdraw(actor=_officer(c), grant_id=_granted(c).grant.pk, reason="系统下线"),
        "exchange.grant_withdraw",
        _officer,
    ),
    "govplus.exchange.subscriptions.subscription_create": (_subscribed, "exchange.subscription_create", _officer),
    "govplus.exchange.subscriptions.subscription_pause": (_paused, "exchange.subscription_pause", _officer),
    "govplus.exchange.subscriptions.subscription_resume": (
        lambda c: subscriptions.subscription_resume(actor=_officer(c), subscription_id=_paused(c).pk),
        "exchange.subscription_resume",
        _officer,
    ),
    "govplus.exchange.subscriptions.subscription_delete": (
        lambda c: subscriptions.subscription_delete(actor=_officer(c), subscription_id=_subscribed(c).pk),
        "exchange.subscription_delete",
        _officer,
    ),
}

NOT_WRITE_SERVICES: dict[str, str] = {
    "govplus.exchange.subscriptions.endpoint_problems": "checks a URL",
    "govplus.exchange.subscriptions.endpoint_shown": "formats a URL",
    "govplus.exchange.subscriptions.webhook_due_publish": "a step inside a service's or handler's transaction",
    "govplus.exchange.subscriptions.subscriptions_visible_to": "reads",
    "govplus.exchange.subscriptions.subscription_visible_to": "reads",
    "govplus.exchange.subscriptions.subscriptions_to_push": "reads",
}
