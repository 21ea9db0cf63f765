"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): what partner apps read and post.

Rules:
- Services are the taxonomy's second-level categories (code "0302" …), grouped by their first level;
  each has metadata: its definition lists the third-level categories as a `singlevaluelist` attribute
  `subcategory`, and the streets and grids of the region as `region`.
- Posting needs a partner's API key (`api_key`), active and of this jurisdiction; the appeal is taken
  in by `intake.appeal_submit` (channel open311) with the service's category as the hint, so it is
  routed and audited like any other. The answer carries its `service_request_id` (the appeal number)
  and a `token` (answered by `tokens/{token}`).
- Reading is public, as in every Open311 server, and shows only what may be published: public appeals,
  their text with phone numbers, ID numbers and e-mail addresses masked, never the caller; the status
  is `open` until the appeal is answered, then `closed` with the reply as `status_notes`.
- Lists default to the last 90 days and never span more than 90 days (the spec's rule); at most
  `MAX_REQUESTS` newest appeals are returned.
- Errors are the spec's list of {code, description}, description in Chinese then English, naming the
  field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from govplus.appeals.intake import AppealInput, appeal_submit
from govplus.appeals.models import Appeal, Category, Partner
from govplus.appeals.selectors import appeal_places
from govplus.core.crypto import lookup_hash
from govplus.core.errors import NotFound, PermissionDenied, ValidationFailed

MAX_REQUESTS = 1_000
MAX_SPAN = dt.timedelta(days=90)
_MASKS = (
    (re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)"), r"\1********\2"),  # ID numbers
    (re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)"), r"\1****\2"),  # mobiles
    (re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "***@***"),  # e-mail addresses
)


def public_text(text: str) -> str:
    """Text as it may be shown to anyone: phone and ID numbers and e-mail addresses masked."""
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def jurisdiction_check(jurisdiction_id: str) -> None:
    if jurisdiction_id and jurisdiction_id != settings.GOVPLUS_REGION_CODE:
        raise NotFound(
            f"jurisdiction_id：本平台只受理 {settings.GOVPLUS_REGION_CODE} 的诉求",
            f"jurisdiction_id: this server answers for {settings.GOVPLUS_REGION_CODE} only",
        )


def partner_of_key(api_key: str) -> Partner:
    """The active partner of this jurisdiction holding `api_key`; PermissionDenied otherwise."""
    partner = Partner.objects.filter(key_hash=lookup_hash(api_key.strip())).first() if api_key.strip() else None
    if partner is None or not partner.is_active:
        raise PermissionDenied("api_key：无效或已停用的接入密钥", "api_key: unknown or disabled API key")
    if partner.jurisdiction != settings.GOVPLUS_REGION_CODE:
        raise PermissionDenied(
            "api_key：该密钥属于其他辖区的接入应用", "api_key: the key belongs to a partner of another jurisdiction"
        )
    return partner


def _services() -> QuerySet[Category]:
    return Category.objects.filter(level=2).select_related("parent")


def service_list(language: str) -> list[dict[str, Any]]:
    english = language.startswith("en")
    out = []
    for category in _services():
        group = category.parent
        out.append(
            {
                "service_code": category.code,
                "service_name": (category.name_en if english and category.name_en else category.name),
                "description": f"{group.name if group else ''} · {category.name}",
                "metadata": True,
                "type": "batch",
                "keywords": ",".join(c.name for c in category.children.all()[:20]),
                "group": (group.name_en if english and group and group.name_en else group.name if group else ""),
            }
        )
    return out


def service_of(code: str) -> Category:
    category = _services().filter(code=code).first()
    if category is None:
        raise NotFound(f"service_code：没有服务 {code[:20]}", f"service_code: no service {code[:20]}")
    return category


def service_definition(code: str) -> dict[str, Any]:
    category = service_of(code)
    subcategories = [{"key": c.code, "name": c.name} for c in category.children.all()]
    regions = [{"key": r.code, "name": r.name} for r in appeal_places()]
    attributes = [
        {
            "variable": True,
            "code": "subcategory",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "三级分类 / third-level category",
            "order": 1,
            "description": "更具体的问题类别 / the more precise kind of problem",
            "values": subcategories,
        },
        {
            "variable": True,
            "code": "region",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "街道、社区或网格 / street, community or grid",
            "order": 2,
            "description": "问题发生地 / where the problem is",
            "values": regions,
        },
    ]
    return {"service_code": category.code, "attributes": attributes}


def request_post(form: dict[str, str]) -> dict[str, Any]:
    """POST requests: take an appeal in from a partner (see the module's rules)."""
    jurisdiction_check(form.get("jurisdiction_id", ""))
    partner = partner_of_key(form.get("api_key", ""))
    code = form.get("service_code", "").strip()
    if not code:
        raise ValidationFailed({"service_code": ["必填 / required"]})
    category = service_of(code)
    subcategory = form.get("attribute[subcategory]", "").strip()
    if subcategory:
        if not category.children.filter(code=subcategory).exists():
            raise ValidationFailed(
                {"attribute[subcategory]": ["不是该服务的三级分类 / not a category of this service"]}
            )
        hint_code = subcategory
    else:
        hint_code = category.code
    description = form.get("description", "")
    if not any(form.get(name, "").strip() for name in ("lat", "address_string", "address_id", "attribute[region]")):
        raise ValidationFailed(
            {"address_string": ["须给出位置：lat/long、address_string 或 address_id / give a location"]}
        )
    name = " ".join(part for part in (form.get("last_name", "").strip(), form.get("first_name", "").strip()) if part)
    appeal = appeal_submit(
        actor=None,
        partner=partner,
        data=AppealInput(
            channel=Appeal.Channel.OPEN311,
            body=description,
            category_code=hint_code,
            region_code=form.get("attribute[region]", "").strip(),
            address=form.get("address_string", "").strip() or form.get("address_id", "").strip(),
            latitude=form.get("lat") or None,
            longitude=form.get("long") or None,
            is_anonymous=not (name or form.get("phone", "").strip()),
            contact_name=name,
            contact_phone=form.get("phone", "").strip(),
            media_url=form.get("media_url", "").strip(),
        ),
    )
    return {
        "service_request_id": appeal.number,
        "token": appeal.token,
        "service_notice": _notice(appeal),
        "account_id": None,
    }


def _notice(appeal: Appeal) -> str:
    if appeal.duplicate_of_id is not None:
        return "已有相同问题的诉求正在办理，将一并处理"
    if appeal.reply_due:
        return f"已转{appeal.department.name if appeal.department else '承办部门'}，{appeal.reply_due:%Y-%m-%d} 前答复"
    return "已受理，正在分办"


def _when(text: str, name: str) -> dt.datetime:
    value = parse_datetime(text.strip())
    if value is None:
        raise ValidationFailed({name: ["须为 W3C 日期时间，如 2026-01-01T00:00:00Z / a W3C datetime"]})
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def request_rows(params: dict[str, str]) -> list[Appeal]:
    """GET requests with the spec's filters (see the module's rules)."""
    jurisdiction_check(params.get("jurisdiction_id", ""))
    rows = Appeal.objects.filter(is_public=True).select_related("category", "department")
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        return list(rows.filter(number__in=ids[:MAX_REQUESTS]))
    codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
    if codes:
        rows = rows.filter(category__code__in=[*codes], category__level=2) | rows.filter(
            category__parent__code__in=codes, category__level=3
        )
    statuses = {s.strip().lower() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise ValidationFailed({"status": ["应为 open 或 closed / open or closed"]})
    if statuses == {"open"}:
        rows = rows.exclude(status__in=_CLOSED)
    elif statuses == {"closed"}:
        rows = rows.filter(status__in=_CLOSED)
    end = _when(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
    start = _when(params["start_date"], "start_date") if params.get("start_date") else end - MAX_SPAN
    if end < start:
        raise ValidationFailed({"end_date": ["不能早于 start_date / before start_date"]})
    if end - start > MAX_SPAN:
        raise ValidationFailed({"end_date": ["时段不能超过 90 天 / the period may not exceed 90 days"]})
    return list(rows.filter(submitted_at__gte=start, submitted_at__lte=end).order_by("-submitted_at")[:MAX_REQUESTS])


_CLOSED = (Appeal.Status.REPLIED, Appeal.Status.CLOSED)


def request_of(number: str) -> list[Appeal]:
    appeal = Appeal.objects.filter(number=number, is_public=True).select_related("category", "department").first()
    if appeal is None:
        raise NotFound(f"service_request_id：没有诉求 {number[:30]}", f"service_request_id: no request {number[:30]}")
    return [appeal]


def token_rows(token: str) -> list[dict[str, Any]]:
    appeal = Appeal.objects.filter(token=token).only("number", "token").first()
    if appeal is None:
        raise NotFound("token：没有这个令牌", "token: no such token")
    return [{"service_request_id": appeal.number, "token": appeal.token}]


def _w3c(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def request_out(appeal: Appeal) -> dict[str, Any]:
    """One appeal as Open311 shows it (public: masked text, no caller)."""
    category = appeal.category
    service = category.parent if category is not None and category.level == 3 else category
    department = appeal.department  # none while a dispatcher decides: no agency is named yet
    closed = appeal.status in _CLOSED
    expected = (
        dt.datetime.combine(appeal.reply_due, dt.time(18), tzinfo=timezone.get_current_timezone())
        if appeal.reply_due
        else None
    )
    return {
        "service_request_id": appeal.number,
        "status": "closed" if closed else "open",
        "status_notes": public_text(appeal.reply) if closed else appeal.get_status_display(),
        "service_name": service.name if service is not None and service.level == 2 else "",
        "service_code": service.code if service is not None and service.level == 2 else "",
        "description": public_text(
            f"{appeal.title}\n{appeal.body}" if appeal.title not in appeal.body else appeal.body
        ),
        "agency_responsible": department.name if department is not None else "",
        "service_notice": _notice(appeal),
        "requested_datetime": _w3c(appeal.submitted_at),
        "updated_datetime": _w3c(appeal.updated_at),
        "expected_datetime": _w3c(expected),
        "address": public_text(appeal.address),
        "address_id": appeal.region.code if appeal.region is not None else "",
        "zipcode": "",
        "lat": float(appeal.latitude) if appeal.latitude is not None else None,
        "long": float(appeal.longitude) if appeal.longitude is not None else None,
        "media_url": appeal.media_url,
    }


# --- XML, as the spec's examples shape it --------------------------------------------------------------
def _element(tag: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            element.append(_element(key, inner))
    elif isinstance(value, list):
        item_tag = {"attributes": "attribute", "values": "value"}.get(tag, "item")
        for inner in value:
            element.append(_element(item_tag, inner))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def xml_document(root: str, item: str, items: Sequence[dict[str, Any]] | dict[str, Any]) -> bytes:
    """`<root><item>…</item>…</root>` (or `<root>…</root>` for one object), UTF-8 with its declaration."""
    if isinstance(items, dict):
        element = _element(root, items)
    else:
        element = ElementTree.Element(root)
        for value in items:
            element.append(_element(item, value))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode()
