"""Identity endpoints: who am I, my inbox."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from govplus.core.api import AUTH, InputSchema, actor_of, errors
from govplus.core.notify import notification_mark_read
from govplus.core.selectors import notification_list_for
from govplus.identity.selectors import staff_assignments

router = Router(tags=["identity 身份"])


class MeOut(Schema):
    username: str
    display_name: str
    kind: str
    phone_masked: str
    roles: list[str]


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    link: str
    category: str
    is_read: bool


class MarkReadIn(InputSchema):
    id: int | None = None


class MarkReadOut(Schema):
    marked: int


@router.get("/me", auth=AUTH, response={200: MeOut, **errors(401)}, summary="当前用户 / the signed-in user")
def me(request: HttpRequest) -> Any:
    user = actor_of(request)
    return {
        "username": user.username,
        "display_name": user.real_name,
        "kind": user.kind,
        "phone_masked": user.phone_masked,
        "roles": [f"{a.department_code}:{a.role}" for a in staff_assignments(user=user)],
    }


@router.get(
    "/notifications", auth=AUTH, response={200: list[NotificationOut], **errors(401, 422)}, summary="消息 / inbox"
)
def notifications(request: HttpRequest, unread: bool = False) -> Any:
    rows = notification_list_for(recipient=actor_of(request), unread_only=unread)
    return [
        {
            "id": n.pk,
            "title": n.title,
            "body": n.body,
            "link": n.link,
            "category": n.category,
            "is_read": n.read_at is not None,
        }
        for n in rows
    ]


@router.post(
    "/notifications/read",
    auth=AUTH,
    response={200: MarkReadOut, **errors(401, 403, 422)},
    summary="标记已读 / mark read",
)
def notifications_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    return {"marked": notification_mark_read(recipient=actor_of(request), notification_id=payload.id)}
