"""`govplus exchange_node register URL [--thumbprint T] | list | show | resources CODE | audit CODE`.

For the platform administrator of a county, city or province: `show` prints this node's document (its
code, level, address and key thumbprint — read it to the peer's administrator), `register` pins a peer's
keys (refused if `--thumbprint` does not match what the peer publishes), `list` the registered peers,
`resources CODE` a peer's catalogue read with a signed call, `audit CODE` checks the peer's evidence log
(its signed tree head, consistent with the one checked last; exit status 1 if it is not).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from govplus.core.errors import GovplusError
from govplus.exchange.federation import NODE_API, node_call, node_document, node_register, node_tree_head_audit
from govplus.exchange.models import Node


class Command(BaseCommand):
    help = "联邦节点：查看本节点、登记对方节点、列出节点、读取对方目录 / federation between govplus nodes"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["show", "register", "list", "resources", "audit"])
        parser.add_argument("target", nargs="?", default="", help="register: the peer's URL; resources: its code")
        parser.add_argument("--thumbprint", default="", help="the peer's key thumbprint, as its administrator read it")

    def handle(self, *args: Any, **options: Any) -> None:
        action, target = options["action"], options["target"]
        try:
            if action == "show":
                document = node_document()
                self.stdout.write(
                    f"{document['name']} ({document['code']}, {document['level']}) {document['base_url']}\n"
                    f"密钥指纹 / key thumbprint: {document['thumbprint']}"
                )
            elif action == "register":
                if not target:
                    raise CommandError("需要对方节点地址 / give the peer's URL")
                node = node_register(actor=None, url=target, thumbprint=options["thumbprint"])
                self.stdout.write(
                    f"已登记 / registered: {node.name} ({node.code}, {node.level}) {node.base_url}\n"
                    f"密钥指纹 / key thumbprint: {node.thumbprint}"
                )
                if not options["thumbprint"]:
                    self.stdout.write("请与对方管理员核对以上指纹 / compare it with the peer's administrator")
            elif action == "list":
                for node in Node.objects.all():
                    state = "" if node.is_active else " (停用 / inactive)"
                    self.stdout.write(f"{node.code}\t{node.level}\t{node.name}\t{node.base_url}{state}")
            else:
                peer = Node.objects.filter(code=target).first()
                if peer is None:
                    raise CommandError(f"没有这个联邦节点 / no such node: {target}")
                if action == "audit":
                    result = node_tree_head_audit(actor=None, node=peer)
                    if not result["valid"]:
                        raise CommandError(f"核验未通过 / the audit failed: {result['problem']}")
                    self.stdout.write(f"核验通过 / consistent: {peer.code} tree size {result['tree_size']}")
                    return
                catalogue = node_call(peer, "GET", f"{NODE_API}/resources")
                self.stdout.write(json.dumps(catalogue, ensure_ascii=False, indent=2))
        except GovplusError as error:
            fields = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.fields.items())
            raise CommandError(f"{error.message} {error.message_en} {fields}".strip()) from error
