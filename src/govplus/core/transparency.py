"""A reusable append-only RFC 6962 Merkle log with signed tree heads (透明日志).

A log has a name and a leaf table: a model derived from `core.models.MerkleLeaf`, whose rows carry
`leaf_index` (0, 1, 2, … without gaps) and `leaf_hash` = HMAC-SHA256(GOVPLUS_AUDIT_KEY, 0x00 ||
canonical content) (`core/merkle.py`). The audit log (`core/audit.py`) is the first such log; the
data-exchange evidence will be the second: `MerkleLog(name="exchange", leaf_model=EvidenceLeaf,
canonical=...)`.

Rule and the attack it stops: someone with write access to the database can change, insert, remove
or reorder rows and rewrite every stored hash, but without the leaf key (kept in the environment,
never in the database) cannot produce the leaf hash of content they wrote, and without the signing
key (Ed25519, GOVPLUS_AUDIT_SIGNING_KEY) cannot sign a tree head. Every minute (Huey) and every
GOVPLUS_AUDIT_STH_EVERY leaves the log signs its head (size, root, time), stores it in the database
and appends it as a JSON line to `GOVPLUS_AUDIT_CHECKPOINT_DIR/<log>.jsonl`, outside the database;
witnesses fetch it from the API. Verification recomputes every leaf with the key, rebuilds the tree and
checks the root at the size of every signed head in the database and in the file: removing or
truncating entries covered by a signed head, or rewriting them, is found even if the attacker deletes
the heads in the database. Entries appended after the newest signed head (at most a minute's, or
GOVPLUS_AUDIT_STH_EVERY entries) are protected by the key only: removing them is not detectable.

Appends lock the log's `MerkleLogHead` row, so they are serialised; `append` is meant to run as the
last write of the caller's transaction (it commits or rolls back with it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.conf import settings
from django.db import connections, models, transaction

from govplus.core.merkle import LEAF_PREFIX, Frontier, TreeLevels, leaf_hash
from govplus.core.models import MerkleLeaf, MerkleLogHead, SignedTreeHead

STH_FORMAT = "govplus-sth-v1"


@cache
def _signing_key(pem: str) -> ed25519.Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise ValueError("GOVPLUS_AUDIT_SIGNING_KEY must be an Ed25519 private key")
    return key


def signing_key() -> ed25519.Ed25519PrivateKey:
    return _signing_key(settings.GOVPLUS_AUDIT_SIGNING_KEY)


def public_key_bytes() -> bytes:
    return signing_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem() -> str:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_id() -> str:
    """SHA-256 of the raw Ed25519 public key, hex: names the key that signed a tree head."""
    return hashlib.sha256(public_key_bytes()).hexdigest()


def leaf_key() -> bytes:
    return settings.GOVPLUS_AUDIT_KEY.encode()


def signed_message(*, log_name: str, tree_size: int, root_hash: str, timestamp_ms: int) -> bytes:
    """The exact bytes an Ed25519 tree-head signature covers (documented in the ADR for witnesses)."""
    return f"{STH_FORMAT}\n{log_name}\n{tree_size}\n{root_hash}\n{timestamp_ms}\n".encode()


@dataclass(frozen=True)
class TreeHead:
    log_name: str
    tree_size: int
    root_hash: str
    timestamp_ms: int
    key_id: str
    signature: str
    source: str = "database"

    def as_json(self) -> dict[str, Any]:
        return {
            "format": STH_FORMAT,
            "log": self.log_name,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp_ms,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    def signature_is_valid(self) -> bool:
        try:
            signing_key().public_key().verify(
                base64.b64decode(self.signature, validate=True),
                signed_message(
                    log_name=self.log_name,
                    tree_size=self.tree_size,
                    root_hash=self.root_hash,
                    timestamp_ms=self.timestamp_ms,
                ),
            )
        except (InvalidSignature, ValueError):
            return False
        return True

    @classmethod
    def from_row(cls, row: SignedTreeHead) -> TreeHead:
        return cls(row.log_name, row.tree_size, row.root_hash, row.timestamp_ms, row.key_id, row.signature)

    @classmethod
    def from_json_line(cls, line: str, *, source: str) -> TreeHead:
        """Parse one checkpoint line (the format `as_json` writes); ValueError when it is not one."""
        try:
            data = json.loads(line)
            head = cls(
                str(data["log"]),
                int(data["tree_size"]),
                str(data["root_hash"]),
                int(data["timestamp"]),
                str(data.get("key_id", "")),
                str(data["signature"]),
                source,
            )
        except (KeyError, TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a signed tree head: {line[:80]!r}") from error
        return head


def read_checkpoint_file(path: Path, *, log_name: str | None = None) -> list[TreeHead]:
    """Every tree head in a JSON-lines checkpoint file (ours, or a witness's copy of them)."""
    heads = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                head = TreeHead.from_json_line(line, source=f"{path}:{number}")
                if log_name is None or head.log_name == log_name:
                    heads.append(head)
    return heads


@dataclass
class LogProblem:
    problem: str
    leaf_id: int | None = None


@dataclass
class LogVerification:
    """The outcome of `MerkleLog.verify`: intact, or the first problem found and the row it concerns."""

    is_intact: bool
    entries_checked: int
    problem: str = ""
    broken_entry_id: int | None = None
    tree_heads_checked: int = 0
    root_hash: str = ""
    notes: list[str] = field(default_factory=list)


class MerkleLog:
    """One named log over one leaf table; `canonical(row_values)` gives the bytes a leaf hashes.

    `fields` are the leaf model's columns `canonical` reads (in that order), besides `id`,
    `leaf_index` and `leaf_hash`. `keyed` (the audit log): leaves hashed with the platform's audit key,
    so a database writer without the key cannot forge one; unkeyed (the exchange evidence): the plain
    RFC 6962 leaf hash SHA-256(0x00 || data), so an auditor outside recomputes every leaf from an export."""

    def __init__(
        self,
        *,
        name: str,
        leaf_model: type[MerkleLeaf],
        fields: Sequence[str],
        canonical: Callable[[int, Sequence[Any]], bytes],
        keyed: bool = True,
    ) -> None:
        self.name = name
        self.leaf_model = leaf_model
        self.fields = list(fields)
        self.canonical = canonical
        self.keyed = keyed
        self._insert_statements: dict[str, tuple[str, list[Any]]] = {}

    def hash_leaf(self, data: bytes) -> bytes:
        """The leaf hash of `data` in this log (keyed or plain RFC 6962)."""
        return self._leaf_hasher()(data)

    # --- writing -------------------------------------------------------------------------------
    def append(self, rows: list[Any], values: Callable[[Any], Sequence[Any]]) -> None:
        """Give `rows` (unsaved leaf-model instances) their index and keyed leaf hash, insert them
        with one statement and move the head; signs a tree head when GOVPLUS_AUDIT_STH_EVERY more
        leaves have arrived since the last one. Runs inside the caller's transaction.

        Cost: O(log n) hashing (the head keeps the tree's right edge, `Frontier`: each leaf merges at
        most log2(n) nodes, nothing is recomputed) and three statements — lock and read the head, insert
        the leaves (with their precomputed hashes), update the head — sent as plain SQL: the ORM's
        per-statement work was most of an append (a gateway lookup spent 73% of its time here)."""
        if not rows:
            return
        with transaction.atomic(savepoint=False):
            connection = connections[self._manager().db]
            self._grow(connection, self._locked_head_raw(connection), rows, values, self._insert)

    def stage(self, row: Any) -> None:
        """Insert one leaf-model row without its place in the log (`leaf_index` NULL, no leaf hash), in
        the caller's transaction and without the head's lock: the write of an exchange that must not wait
        for the other exchanges (group commit). `sequence` gives it its place later; the leaf model's
        `leaf_index` must be nullable. Until then the row is in no tree head and has no proof."""
        row.leaf_index = None
        row.leaf_hash = ""
        self._insert(connections[self._manager().db], [row])

    def sequence(self, values: Callable[[Any], Sequence[Any]], *, limit: int = 2_000) -> int:
        """Give up to `limit` staged rows (oldest first) their index and leaf hash under one lock of the
        head, in one transaction: one head read, one UPDATE of the rows, one head write for the whole
        batch (and the log's `_appended` hook). Returns how many were placed. Concurrent sequencers queue
        on the head's lock and the later one finds only what the earlier left."""
        manager = self._manager()
        with transaction.atomic():
            connection = connections[manager.db]
            head = self._locked_head_raw(connection)
            rows = list(manager.filter(leaf_index__isnull=True).order_by("id")[:limit])
            if rows:
                self._grow(connection, head, rows, values, self._place)
        return len(rows)

    def _grow(
        self,
        connection: Any,
        head: MerkleLogHead,
        rows: list[Any],
        values: Callable[[Any], Sequence[Any]],
        write: Callable[[Any, list[Any]], None],
    ) -> None:
        """Under the head's lock: give `rows` the next indexes and their leaf hashes, `write` them (insert
        new rows, or place staged ones), move the head, sign a tree head when due, run `_appended`."""
        hash_leaf = self._leaf_hasher()
        frontier = Frontier.from_hex(head.tree_size, head.frontier)
        before = Frontier.from_hex(head.tree_size, head.frontier)
        for row in rows:
            index = frontier.size
            digest = hash_leaf(self.canonical(index, values(row)))
            row.leaf_index = index
            row.leaf_hash = digest.hex()
            frontier.append(digest)
        write(connection, rows)
        head.tree_size = frontier.size
        head.frontier = frontier.to_hex()
        head.last_leaf_id = rows[-1].pk or 0
        every = max(1, int(settings.GOVPLUS_AUDIT_STH_EVERY))
        if head.tree_size - head.signed_size >= every:
            self._sign(head, frontier.root().hex())
        self._head_update(connection, head)
        self._appended(before, rows)

    def _place(self, connection: Any, rows: list[Any]) -> None:
        """One UPDATE … FROM (VALUES …) per 500 rows setting their index and hash (PostgreSQL, and SQLite
        since 3.33, both name the VALUES columns column1, column2, …)."""
        quote = connection.ops.quote_name
        table = quote(self.leaf_model._meta.db_table)
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for row in chunk:
                params += [row.pk, row.leaf_index, row.leaf_hash]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {quote('leaf_index')} = v.column2, {quote('leaf_hash')} = v.column3 "
                    f"FROM (VALUES {values}) AS v WHERE {table}.{quote('id')} = v.column1",
                    params,
                )

    def _appended(self, before: Frontier, rows: list[Any]) -> None:
        """A hook for a log that keeps more than the leaves (the exchange log's subtree nodes): called
        inside the append's transaction, under the head's lock, with the tree's edge before the rows."""

    def _locked_head_raw(self, connection: Any) -> MerkleLogHead:
        """The head row, locked (FOR UPDATE where the database has it; SQLite's BEGIN IMMEDIATE already
        holds the write lock), read without the ORM; created on the log's first append."""
        table = connection.ops.quote_name(MerkleLogHead._meta.db_table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, tree_size, frontier, last_leaf_id, signed_size FROM {table} WHERE log_name = %s{lock}",
                [self.name],
            )
            found = cursor.fetchone()
        if found is None:
            return self._locked_head()
        head_id, tree_size, frontier, last_leaf_id, signed_size = found
        return MerkleLogHead(
            id=head_id,
            log_name=self.name,
            tree_size=tree_size,
            frontier=_json_value(frontier),
            last_leaf_id=last_leaf_id,
            signed_size=signed_size,
        )

    def _head_update(self, connection: Any, head: MerkleLogHead) -> None:
        meta = MerkleLogHead._meta
        names = ["tree_size", "frontier", "last_leaf_id", "signed_size"]
        columns: list[Any] = [meta.get_field(name) for name in names]
        assignments = ", ".join(f"{connection.ops.quote_name(c.column)} = %s" for c in columns)
        params = [c.get_db_prep_save(getattr(head, c.attname), connection) for c in columns]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} WHERE id = %s",
                [*params, head.pk],
            )

    def _insert(self, connection: Any, rows: list[Any]) -> None:
        """One INSERT of the leaves; a single leaf (every request's case) skips the ORM's bulk path."""
        if len(rows) != 1 or not connection.features.can_return_columns_from_insert:
            self._manager().bulk_create(rows)
            return
        row = rows[0]
        sql, columns = self._insert_statement(connection)
        params = [prepare(row, connection) for prepare in columns]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row.pk = cursor.fetchone()[0]
        row._state.adding = False
        row._state.db = connection.alias

    def _insert_statement(self, connection: Any) -> tuple[str, list[Callable[[Any, Any], Any]]]:
        """The INSERT of one leaf and, per column, how a row's value becomes its parameter: as the ORM
        does it (`pre_save`, `get_db_prep_save`), except that text, whole numbers and booleans, which the
        ORM passes through unchanged, skip its per-value calls."""
        known = self._insert_statements.get(connection.vendor)
        if known is None:
            meta = self.leaf_model._meta
            fields = [f for f in meta.concrete_fields if not f.primary_key]
            quote = connection.ops.quote_name
            sql = (
                f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
            )
            known = self._insert_statements[connection.vendor] = (sql, [_column_preparer(f) for f in fields])
        return known

    def _leaf_hasher(self) -> Callable[[bytes], bytes]:
        if self.keyed:
            key = leaf_key()
            return lambda data: leaf_hash(key=key, data=data)
        return lambda data: hashlib.sha256(LEAF_PREFIX + data).digest()

    def _manager(self) -> models.Manager[Any]:
        return self.leaf_model._default_manager

    def _locked_head(self) -> MerkleLogHead:
        head = MerkleLogHead.objects.select_for_update().filter(log_name=self.name).first()
        if head is None:
            MerkleLogHead.objects.bulk_create([MerkleLogHead(log_name=self.name)], ignore_conflicts=True)
            head = MerkleLogHead.objects.select_for_update().get(log_name=self.name)
        return head

    def _sign(self, head: MerkleLogHead, root_hash: str) -> SignedTreeHead:
        timestamp_ms = time.time_ns() // 1_000_000
        signature = signing_key().sign(
            signed_message(log_name=self.name, tree_size=head.tree_size, root_hash=root_hash, timestamp_ms=timestamp_ms)
        )
        row = SignedTreeHead.objects.create(
            log_name=self.name,
            tree_size=head.tree_size,
            root_hash=root_hash,
            timestamp_ms=timestamp_ms,
            key_id=key_id(),
            signature=base64.b64encode(signature).decode(),
        )
        head.signed_size = head.tree_size
        # robust: a checkpoint directory that cannot be written must not fail the committed request;
        # the minute task writes the line later
        transaction.on_commit(self.checkpoint_sync, robust=True)
        return row

    def sign_tree_head(self, *, force: bool = False) -> SignedTreeHead | None:
        """Sign the current head if leaves arrived since the last signed one (or `force`); the
        minute task calls it. Also catches the checkpoint file up with the database."""
        with transaction.atomic():
            head = self._locked_head()
            unchanged = head.tree_size in (head.signed_size, 0)
            if unchanged and not force:
                row = None
            else:
                root = Frontier.from_hex(head.tree_size, head.frontier).root().hex()
                row = self._sign(head, root)
                head.save(update_fields=["signed_size"])
        self.checkpoint_sync()
        return row

    # --- the checkpoint file, outside the database -----------------------------------------------
    def checkpoint_path(self) -> Path:
        return Path(settings.GOVPLUS_AUDIT_CHECKPOINT_DIR) / f"{self.name}.jsonl"

    def checkpoint_sync(self) -> int:
        """Append to the checkpoint file every signed head of the database newer than its last line
        (so a head signed just before a crash reaches the file on the next run). Returns lines written."""
        path = self.checkpoint_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        last = _last_line(path)
        newest_ms = -1
        if last:
            try:
                newest_ms = TreeHead.from_json_line(last, source=str(path)).timestamp_ms
            except ValueError:
                newest_ms = -1
        pending = SignedTreeHead.objects.filter(log_name=self.name, timestamp_ms__gt=newest_ms).order_by(
            "timestamp_ms", "id"
        )
        lines = [json.dumps(TreeHead.from_row(row).as_json(), separators=(",", ":")) + "\n" for row in pending]
        if lines:
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, "".join(lines).encode())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        return len(lines)

    # --- reading -------------------------------------------------------------------------------
    def signed_head_of_size(self, size: int) -> TreeHead | None:
        row = SignedTreeHead.objects.filter(log_name=self.name, tree_size=size).order_by("-timestamp_ms").first()
        return TreeHead.from_row(row) if row else None

    def latest_tree_head(self) -> TreeHead | None:
        row = SignedTreeHead.objects.filter(log_name=self.name).order_by("-tree_size", "-timestamp_ms").first()
        return TreeHead.from_row(row) if row else None

    def tree_heads(self) -> list[TreeHead]:
        """Signed heads from the database and from the checkpoint file."""
        heads = [TreeHead.from_row(row) for row in SignedTreeHead.objects.filter(log_name=self.name)]
        path = self.checkpoint_path()
        if path.exists():
            heads += read_checkpoint_file(path, log_name=self.name)
        return heads

    def current_size(self) -> int:
        head = MerkleLogHead.objects.filter(log_name=self.name).first()
        return head.tree_size if head else 0

    def leaf_hashes(self, size: int) -> list[bytes]:
        """The stored leaf hashes 0..size-1 in order (for proofs; `verify` recomputes them instead)."""
        hashes = [
            bytes.fromhex(value)
            for value in self._manager()
            .filter(leaf_index__lt=size)
            .order_by("leaf_index")
            .values_list("leaf_hash", flat=True)
            .iterator(chunk_size=20_000)
        ]
        if len(hashes) != size:
            raise ValueError("the log has fewer leaves than requested")
        return hashes

    def levels(self, size: int) -> TreeLevels:
        return TreeLevels(self.leaf_hashes(size))

    def _rows(self, batch_size: int) -> Iterator[tuple[Any, ...]]:
        """(id, leaf_index, leaf_hash, *fields) in log order, in keyset-paged batches. Read with a raw
        cursor and converted here (datetimes to aware UTC, JSON text parsed): Django's per-row
        converters cost about half of a million-entry verification."""
        columns = ["id", "leaf_index", "leaf_hash", *self.fields]
        converters = [_converter(self.leaf_model._meta.get_field(name)) for name in columns]
        pairs = [(position, convert) for position, convert in enumerate(converters) if convert is not None]
        last = -1
        while True:
            queryset = self._manager().filter(leaf_index__gt=last).order_by("leaf_index").values_list(*columns)
            sql, params = queryset[:batch_size].query.sql_with_params()
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(sql, params)
                batch = cursor.fetchall()
            if not batch:
                return
            for raw in batch:
                if pairs:
                    row = list(raw)
                    for position, convert in pairs:
                        if row[position] is not None:
                            row[position] = convert(row[position])
                    yield tuple(row)
                else:
                    yield raw
            last = batch[-1][1]

    # --- verifying -----------------------------------------------------------------------------
    def verify(
        self, *, extra_heads: Iterable[TreeHead] = (), batch_size: int = 20_000, keep_leaves: bool = False
    ) -> tuple[LogVerification, list[bytes]]:
        """Recompute every leaf with the key, rebuild the tree, and check it against every signed tree
        head (database, checkpoint file, `extra_heads`) and the head row. O(n) time, O(batch) memory
        (plus the leaves when `keep_leaves`, for consistency proofs)."""
        checked = 0
        try:
            heads = [*self.tree_heads(), *extra_heads]
        except ValueError as error:
            return LogVerification(False, 0, f"检查点文件损坏 / checkpoint file unreadable: {error}"), []
        for head in heads:
            if head.log_name != self.name:
                continue
            if not head.signature_is_valid():
                return (
                    LogVerification(
                        False,
                        0,
                        f"树头签名无效 / tree head signature invalid ({head.source}, size {head.tree_size}): "
                        "forged, altered, or signed with another key",
                    ),
                    [],
                )
        expected_roots: dict[int, list[TreeHead]] = {}
        for head in heads:
            if head.log_name == self.name:
                expected_roots.setdefault(head.tree_size, []).append(head)
        hash_leaf = self._leaf_hasher()
        canonical = self.canonical
        frontier = Frontier()
        kept: list[bytes] = []
        previous_id = 0
        log_head = MerkleLogHead.objects.filter(log_name=self.name).first()

        def fail(problem: str, leaf_id: int | None) -> tuple[LogVerification, list[bytes]]:
            return LogVerification(False, checked, problem, leaf_id, len(heads)), []

        for row in self._rows(batch_size):
            row_id, index, stored, values = row[0], row[1], row[2], row[3:]
            if index != checked:
                return fail(
                    f"链断裂：第 {checked} 至 {index - 1} 条（叶序号）缺失，记录被删除 / broken sequence: leaves "
                    f"{checked}..{index - 1} are missing (entries removed)"
                    if index > checked
                    else f"插入的记录：叶序号 {index} 重复 / inserted entry: leaf index {index} repeated",
                    row_id,
                )
            if row_id <= previous_id:
                return fail(
                    f"顺序被改动：记录 #{row_id} 排在 #{previous_id} 之后 / reordered: entry #{row_id} comes after "
                    f"#{previous_id} in the log",
                    row_id,
                )
            digest = hash_leaf(canonical(index, values))
            if digest.hex() != stored:
                return fail(
                    "内容被改动（或由不持有审计密钥者插入/重排）/ content altered (or inserted or moved by someone "
                    "without the audit key): its keyed leaf hash does not match",
                    row_id,
                )
            frontier.append(digest)
            if keep_leaves:
                kept.append(digest)
            checked += 1
            previous_id = row_id
            if checked in expected_roots:
                root = frontier.root().hex()
                for head in expected_roots.pop(checked):
                    if head.root_hash != root:
                        return fail(
                            f"与签名树头不符：前 {checked} 条的根哈希与 {head.source} 中签名的不同 / the first "
                            f"{checked} entries do not match the tree head signed in {head.source}",
                            row_id,
                        )
        if expected_roots:
            largest = max(expected_roots)
            source = expected_roots[largest][0].source
            return fail(
                f"链尾不符：日志被截断，{source} 中签名的树头有 {largest} 条，实有 {checked} 条 / log truncated: a "
                f"tree head signed in {source} covers {largest} entries, the log holds {checked} (a development "
                "database recreated on purpose? move its old checkpoint file away)",
                log_head.last_leaf_id if log_head and log_head.tree_size > checked else None,
            )
        root = frontier.root().hex()
        head_size = log_head.tree_size if log_head else 0
        try:
            head_root = Frontier.from_hex(log_head.tree_size, log_head.frontier).root().hex() if log_head else root
        except (ValueError, TypeError):
            head_root = ""  # a head row that is not even well-formed
        if head_size != checked or head_root != root:
            return fail(
                f"链尾不符：日志头记录 {head_size} 条，实有 {checked} 条 / log head disagrees: it records "
                f"{head_size} entries, found {checked}",
                log_head.last_leaf_id if log_head else None,
            )
        result = LogVerification(True, checked, tree_heads_checked=len(heads), root_hash=root)
        if checked and not heads:
            result.notes.append("尚无签名树头 / no signed tree head yet: run `govplus audit sign`")
        return result, kept


_PLAIN_TYPES = frozenset(
    {"CharField", "TextField", "IntegerField", "BigIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
     "SmallIntegerField", "PositiveBigIntegerField", "BooleanField"}
)  # fmt: skip


def _column_preparer(model_field: Any) -> Callable[[Any, Any], Any]:
    """row, connection → the INSERT parameter of `model_field`."""
    attname = model_field.attname
    automatic = getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False)
    if model_field.get_internal_type() in _PLAIN_TYPES and not automatic:

        def plain(row: Any, connection: Any) -> Any:
            value = getattr(row, attname)
            if isinstance(value, str | int | bool) or value is None:
                return value
            return model_field.get_db_prep_save(value, connection)

        return plain

    def prepared(row: Any, connection: Any) -> Any:
        return model_field.get_db_prep_save(model_field.pre_save(row, True), connection)

    return prepared


def _aware_utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)  # SQLite stores naive UTC text


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _converter(model_field: Any) -> Callable[[Any], Any] | None:
    """How a raw database value of `model_field` becomes what the ORM would have returned."""
    if isinstance(model_field, models.DateTimeField):
        return _aware_utc
    if isinstance(model_field, models.JSONField):
        return _json_value
    if isinstance(model_field, models.GenericIPAddressField):
        return str
    return None


def _last_line(path: Path) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        end = file.tell()
        position = max(0, end - 4096)
        file.seek(position)
        tail = file.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""
