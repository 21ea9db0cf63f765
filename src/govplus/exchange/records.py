"""A resource's records: written in batches with the resource's change counter, read by key.

Rules:
- A record is found by the keyed hash of its key value (`lookup_hash`: an ID number is never stored or
  searched in clear); its values are one encrypted JSON object (key included).
- Every write that changes a record (new, different values, deleted) takes the next value of the
  resource's change counter (`Resource.version`, under a row lock, so two writers never share one);
  an unchanged row keeps its version. The change feed (`changes since`) therefore sees each change once,
  in order, and a consumer that stored the last version it saw misses nothing.
- A record that disappears from a full re-upload is kept as a tombstone (`is_deleted`, values emptied
  but its key kept, encrypted) with a new version, so a consumer learns which record was deleted.
- A big write refreshes PostgreSQL's statistics every `STATISTICS_EVERY` rows it adds, so the lookups
  of its later batches (and the gateway's) use the index on a table that has just grown (core.db).
- A write that changed anything announces it, in its transaction, as one `exchange.records_changed`
  event (the versions before and after, and the changed keys' hashes when there are few): the change
  subscriptions push it to their endpoints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from govplus.core.crypto import decrypt_text, encrypt_text, lookup_hash
from govplus.core.db import statistics_refresh
from govplus.core.events import event_publish
from govplus.exchange.models import Resource, ResourceRecord

BATCH = 2_000
STATISTICS_EVERY = 20_000  # rows added between refreshes of PostgreSQL's statistics during one write


def canonical_json(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def record_key_hash(key: Any) -> str:
    return lookup_hash(str(key))


@dataclass(frozen=True)
class WriteCounts:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    version_from: int = 0
    version_to: int = 0


def records_write(resource: Resource, rows: Iterable[dict[str, Any]], *, replace_all: bool = False) -> WriteCounts:
    """Upsert `rows` (dicts with the resource's key field) into the resource; with `replace_all`, rows
    of the resource not in `rows` are deleted (a full re-upload). One transaction; the resource row is
    locked for its duration (writers of one resource queue, readers do not wait)."""
    key_field = resource.key_field
    added = changed = unchanged = removed = 0
    now = timezone.now()
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        version_from = version = locked.version
        seen: set[str] = set()
        batch: list[tuple[str, dict[str, Any]]] = []
        analysed = [0]  # rows added when the table's statistics were last refreshed

        def flush() -> None:
            nonlocal added, changed, unchanged, version
            existing = {
                r.key_hash: r
                for r in ResourceRecord.objects.filter(resource=locked, key_hash__in=[h for h, _ in batch]).only(
                    "id", "key_hash", "data_digest", "is_deleted"
                )
            }
            new: list[ResourceRecord] = []
            updates: list[ResourceRecord] = []
            for key_hash, values in batch:
                text = canonical_json(values)
                digest = hashlib.sha256(text.encode()).hexdigest()
                record = existing.get(key_hash)
                if record is not None and record.data_digest == digest and not record.is_deleted:
                    unchanged += 1
                    continue
                version += 1
                if record is None:
                    added += 1
                    new.append(
                        ResourceRecord(
                            resource=locked,
                            key_hash=key_hash,
                            data_encrypted=encrypt_text(text),
                            data_digest=digest,
                            version=version,
                            updated_at=now,
                        )
                    )
                else:
                    changed += 1
                    record.data_encrypted, record.data_digest = encrypt_text(text), digest
                    record.version, record.is_deleted, record.updated_at = version, False, now
                    updates.append(record)
            ResourceRecord.objects.bulk_create(new)
            ResourceRecord.objects.bulk_update(
                updates, ["data_encrypted", "data_digest", "version", "is_deleted", "updated_at"]
            )
            batch.clear()
            if added - analysed[0] >= STATISTICS_EVERY:  # a big load: keep the next batches' lookups indexed
                statistics_refresh(ResourceRecord)
                analysed[0] = added

        for row in rows:
            key = str(row.get(key_field, "")).strip()
            if not key:
                raise ValueError(f"a row without its key field {key_field!r}")
            key_hash = record_key_hash(key)
            if key_hash in seen:
                raise ValueError(f"the key {key_field!r} repeats in the rows")
            seen.add(key_hash)
            batch.append((key_hash, row))
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        if replace_all:
            gone = _gone_by_scan(locked, seen)
            keys = _keys_of(gone, key_field)
            for record in gone:
                version += 1
                key_only = {key_field: keys.get(record.pk)}
                record.is_deleted, record.version, record.updated_at = True, version, now
                record.data_encrypted, record.data_digest = encrypt_text(canonical_json(key_only)), ""
            ResourceRecord.objects.bulk_update(
                gone, ["is_deleted", "version", "updated_at", "data_encrypted", "data_digest"], batch_size=BATCH
            )
            removed = len(gone)
        locked.version = version
        locked.record_count = ResourceRecord.objects.filter(resource=locked, is_deleted=False).count()
        locked.save(update_fields=["version", "record_count", "updated_at"])
        if version > version_from:
            _records_changed_publish(locked, version_from, version)
    resource.version, resource.record_count = locked.version, locked.record_count
    return WriteCounts(added, changed, removed, unchanged, version_from, version)


CHANGED_KEYS_LISTED = 1_000


def _records_changed_publish(resource: Resource, version_from: int, version_to: int) -> None:
    """Announce a write that changed records (`exchange.records_changed`, in its transaction): the
    resource, its versions before and after, and the keyed hashes of the changed keys when there are at
    most `CHANGED_KEYS_LISTED` (else `changed` is "all"). Subscriptions (webhooks.py) listen to it."""
    payload: dict[str, Any] = {"resource_code": resource.code, "version_from": version_from, "version_to": version_to}
    if version_to - version_from <= CHANGED_KEYS_LISTED:  # each change took one version
        hashes = ResourceRecord.objects.filter(resource=resource, version__gt=version_from).values_list(
            "key_hash", flat=True
        )
        payload.update(changed="keys", changed_key_hashes=sorted(hashes))
    else:
        payload["changed"] = "all"
    event_publish(name="exchange.records_changed", payload=payload)


def _gone_by_scan(resource: Resource, seen: set[str]) -> list[ResourceRecord]:
    """The live records whose key is not in `seen`, for a large upload (no huge NOT IN list)."""
    return [
        r
        for r in ResourceRecord.objects.filter(resource=resource, is_deleted=False)
        .only("id", "key_hash")
        .iterator(chunk_size=BATCH)
        if r.key_hash not in seen
    ]


def _keys_of(records: list[ResourceRecord], key_field: str) -> dict[int, Any]:
    """The key values of these (live) records, by id: what their tombstones keep."""
    keys: dict[int, Any] = {}
    ids = [r.pk for r in records]
    for start in range(0, len(ids), BATCH):
        for pk, data in ResourceRecord.objects.filter(pk__in=ids[start : start + BATCH]).values_list(
            "pk", "data_encrypted"
        ):
            keys[pk] = json.loads(decrypt_text(data)).get(key_field)
    return keys


def record_values(record: ResourceRecord) -> dict[str, Any]:
    """The record's values (decrypted); {} for a deleted one."""
    if record.is_deleted:
        return {}
    values: dict[str, Any] = json.loads(decrypt_text(record.data_encrypted))
    return values


def record_key(record: ResourceRecord, key_field: str) -> str | None:
    """The record's key value, a tombstone's included (None for a tombstone written before tombstones
    kept their key)."""
    values = json.loads(decrypt_text(record.data_encrypted))
    key = values.get(key_field) if isinstance(values, dict) else None
    return None if key is None else str(key)


def records_by_keys(resource: Resource, keys: Sequence[Any]) -> dict[str, ResourceRecord]:
    """The live records of these keys, by key (as given); missing keys are absent."""
    hashes = {record_key_hash(key): str(key) for key in keys}
    found = ResourceRecord.objects.filter(resource=resource, key_hash__in=list(hashes), is_deleted=False)
    return {hashes[r.key_hash]: r for r in found}


def records_values_by_keys(resource_id: int, keys: Sequence[Any]) -> dict[str, tuple[int, dict[str, Any]]]:
    """The live records of these keys as (version, values), by key (as given) — what the gateway
    answers with, read in one plain statement (no model instances: a lookup is hot)."""
    hashes = {record_key_hash(key): str(key) for key in keys}
    if not hashes:
        return {}
    table = connection.ops.quote_name(ResourceRecord._meta.db_table)
    marks = ", ".join(["%s"] * len(hashes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key_hash, version, data_encrypted FROM {table} "
            f"WHERE resource_id = %s AND is_deleted = %s AND key_hash IN ({marks})",
            [resource_id, False, *hashes],
        )
        found = cursor.fetchall()
    return {hashes[key_hash]: (version, json.loads(decrypt_text(data))) for key_hash, version, data in found}


def records_changed_since(resource: Resource, since: int, *, limit: int) -> list[ResourceRecord]:
    """The records changed after version `since`, oldest change first (tombstones included)."""
    return list(ResourceRecord.objects.filter(resource=resource, version__gt=since).order_by("version")[:limit])
