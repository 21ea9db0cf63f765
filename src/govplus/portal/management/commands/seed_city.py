"""`govplus seed_city [--peer URL]`: the second demo node 湖州市 (see govplus/demo/city.py and `make run-city`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from govplus.demo.accounts import DEMO_PASSWORD
from govplus.demo.city import CITY_OFFICER, city_node_seed
from govplus.exchange.federation import node_document


class Command(BaseCommand):
    help = "演示第二节点（湖州市）/ seed the second demo node, the city of Huzhou"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--peer", default="", help="the county node's URL, to register it")

    def handle(self, *args: Any, **options: Any) -> None:
        city_node_seed(password=DEMO_PASSWORD, peer_url=options["peer"], log=self.stdout.write)
        document = node_document()
        self.stdout.write(
            f"{document['name']} ({document['code']}) {document['base_url']} — 密钥指纹 / thumbprint "
            f"{document['thumbprint']}; 数据管理员 / data officer: {CITY_OFFICER} / {DEMO_PASSWORD}"
        )
