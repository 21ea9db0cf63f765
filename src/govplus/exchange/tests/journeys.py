"""One run of each exchange write service for core's "every write is audited" test, and the public
functions of exchange's service modules that are not write services (with the reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from govplus.exchange import catalogue, evidence_export, services, sources, subscriptions, tree_heads
from govplus.exchange.evidence import evidence_record
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


def _exchanged(county: County) -> str:
    """One lookup by 人社局's system in 公安局's resource: an evidence entry."""
    return evidence_record(
        consumer="rsj-review-system",
        consumer_department="rsj",
        operation="lookup",
        resource_code=_resource(county).code,
        purpose="社保待遇资格审核",
        fields=["name"],
        record_count=1,
        request={"key_hash": "k"},
        response={"name": "masked"},
    ).evidence_id


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

WRITE_SERVICES.update(
    {
        "govplus.exchange.tree_heads.tree_head_sign": (
            lambda c: (_exchanged(c), tree_heads.tree_head_sign()),
            "exchange.tree_head_sign",
            lambda c: None,  # the platform signs, on request or on schedule
        ),
        "govplus.exchange.evidence_export.evidence_export": (
            lambda c: evidence_export.evidence_export(actor=_officer(c), evidence_id=_exchanged(c)),
            "exchange.evidence_export",
            _officer,
        ),
    }
)


def _catalogued(county: County) -> Resource:
    """A fresh draft resource of 公安局 described by its department administrator."""
    number = Resource.objects.filter(code__startswith="330521-GAJ-8").count() + 1
    return catalogue.resource_create(
        actor=county.staff["department_admin"],
        code=f"330521-GAJ-8{number:03d}",
        name="派出所名录",
        provider=Department.objects.get(code="gaj"),
        share_class=Resource.ShareClass.UNCONDITIONAL,
        fields=[{"name": "code", "label": "编码"}, {"name": "name", "label": "名称"}],
        key_field="code",
        update_cycle=Resource.UpdateCycle.MONTHLY,
    )


def _uploaded(county: County, *, apply: bool = False) -> Any:
    return sources.table_upload(
        actor=county.staff["department_admin"],
        code=_catalogued(county).code,
        file_name="名录.csv",
        content="code,name\n001,武康派出所\n".encode(),
        apply=apply,
    )


def _checked_then_applied(county: County) -> Any:
    version = _uploaded(county)
    return sources.source_version_apply(
        actor=county.staff["department_admin"], code=version.resource.code, number=version.number
    )


def _configured(county: County) -> Resource:
    return sources.source_configure(
        actor=county.staff["department_admin"],
        code=_catalogued(county).code,
        kind=Resource.SourceKind.HTTP,
        config={"url": "http://127.0.0.1:9/none"},  # nothing listens on the discard port
    )


def _admin(county: County) -> User:
    return county.staff["department_admin"]


WRITE_SERVICES.update(
    {
        "govplus.exchange.catalogue.resource_create": (_catalogued, "exchange.resource_create", _admin),
        "govplus.exchange.catalogue.resource_update": (
            lambda c: catalogue.resource_update(actor=_admin(c), code=_catalogued(c).code, name="派出所名录（新）"),
            "exchange.resource_update",
            _admin,
        ),
        "govplus.exchange.catalogue.resource_publish": (
            lambda c: catalogue.resource_publish(actor=_admin(c), code=_catalogued(c).code),
            "exchange.resource_publish",
            _admin,
        ),
        "govplus.exchange.catalogue.resource_unpublish": (
            lambda c: catalogue.resource_unpublish(
                actor=_admin(c), code=catalogue.resource_publish(actor=_admin(c), code=_catalogued(c).code).code
            ),
            "exchange.resource_unpublish",
            _admin,
        ),
        "govplus.exchange.sources.table_upload": (_uploaded, "exchange.source_check", _admin),
        "govplus.exchange.sources.uploads_sweep": (
            lambda c: (_uploaded(c), sources.uploads_sweep(now=timezone.now() + dt.timedelta(days=365))),
            "exchange.upload_sweep",
            lambda c: None,  # the nightly task
        ),
        "govplus.exchange.sources.source_version_apply": (_checked_then_applied, "exchange.source_apply", _admin),
        "govplus.exchange.sources.rows_import": (
            lambda c: sources.rows_import(
                actor=_admin(c), code=_catalogued(c).code, rows=[{"code": "002", "name": "新市派出所"}]
            ),
            "exchange.source_apply",
            _admin,
        ),
        "govplus.exchange.sources.source_configure": (_configured, "exchange.source_configure", _admin),
        "govplus.exchange.sources.source_refresh": (
            lambda c: sources.source_refresh(actor=_admin(c), code=_configured(c).code),
            "exchange.source_check",
            _admin,
        ),
    }
)

NOT_WRITE_SERVICES: dict[str, str] = {
    "govplus.exchange.evidence_export.evidence_exportable": "reads",
    "govplus.exchange.evidence_export.export_content": "renders an export already built (and audited)",
    "govplus.exchange.evidence_export.export_file_name": "computes a file name",
    "govplus.exchange.evidence_export.may_export_evidence": "reads",
    "govplus.exchange.tree_heads.jwks_uri": "computes a URL",
    "govplus.exchange.tree_heads.tree_head_payload": "computes the signed content",
    "govplus.exchange.tree_heads.tree_head_check": "verifies a signature",
    "govplus.exchange.tree_heads.tree_head_latest_row": "reads",
    "govplus.exchange.tree_heads.tree_head_of_size": "reads",
    "govplus.exchange.tree_heads.tree_head_current": "reads; signs only through tree_head_sign, which audits",
    "govplus.exchange.tree_heads.tree_head_covering": "reads; signs only through tree_head_sign, which audits",
    "govplus.exchange.evidence_export.is_evidence_auditor": "reads roles",
    "govplus.exchange.evidence_export.evidence_visible_to": "reads",
    "govplus.exchange.sources.check_rows": "reads: checks rows and diffs them against the records",
    "govplus.exchange.sources.sql_query_problem": "reads: checks a query's text",
    "govplus.exchange.sources.source_config_of": "reads: decrypts the source's configuration",
    "govplus.exchange.sources.source_host": "reads: the source's host for display",
    "govplus.exchange.sources.sources_due": "reads: which sources their update cycle makes due",
    "govplus.exchange.sources.sources_refresh_due": "runs source_refresh (audited there) as the platform itself",
    "govplus.exchange.subscriptions.endpoint_problems": "checks a URL",
    "govplus.exchange.subscriptions.endpoint_shown": "formats a URL",
    "govplus.exchange.subscriptions.webhook_due_publish": "a step inside a service's or handler's transaction",
    "govplus.exchange.subscriptions.subscriptions_visible_to": "reads",
    "govplus.exchange.subscriptions.subscription_visible_to": "reads",
    "govplus.exchange.subscriptions.subscriptions_to_push": "reads",
}
