"""Notifications: inbox first; SMS and email only after the transaction commits."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from govplus.core.events import events_sweep
from govplus.core.models import EventDelivery
from govplus.core.notify import LogSmsGateway, notification_mark_read, notification_send


def test_inbox_sms_and_email(county, django_capture_on_commit_callbacks):
    citizen = county.citizen
    citizen.email = "zhang@example.cn"
    citizen.save()
    LogSmsGateway.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=citizen, title="您的申请已受理", body="办件编号 123")
    assert citizen.notifications.filter(read_at__isnull=True).count() == 1
    assert list(LogSmsGateway.sent) == [("138****8000", "【政务服务】您的申请已受理 办件编号 123")]
    assert mail.outbox[-1].subject == "您的申请已受理"
    assert notification_mark_read(recipient=citizen) == 1


def test_a_rolled_back_action_sends_nothing(county):
    LogSmsGateway.sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(recipient=county.citizen, title="不会发出")
        raise RuntimeError("the action failed")
    assert list(LogSmsGateway.sent) == []
    assert not county.citizen.notifications.exists()


def test_a_crash_between_commit_and_on_commit_still_texts(county):
    LogSmsGateway.sent.clear()
    with transaction.atomic():
        notification_send(recipient=county.citizen, title="您的申请已受理", body="办件编号 123")
    # Under the `db` fixture on_commit hooks never run: as if the process died right after the commit.
    assert list(LogSmsGateway.sent) == []
    events_sweep()
    assert list(LogSmsGateway.sent) == [("138****8000", "【政务服务】您的申请已受理 办件编号 123")]
    events_sweep(now=timezone.now() + dt.timedelta(days=1))
    assert len(LogSmsGateway.sent) == 1  # and only once


class BrokenMailServer:
    """The outside mail server, down (a test double of the external system, not of our code)."""

    def send(self, *, address: str, subject: str, text: str) -> None:
        raise ConnectionRefusedError("smtp down")


def test_a_failing_mail_server_does_not_resend_the_sms(county, settings, django_capture_on_commit_callbacks):
    settings.GOVPLUS_EMAIL_ADAPTER = f"{__name__}.BrokenMailServer"
    citizen = county.citizen
    citizen.email = "zhang@example.cn"
    citizen.save()
    LogSmsGateway.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=citizen, title="您的申请已受理")
    events_sweep(now=timezone.now() + dt.timedelta(hours=1))
    assert len(LogSmsGateway.sent) == 1
    email = EventDelivery.objects.get(handler="core.notify.email")
    assert email.status == EventDelivery.Status.PENDING and email.attempts == 2
    assert "smtp down" in email.last_error


def test_the_log_gateway_keeps_only_recent_texts_and_logs_quietly(caplog):
    LogSmsGateway.sent.clear()
    with caplog.at_level(logging.INFO, logger="govplus.core.notify"):
        for number in range(LogSmsGateway.KEPT + 50):
            LogSmsGateway().send(phone="13800138000", text=f"第{number}条")
    assert len(LogSmsGateway.sent) == LogSmsGateway.KEPT
    assert LogSmsGateway.sent[-1][1] == f"第{LogSmsGateway.KEPT + 49}条"
    assert caplog.records == []  # seeding the demo county no longer prints a line per text
