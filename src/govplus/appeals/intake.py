"""Taking an appeal in (受理), from every channel: the web and phone form, the hotline operator's
console, an Open311 partner app, the government's own history.

Rules:
- An appeal says something: a title or a body (at least `MIN_TEXT` characters together); the title is
  at most `TITLE_MAX` characters, the body at most `BODY_MAX` (a message, not a document). A missing
  title is the body's first sentence. Every problem is named by its field, in Chinese and English,
  and nothing is stored.
- The place, when given, is a region of this installation (a street or community grid) and/or an
  address and coordinates inside China's bounds (latitude 3–54, longitude 73–136).
- Real-name appeals keep the caller's name and phone encrypted (the phone also as a keyed hash, so
  repeated calls of one number are found); an anonymous one keeps neither, and the departments see
  only 匿名. A signed-in citizen's appeal stays theirs to follow and rate, anonymous or not.
- Photos (at most three) are checked to be whole JPEG or PNG images and stored re-encoded, without
  their metadata (`photos.py`); one bad photo refuses the appeal, naming the file.
- A repeat of an open appeal (same matter, same place, close in time: `duplicates.py`) is linked to
  it, and the citizen is told.
- The appeal is routed at once (`routing.py`): a confident category and a department mean 已分办 with
  its reply due in working days (the category's limit, the urgent one for 紧急); otherwise 待分办 for
  the dispatcher. Audited (never the text or the caller); the event `appeal.submitted` is published.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from govplus.appeals.duplicates import duplicate_find
from govplus.appeals.models import Appeal, AppealPhoto, Category, Partner
from govplus.appeals.photos import photos_clean
from govplus.appeals.routing import appeal_route
from govplus.appeals.taxonomy import reply_due_of
from govplus.core.audit import audit_record
from govplus.core.crypto import encrypt_text, lookup_hash
from govplus.core.errors import ValidationFailed
from govplus.core.events import event_publish
from govplus.identity.models import Region

TITLE_MAX = 200
BODY_MAX = 5_000
MIN_TEXT = 5
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


@dataclass
class AppealInput:
    """What a channel hands in; `category_code` is the citizen's or partner's hint (a category code)."""

    channel: str
    title: str = ""
    body: str = ""
    category_code: str = ""
    region_code: str = ""
    address: str = ""
    latitude: str | float | None = None
    longitude: str | float | None = None
    is_anonymous: bool = False
    is_public: bool = True
    contact_name: str = ""
    contact_phone: str = ""
    media_url: str = ""
    urgency: str = Appeal.Urgency.NORMAL
    extra: dict[str, Any] = field(default_factory=dict)


def _coordinate(text: Any, low: float, high: float, name: str, problems: dict[str, list[str]]) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        problems[name] = ["须为数字 / must be a number"]
        return None
    if not (Decimal(str(low)) <= value <= Decimal(str(high))):
        problems[name] = [f"应在 {low} 到 {high} 之间（中国境内）/ must be between {low} and {high} (inside China)"]
        return None
    return value.quantize(Decimal("0.000001"))


def _title_from(body: str) -> str:
    first = re.split(r"[。！？!?\n]", body.strip(), maxsplit=1)[0].strip()
    return (first or body.strip())[:60]


@dataclass
class _Checked:
    title: str
    body: str
    hint: Category | None
    region: Region | None
    latitude: Decimal | None
    longitude: Decimal | None


def _check(data: AppealInput) -> _Checked:
    problems: dict[str, list[str]] = {}
    title, body = data.title.strip(), data.body.strip()
    if len(title) > TITLE_MAX:
        problems["title"] = [f"标题不超过 {TITLE_MAX} 个字符 / the title is at most {TITLE_MAX} characters"]
    if len(body) > BODY_MAX:
        problems["body"] = [
            f"内容不超过 {BODY_MAX} 个字符（收到 {len(body)} 个）/ at most {BODY_MAX} characters (got {len(body)})"
        ]
    if len(title) + len(body) < MIN_TEXT:
        problems["body"] = [
            f"请写明诉求内容（至少 {MIN_TEXT} 个字）/ say what the appeal is about (at least {MIN_TEXT} characters)"
        ]
    if data.channel not in Appeal.Channel.values:
        problems["channel"] = ["未知渠道 / unknown channel"]
    if data.urgency not in Appeal.Urgency.values:
        problems["urgency"] = ["应为 normal 或 urgent / must be normal or urgent"]
    hint = None
    if data.category_code:
        hint = Category.objects.filter(code=data.category_code.strip()).first()
        if hint is None:
            problems["category"] = ["没有这个分类 / no such category"]
    region = None
    if data.region_code:
        region = Region.objects.filter(code=data.region_code.strip()).first()
        if region is None:
            problems["region"] = ["没有这个区划或网格 / no such region or grid"]
    if len(data.address) > 200:
        problems["address"] = ["地址不超过 200 个字符 / the address is at most 200 characters"]
    latitude = _coordinate(data.latitude, 3, 54, "lat", problems)
    longitude = _coordinate(data.longitude, 73, 136, "long", problems)
    if not data.is_anonymous:
        if len(data.contact_name) > 60:
            problems["contact_name"] = ["姓名不超过 60 个字符 / the name is at most 60 characters"]
        phone = data.contact_phone.replace(" ", "")
        if phone and not PHONE.match(phone):
            problems["contact_phone"] = [
                "请填写 11 位手机号或带区号的固定电话 / a mobile or a landline with its area code"
            ]
    if len(data.media_url) > 500 or (data.media_url and not data.media_url.startswith(("http://", "https://"))):
        problems["media_url"] = ["须为 http(s) 地址，不超过 500 个字符 / an http(s) URL of at most 500 characters"]
    if problems:
        raise ValidationFailed(problems)
    return _Checked(title or _title_from(body), body or title, hint, region, latitude, longitude)


def appeal_number() -> str:
    """Region code + date + 6 random digits: unguessable, sortable by day."""
    return f"{settings.GOVPLUS_REGION_CODE}{timezone.localtime():%Y%m%d}{secrets.randbelow(10**6):06d}"


def appeal_submit(
    *,
    actor: Any,
    data: AppealInput,
    partner: Partner | None = None,
    photos: list[tuple[str, bytes]] | None = None,
    operator: Any = None,
) -> Appeal:
    """Check, route and store one appeal with its photos (`photos.py`; see the module's rules). A
    hotline `operator` who typed the call in is the audit entry's actor."""
    checked = _check(data)
    cleaned = photos_clean(photos or [])
    routing = appeal_route(title=checked.title, body=checked.body, hint=checked.hint)
    repeated = duplicate_find(
        title=checked.title, body=checked.body, category=routing.category, region=checked.region, address=data.address
    )
    now = timezone.now()
    phone = "" if data.is_anonymous else data.contact_phone.replace(" ", "")
    name = "" if data.is_anonymous else data.contact_name.strip()
    appeal = Appeal(
        token=str(uuid.uuid4()),
        channel=data.channel,
        partner=partner,
        title=checked.title,
        body=checked.body,
        category=routing.category,
        category_confidence=routing.confidence,
        category_words=list(routing.words),
        category_hint=checked.hint,
        category_source=routing.source,
        department=routing.department,
        region=checked.region,
        address=data.address.strip(),
        latitude=checked.latitude,
        longitude=checked.longitude,
        is_anonymous=data.is_anonymous,
        is_public=data.is_public,
        citizen=actor if getattr(actor, "pk", None) and getattr(actor, "kind", "") != "staff" else None,
        contact_name_encrypted=encrypt_text(name) if name else "",
        contact_phone_encrypted=encrypt_text(phone) if phone else "",
        contact_phone_hash=lookup_hash(phone) if phone else "",
        media_url=data.media_url.strip(),
        urgency=data.urgency,
        status=Appeal.Status.ASSIGNED if routing.is_confident else Appeal.Status.DISPATCHING,
        submitted_at=now,
        duplicate_of=repeated[0] if repeated else None,
        duplicate_score=round(repeated[1], 3) if repeated else 0.0,
    )
    if routing.is_confident and routing.category is not None:
        appeal.reply_due = reply_due_of(appeal, routing.category)
    for _attempt in range(5):
        appeal.number = appeal_number()
        try:
            with transaction.atomic():
                appeal.save()
                for position, photo in enumerate(cleaned, start=1):
                    stored = AppealPhoto(appeal=appeal, content_type=photo.content_type, sha256=photo.sha256)
                    stored.image.save(
                        f"{appeal.number}-{position}.{photo.extension}", ContentFile(photo.content), save=True
                    )
                audit_record(
                    actor=operator or actor,
                    action="appeals.appeal_submit",
                    object_type="appeal",
                    object_id=appeal.number,
                    changes={
                        "channel": appeal.channel,
                        "status": appeal.status,
                        "category": routing.category.code if routing.category else "",
                        "department": routing.department.code if routing.department else "",
                        "partner": partner.pk if partner else None,
                        "duplicate_of": repeated[0].number if repeated else "",
                    },
                )
                event_publish(
                    name="appeal.submitted",
                    payload={"appeal": appeal.number, "status": appeal.status, "channel": appeal.channel},
                )
            return appeal
        except IntegrityError:  # the random number was taken: draw again
            appeal.pk = None
            continue
    raise RuntimeError("could not draw a free appeal number")
