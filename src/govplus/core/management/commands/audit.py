"""`govplus audit verify [--checkpoint FILE]` and `govplus audit sign`.

verify: recompute every entry's keyed leaf hash and the Merkle tree, check them against every signed
tree head in the database and in the checkpoint file, and name the first bad entry. With
`--checkpoint FILE` (tree heads saved earlier by a witness, in the JSON-lines format of the
checkpoint file), also prove with an RFC 6962 consistency proof that today's log extends each of them.
sign: sign the current tree head now (what the minute task does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from govplus.core.audit import AUDIT_LOG
from govplus.core.merkle import TreeLevels, verify_consistency
from govplus.core.transparency import TreeHead, read_checkpoint_file


class Command(BaseCommand):
    help = "审计日志校验与签名 / verify or sign the audit Merkle log"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["verify", "sign"])
        parser.add_argument(
            "--checkpoint",
            type=Path,
            help="见证方保存的树头文件（JSON 行）/ a witness's file of tree heads saved earlier (JSON lines)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sign":
            row = AUDIT_LOG.sign_tree_head(force=True)
            size = row.tree_size if row else 0
            self.stdout.write(f"已签名树头 / tree head signed: size {size}")
            return
        witness: list[TreeHead] = []
        if options["checkpoint"]:
            path: Path = options["checkpoint"]
            try:
                witness = read_checkpoint_file(path, log_name=AUDIT_LOG.name)
            except (OSError, ValueError) as error:
                raise CommandError(f"无法读取检查点文件 / cannot read checkpoint file {path}: {error}") from error
            if not witness:
                raise CommandError(f"检查点文件中没有审计日志树头 / no audit tree head in {path}")
        result, leaves = AUDIT_LOG.verify(extra_heads=witness, keep_leaves=bool(witness))
        if not result.is_intact:
            where = f"entry #{result.broken_entry_id}" if result.broken_entry_id else "the log"
            raise CommandError(
                f"审计日志校验失败 / audit log BROKEN at {where}: {result.problem} "
                f"({result.entries_checked} entries verified before it)"
            )
        if witness:
            levels = TreeLevels(leaves)
            size = len(leaves)
            for head in witness:
                proof = levels.consistency_proof(head.tree_size, size) if head.tree_size else []
                proven = head.tree_size == 0 or verify_consistency(
                    first=head.tree_size,
                    second=size,
                    first_root=bytes.fromhex(head.root_hash),
                    second_root=levels.root(),
                    proof=proof,
                )
                if not proven:
                    raise CommandError(
                        f"一致性证明失败 / consistency proof FAILED: today's log ({size}) does not extend the tree "
                        f"head of size {head.tree_size} in {head.source}"
                    )
                self.stdout.write(
                    f"一致性已证明 / consistent: size {head.tree_size} → {size} "
                    f"({len(proof)} proof hashes, {head.source})"
                )
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(
            f"审计日志完整 / audit log intact: {result.entries_checked} entries, root {result.root_hash}, "
            f"{result.tree_heads_checked} signed tree heads checked"
        )
