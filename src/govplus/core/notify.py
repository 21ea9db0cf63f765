"""Notifications: an in-app inbox message first, then SMS and email copies through adapters.

The inbox row is written in the caller's transaction together with a `notification.created` domain
event (`core/events.py`): a rolled-back action never texts anyone, and a committed one always does —
also when the process dies right after the commit (the event sweep delivers it). SMS and email are two
handlers with their own delivery state, so a failing mail server never re-sends the SMS. The SMS
gateway and the mail sender are outside the platform and sit behind small protocols chosen by
`GOVPLUS_SMS_ADAPTER` / `GOVPLUS_EMAIL_ADAPTER`; the local defaults log (phone masked) and use
Django's mail backend.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from govplus.core.crypto import mask_phone
from govplus.core.events import Event, event_publish
from govplus.core.i18n import message_en
from govplus.core.models import Notification

logger = logging.getLogger(__name__)


class SmsGateway(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class EmailGateway(Protocol):
    def send(self, *, address: str, subject: str, text: str) -> None: ...


class LogSmsGateway:
    """Local default: records that a text would have gone out, with the number masked. Only the last
    `KEPT` texts are remembered (for tests and the developer), so a long-running process does not grow;
    the log line is DEBUG, so seeding the demo county stays quiet."""

    KEPT = 200
    sent: deque[tuple[str, str]] = deque(maxlen=KEPT)

    def send(self, *, phone: str, text: str) -> None:
        LogSmsGateway.sent.append((mask_phone(phone), text))
        logger.debug("SMS to %s: %d characters", mask_phone(phone), len(text))


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
    has_address = bool(getattr(recipient, "phone_encrypted", "") or getattr(recipient, "email", ""))
    if external and has_address:
        event_publish(
            name="notification.created",
            payload={"notification_id": notification.pk, "recipient_id": recipient.pk, "category": category},
        )
    return notification


def notification_mark_read(*, recipient: Any, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the recipient's messages read; returns how many changed."""
    rows = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())


def _external_text(notification: Notification) -> str:
    return f"【政务服务】{notification.title} {notification.body}".strip()


def _notification_of(event: Event) -> Notification | None:
    return Notification.objects.select_related("recipient").filter(pk=event.payload["notification_id"]).first()


def notification_sms_copy(event: Event) -> None:
    """Handler of `notification.created` (name `core.notify.sms`): the SMS copy, when there is a phone."""
    notification = _notification_of(event)
    phone = getattr(notification.recipient, "phone", "") if notification else ""
    if notification is not None and phone:
        sms_gateway().send(phone=phone, text=_external_text(notification)[:300])


def notification_email_copy(event: Event) -> None:
    """Handler of `notification.created` (name `core.notify.email`): the email copy, when there is an address."""
    notification = _notification_of(event)
    if notification is not None and notification.recipient.email:
        email_gateway().send(
            address=notification.recipient.email, subject=notification.title, text=_external_text(notification)
        )
