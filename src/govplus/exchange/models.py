"""Data sharing and exchange (数据共享交换平台): the resource catalogue, its records, the consumer
systems, sharing requests and grants, and the evidence of every exchange.

- A **resource** (政务信息资源) is one table a provider department shares: its fields with their
  sensitivity, its share class (无条件 / 有条件 with conditions / 不予共享 with the legal basis), its open
  class for the open-data portal, update cycle, key field and the service items that use it. Its rows
  come from a **source**: an uploaded table (versioned, diffed on re-upload), a read-only SQL query or an
  HTTP endpoint; each import is a `SourceVersion`.
- A **record** is one row of a resource, found by its key's keyed hash (the key is often an ID number),
  its values encrypted at rest, and stamped with the resource's change counter (`version`): the change
  feed pages by it, a deleted row stays as a tombstone so consumers learn of the deletion.
- A **consumer system** is another government system, an OAuth2 client of the platform (client
  credentials, or `private_key_jwt` with its published keys), belonging to a department.
- A **share request** asks for a resource for a purpose, a legal basis, a subset of fields and a
  period; 无条件 is granted at once, 有条件 goes to the provider's data officer who decides within a limit
  in working days. A **grant** is what a consumer may read: fields, period, withdrawn or not.
- An **evidence entry** is one exchange (who, purpose, resource, fields, how many records, hashes of
  request and response — never the data), a leaf of the `exchange` Merkle log (RFC 6962, unkeyed
  leaf hashes so an auditor recomputes them from the export).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from govplus.core.models import MerkleLeaf


class Resource(models.Model):
    class ShareClass(models.TextChoices):
        UNCONDITIONAL = "unconditional", _("无条件共享")
        CONDITIONAL = "conditional", _("有条件共享")
        NONE = "none", _("不予共享")

    class OpenClass(models.TextChoices):
        OPEN = "open", _("无条件开放")
        CONDITIONAL = "conditional", _("有条件开放")
        NONE = "none", _("不予开放")

    class UpdateCycle(models.TextChoices):
        REALTIME = "realtime", _("实时")
        DAILY = "daily", _("每日")
        WEEKLY = "weekly", _("每周")
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        YEARLY = "yearly", _("每年")
        IRREGULAR = "irregular", _("不定期")

    class SourceKind(models.TextChoices):
        TABLE = "table", _("上传表格")
        SQL = "sql", _("数据库查询")
        HTTP = "http", _("接口")

    code = models.CharField(_("资源代码"), max_length=40, unique=True)
    name = models.CharField(_("资源名称"), max_length=100)
    name_en = models.CharField(_("资源名称（英文）"), max_length=150, blank=True)
    summary = models.TextField(_("资源摘要"), blank=True)
    summary_en = models.TextField(_("资源摘要（英文）"), blank=True)
    provider = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    share_class = models.CharField(_("共享类型"), max_length=14, choices=ShareClass.choices)
    share_conditions = models.TextField(_("共享条件"), blank=True)  # 有条件共享: what a request must show
    no_share_basis = models.TextField(_("不予共享依据"), blank=True)  # 不予共享: the law or rule
    open_class = models.CharField(_("开放类型"), max_length=12, choices=OpenClass.choices, default=OpenClass.NONE)
    update_cycle = models.CharField(_("更新周期"), max_length=10, choices=UpdateCycle.choices)
    data_format = models.CharField(_("数据格式"), max_length=40, blank=True)
    key_field = models.CharField(_("主键字段"), max_length=40)
    service_items = models.JSONField(_("关联事项"), default=list, blank=True)  # catalog item codes
    # the catalogue's material names (Material.licence_type of source 共享数据) this resource answers,
    # besides its own name: e.g. 户籍人口 answers 户籍证明 and 居民户口簿信息
    material_names = models.JSONField(_("可替代的材料"), default=list, blank=True)
    source_kind = models.CharField(_("数据来源"), max_length=6, choices=SourceKind.choices, default=SourceKind.TABLE)
    # the source's connection (SQL DSN and query, HTTP URL and headers) as encrypted JSON: it holds secrets
    source_config_encrypted = models.TextField(blank=True)
    version = models.BigIntegerField(default=0)  # the change counter: every record change takes the next
    record_count = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(_("已发布"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("政务信息资源")
        verbose_name_plural = _("政务信息资源")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ResourceField(models.Model):
    """One field (信息项) of a resource. Sensitivity: 1 公开, 2 内部, 3 敏感 (masked unless a grant says
    otherwise), 4 高度敏感 (never shared)."""

    class Kind(models.TextChoices):
        STRING = "string", _("字符串")
        INTEGER = "integer", _("整数")
        DECIMAL = "decimal", _("数值")
        DATE = "date", _("日期")
        DATETIME = "datetime", _("日期时间")
        BOOLEAN = "boolean", _("布尔")

    class Sensitivity(models.IntegerChoices):
        PUBLIC = 1, _("公开")
        INTERNAL = 2, _("内部")
        SENSITIVE = 3, _("敏感")
        SECRET = 4, _("高度敏感")

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("字段名"), max_length=40)  # ascii, as the API returns it
    label = models.CharField(_("中文名称"), max_length=60)
    label_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STRING)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    sensitivity = models.PositiveSmallIntegerField(_("敏感级别"), choices=Sensitivity.choices, default=1)
    is_personal = models.BooleanField(_("个人信息"), default=False)

    class Meta:
        ordering = ["resource", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["resource", "name"], name="one_field_name_per_resource")]
        verbose_name = _("信息项")
        verbose_name_plural = _("信息项")

    def __str__(self) -> str:
        return f"{self.resource.code}.{self.name}"


class ResourceRecord(models.Model):
    """One row of a resource. `key_hash` is the keyed hash of its key value (`core.crypto.lookup_hash`);
    `data_encrypted` the row's values as encrypted JSON (key included); `version` the resource's change
    counter when the row last changed; a deleted row stays (`is_deleted`) so the change feed reports it."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="records")
    key_hash = models.CharField(max_length=64)
    data_encrypted = models.TextField()
    data_digest = models.CharField(max_length=64)  # SHA-256 of the canonical JSON: a re-upload's diff
    version = models.BigIntegerField()
    is_deleted = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["resource", "key_hash"], name="one_record_per_key")]
        indexes = [models.Index(fields=["resource", "version"], name="record_changes")]
        verbose_name = _("资源记录")
        verbose_name_plural = _("资源记录")

    def __str__(self) -> str:
        return f"{self.resource_id}:{self.key_hash[:12]}@{self.version}"


class SourceVersion(models.Model):
    """One import of a resource's source: an uploaded file, or one run of its SQL or HTTP source, with
    what it changed (added, changed, removed rows) and the problems found."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("已检查")
        APPLIED = "applied", _("已生效")
        REJECTED = "rejected", _("有错误")
        EXPIRED = "expired", _("已过期")  # checked, never applied: its kept content deleted (uploads_sweep)

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=6, choices=Resource.SourceKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKED)
    file_name = models.CharField(max_length=200, blank=True)
    file = models.FileField(upload_to="exchange/sources/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    version_from = models.BigIntegerField(default=0)  # the resource's change counter before and after
    version_to = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["resource", "-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"], name="one_source_version_number")]
        verbose_name = _("数据版本")
        verbose_name_plural = _("数据版本")

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class ConsumerSystem(models.Model):
    """A department's system that calls the gateway: an OAuth2 client (client credentials, or
    `private_key_jwt` with `jwks`) of the platform. `rate_per_minute` bounds its calls."""

    department = models.ForeignKey("identity.Department", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("系统名称"), max_length=100)
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.PROTECT, related_name="consumer_system"
    )
    jwks = models.JSONField(default=dict, blank=True)  # public keys for private_key_jwt (RFC 7523)
    rate_per_minute = models.PositiveIntegerField(_("每分钟调用上限"), default=600)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department", "name"]
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def __str__(self) -> str:
        return self.name


class ShareRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        GRANTED = "granted", _("已授权")
        REFUSED = "refused", _("已拒绝")
        CANCELLED = "cancelled", _("已撤回申请")

    number = models.CharField(_("申请编号"), max_length=24, unique=True)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="requests")
    consumer = models.ForeignKey(ConsumerSystem, on_delete=models.PROTECT, related_name="requests")
    purpose = models.CharField(_("用途"), max_length=200)
    legal_basis = models.CharField(_("依据"), max_length=300)
    fields = models.JSONField(_("申请字段"), default=list)
    valid_from = models.DateField(_("使用期限起"))
    valid_until = models.DateField(_("使用期限止"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    due_on = models.DateField(_("答复期限"), null=True, blank=True)  # 有条件: the data officer's limit
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["resource", "status", "due_on"], name="share_request_queue")]
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")

    def __str__(self) -> str:
        return self.number


class Grant(models.Model):
    """What a consumer system may read of a resource, from a granted request: `fields`, of which
    `unmasked_fields` (sensitive ones the data officer allowed in full), from `valid_from` to
    `valid_until`, unless withdrawn."""

    request = models.OneToOneField(ShareRequest, on_delete=models.PROTECT, related_name="grant")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="grants")
    consumer = models.ForeignKey(ConsumerSystem, on_delete=models.PROTECT, related_name="grants")
    fields = models.JSONField(default=list)
    unmasked_fields = models.JSONField(default=list, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdraw_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["consumer", "resource", "valid_until"], name="grant_of_consumer")]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")

    def __str__(self) -> str:
        return f"grant #{self.pk} {self.consumer_id}→{self.resource_id}"


class ExchangeEvidence(MerkleLeaf):
    """One exchange, a leaf of the `exchange` Merkle log: who asked (node, consumer system, department),
    for what (purpose, case, consent), which resource and fields, how many records, and the SHA-256 of
    the request and of the response — never the data itself. `subject_hash` is the keyed hash of the
    person's key (ID number) when a lookup concerned one person, so the citizen can be shown who looked
    up what about them. Written once with its exchange; its place in the log (`leaf_index`, `leaf_hash`)
    is set once by the sequencer, never changed after; never deleted."""

    # NULL while staged: written with the exchange, placed in the log a moment later (`evidence.py`)
    leaf_index = models.BigIntegerField(unique=True, null=True, blank=True)  # type: ignore[assignment]
    evidence_id = models.CharField(max_length=36, unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    node = models.CharField(max_length=40)  # the node that served the exchange
    consumer = models.CharField(max_length=100)  # the client id
    consumer_department = models.CharField(max_length=32)
    operation = models.CharField(max_length=20)  # lookup, batch, changes, webhook, node-lookup …
    resource_code = models.CharField(max_length=40)
    purpose = models.CharField(max_length=200)
    fields = models.JSONField(default=list)
    record_count = models.PositiveIntegerField(default=0)
    request_hash = models.CharField(max_length=64)
    response_hash = models.CharField(max_length=64)
    case_number = models.CharField(max_length=40, blank=True)
    consent = models.CharField(max_length=100, blank=True)
    subject_hash = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["consumer", "occurred_at"], name="evidence_of_consumer")]
        verbose_name = _("交换存证")
        verbose_name_plural = _("交换存证")

    def __str__(self) -> str:
        return self.evidence_id


class Node(models.Model):
    """Another govplus installation this one federates with (物理分散、逻辑集中): a county's city, a city's
    province or counties. Registered by each side's platform administrator; its public keys (`jwks`) are
    pinned at registration (their thumbprint compared between the two administrators) and verify every
    call it makes here and every tree head it publishes."""

    class Level(models.TextChoices):
        COUNTY = "county", _("县级")
        CITY = "city", _("市级")
        PROVINCE = "province", _("省级")

    code = models.CharField(_("节点代码"), max_length=40, unique=True)
    name = models.CharField(_("节点名称"), max_length=100)
    name_en = models.CharField(_("节点名称（英文）"), max_length=150, blank=True)
    level = models.CharField(_("层级"), max_length=8, choices=Level.choices)
    base_url = models.URLField(_("地址"), max_length=200)
    jwks = models.JSONField(default=dict)
    thumbprint = models.CharField(_("密钥指纹"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField()
    # the last tree head of its evidence log that this node checked (size, root, signed JWS)
    tree_head = models.JSONField(default=dict, blank=True)
    tree_head_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("联邦节点")
        verbose_name_plural = _("联邦节点")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class NodeConsumer(models.Model):
    """A consumer system of another node, as this node knows it: a local ConsumerSystem (of a department
    row standing for the remote department) that can only be reached through node-signed calls."""

    consumer = models.OneToOneField(ConsumerSystem, on_delete=models.PROTECT, related_name="node_link")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="consumers")
    remote_client_id = models.CharField(max_length=100)
    remote_department = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "remote_client_id"], name="node_consumer_once"),
        ]
        verbose_name = _("外节点接入系统")
        verbose_name_plural = _("外节点接入系统")

    def __str__(self) -> str:
        return f"{self.node_id}:{self.remote_client_id}"


class RemoteRequest(models.Model):
    """A request this node's department filed at another node, mirrored here for its staff: the other
    node holds the request itself and decides it; `status` is refreshed from it."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="remote_requests")
    number = models.CharField(_("申请编号"), max_length=24)
    resource_code = models.CharField(_("资源代码"), max_length=40)
    resource_name = models.CharField(_("资源名称"), max_length=100)
    consumer = models.ForeignKey(ConsumerSystem, on_delete=models.PROTECT, related_name="remote_requests")
    fields = models.JSONField(default=list)
    purpose = models.CharField(_("用途"), max_length=200)
    status = models.CharField(_("状态"), max_length=10)
    granted_fields = models.JSONField(default=list, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["node", "number"], name="remote_request_once")]
        verbose_name = _("跨节点共享申请")
        verbose_name_plural = _("跨节点共享申请")

    def __str__(self) -> str:
        return f"{self.node_id}:{self.number}"

    @property
    def status_label(self) -> str:
        """The status in the visitor's language (the peer answers with ShareRequest's status values)."""
        labels = dict(ShareRequest.Status.choices)
        return str(labels.get(self.status, self.status))


class EvidenceNode(models.Model):
    """A stored interior node of the evidence tree: the RFC 6962 root of the perfect subtree of
    2**`height` leaves that starts at leaf `position` * 2**`height` (height ≥ 1; height 0 is the leaf's
    own `leaf_hash`). Written when the leaf that completes the subtree is appended, so any proof or any
    past root is combined from O(log n) stored hashes read with one query. Never updated or deleted."""

    height = models.PositiveSmallIntegerField()
    position = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["height", "position"], name="evidence_node_once")]

    def __str__(self) -> str:
        return f"{self.height}/{self.position}"


class ExchangeTreeHead(models.Model):
    """A signed tree head of the evidence log: {log, node, tree_size, root_hash, timestamp} as a compact
    JWS (RS256) made with the platform's OIDC signing key (`kid` as in /o/.well-known/jwks.json), so an
    auditor or a peer node checks it with the published keys alone. One per tree size; each new one is
    consistent with the previous one (checked before it is stored)."""

    node = models.CharField(max_length=40)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp_ms = models.BigIntegerField()
    kid = models.CharField(max_length=100)
    jws = models.TextField()

    class Meta:
        ordering = ["tree_size"]
        constraints = [models.UniqueConstraint(fields=["tree_size"], name="exchange_tree_head_once_per_size")]
        verbose_name = _("交换存证签名树头")
        verbose_name_plural = _("交换存证签名树头")

    def __str__(self) -> str:
        return f"exchange #{self.tree_size} {self.root_hash[:12]}"


class Subscription(models.Model):
    """A consumer system's subscription to the changes of a resource, pushed to its endpoint as signed
    webhooks. `key_hashes` are the keyed hashes of the keys it follows (`records.record_key_hash`, never
    the keys); empty means every record. The signing secret is stored encrypted (it must be used to sign,
    so it cannot be hashed). After `GOVPLUS_WEBHOOK_PAUSE_AFTER` consecutive failures the subscription is
    paused; `start_version` is the resource version when it was made (it follows the changes after it),
    `delivered_version` the version its endpoint last acknowledged, from which a resumed subscription
    catches up."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("推送中")
        PAUSED = "paused", _("已暂停")

    consumer = models.ForeignKey(ConsumerSystem, on_delete=models.PROTECT, related_name="subscriptions")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="subscriptions")
    key_hashes = models.JSONField(default=list, blank=True)
    endpoint_url = models.URLField(_("推送地址"), max_length=500)
    secret_encrypted = models.TextField()
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    start_version = models.BigIntegerField(default=0)  # the resource's version when subscribed: follows later ones
    delivered_version = models.BigIntegerField(default=0)
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["resource", "status"], name="subscription_of_resource")]
        verbose_name = _("变更订阅")
        verbose_name_plural = _("变更订阅")

    def __str__(self) -> str:
        return f"subscription #{self.pk} {self.consumer_id}→{self.resource_id}"

    @property
    def covers_all_records(self) -> bool:
        return not self.key_hashes
