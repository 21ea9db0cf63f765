"""A small exchange: 公安局 provides 户籍人口 (conditional) and a public table (unconditional);
人社局 has a system that consumes them; each side has a data officer (department administrator)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from govplus.exchange.models import ConsumerSystem, Resource, ResourceField
from govplus.exchange.records import records_write
from govplus.exchange.services import consumer_system_create
from govplus.identity.models import Role
from govplus.identity.services import staff_create


@dataclass
class Exchange:
    county: Any
    population: Resource
    open_table: Resource
    consumer: ConsumerSystem
    secret: str
    provider_officer: Any
    consumer_officer: Any
    clerk: Any


def resource_make(
    code: str, name: str, provider: Any, share_class: str, fields: list[tuple[str, str, int, bool]]
) -> Resource:
    resource = Resource.objects.create(
        code=code,
        name=name,
        provider=provider,
        share_class=share_class,
        share_conditions="须用于办理有法定依据的事项" if share_class == Resource.ShareClass.CONDITIONAL else "",
        update_cycle=Resource.UpdateCycle.DAILY,
        key_field=fields[0][0],
    )
    for position, (name_, label, sensitivity, personal) in enumerate(fields):
        ResourceField.objects.create(
            resource=resource, position=position, name=name_, label=label, sensitivity=sensitivity, is_personal=personal
        )
    return resource


@pytest.fixture(autouse=True)
def _fresh_gateway_tokens():  # type: ignore[no-untyped-def]
    from govplus.exchange.api_gateway import forget_known_consumers

    forget_known_consumers()
    yield
    forget_known_consumers()


@pytest.fixture
def exchange(county) -> Exchange:
    return exchange_build(county)


@pytest.fixture
def exchange_tx(county_tx) -> Exchange:
    """The same exchange, committed: for tests with a live server."""
    return exchange_build(county_tx)


def exchange_build(county: Any) -> Exchange:
    gaj, rsj = county.departments["gaj"], county.departments["rsj"]
    population = resource_make(
        "330521-GAJ-0001",
        "户籍人口",
        gaj,
        Resource.ShareClass.CONDITIONAL,
        [
            ("id_number", "公民身份号码", 3, True),
            ("name", "姓名", 2, True),
            ("address", "住址", 3, True),
            ("religion", "宗教信仰", 4, True),
        ],
    )
    records_write(population, [{"id_number": "330521199003071234", "name": "张三", "address": "德清县武康街道"}])
    open_table = resource_make(
        "330521-GAJ-0002",
        "派出所名录",
        gaj,
        Resource.ShareClass.UNCONDITIONAL,
        [("code", "编码", 1, False), ("name", "名称", 1, False)],
    )
    consumer_officer = staff_create(
        actor=None,
        username="rsj_admin",
        password="Pw#12345678",
        display_name="人社数据员",
        roles=[(rsj, Role.DEPARTMENT_ADMIN)],
    )
    consumer, secret = consumer_system_create(actor=consumer_officer, department=rsj, name="社保待遇审核系统")
    return Exchange(
        county,
        population,
        open_table,
        consumer,
        secret,
        county.staff["department_admin"],
        consumer_officer,
        county.staff["clerk"],
    )
