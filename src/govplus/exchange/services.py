"""Sharing requests and grants (共享申请与授权).

Rules:
- A consumer department asks for a resource, for one of its systems, for a purpose, a legal basis, a
  subset of the resource's fields and a period (at most `MAX_GRANT_DAYS`). Its department's staff ask
  (department administrators and data officers); every field asked must exist and be shareable — a
  field of sensitivity 4 (高度敏感) is never shared, nor is a resource of share class 不予共享 (the answer
  names its legal basis).
- 无条件共享: granted at once, to the fields asked. 有条件共享: the request waits for the provider's data
  officer (a department administrator or data officer of the providing department), who decides within
  `DECISION_WORKING_DAYS` working days of the platform's calendar (`due_on`): grant — possibly fewer
  fields than asked, and with the sensitive fields they allow in full (`unmasked_fields`) — or refuse
  with a reason. A request asking for fields the consumer already holds, in an overlapping period, is
  still a new request (a renewal); the gateway uses the grant that lasts longest.
- The asking department may cancel a pending request; either side may withdraw a grant with a reason;
  a grant past its `valid_until` simply stops counting (the gateway checks the date).
- Everything is audited, and both sides see it: the consumer's department its requests and grants,
  the provider's data officer the requests to decide and the grants given.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from govplus.core.audit import audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from govplus.core.events import event_publish
from govplus.exchange.models import ConsumerSystem, Grant, Resource, ResourceField, ShareRequest
from govplus.exchange.selectors import speaks_for

DECISION_WORKING_DAYS = 10
MAX_GRANT_DAYS = 3 * 366


def _number(now: dt.datetime) -> str:
    """GX-20261202-000123: the day and a running number of that day's requests."""
    day = timezone.localtime(now).date()
    count = ShareRequest.objects.filter(requested_at__date=day).count()
    return f"GX-{day:%Y%m%d}-{count + 1:06d}"


def _shareable_fields(resource: Resource, asked: Sequence[str]) -> list[str]:
    fields = {f.name: f for f in resource.fields.all()}
    problems: list[str] = []
    for name in asked:
        field = fields.get(name)
        if field is None:
            problems.append(f"资源没有字段 {name} / the resource has no field {name}")
        elif field.sensitivity >= ResourceField.Sensitivity.SECRET:
            problems.append(f"字段 {name} 为高度敏感，不予共享 / the field {name} is never shared")
    if problems:
        raise ValidationFailed({"fields": problems})
    if not asked:
        raise ValidationFailed({"fields": ["请至少选择一个字段 / choose at least one field"]})
    return sorted(set(asked), key=list(fields).index)


def share_request_create(
    *,
    actor: Any,
    resource: Resource,
    consumer: ConsumerSystem,
    purpose: str,
    legal_basis: str,
    fields: Sequence[str],
    valid_from: dt.date,
    valid_until: dt.date,
) -> ShareRequest:
    """File a request (see the module's rules); an unconditional resource is granted at once."""
    if not speaks_for(actor, consumer.department_id):
        raise PermissionDenied(
            "只有本部门的管理员或数据管理员可以为本部门系统申请数据 / only the consumer "
            "department's administrators or data officers may ask for its systems"
        )
    if not resource.is_published:
        raise NotFound("没有这个资源 / no such resource")
    if resource.share_class == Resource.ShareClass.NONE:
        raise ValidationFailed(
            {
                "resource": [
                    f"该资源不予共享，依据：{resource.no_share_basis} / this resource is not shared "
                    f"(legal basis: {resource.no_share_basis})"
                ]
            }
        )
    problems: dict[str, list[str]] = {}
    if not purpose.strip():
        problems["purpose"] = ["请说明用途 / state the purpose"]
    if not legal_basis.strip():
        problems["legal_basis"] = ["请给出依据（法规或文件）/ give the legal basis"]
    if valid_until < valid_from:
        problems["valid_until"] = ["截止日期早于起始日期 / the period ends before it starts"]
    elif (valid_until - valid_from).days > MAX_GRANT_DAYS:
        problems["valid_until"] = ["使用期限最长三年 / at most three years"]
    if valid_until < timezone.localdate():
        problems.setdefault("valid_until", []).append("使用期限已过 / the period is over")
    if problems:
        raise ValidationFailed(problems)
    chosen = _shareable_fields(resource, fields)
    now = timezone.now()
    with transaction.atomic():
        request = ShareRequest.objects.create(
            number=_number(now),
            resource=resource,
            consumer=consumer,
            purpose=purpose.strip()[:200],
            legal_basis=legal_basis.strip()[:300],
            fields=chosen,
            valid_from=valid_from,
            valid_until=valid_until,
            requested_by=actor if getattr(actor, "pk", None) else None,
            requested_at=now,
            due_on=(
                WorkingCalendar().add_working_days(timezone.localdate(), DECISION_WORKING_DAYS)
                if resource.share_class == Resource.ShareClass.CONDITIONAL
                else None
            ),
        )
        audit_record(
            actor=actor,
            action="exchange.request_create",
            object_type="share_request",
            object_id=request.number,
            changes={
                "resource": resource.code,
                "consumer": consumer.name,
                "fields": chosen,
                "purpose": request.purpose,
                "period": [str(valid_from), str(valid_until)],
            },
        )
        if resource.share_class == Resource.ShareClass.UNCONDITIONAL:
            _grant(request, actor=None, fields=chosen, unmasked=[], reason="无条件共享，自动授权")
        else:
            event_publish(name="exchange.request_filed", payload={"request": request.number, "resource": resource.code})
    return request


def _grant(request: ShareRequest, *, actor: Any, fields: list[str], unmasked: list[str], reason: str) -> Grant:
    request.status = ShareRequest.Status.GRANTED
    request.decided_by = actor if getattr(actor, "pk", None) else None
    request.decided_at = timezone.now()
    request.decision_reason = reason[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    grant = Grant.objects.create(
        request=request,
        resource=request.resource,
        consumer=request.consumer,
        fields=fields,
        unmasked_fields=unmasked,
        valid_from=request.valid_from,
        valid_until=request.valid_until,
    )
    audit_record(
        actor=actor,
        action="exchange.grant_create",
        object_type="share_request",
        object_id=request.number,
        changes={"fields": fields, "unmasked_fields": unmasked, "reason": reason},
    )
    event_publish(name="exchange.request_decided", payload={"request": request.number, "granted": True})
    return grant


def share_request_decide(
    *,
    actor: Any,
    request_number: str,
    grant: bool,
    reason: str = "",
    fields: Sequence[str] | None = None,
    unmasked_fields: Sequence[str] = (),
) -> ShareRequest:
    """The provider's data officer grants (all or some of the fields asked; sensitive ones in full only
    when listed in `unmasked_fields`) or refuses with a reason. Deciding twice is a conflict."""
    with transaction.atomic():
        request = (
            ShareRequest.objects.select_for_update()
            .select_related("resource", "consumer")
            .filter(number=request_number)
            .first()
        )
        if request is None or not speaks_for(actor, request.resource.provider_id):
            raise NotFound("没有这个待审核的申请 / no such request to decide")
        if request.status != ShareRequest.Status.PENDING:
            raise Conflict(f"该申请已处理（{request.get_status_display()}）/ the request was already decided")
        if not grant:
            if not reason.strip():
                raise ValidationFailed({"reason": ["拒绝须说明理由 / a refusal needs a reason"]})
            request.status = ShareRequest.Status.REFUSED
            request.decided_by, request.decided_at = actor, timezone.now()
            request.decision_reason = reason.strip()[:300]
            request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
            audit_record(
                actor=actor,
                action="exchange.request_refuse",
                object_type="share_request",
                object_id=request.number,
                changes={"reason": request.decision_reason},
            )
            event_publish(name="exchange.request_decided", payload={"request": request.number, "granted": False})
            return request
        chosen = list(request.fields) if fields is None else list(fields)
        extra = sorted(set(chosen) - set(request.fields))
        if extra or not chosen:
            raise ValidationFailed(
                {
                    "fields": [
                        f"只能授权申请的字段：{'、'.join(extra) or '（无）'} / grant only fields that were asked for"
                    ]
                }
            )
        sensitive = {
            f.name for f in request.resource.fields.all() if f.sensitivity == ResourceField.Sensitivity.SENSITIVE
        }
        bad = sorted(set(unmasked_fields) - (sensitive & set(chosen)))
        if bad:
            raise ValidationFailed(
                {
                    "unmasked_fields": [
                        f"只有授权的敏感字段可以不遮挡：{'、'.join(bad)} / only granted sensitive "
                        "fields can be shown in full"
                    ]
                }
            )
        _grant(request, actor=actor, fields=chosen, unmasked=sorted(unmasked_fields), reason=reason.strip())
    return request


def share_request_cancel(*, actor: Any, request_number: str) -> ShareRequest:
    """The asking department withdraws its pending request."""
    with transaction.atomic():
        request = (
            ShareRequest.objects.select_for_update().select_related("consumer").filter(number=request_number).first()
        )
        if request is None or not speaks_for(actor, request.consumer.department_id):
            raise NotFound("没有这个申请 / no such request")
        if request.status != ShareRequest.Status.PENDING:
            raise Conflict("只能撤回待审核的申请 / only a pending request can be cancelled")
        request.status = ShareRequest.Status.CANCELLED
        request.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action="exchange.request_cancel",
            object_type="share_request",
            object_id=request.number,
            changes={},
        )
    return request


def grant_withdraw(*, actor: Any, grant_id: int, reason: str) -> Grant:
    """Either side ends a grant at once, with a reason; the gateway refuses its next call."""
    if not reason.strip():
        raise ValidationFailed({"reason": ["撤销授权须说明理由 / give a reason"]})
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update()
            .select_related("resource", "consumer", "request")
            .filter(pk=grant_id)
            .first()
        )
        sides = (grant.resource.provider_id, grant.consumer.department_id) if grant else ()
        if grant is None or not any(speaks_for(actor, side) for side in sides):
            raise NotFound("没有这个授权 / no such grant")
        if grant.withdrawn_at is not None:
            raise Conflict("该授权已撤销 / the grant was already withdrawn")
        grant.withdrawn_at, grant.withdrawn_by = timezone.now(), actor
        grant.withdraw_reason = reason.strip()[:300]
        grant.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        audit_record(
            actor=actor,
            action="exchange.grant_withdraw",
            object_type="share_request",
            object_id=grant.request.number,
            changes={"reason": grant.withdraw_reason},
        )
    return grant


def consumer_system_create(
    *,
    actor: Any,
    department: Any,
    name: str,
    client_id: str = "",
    client_secret: str = "",
    jwks: dict[str, Any] | None = None,
    rate_per_minute: int = 600,
) -> tuple[ConsumerSystem, str]:
    """Register a department's system as an OAuth2 client of the gateway (client credentials, scope
    `exchange`). Returns the system and its client secret, shown once (stored hashed); a system that
    authenticates with `private_key_jwt` gives its public `jwks` instead and gets no secret."""
    from oauth2_provider.models import get_application_model

    if actor is not None and not speaks_for(actor, department.pk):
        raise PermissionDenied(
            "只有本部门的管理员或数据管理员可以登记接入系统 / only the department's "
            "administrators or data officers register its systems"
        )
    if not name.strip():
        raise ValidationFailed({"name": ["请填写系统名称 / name the system"]})
    Application = get_application_model()
    secret = "" if jwks else (client_secret or secrets.token_urlsafe(32))
    with transaction.atomic():
        application = Application(
            name=f"{department.name} · {name.strip()}"[:255],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            skip_authorization=True,
        )
        if client_id:
            application.client_id = client_id
        application.save()
        consumer = ConsumerSystem.objects.create(
            department=department,
            name=name.strip()[:100],
            application=application,
            jwks=jwks or {},
            rate_per_minute=rate_per_minute,
        )
        audit_record(
            actor=actor,
            action="exchange.consumer_create",
            object_type="consumer_system",
            object_id=application.client_id,
            changes={"department": department.code, "name": consumer.name, "private_key_jwt": bool(jwks)},
        )
    return consumer, secret
