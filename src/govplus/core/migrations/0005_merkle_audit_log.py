"""The audit log becomes an RFC 6962 Merkle log (docs/adr/0007-merkle-audit-log.md).

Existing entries are first checked against the old sha256 chain (a broken chain stops the migration:
re-keying it would launder the tampering), then given their leaf index (in id order) and keyed leaf
hash, and the log head is built from them. The first tree head is signed on the next minute task or
`govplus audit sign`.
"""

import hashlib
import json

from django.db import migrations, models

OLD_GENESIS = "0" * 64


def _old_digest(previous_hash, entry):
    content = {
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": entry.changes,
        "ip_address": entry.ip_address,
        "request_id": entry.request_id,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + text).encode()).hexdigest()


def to_merkle_leaves(apps, schema_editor):
    from govplus.core.audit import AUDIT_FIELDS, _canonical
    from govplus.core.merkle import Frontier, leaf_hash
    from govplus.core.transparency import leaf_key

    AuditEntry = apps.get_model("core", "AuditEntry")
    MerkleLogHead = apps.get_model("core", "MerkleLogHead")
    key = leaf_key()
    frontier = Frontier()
    previous = OLD_GENESIS
    last_id = 0
    batch = []
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=5000):
        if entry.previous_hash != previous or _old_digest(previous, entry) != entry.entry_hash:
            raise RuntimeError(
                f"审计链在 #{entry.pk} 处已损坏，拒绝迁移 / the old audit chain is broken at entry #{entry.pk}; "
                "investigate it (govplus audit verify on the previous release) before migrating"
            )
        previous = entry.entry_hash
        index = frontier.size
        digest = leaf_hash(key=key, data=_canonical(index, [getattr(entry, name) for name in AUDIT_FIELDS]))
        entry.leaf_index = index
        entry.leaf_hash = digest.hex()
        frontier.append(digest)
        last_id = entry.pk
        batch.append(entry)
        if len(batch) >= 5000:
            AuditEntry.objects.bulk_update(batch, ["leaf_index", "leaf_hash"])
            batch = []
    AuditEntry.objects.bulk_update(batch, ["leaf_index", "leaf_hash"])
    if frontier.size:
        MerkleLogHead.objects.create(
            log_name="audit", tree_size=frontier.size, frontier=frontier.to_hex(), last_leaf_id=last_id
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0004_notification_text_en")]

    operations = [
        migrations.CreateModel(
            name="MerkleLogHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("log_name", models.CharField(max_length=40, unique=True)),
                ("tree_size", models.BigIntegerField(default=0)),
                ("frontier", models.JSONField(default=list)),
                ("last_leaf_id", models.BigIntegerField(default=0)),
                ("signed_size", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="SignedTreeHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("log_name", models.CharField(max_length=40)),
                ("tree_size", models.BigIntegerField()),
                ("root_hash", models.CharField(max_length=64)),
                ("timestamp_ms", models.BigIntegerField()),
                ("key_id", models.CharField(max_length=64)),
                ("signature", models.CharField(max_length=100)),
            ],
            options={
                "verbose_name": "签名树头",
                "verbose_name_plural": "签名树头",
                "ordering": ["log_name", "tree_size", "timestamp_ms"],
                "indexes": [models.Index(fields=["log_name", "tree_size"], name="core_signed_log_nam_36f1ba_idx")],
            },
        ),
        migrations.AddField(
            model_name="auditentry", name="leaf_index", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="auditentry", name="leaf_hash", field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(to_merkle_leaves, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry", name="leaf_index", field=models.BigIntegerField(unique=True)
        ),
        migrations.RemoveField(model_name="auditentry", name="previous_hash"),
        migrations.RemoveField(model_name="auditentry", name="entry_hash"),
        migrations.DeleteModel(name="AuditChainHead"),
    ]
