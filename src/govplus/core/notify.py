"""Notifications: an in-app inbox message first, then SMS and email copies through adapters.

The inbox row is written in the caller's transaction; SMS/email are queued only after commit, so a
rolled-back action never texts anyone. The SMS gateway and the mail sender are outside the platform
and sit behind small protocols chosen by `GOVPLUS_SMS_ADAPTER` / `GOVPLUS_EMAIL_ADAPTER`; the local
defaults log (phone masked) and use Django's mail backend.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from govplus.core.crypto import mask_phone
from govplus.core.i18n import message_en
from govplus.core.models import Notification

logger = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class EmailGateway(Protocol):
    def send(self, *, address: str, subject: str, text: str) -> None: ...


class LogSmsGateway:
    """Local default: records that a text would have gone out, with the number masked."""

    sent: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        LogSmsGateway.sent.append((mask_phone(phone), text))
        logger.info("SMS to %s: %d characters", mask_phone(phone), len(text))


class DjangoEmailGateway:
    def send(self, *, address: str, subject: str, text: str) -> None:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)


def sms_gateway() -> SmsGateway:
    return import_string(settings.GOVPLUS_SMS_ADAPTER)()  # type: ignore[no-any-return]


def email_gateway() -> EmailGateway:
    return import_string(settings.GOVPLUS_EMAIL_ADAPTER)()  # type: ignore[no-any-return]


def notification_send(
    *,
    recipient: Any,
    title: str,
    body: str = "",
    link: str = "",
    category: str = "case",
    external: bool = True,
    name_en: str = "",
) -> Notification:
    """Write an inbox message (and queue its SMS/email copies). The message is stored in Chinese and,
    when it is one the platform writes, in English too (`core.i18n.message_en`; `name_en` is the
    English name of the item it names), so the inbox shows the reader's language."""
    notification = Notification.objects.create(
        recipient=recipient,
        title=title[:120],
        title_en=message_en(title, name_en=name_en)[:200],
        body=body,
        body_en=message_en(body, name_en=name_en),
        link=link,
        category=category,
    )
    if external:
        from govplus.core.tasks import deliver_external_notification

        transaction.on_commit(lambda: deliver_external_notification(notification.pk))
    return notification


def notification_mark_read(*, recipient: Any, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the recipient's messages read; returns how many changed."""
    rows = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())


def deliver_external(notification: Notification) -> None:
    recipient = notification.recipient
    text = f"【政务服务】{notification.title} {notification.body}".strip()
    phone = getattr(recipient, "phone", "")
    if phone:
        sms_gateway().send(phone=phone, text=text[:300])
    if recipient.email:
        email_gateway().send(address=recipient.email, subject=notification.title, text=text)
