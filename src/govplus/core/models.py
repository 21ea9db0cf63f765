"""Core tables: audit Merkle log, calendar overrides, notifications, idempotency records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class MerkleLeaf(models.Model):
    """Base of a table whose rows are the leaves of one RFC 6962 Merkle log (`core/transparency.py`).

    `leaf_index` is the position in the log (0, 1, 2, … with no gap); `leaf_hash` is the keyed RFC 6962
    leaf hash of the row's canonical content, stored so that verification can name the first bad row.
    """

    leaf_index = models.BigIntegerField(unique=True)
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        abstract = True


class AuditEntry(MerkleLeaf):
    """One write, a leaf of the audit Merkle log. Never updated or deleted by the platform."""

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=100, blank=True)  # a licence identifier is 69 characters
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class MerkleLogHead(models.Model):
    """The tip of one Merkle log: its size and the right edge of its tree (`merkle.Frontier`).

    Locking this row serialises appends to the log. It is a convenience, not a trust anchor: an
    attacker can rewrite it, which `verify` notices against the signed tree heads."""

    log_name = models.CharField(max_length=40, unique=True)
    tree_size = models.BigIntegerField(default=0)
    frontier = models.JSONField(default=list)
    last_leaf_id = models.BigIntegerField(default=0)
    signed_size = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.log_name}: {self.tree_size}"


class SignedTreeHead(models.Model):
    """A tree head (size, root, time) signed with the platform's Ed25519 key; also appended as a JSON
    line to the checkpoint file of the log, outside the database."""

    log_name = models.CharField(max_length=40)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp_ms = models.BigIntegerField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["log_name", "tree_size", "timestamp_ms"]
        indexes = [models.Index(fields=["log_name", "tree_size"])]
        verbose_name = _("签名树头")
        verbose_name_plural = _("签名树头")

    def __str__(self) -> str:
        return f"{self.log_name} #{self.tree_size} {self.root_hash[:12]}"


class CalendarDay(models.Model):
    """An administrator's override of the working-day calendar (e.g. next year's holidays as soon as
    the State Council publishes them, or a local day off)."""

    date = models.DateField(unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"


class Notification(models.Model):
    """An in-app inbox message; SMS and email copies are sent from it after commit."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=120)
    title_en = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    body_en = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=40, default="case")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class IdempotencyRecord(models.Model):
    """The stored answer to a request sent with an Idempotency-Key, replayed for repeats."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=60)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "scope", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class OutboxEvent(models.Model):
    """A domain event, written in the transaction of the write it announces (the transactional outbox).

    The payload carries ids and codes only, never personal data: it is copied to every subscriber."""

    name = models.CharField(_("事件"), max_length=80, db_index=True)
    payload = models.JSONField(_("内容"), default=dict)
    occurred_at = models.DateTimeField(_("发生时间"), db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"


class EventDelivery(models.Model):
    """The delivery of one event to one handler: its own state, attempts and backoff, so one failing
    handler never makes the others run again. A delivered row is the record that (event, handler) ran."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已投递")
        FAILED = "failed", _("投递失败")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("处理程序"), max_length=150)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="event_delivery_once_per_handler")]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="event_delivery_due"),
            models.Index(fields=["status", "handler"], name="event_delivery_status"),
        ]
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")

    def __str__(self) -> str:
        return f"{self.event_id} → {self.handler} ({self.status})"
