"""A second demo node: 湖州市 (city 330500), the county's city, for trying the federation on one machine.

`make run-city` starts it beside `make run` (its own database under var/city, port 8001): its 公安局
publishes 户籍人口 (有条件共享, a few residents of the city) and 派出所名录 (无条件共享), it registers the
county, and the county registers it — so the county's data officer finds the city at 联邦节点 and asks
for its resources, and the county's systems read them through the county's gateway. The test
`exchange/tests/test_federation.py` starts the same node.
"""

from __future__ import annotations

from collections.abc import Callable

from govplus.core.errors import GovplusError
from govplus.exchange import catalogue, sources
from govplus.exchange.federation import node_register
from govplus.exchange.models import Node, Resource
from govplus.identity.models import Department, Role, User
from govplus.identity.services import staff_create

CITY_OFFICER = "hz_data_officer"
POPULATION = "330500-GAJ-0001"
STATIONS = "330500-GAJ-0002"


def _fields(*rows: tuple[str, str, int, bool]) -> list[dict[str, object]]:
    return [
        {"name": n, "label": label, "sensitivity": level, "is_personal": personal} for n, label, level, personal in rows
    ]


def city_node_seed(*, password: str, peer_url: str = "", log: Callable[[str], None] = print) -> None:
    """The city's department, data officer and two resources (once), and the county registered (when
    `peer_url` is given and answers; otherwise it says so and the city starts anyway)."""
    gaj, _ = Department.objects.get_or_create(code="hzgaj", defaults={"name": "湖州市公安局"})
    officer = User.objects.filter(username=CITY_OFFICER).first() or staff_create(
        actor=None,
        username=CITY_OFFICER,
        password=password,
        display_name="市公安数据员",
        roles=[(gaj, Role.DATA_OFFICER)],
    )
    if not Resource.objects.filter(code=POPULATION).exists():
        catalogue.resource_create(
            actor=officer,
            code=POPULATION,
            name="户籍人口",
            provider=gaj,
            share_class=Resource.ShareClass.CONDITIONAL,
            share_conditions="须为办理有法定依据的政务服务事项，经本人授权",
            fields=_fields(
                ("id_number", "公民身份号码", 3, True), ("name", "姓名", 2, True), ("address", "住址", 3, True)
            ),
            key_field="id_number",
            update_cycle=Resource.UpdateCycle.DAILY,
            is_published=True,
        )
        sources.rows_import(
            actor=officer,
            code=POPULATION,
            rows=[{"id_number": "330501199001011237", "name": "王五", "address": "湖州市吴兴区爱山街道"}],
            label="demo-seed",
        )
    if not Resource.objects.filter(code=STATIONS).exists():
        catalogue.resource_create(
            actor=officer,
            code=STATIONS,
            name="派出所名录",
            provider=gaj,
            share_class=Resource.ShareClass.UNCONDITIONAL,
            fields=_fields(("code", "编码", 1, False), ("name", "名称", 1, False), ("phone", "电话", 1, False)),
            key_field="code",
            update_cycle=Resource.UpdateCycle.MONTHLY,
            is_published=True,
        )
        sources.rows_import(
            actor=officer,
            code=STATIONS,
            rows=[
                {"code": "PCS01", "name": "爱山派出所", "phone": "0572-2000001"},
                {"code": "PCS02", "name": "月河派出所", "phone": "0572-2000002"},
            ],
            label="demo-seed",
        )
    if peer_url and not Node.objects.exists():
        try:
            node = node_register(actor=None, url=peer_url)
        except GovplusError as error:  # the county is not up yet: register it later with exchange_node
            log(f"未能登记 / not registered: {peer_url}: {error.message} / {error.message_en}")
        else:
            log(f"已登记 / registered: {node.name} ({node.code}) {node.base_url}")
