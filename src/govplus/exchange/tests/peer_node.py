"""A second govplus node for the federation tests: 湖州市 (city 330500) with its own SQLite database and
its own keys, served on loopback in its own process.

    python -m govplus.exchange.tests.peer_node --port P --var DIR --peer URL

Migrates its database, publishes two resources of its 公安局 (户籍人口 with one person, conditional; and
派出所名录, unconditional), registers the peer node at URL (the county) and serves until killed. It prints
`READY <thumbprint>` once it listens, so the test knows what to compare.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--var", required=True)
    parser.add_argument("--peer", required=True)
    args = parser.parse_args()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{args.var}/node.sqlite3",
            "GOVPLUS_VAR_DIR": args.var,
            "GOVPLUS_MEDIA_ROOT": f"{args.var}/media",
            "GOVPLUS_NODE_CODE": "330500",
            "GOVPLUS_NODE_NAME": "湖州市",
            "GOVPLUS_NODE_NAME_EN": "Huzhou City",
            "GOVPLUS_NODE_LEVEL": "city",
            "GOVPLUS_NODE_URL": f"http://127.0.0.1:{args.port}",
            "DEBUG": "on",
            "HUEY_IMMEDIATE": "on",
            "GOVPLUS_TESTING": "off",
            "REDIS_URL": "",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "GOVPLUS_EXCHANGE_STH_INTERVAL": "0",  # a new signed tree head whenever one is asked for
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.peer)
    from govplus.exchange.federation import node_document

    print("READY", node_document()["thumbprint"], flush=True)
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, use_threading=True, skip_checks=True)


def seed(peer_url: str) -> None:
    from govplus.exchange.federation import node_register
    from govplus.exchange.models import Resource
    from govplus.exchange.records import records_write
    from govplus.exchange.tests.conftest import resource_make
    from govplus.identity.models import Department, Role
    from govplus.identity.services import staff_create

    gaj, _ = Department.objects.get_or_create(code="hzgaj", defaults={"name": "湖州市公安局"})
    staff_create(
        actor=None,
        username="hz_data_officer",
        password="Pw#12345678",
        display_name="市公安数据员",
        roles=[(gaj, Role.DEPARTMENT_ADMIN)],
    )
    population = resource_make(
        "330500-GAJ-0001",
        "户籍人口",
        gaj,
        Resource.ShareClass.CONDITIONAL,
        [("id_number", "公民身份号码", 3, True), ("name", "姓名", 2, True), ("address", "住址", 3, True)],
    )
    records_write(population, [{"id_number": "330501199001011237", "name": "王五", "address": "湖州市吴兴区"}])
    stations = resource_make(
        "330500-GAJ-0002",
        "派出所名录",
        gaj,
        Resource.ShareClass.UNCONDITIONAL,
        [("code", "编码", 1, False), ("name", "名称", 1, False), ("phone", "电话", 1, False)],
    )
    records_write(stations, [{"code": "PCS01", "name": "爱山派出所", "phone": "0572-2000001"}])
    node_register(actor=None, url=peer_url)


if __name__ == "__main__":
    sys.exit(main())
