"""Identity tables: regions, departments, users with roles, real-name citizens and businesses.

Personal identifiers live encrypted (`*_encrypted`) beside a keyed hash (`*_hash`) for lookup; they are
never copied into other tables (cases point at the user, not at the ID number).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from govplus.core.crypto import decrypt_text, mask_id_number, mask_name, mask_phone


class Region(models.Model):
    """GB/T 2260 division (province → prefecture → county) and, below it, streets and community grids."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        PREFECTURE = "prefecture", _("市")
        COUNTY = "county", _("县/区")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(models.Model):
    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100)
    name_en = models.CharField(_("部门名称（英文）"), max_length=150, blank=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="departments")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    hours = models.CharField(_("办公时间"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("自然人")
        BUSINESS = "business", _("法人")
        STAFF = "staff", _("工作人员")

    kind = models.CharField(_("用户类型"), max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    display_name = models.CharField(_("显示名称"), max_length=60, blank=True)
    phone_encrypted = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # Unused since the sign-in throttle moved to the cache (identity/throttle.py: per username and
    # address, which one column per account cannot hold). To drop with bench/load_cases.py's COPY.
    failed_login_count = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret_encrypted = models.TextField(blank=True)
    is_totp_enabled = models.BooleanField(_("启用动态口令"), default=False)
    preferred_language = models.CharField(max_length=10, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def phone(self) -> str:
        return decrypt_text(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone_encrypted else ""

    @property
    def real_name(self) -> str:
        """The legal name of a citizen (decrypted from the profile; `display_name` holds it masked),
        else the display name: for the person themself (/me) and the OIDC `name` claim."""
        profile = CitizenProfile.objects.filter(user=self).first() if self.kind == self.Kind.CITIZEN else None
        if profile is not None:
            return profile.name
        return self.display_name or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.kind == self.Kind.STAFF

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.TextChoices):
    CLERK = "clerk", _("受理员")
    REVIEWER = "reviewer", _("审核员")
    APPROVER = "approver", _("审批员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    SUPERVISOR = "supervisor", _("监察员")
    LEADER = "leader", _("领导")
    # speaks for the department's data in the exchange: publishes its resources, decides requests
    DATA_OFFICER = "data_officer", _("数据管理员")
    # routes citizens' appeals (12345 分办): the queue of appeals the classifier was not sure of
    DISPATCHER = "dispatcher", _("分办员")


class StaffRole(models.Model):
    """A role held by a staff member in one department: their work is scoped to it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "department", "role"], name="staff_role_unique")]
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class CitizenProfile(models.Model):
    """Real-name data of a natural person (实名信息)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="citizen_profile")
    name_encrypted = models.TextField()
    id_number_encrypted = models.TextField()
    id_number_hash = models.CharField(max_length=64, unique=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("自然人实名信息")
        verbose_name_plural = _("自然人实名信息")

    @property
    def name(self) -> str:
        return decrypt_text(self.name_encrypted)

    @property
    def id_number(self) -> str:
        return decrypt_text(self.id_number_encrypted)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    def __str__(self) -> str:
        return f"{self.name_masked} {self.id_number_masked}"


class BusinessProfile(models.Model):
    """A legal person (法人) identified by its unified social credit code."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="business_profile")
    name = models.CharField(_("单位名称"), max_length=120)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    representative_encrypted = models.TextField(blank=True)

    class Meta:
        verbose_name = _("法人信息")
        verbose_name_plural = _("法人信息")

    @property
    def representative_masked(self) -> str:
        return mask_name(decrypt_text(self.representative_encrypted)) if self.representative_encrypted else ""

    def __str__(self) -> str:
        return f"{self.name}（{self.credit_code}）"
