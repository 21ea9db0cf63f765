"""The e-licence library (电子证照库): licence types, licences, their history, uses, shares and the keys
that seal them. Personal data on a licence (the holder's name and code, the face fields) is stored
encrypted (`core.crypto`); the holder's code is found by its keyed lookup hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govplus.core.crypto import decrypt_text, encrypt_text, lookup_hash, mask_id_number, mask_name


class LicenceType(models.Model):
    """证照目录: one kind of licence, with the metadata of GB/T 36901–36906 and its face fields.

    `face_schema` is a list of fields {"name", "label", "label_en", "type", "required", "personal"};
    `type` is one of text, date, number, id_number, credit_code, region, enum (with "choices"); `from`
    says where issuance takes the value (`form:<field>` of the case, `id.birth_date`/`id.sex` from the
    holder's ID number, `decision.date`, `const:<text>`). A licence of the type must give every required
    field, in its type. `issued_by` lists the catalogue items whose approved case issues this licence and
    the department that issues it ([{"service_code", "department"}]: a joint item 一件事 issues each
    department's part); `aliases` are other names the catalogue's materials use for the type.
    """

    class HolderKind(models.TextChoices):
        CITIZEN = "citizen", _("自然人")
        BUSINESS = "business", _("法人和其他组织")

    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照类型名称"), max_length=100, unique=True)
    name_en = models.CharField(_("证照类型名称（英文）"), max_length=150, blank=True)
    defining_authority = models.CharField(_("证照定义机构"), max_length=100)
    defining_authority_code = models.CharField(_("定义机构代码"), max_length=18)
    holder_kind = models.CharField(_("持证主体类型"), max_length=10, choices=HolderKind.choices)
    validity_years = models.PositiveSmallIntegerField(_("有效期（年）"), null=True, blank=True)
    face_schema = models.JSONField(_("照面信息结构"), default=list)
    issued_by = models.JSONField(_("签发事项"), default=list, blank=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照目录")

    def __str__(self) -> str:
        return self.name

    @property
    def holder_code_type(self) -> str:
        """GB/T 36903 持证主体代码类型: 111 公民身份号码, 001 统一社会信用代码."""
        return "111" if self.holder_kind == self.HolderKind.CITIZEN else "001"


class Licence(models.Model):
    """One licence in the library.

    `status_index` is the licence's position in the Token Status List that its credentials point to.
    `digest` is the SHA-256 of the licence's canonical content (identifier, type, holder code, number,
    dates, face) — the reference a case records when it relies on the licence.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        SUSPENDED = "suspended", _("暂扣")
        REVOKED = "revoked", _("撤销")
        CANCELLED = "cancelled", _("注销")
        EXPIRED = "expired", _("失效")
        WITHDRAWN = "withdrawn", _("吊销")

    class Origin(models.TextChoices):
        ISSUED = "issued", _("本平台签发并加盖电子印章")
        IMPORTED = "imported", _("部门存量证照导入")
        SCANNED = "scanned", _("纸质证照扫描")

    licence_id = models.CharField(_("证照标识"), max_length=80, unique=True)
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    issuer = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    issuer_name = models.CharField(_("颁发机构"), max_length=100)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="licences"
    )
    holder_name_encrypted = models.TextField()
    holder_code_encrypted = models.TextField()
    holder_code_hash = models.CharField(max_length=64, db_index=True)
    holder_code_type = models.CharField(_("持证主体代码类型"), max_length=3)
    # What anyone may see of the holder, kept at write time so a list never decrypts: a citizen's name
    # and ID number masked (张*, 330521********1234), a business's name and credit code in full.
    holder_name_shown = models.CharField(max_length=200, blank=True)
    holder_code_shown = models.CharField(max_length=24, blank=True)
    number = models.CharField(_("证照编号"), max_length=60)
    issued_on = models.DateField(_("颁证日期"))
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)  # None: 长期
    jurisdiction = models.CharField(_("行政区划"), max_length=6)
    face_encrypted = models.TextField()
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.VALID)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    application = models.ForeignKey(
        "cases.Application", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_for_event = models.BigIntegerField(null=True, blank=True)  # the outbox event that issued it
    status_index = models.PositiveIntegerField(unique=True)
    digest = models.CharField(_("摘要 (SHA-256)"), max_length=64)
    pdf_path = models.CharField(max_length=200, blank=True)
    pdf_digest = models.CharField(max_length=64, blank=True)
    # the bulk job that wrote it (存量导入 or 批量签发): a bulk issuance seals the job's licences without a PDF
    import_job = models.ForeignKey(
        "LicenceImport", on_delete=models.SET_NULL, null=True, blank=True, related_name="licences"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["holder", "-issued_on"], name="licence_holder_recent"),
            models.Index(fields=["issuer", "licence_type", "-issued_on"], name="licence_register"),
            # the register's order (newest first): read backwards from the top, filtered by department
            models.Index(fields=["-issued_on", "-id"], name="licence_newest"),
            models.Index(fields=["issuer", "-issued_on", "-id"], name="licence_issuer_newest"),
            # a department's register by status (有效, 暂扣 …): its page and its capped count from the index
            models.Index(fields=["issuer", "status", "-issued_on", "-id"], name="licence_issuer_status"),
            models.Index(fields=["holder_code_hash", "licence_type"], name="licence_holder_code"),
            # a licence found by its number (the register's search; an import's duplicate check): number
            # first, so a lookup of many numbers never walks a department's whole register instead
            models.Index(fields=["number", "licence_type"], name="licence_number"),
        ]
        # One licence of a type per domain event: a redelivered `application.concluded` issues nothing new.
        constraints = [
            models.UniqueConstraint(fields=["issued_for_event", "licence_type"], name="one_licence_per_event_and_type")
        ]
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")

    def __str__(self) -> str:
        return self.licence_id

    @property
    def holder_name(self) -> str:
        return decrypt_text(self.holder_name_encrypted)

    @staticmethod
    def holder_fields(*, holder_code_type: str, name: str, code: str) -> dict[str, str]:
        """The holder columns of a new licence: encrypted, the keyed hash to find it by, and what may be shown."""
        citizen = holder_code_type == "111"
        return {
            "holder_name_encrypted": encrypt_text(name),
            "holder_code_encrypted": encrypt_text(code),
            "holder_code_hash": lookup_hash(code),
            "holder_code_type": holder_code_type,
            "holder_name_shown": mask_name(name) if citizen else name,
            "holder_code_shown": mask_id_number(code) if citizen else code,
        }

    @property
    def holder_code(self) -> str:
        return decrypt_text(self.holder_code_encrypted)


class LicenceSerial(models.Model):
    """The running serial of one (type, issuer): taken under a row lock so two issues never share one."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="+")
    issuer_code = models.CharField(max_length=18)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licence_type", "issuer_code"], name="one_serial_per_issuer")]

    def __str__(self) -> str:
        return f"{self.licence_type_id}/{self.issuer_code}: {self.last}"


class StatusListCounter(models.Model):
    """The next free index of the Token Status List (one row)."""

    next_index = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.next_index)


class LicenceEvent(models.Model):
    """The history of a licence: issue, status changes and annotations (加注件: who, when, why)."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("签发")
        IMPORT = "import", _("导入")
        REVOKE = "revoke", _("撤销")
        SUSPEND = "suspend", _("暂扣")
        RESTORE = "restore", _("恢复")
        EXPIRE = "expire", _("失效")
        CANCEL = "cancel", _("注销")
        ANNOTATE = "annotate", _("加注")

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(_("原因"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    actor_name = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind}"


class LicenceShare(models.Model):
    """用证授权: the holder lets a department use a licence for a purpose until a date; withdrawable."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="shares")
    department = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("用途"), max_length=200)
    valid_until = models.DateField(_("授权截止"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.licence_id} → {self.department_id}"


class LicenceUse(models.Model):
    """用证记录: every use of a licence by anyone — who, when, for which case or purpose."""

    class Kind(models.TextChoices):
        VIEW = "view", _("查看")
        DOWNLOAD = "download", _("下载")
        CREDENTIAL = "credential", _("领取凭证")
        SUPPLY = "supply", _("办事免提交调用")
        SHARE_USE = "share_use", _("授权部门调用")
        VERIFY = "verify", _("核验")
        SHOW = "show", _("亮证")

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="uses")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    department = models.ForeignKey(
        "identity.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=200, blank=True)
    receipt_no = models.CharField(max_length=40, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["licence", "-occurred_at"], name="licence_use_recent")]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind}"


class IssuerKey(models.Model):
    """A key of the platform's licence PKI, private part encrypted at rest (`core.crypto`).

    Kinds: the platform root CA (one active; its certificate is published at /api/v1/licences/ca.pem),
    a department's seal certificate (signs its PDFs), the time-stamping authority, and the credential
    issuer key (signs SD-JWT VCs, status lists and 亮证 tokens; published at /.well-known/jwt-vc-issuer).
    Rotation retires a key (`retired_at`) and creates a new one; retired keys stay, so licences sealed or
    signed with them still verify.
    """

    class Kind(models.TextChoices):
        ROOT_CA = "root_ca", _("平台根证书")
        SEAL = "seal", _("部门电子印章证书")
        TSA = "tsa", _("时间戳服务")
        CREDENTIAL = "credential", _("凭证签发密钥")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "identity.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kid = models.CharField(max_length=64, unique=True)
    private_key_encrypted = models.TextField()
    certificate_pem = models.TextField(blank=True)
    public_jwk = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "-created_at"]
        indexes = [models.Index(fields=["kind", "department", "retired_at"], name="issuer_key_active")]
        constraints = [
            # One active credential key: two processes creating the first key at once cannot both win.
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="credential", retired_at__isnull=True),
                name="one_active_credential_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.kid}"


def import_file_path(instance: LicenceImport, filename: str) -> str:
    return f"licence_imports/{timezone.now():%Y/%m}/{instance.file_sha256[:32]}"


class LicenceImport(models.Model):
    """存量证照导入: one file of a department's existing licences of one type, checked, then written.

    The file is checked first (the dry run: every row, nothing written); only a file whose check found no
    problem is committed, in batches. `rows_done` is the number of data rows written so far; it changes
    in the same transaction as the licences of its batch, so after a crash the job resumes exactly after
    the last committed batch. `problems` keeps the first problems of the check ({"row", "field",
    "message", "message_en"}), `problem_count` all of them. The stored file holds personal data: it is
    deleted when the job is rejected or done (the SHA-256 stays).

    A job in mode 批量签发并盖章 (`issue`) issues new licences instead: they are the platform's own
    (origin 签发), and once its rows are written the job is `sealing` until every one of them has its
    sealed PDF (`pdfs_done`, counted in the transaction that records each PDF; bulk_issue.py).
    """

    class Status(models.TextChoices):
        REJECTED = "rejected", _("检查未通过")
        CHECKED = "checked", _("检查通过，待导入")
        QUEUED = "queued", _("排队等待导入")
        RUNNING = "running", _("正在导入")
        SEALING = "sealing", _("正在盖章")
        INTERRUPTED = "interrupted", _("已中断，可继续导入")
        DONE = "done", _("导入完成")

    class Mode(models.TextChoices):
        IMPORT = "import", _("存量证照导入")
        ISSUE = "issue", _("批量签发并盖章")

    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("方式"), max_length=6, choices=Mode.choices, default=Mode.IMPORT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to=import_file_path, max_length=300, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_sha256 = models.CharField(_("文件摘要 (SHA-256)"), max_length=64)
    file_format = models.CharField(max_length=4)  # csv | xlsx
    encoding = models.CharField(max_length=20, blank=True)  # of a CSV: utf-8, utf-8-sig, gb18030
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已导入行数"), default=0)
    pdfs_done = models.PositiveIntegerField(_("已盖章份数"), default=0)  # a bulk issuance's sealed PDFs
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)
    problems = models.JSONField(default=list, blank=True)
    batch_size = models.PositiveIntegerField(default=2000)
    error = models.CharField(_("中断原因"), max_length=500, blank=True)
    created_at = models.DateTimeField()
    committed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a running job's last sign of life
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "-created_at"], name="licence_import_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")), name="import_done_le_total"
            ),
            models.CheckConstraint(condition=models.Q(batch_size__gte=1), name="import_batch_positive"),
            models.CheckConstraint(
                condition=models.Q(pdfs_done__lte=models.F("rows_done")), name="import_sealed_le_done"
            ),
        ]
        verbose_name = _("证照导入")
        verbose_name_plural = _("证照导入")

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name} ({self.status})"
