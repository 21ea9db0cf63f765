"""Catalog tables. An item's elements follow the national standard for service guides (办事指南)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from govplus.core.models import TimestampedModel
from govplus.identity.models import Department


class ItemType(models.TextChoices):
    LICENSING = "administrative_licensing", _("行政许可")
    CONFIRMATION = "administrative_confirmation", _("行政确认")
    PAYMENT = "administrative_payment", _("行政给付")
    RULING = "administrative_ruling", _("行政裁决")
    REWARD = "administrative_reward", _("行政奖励")
    COLLECTION = "administrative_collection", _("行政征收")
    PENALTY = "administrative_penalty", _("行政处罚")
    ENFORCEMENT = "administrative_enforcement", _("行政强制")
    INSPECTION = "administrative_inspection", _("行政检查")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


POWER_TYPES = [choice.value for choice in ItemType if choice != ItemType.PUBLIC_SERVICE]


class ProcessDefinition(TimestampedModel):
    """A BPMN 2.0 process an item runs; `standard` and `parallel` ship with the platform."""

    key = models.CharField(_("流程标识"), max_length=60, unique=True)
    name = models.CharField(_("流程名称"), max_length=100)
    bpmn_xml = models.TextField(_("BPMN 2.0 文件内容"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("办理流程")
        verbose_name_plural = _("办理流程")

    def __str__(self) -> str:
        return f"{self.name}（{self.key} v{self.version}）"


class Theme(models.Model):
    """A life event (出生, 入学, 开办企业…) grouping the items one person needs for it."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(_("主题"), max_length=40)
    name_en = models.CharField(_("主题（英文）"), max_length=80, blank=True)
    audience = models.CharField(_("对象"), max_length=10, default="citizen")
    description = models.TextField(blank=True)
    description_en = models.TextField(_("说明（英文）"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("主题")
        verbose_name_plural = _("主题")

    def __str__(self) -> str:
        return self.name


class ServiceItem(TimestampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    class OnlineDepth(models.IntegerChoices):
        INFORMATION = 1, _("信息公开")
        FORMS = 2, _("表格下载")
        PRE_REVIEW = 3, _("网上预审")
        FULLY_ONLINE = 4, _("全程网办")

    class ResultType(models.TextChoices):
        LICENCE = "licence", _("证照")
        APPROVAL_DOCUMENT = "approval_document", _("批文")
        OTHER = "other", _("其他")

    code = models.CharField(_("实施编码"), max_length=40, unique=True)
    basic_code = models.CharField(_("基本编码"), max_length=20)
    name = models.CharField(_("事项名称"), max_length=120)
    name_en = models.CharField(_("事项名称（英文）"), max_length=200, blank=True)
    summary_en = models.TextField(
        _("事项简介（英文）"), blank=True, help_text=_("英文读者看到的受理条件与适用对象简述。")
    )
    item_type = models.CharField(_("事项类型"), max_length=40, choices=ItemType.choices)
    category = models.CharField(_("领域"), max_length=20, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="service_items")
    co_departments = models.ManyToManyField(Department, blank=True, related_name="co_handled_items")
    # 并联审批: what each department's part gives the applicant, [{"department", "result", "result_en"}]
    results_by_department = models.JSONField(_("各部门办理结果"), default=list, blank=True)
    legal_basis = models.TextField(_("设定依据"))
    target_citizen = models.BooleanField(_("面向自然人"), default=True)
    target_business = models.BooleanField(_("面向法人"), default=False)
    scope = models.TextField(_("适用范围"), blank=True)
    conditions = models.JSONField(_("受理条件"), default=list)
    process = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="items")
    process_description = models.JSONField(_("办理流程说明"), default=list)
    statutory_limit_days = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"))
    acceptance_limit_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), default=5)
    fee_is_charged = models.BooleanField(_("是否收费"), default=False)
    fee_standard = models.CharField(_("收费标准"), max_length=200, blank=True)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    visits_required = models.PositiveSmallIntegerField(_("到办事现场次数"), default=0)
    online_depth = models.PositiveSmallIntegerField(_("网办深度"), choices=OnlineDepth.choices, default=4)
    place = models.CharField(_("办理地点"), max_length=200, blank=True)
    hours = models.CharField(_("办理时间"), max_length=100, blank=True)
    phone_consult = models.CharField(_("咨询电话"), max_length=40, blank=True)
    phone_complaint = models.CharField(_("监督投诉电话"), max_length=40, blank=True)
    result_type = models.CharField(_("结果类型"), max_length=20, choices=ResultType.choices)
    result_name = models.CharField(_("结果名称"), max_length=100, blank=True)
    delivery_methods = models.JSONField(_("送达方式"), default=list)
    faqs = models.JSONField(_("常见问题"), default=list)
    keywords = models.JSONField(_("关键词"), default=list)
    form_fields = models.JSONField(_("申请表字段"), default=list)
    themes = models.ManyToManyField(Theme, blank=True, related_name="items")
    version = models.PositiveIntegerField(_("版本"), default=1)
    effective_date = models.DateField(_("生效日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["status", "department"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(promised_limit_days__lte=models.F("statutory_limit_days"))
                | models.Q(statutory_limit_days=0),
                name="item_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=models.Q(online_depth__gte=1, online_depth__lte=4), name="item_depth_range"
            ),
        ]
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")

    def __str__(self) -> str:
        return self.name

    @property
    def is_applicable_online(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.online_depth >= self.OnlineDepth.PRE_REVIEW

    @property
    def is_power(self) -> bool:
        return self.item_type in POWER_TYPES


class Material(models.Model):
    class Form(models.TextChoices):
        ORIGINAL = "original", _("原件")
        COPY = "copy", _("复印件")
        ORIGINAL_AND_COPY = "original_and_copy", _("原件和复印件")

    class Medium(models.TextChoices):
        PAPER = "paper", _("纸质")
        ELECTRONIC = "electronic", _("电子")
        BOTH = "both", _("纸质或电子")

    class Source(models.TextChoices):
        APPLICANT = "applicant", _("申请人自备")
        LICENCE = "licence", _("电子证照")
        SHARED_DATA = "shared_data", _("共享数据")

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(_("材料编码"), max_length=20)
    name = models.CharField(_("材料名称"), max_length=200)
    name_en = models.CharField(_("材料名称（英文）"), max_length=300, blank=True)
    is_required = models.BooleanField(_("是否必需"), default=True)
    form = models.CharField(_("材料形式"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    medium = models.CharField(_("载体"), max_length=12, choices=Medium.choices, default=Medium.ELECTRONIC)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.APPLICANT)
    licence_type = models.CharField(_("证照/数据名称"), max_length=100, blank=True)
    note = models.TextField(_("填报须知"), blank=True)
    has_template = models.BooleanField(_("有样表"), default=False)
    accepted_types = models.JSONField(_("可上传格式"), default=list)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="material_unique_code")]
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.name
