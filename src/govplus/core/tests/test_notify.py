"""Notifications: inbox first; SMS and email only after the transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from govplus.core.notify import LogSmsGateway, notification_mark_read, notification_send


def test_inbox_sms_and_email(county, django_capture_on_commit_callbacks):
    citizen = county.citizen
    citizen.email = "zhang@example.cn"
    citizen.save()
    LogSmsGateway.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=citizen, title="您的申请已受理", body="办件编号 123")
    assert citizen.notifications.filter(read_at__isnull=True).count() == 1
    assert LogSmsGateway.sent == [("138****8000", "【政务服务】您的申请已受理 办件编号 123")]
    assert mail.outbox[-1].subject == "您的申请已受理"
    assert notification_mark_read(recipient=citizen) == 1


def test_a_rolled_back_action_sends_nothing(county):
    LogSmsGateway.sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(recipient=county.citizen, title="不会发出")
        raise RuntimeError("the action failed")
    assert LogSmsGateway.sent == []
    assert not county.citizen.notifications.exists()
