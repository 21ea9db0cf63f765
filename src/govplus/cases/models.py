"""Case tables.

`CaseTask` mirrors the engine's ready user tasks in a plain indexed table so the workbench is one
index range scan whatever the number of concluded cases; the engine's full state lives in
`Application.workflow_state`. Personal data typed into forms is stored encrypted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govplus.catalog.models import ServiceItem
from govplus.core.crypto import decrypt_text
from govplus.identity.models import Department


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待受理")
        SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
        IN_PROGRESS = "in_progress", _("办理中")
        SUSPENDED = "suspended", _("已中止")
        CONCLUDED = "concluded", _("已办结")
        NOT_ACCEPTED = "not_accepted", _("不予受理")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Result(models.TextChoices):
        NONE = "", _("—")
        APPROVED = "approved", _("准予")
        DENIED = "denied", _("不予准予")

    class Channel(models.TextChoices):
        WEB = "web", _("网上办")
        MOBILE = "mobile", _("掌上办")
        WINDOW = "window", _("窗口办")
        API = "api", _("接口")

    receipt_no = models.CharField(_("办件编号"), max_length=32, unique=True)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    service_item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="applications")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("状态"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    stage = models.CharField(_("当前环节"), max_length=40, blank=True)
    result = models.CharField(_("办理结果"), max_length=10, choices=Result.choices, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    form_data_encrypted = models.TextField(blank=True)
    contact_phone_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    due_date = models.DateField(_("法定期限"), null=True, blank=True)
    promised_due_date = models.DateField(_("承诺期限"), null=True, blank=True)
    clock_paused_on = models.DateField(_("计时暂停日期"), null=True, blank=True)
    paused_days_remaining = models.SmallIntegerField(null=True, blank=True)
    paused_promised_days_remaining = models.SmallIntegerField(null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("延长天数"), default=0)
    warning_level = models.CharField(max_length=8, blank=True, default="")
    delivery_method = models.CharField(_("送达方式"), max_length=10, blank=True)
    decision_opinion = models.TextField(_("决定意见"), blank=True)
    workflow_state = models.TextField(blank=True)
    process_key = models.CharField(max_length=60, blank=True)
    process_version = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["department", "status"]),
        ]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")

    def __str__(self) -> str:
        return self.receipt_no

    @property
    def form_data(self) -> dict[str, object]:
        import json

        return json.loads(decrypt_text(self.form_data_encrypted)) if self.form_data_encrypted else {}

    @property
    def contact_phone(self) -> str:
        return decrypt_text(self.contact_phone_encrypted) if self.contact_phone_encrypted else ""

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.CONCLUDED, self.Status.NOT_ACCEPTED, self.Status.WITHDRAWN}


class CaseTask(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待办")
        WAITING = "waiting", _("等待申请人")
        COMPLETED = "completed", _("已办")
        CANCELLED = "cancelled", _("已取消")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    engine_task_id = models.CharField(max_length=36)
    step = models.CharField(max_length=40)
    label = models.CharField(max_length=40)
    role = models.CharField(max_length=20)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tasks")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, blank=True)
    opinion = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["department", "role", "due_date", "id"],
                name="task_open_queue",
                condition=models.Q(status__in=["open", "waiting"]),
            ),
            models.Index(fields=["application", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "engine_task_id"], name="task_unique_engine_task")
        ]

    def __str__(self) -> str:
        return f"{self.label} · {self.get_status_display()}"


class CaseEvent(models.Model):
    """The timeline of a case; `is_public` events are shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=30)
    stage = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=100)
    title_en = models.CharField(max_length=200, blank=True)
    opinion = models.TextField(blank=True)
    is_public = models.BooleanField(default=True)
    link = models.CharField(max_length=200, blank=True)  # a result another module made (an e-licence)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["application", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.title}"


def material_upload_path(instance: ApplicationMaterial, filename: str) -> str:
    return f"materials/{instance.application.created_at:%Y/%m}/{instance.application.receipt_no}/{instance.sha256[:16]}"


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material_code = models.CharField(max_length=20)
    original_name = models.CharField(max_length=200)
    file = models.FileField(upload_to=material_upload_path, max_length=300)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)
    is_supplement = models.BooleanField(default=False)

    class Meta:
        ordering = ["material_code", "-uploaded_at"]
        indexes = [models.Index(fields=["application", "material_code", "is_current"])]

    def __str__(self) -> str:
        return f"{self.material_code} {self.original_name}"


class MaterialSupply(models.Model):
    """A material supplied by another module (an e-licence, a shared record) with the applicant's consent.

    The reference (provider, its id of the document, the document's SHA-256) lets anyone check later
    which document the case relied on; the consent says who agreed, when. One per material of a case;
    withdrawing consent before submission deletes it (an audit entry records both).
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="supplies")
    material_code = models.CharField(max_length=20)
    provider = models.CharField(_("提供方"), max_length=40)
    reference = models.CharField(_("证照/数据编号"), max_length=120)
    digest = models.CharField(_("摘要 (SHA-256)"), max_length=64)
    title = models.CharField(_("名称"), max_length=200)
    consent_given_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    consented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    supplied_at = models.DateTimeField(_("提供时间"))

    class Meta:
        ordering = ["material_code"]
        constraints = [models.UniqueConstraint(fields=["application", "material_code"], name="one_supply_per_material")]
        verbose_name = _("共享材料")
        verbose_name_plural = _("共享材料")

    def __str__(self) -> str:
        return f"{self.material_code} {self.provider}:{self.reference}"


class SupplementRequest(models.Model):
    """一次性告知补正: everything the applicant must supplement, said at once."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="supplement_requests")
    items = models.JSONField(default=list)
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    stage_step = models.CharField(max_length=40)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(resolved_at__isnull=True), name="one_open_supplement"
            )
        ]

    def __str__(self) -> str:
        return f"补正 {self.application_id} {self.requested_at:%Y-%m-%d}"


class Rating(models.Model):
    """好差评: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField()
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ratings")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_5")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.score}"


class RectificationTask(models.Model):
    """差评整改: a bad rating obliges the department to rectify within 15 working days."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("已整改")

    rating = models.OneToOneField(Rating, on_delete=models.CASCADE, related_name="rectification")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rectifications")
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"整改 {self.department_id} {self.due_date}"


class PersonalDataAccess(models.Model):
    """One look at a full personal value of a case (个人信息查阅记录): who (staff, in which department)
    saw which field of whose application, when and why. The value itself is never stored here; the
    applicant sees these rows on the application's page (《个人信息保护法》第四十四、四十五条)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="personal_data_accesses")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("字段"), max_length=60)
    field_label = models.CharField(_("字段名称"), max_length=100)
    reason = models.CharField(_("查看理由"), max_length=300)
    accessed_at = models.DateTimeField(_("查看时间"))

    class Meta:
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["application", "-accessed_at"])]
        verbose_name = _("个人信息查阅记录")
        verbose_name_plural = _("个人信息查阅记录")

    def __str__(self) -> str:
        return f"{self.application_id} {self.field} {self.accessed_at:%Y-%m-%d %H:%M}"
