"""Citizen appeals (12345 诉求): what people tell the government, where it goes, and what became of it.

- A **category** is a node of the official three-level taxonomy of appeals (一级/二级/三级分类,
  `data/taxonomy.csv`); a first-level category names the department that answers it by default and
  the working days it has to reply. The second level is what the Open311 API calls a *service*.
- An **appeal** is one message: its text (subject and body), the channel it came by (web, phone form,
  hotline operator, an Open311 partner app, the government's own history), the place (a street or
  community grid of the region tree, an address, coordinates), real-name or anonymous, its category and
  responsible department with the confidence of the classifier that chose them, and its status. The
  caller's name and phone are personal data: encrypted at rest, shown masked, never logged.
- A **partner** is an app that posts appeals through Open311 with its API key (stored as a keyed hash:
  the key itself is shown once, when it is issued).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the official taxonomy. `code` is its path of two-digit positions: "03" (first level),
    "0302" (second), "030205" (third), stable for the shipped tree."""

    code = models.CharField(_("分类代码"), max_length=6, unique=True)
    name = models.CharField(_("分类名称"), max_length=60)
    name_en = models.CharField(_("分类名称（英文）"), max_length=120, blank=True)
    level = models.PositiveSmallIntegerField(_("级别"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    department = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=15)
    urgent_reply_days = models.PositiveSmallIntegerField(_("紧急件答复时限（工作日）"), default=3)

    class Meta:
        ordering = ["code"]
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Partner(models.Model):
    """An app that files appeals through the Open311 API (a city app, a partner platform)."""

    name = models.CharField(_("名称"), max_length=100)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=12)  # the key's first characters, to tell keys apart
    jurisdiction = models.CharField(_("管辖区域代码"), max_length=12)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("接入应用")
        verbose_name_plural = _("接入应用")

    def __str__(self) -> str:
        return self.name


class Appeal(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("网站")
        MOBILE = "mobile", _("手机")
        HOTLINE = "hotline", _("热线")
        OPEN311 = "open311", _("接入应用")
        HISTORY = "history", _("历史导入")

    class Status(models.TextChoices):
        DISPATCHING = "dispatching", _("待分办")  # below the confidence threshold: a dispatcher routes it
        ASSIGNED = "assigned", _("已分办")
        SIGNED = "signed", _("已签收")
        REPLIED = "replied", _("已答复")
        CLOSED = "closed", _("已办结")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("一般")
        URGENT = "urgent", _("紧急")

    number = models.CharField(_("诉求编号"), max_length=24, unique=True)
    token = models.CharField(max_length=36, unique=True)  # Open311's token for the request
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    category_confidence = models.FloatField(default=0)
    category_words = models.JSONField(default=list, blank=True)
    category_hint = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # what the citizen or the partner chose (a service code), if anything
    department = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("identity.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_public = models.BooleanField(_("同意公开"), default=True)  # shown, anonymised, with its reply
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    contact_name_encrypted = models.TextField(blank=True)
    contact_phone_encrypted = models.TextField(blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    media_url = models.URLField(max_length=500, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    reply_due = models.DateField(_("答复期限"), null=True, blank=True)
    # who settled the category: the classifier, the citizen's or partner's choice, a dispatcher (whose
    # choices are training data), the imported history
    category_source = models.CharField(max_length=12, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_reason = models.CharField(_("退回理由"), max_length=300, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("答复"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verdict = models.CharField(_("评价"), max_length=12, blank=True)  # satisfied / basically / unsatisfied
    verdict_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # the open appeal about the same matter this one was linked to at intake, or merged into by staff
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    duplicate_score = models.FloatField(default=0)
    merged = models.BooleanField(default=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="appeal_status_time"),
            models.Index(fields=["region", "submitted_at"], name="appeal_region_time"),
        ]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")

    def __str__(self) -> str:
        return self.number


class AppealStep(models.Model):
    """One thing that happened to an appeal (分办, 退回, 签收, 答复, 评价, 重办), for its time line."""

    class Kind(models.TextChoices):
        DISPATCH = "dispatch", _("分办")
        RETURN = "return", _("退回")
        SIGN = "sign", _("签收")
        REPLY = "reply", _("答复")
        REOPEN = "reopen", _("不满意，重办")
        RATE = "rate", _("评价")
        MERGE = "merge", _("合并")
        SPLIT = "split", _("拆分")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "identity.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"


class AppealPhoto(models.Model):
    """A photo sent with an appeal (checked to be an image; its metadata stripped on upload)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="appeals/%Y/%m/")
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.appeal_id}:{self.sha256[:8]}"


class ClassifierModel(models.Model):
    """A trained category classifier (`text_model.py`), with the figures it reached on its held-out
    slice. One is active; a newly trained one replaces it only if it is better on that slice."""

    created_at = models.DateTimeField(auto_now_add=True)
    trained_on = models.PositiveIntegerField(default=0)  # labelled appeals it learnt from
    held_out = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict, blank=True)  # macro_f1, accuracy, per_class …
    model = models.BinaryField()
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")

    def __str__(self) -> str:
        return f"model {self.pk} ({'active' if self.is_active else 'kept'})"
