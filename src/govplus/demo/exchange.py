"""The demo county's shared data: six resources its departments publish in the exchange, filled from
one synthetic but coherent population (seeded random, nothing downloaded).

- **People** (≥ `POPULATION` residents in households): valid ID numbers (GB 11643 check digit, area code
  330521, the birth date inside), households with a head, a spouse and children born when the parents
  were adults, each household at one address with its register number. The demo citizen 张三 (his wife
  李梅 and daughter 张小雨, as on his licences) and every other registered demo citizen are among them
  with their real demo ID numbers.
- **Businesses** (市场主体): valid unified social credit codes (GB 32100 check character), a legal
  representative from the people; the demo business 德清县绿水青山科技有限公司 and every registered demo
  business among them.
- **Marriages** join two people of the set (both have a record: 已婚, the other's name and number, the
  day and certificate); a few are divorced. **Social insurance**: most working-age people pay through an
  employer among the businesses (张三 through the demo business). **Property**: each household's head
  owns its home (张三 the one on his 不动产权证书). **低保**: a small share of households.

户籍人口 is 无条件共享; the others 有条件共享 with the conditions the providers state. Their material names
(户籍证明, 婚姻状况, 社保缴纳证明, 不动产登记信息 …) are those the catalogue's shared-data materials use,
so tell-us-once finds them. Every resource is created through the catalogue's service and filled through
`sources.rows_import` (checked, versioned, encrypted); a resource that exists is left alone, so a
second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govplus.core.crypto import decrypt_text
from govplus.demo.forms import GIVEN, STREETS, SURNAMES
from govplus.exchange import catalogue, sources
from govplus.exchange.models import Resource
from govplus.identity.models import BusinessProfile, CitizenProfile, Department
from govplus.identity.validators import credit_check_char, id_check_char

POPULATION = 10_000
BUSINESSES = 600
SEED = 20261203
TODAY = dt.date(2026, 12, 1)  # the data's date: fixed, so the same seed gives the same county
CITIZEN_ID = "33052119900307123"  # first 17 characters, as demo.accounts makes them
SPOUSE_ID = "33052119920615242"
DAUGHTER_ID = "33052120200520128"
CITIZEN_HOME = "德清县武康街道英溪南路88号3幢201室"
BUSINESS_CODE = "91330521MA2B3C4D5"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ENTITY_SUFFIXES = [
    "科技有限公司",
    "贸易有限公司",
    "机械制造有限公司",
    "建材有限公司",
    "餐饮管理有限公司",
    "物流有限公司",
]
ENTITY_WORDS = "绿源 莫干 英溪 阜溪 新市 乾元 洛舍 钟管 禹越 雷甸 下渚 地信 德华 华盛 恒达 金鼎 银河 东方 远航 众诚"
SCOPES = ["软件开发；信息技术咨询服务", "建筑材料销售", "通用设备制造", "餐饮服务", "道路货物运输", "日用百货销售"]


@dataclass
class Person:
    id_number: str
    name: str
    sex: str
    birth: dt.date
    household: str
    relation: str
    address: str
    spouse: Person | None = None
    divorced: bool = False
    married_on: dt.date | None = None
    certificate: str = ""


@dataclass
class County:
    people: list[Person] = field(default_factory=list)
    households: list[list[Person]] = field(default_factory=list)
    businesses: list[dict[str, Any]] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)


def _id_number(rng: random.Random, county: County, birth: dt.date, sex: str) -> str:
    while True:
        sequence = rng.randrange(0, 1000)
        sequence += (sequence % 2 == 0) if sex == "男" else (sequence % 2 == 1)  # odd: male, even: female
        first17 = f"330521{birth:%Y%m%d}{sequence % 1000:03d}"
        number = first17 + id_check_char(first17)
        if number not in county.taken:
            county.taken.add(number)
            return number


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February: the 28th in a common year)."""
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def _name(rng: random.Random, surname: str = "") -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _birth(rng: random.Random, oldest: int, youngest: int) -> dt.date:
    start = TODAY.replace(year=TODAY.year - oldest)
    end = TODAY.replace(year=TODAY.year - youngest)
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


def _address(rng: random.Random) -> str:
    street, number, building = rng.choice(STREETS), rng.randrange(1, 300), rng.randrange(1, 20)
    return f"德清县{street}{number}号{building}幢{rng.randrange(1, 6)}0{rng.randrange(1, 4)}室"


def _known_people(county: County) -> None:
    """张三's household as on his licences, and every other registered demo citizen as a household."""
    head_id = CITIZEN_ID + id_check_char(CITIZEN_ID)
    wife_id = SPOUSE_ID + id_check_char(SPOUSE_ID)
    daughter_id = DAUGHTER_ID + id_check_char(DAUGHTER_ID)
    number = "330521-0012873"
    head = Person(head_id, "张三", "男", dt.date(1990, 3, 7), number, "户主", CITIZEN_HOME)
    wife = Person(wife_id, "李梅", "女", dt.date(1992, 6, 15), number, "配偶", CITIZEN_HOME)
    head.spouse, wife.spouse = wife, head
    head.married_on = wife.married_on = dt.date(2018, 10, 8)
    head.certificate = wife.certificate = "J330521-2018-004512"
    daughter = Person(daughter_id, "张小雨", "女", dt.date(2020, 5, 20), number, "女", CITIZEN_HOME)
    county.households.append([head, wife, daughter])
    county.taken.update({head_id, wife_id, daughter_id})
    rng = random.Random(SEED + 1)
    for profile in CitizenProfile.objects.order_by("pk"):
        id_number = decrypt_text(profile.id_number_encrypted).upper()
        if id_number in county.taken:
            continue
        county.taken.add(id_number)
        birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        sex = "男" if int(id_number[16]) % 2 else "女"
        household = f"330521-{len(county.households) + 1:07d}"
        person = Person(id_number, decrypt_text(profile.name_encrypted), sex, birth, household, "户主", _address(rng))
        county.households.append([person])


def _households(rng: random.Random, county: County, target: int) -> None:
    """Families until the population reaches `target`: a head, often a spouse, children."""
    married = 0
    counted = sum(len(h) for h in county.households)
    while counted < target:
        number = f"330521-{len(county.households) + 1:07d}"
        home = _address(rng)
        surname = rng.choice(SURNAMES)
        sex = rng.choice(["男", "女"])
        birth = _birth(rng, 85, 22)
        head = Person(_id_number(rng, county, birth, sex), _name(rng, surname), sex, birth, number, "户主", home)
        members = [head]
        age = TODAY.year - birth.year
        if rng.random() < 0.72 and age >= 22:
            other = "女" if sex == "男" else "男"
            spouse_birth = min(
                birth + dt.timedelta(days=rng.randrange(-1500, 1500)), TODAY.replace(year=TODAY.year - 22)
            )
            spouse = Person(
                _id_number(rng, county, spouse_birth, other), _name(rng), other, spouse_birth, number, "配偶", home
            )
            younger = max(birth, spouse_birth)
            wed = _years_after(younger, rng.randrange(22, max(23, min(40, TODAY.year - younger.year))))
            wed = min(wed + dt.timedelta(days=rng.randrange(0, 300)), TODAY - dt.timedelta(days=30))
            married += 1
            head.spouse, spouse.spouse = spouse, head
            head.married_on = spouse.married_on = wed
            head.certificate = spouse.certificate = f"J330521-{wed.year}-{married:06d}"
            members.append(spouse)
            for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
                earliest = max(wed, _years_after(younger, 20))
                if earliest >= TODAY:
                    break
                child_birth = earliest + dt.timedelta(days=rng.randrange(max(1, min(4000, (TODAY - earliest).days))))
                child_sex = rng.choice(["男", "女"])
                members.append(
                    Person(
                        _id_number(rng, county, child_birth, child_sex),
                        _name(rng, surname),
                        child_sex,
                        child_birth,
                        number,
                        "子" if child_sex == "男" else "女",
                        home,
                    )
                )
        elif rng.random() < 0.08 and age >= 30:
            head.divorced = True
            head.married_on = _years_after(birth, 25)
            head.certificate = f"L330521-{birth.year + 29}-{len(county.households):06d}"
        county.households.append(members)
        counted += len(members)


def _credit_code(rng: random.Random, county: County) -> str:
    while True:
        first17 = "91330521" + "MA2" + "".join(rng.choice(CREDIT_CHARS) for _ in range(6))
        code = first17 + credit_check_char(first17)
        if code not in county.taken:
            county.taken.add(code)
            return code


def _resident(rng: random.Random, county: County, name: str) -> Person:
    """A registered business's representative who is not yet among the people: a resident of their own."""
    sex = "男"
    birth = _birth(rng, 60, 30)
    number = f"330521-{len(county.households) + 1:07d}"
    person = Person(_id_number(rng, county, birth, sex), name or _name(rng), sex, birth, number, "户主", _address(rng))
    county.households.append([person])
    county.people.append(person)
    return person


def _businesses(rng: random.Random, county: County) -> None:
    adults = [p for p in county.people if TODAY.year - p.birth.year >= 25]
    for profile in BusinessProfile.objects.order_by("pk"):
        code = profile.credit_code.upper()
        county.taken.add(code)
        wanted = decrypt_text(profile.representative_encrypted) if profile.representative_encrypted else ""
        representative = next((p for p in adults if p.name == wanted), None) or _resident(rng, county, wanted)
        county.businesses.append(
            {
                "credit_code": code,
                "name": profile.name,
                "representative": representative,
                "established_on": dt.date(2021, 3, 18),
                "capital": "500",
                "scope": "软件开发；信息技术咨询服务；技术推广服务",
                "address": "德清县阜溪街道地信小镇科技大道1号",
            }
        )
    while len(county.businesses) < BUSINESSES:
        name = (
            f"德清县{rng.choice(ENTITY_WORDS.split())}{rng.choice(ENTITY_WORDS.split())}{rng.choice(ENTITY_SUFFIXES)}"
        )
        if any(b["name"] == name for b in county.businesses):
            continue
        county.businesses.append(
            {
                "credit_code": _credit_code(rng, county),
                "name": name,
                "representative": rng.choice(adults),
                "established_on": TODAY - dt.timedelta(days=rng.randrange(200, 9000)),
                "capital": str(rng.choice([10, 50, 100, 200, 500, 1000, 3000])),
                "scope": rng.choice(SCOPES),
                "address": _address(rng),
            }
        )


def county_population(*, size: int = POPULATION) -> County:
    """The demo county's people and businesses (deterministic: the same seed, the same county)."""
    rng = random.Random(SEED)
    county = County()
    _known_people(county)
    _households(rng, county, size)
    county.people = [p for household in county.households for p in household]
    _businesses(rng, county)
    return county


# --- the six resources ----------------------------------------------------------------------------


def _f(name: str, label: str, sensitivity: int = 1, personal: bool = False, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "label": label, "sensitivity": sensitivity, "is_personal": personal, "kind": kind}


ID = _f("id_number", "公民身份号码", 3, True)
NAME = _f("name", "姓名", 2, True)


def _rows_population(county: County) -> list[dict[str, Any]]:
    return [
        {
            "id_number": p.id_number,
            "name": p.name,
            "sex": p.sex,
            "birth_date": p.birth.isoformat(),
            "ethnicity": "汉族",
            "household_number": p.household,
            "relation": p.relation,
            "address": f"浙江省湖州市{p.address}",
            "registered_on": max(p.birth, dt.date(2000, 1, 1)).isoformat(),
        }
        for p in county.people
    ]


def _rows_marriage(county: County) -> list[dict[str, Any]]:
    rows = []
    for p in county.people:
        if p.spouse is None and not p.divorced:
            continue
        rows.append(
            {
                "id_number": p.id_number,
                "name": p.name,
                "marital_status": "离婚" if p.divorced else "已婚",
                "spouse_name": p.spouse.name if p.spouse else None,
                "spouse_id_number": p.spouse.id_number if p.spouse else None,
                "registered_on": p.married_on.isoformat() if p.married_on else None,
                "certificate_number": p.certificate,
                "registry": "德清县民政局婚姻登记处",
            }
        )
    return rows


def _rows_social_insurance(county: County, rng: random.Random) -> list[dict[str, Any]]:
    demo_business = next(b for b in county.businesses if b["credit_code"].startswith(BUSINESS_CODE))
    rows = []
    for p in county.people:
        age = TODAY.year - p.birth.year
        is_citizen = p.id_number.startswith(CITIZEN_ID)
        if not is_citizen and (age < 18 or age > 60 or rng.random() > 0.78):
            continue
        employer = demo_business if is_citizen else rng.choice(county.businesses)
        since = max(_years_after(p.birth, 18), employer["established_on"])
        months = max(1, (TODAY.year - since.year) * 12 + TODAY.month - since.month)
        rows.append(
            {
                "id_number": p.id_number,
                "name": p.name,
                "insurance_type": "企业职工基本养老保险",
                "employer_credit_code": employer["credit_code"],
                "employer_name": employer["name"],
                "status": "参保缴费" if rng.random() > 0.04 or is_citizen else "暂停缴费",
                "insured_since": since.isoformat(),
                "months_paid": months,
                "contribution_base": f"{rng.randrange(4462, 20000)}.00",
            }
        )
    return rows


def _rows_property(county: County, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for index, household in enumerate(county.households, start=1):
        head = household[0]
        if head.id_number.startswith(CITIZEN_ID):
            number, unit, area, year = (
                "浙（2019）德清县不动产权第0012345号",
                "330521001001GB00012F00030201",
                "98.60",
                2019,
            )
        else:
            year = rng.randrange(2016, 2026)
            number = f"浙（{year}）德清县不动产权第{index + 20000:07d}号"
            unit = f"330521{rng.randrange(1, 14):03d}{rng.randrange(1, 30):03d}GB{index:05d}F{rng.randrange(1, 99):08d}"
            area = f"{rng.randrange(45, 180)}.{rng.randrange(0, 100):02d}"
        spouse = head.spouse if head.spouse is not None and head.spouse in household else None
        rows.append(
            {
                "owner_id_number": head.id_number,
                "owner_name": head.name,
                "certificate_number": number,
                "property_unit": unit,
                "location": head.address,
                "right_type": "国有建设用地使用权/房屋所有权",
                "use": "住宅",
                "area": area,
                "co_owner": spouse.name if spouse else None,
                "holding": "共同共有" if spouse else "单独所有",
                "registered_on": dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29)).isoformat(),
            }
        )
    return rows


def _rows_business(county: County) -> list[dict[str, Any]]:
    return [
        {
            "credit_code": b["credit_code"],
            "name": b["name"],
            "entity_type": "有限责任公司（自然人投资或控股）",
            "representative": b["representative"].name,
            "representative_id_number": b["representative"].id_number,
            "registered_capital": b["capital"],
            "established_on": b["established_on"].isoformat(),
            "address": b["address"],
            "business_scope": b["scope"],
            "status": "存续",
            "authority": "德清县市场监督管理局",
        }
        for b in county.businesses
    ]


def _rows_subsistence(county: County, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for household in county.households:
        head = household[0]
        if head.id_number.startswith(CITIZEN_ID) or rng.random() > 0.025:
            continue
        rows.append(
            {
                "id_number": head.id_number,
                "name": head.name,
                "household_size": len(household),
                "monthly_amount": f"{1185 * len(household)}.00",
                "approved_on": (TODAY - dt.timedelta(days=rng.randrange(30, 1500))).isoformat(),
                "town": head.address[3:7],
                "reason": rng.choice(["因病", "因残", "缺乏劳动力", "其他"]),
            }
        )
    return rows


@dataclass(frozen=True)
class Spec:
    code: str
    department: str
    description: dict[str, Any]
    rows: Callable[[County, random.Random], list[dict[str, Any]]]


RSJ_ITEMS = ["11330521002583430A000104002000", "11330521MB18194480000108004000"]
PROPERTY_ITEMS = ["113305210025832703000102001000", "11330521002583764T000109002000", "113305210025840549000117001000"]
CONDITIONS = "须为办理有法定依据的政务服务事项或履行法定职责，经申请人授权或依法无需授权；用于申请的用途，不得转用"

SPECS = [
    Spec(
        "330521-GAJ-0001",
        "gaj",
        {
            "name": "户籍人口",
            "name_en": "Registered residents",
            "summary": "德清县户籍人口基本信息：身份号码、姓名、性别、出生日期、户号、与户主关系、住址。",
            "share_class": Resource.ShareClass.UNCONDITIONAL,
            "update_cycle": Resource.UpdateCycle.DAILY,
            "key_field": "id_number",
            "data_format": "数据库表",
            "material_names": ["户籍证明", "居民户口簿信息", "户口簿"],
            "fields": [
                ID,
                NAME,
                _f("sex", "性别", 2, True),
                _f("birth_date", "出生日期", 2, True, "date"),
                _f("ethnicity", "民族", 3, True),
                _f("household_number", "户号", 2),
                _f("relation", "与户主关系", 2, True),
                _f("address", "住址", 3, True),
                _f("registered_on", "登记日期", 1, False, "date"),
            ],
        },
        lambda c, r: _rows_population(c),
    ),
    Spec(
        "330521-MZJ-0001",
        "mzj",
        {
            "name": "婚姻登记",
            "name_en": "Marriage registration",
            "summary": "在德清县登记的结婚、离婚信息（每人一条：当前婚姻状况）。",
            "share_class": Resource.ShareClass.CONDITIONAL,
            "share_conditions": CONDITIONS,
            "update_cycle": Resource.UpdateCycle.DAILY,
            "key_field": "id_number",
            "data_format": "数据库表",
            "material_names": ["婚姻状况", "婚姻登记信息", "结婚证信息"],
            "service_items": PROPERTY_ITEMS,
            "fields": [
                ID,
                NAME,
                _f("marital_status", "婚姻状况", 3, True),
                _f("spouse_name", "配偶姓名", 3, True),
                _f("spouse_id_number", "配偶身份号码", 3, True),
                _f("registered_on", "登记日期", 2, True, "date"),
                _f("certificate_number", "证件编号", 2),
                _f("registry", "登记机关", 1),
            ],
        },
        lambda c, r: _rows_marriage(c),
    ),
    Spec(
        "330521-RSJ-0001",
        "rsj",
        {
            "name": "社保参保缴纳",
            "name_en": "Social insurance contributions",
            "summary": "企业职工基本养老保险参保及缴费信息：参保单位、参保状态、参保起始、累计缴费月数、缴费基数。",
            "share_class": Resource.ShareClass.CONDITIONAL,
            "share_conditions": CONDITIONS,
            "update_cycle": Resource.UpdateCycle.MONTHLY,
            "key_field": "id_number",
            "data_format": "数据库表",
            "material_names": ["社保缴纳证明", "社保参保缴费信息", "社保参保信息"],
            "service_items": RSJ_ITEMS,
            "fields": [
                ID,
                NAME,
                _f("insurance_type", "险种", 1),
                _f("employer_credit_code", "参保单位统一社会信用代码", 1),
                _f("employer_name", "参保单位名称", 1),
                _f("status", "参保状态", 2, True),
                _f("insured_since", "参保起始日期", 2, True, "date"),
                _f("months_paid", "累计缴费月数", 2, True, "integer"),
                _f("contribution_base", "缴费基数（元）", 3, True, "decimal"),
            ],
        },
        lambda c, r: _rows_social_insurance(c, r),
    ),
    Spec(
        "330521-ZRZYJ-0001",
        "zrzyj",
        {
            "name": "不动产登记",
            "name_en": "Real estate registration",
            "summary": "不动产权利人、不动产权证号、不动产单元号、坐落、权利类型、用途、面积、共有情况。",
            "share_class": Resource.ShareClass.CONDITIONAL,
            "share_conditions": CONDITIONS + "；不得用于查询他人房产",
            "update_cycle": Resource.UpdateCycle.DAILY,
            "key_field": "owner_id_number",
            "data_format": "数据库表",
            "material_names": ["不动产登记信息", "不动产权证书信息", "不动产登记及商品房网签备案信息"],
            "service_items": PROPERTY_ITEMS,
            "fields": [
                _f("owner_id_number", "权利人身份号码", 3, True),
                _f("owner_name", "权利人姓名", 2, True),
                _f("certificate_number", "不动产权证号", 2),
                _f("property_unit", "不动产单元号", 2),
                _f("location", "坐落", 3, True),
                _f("right_type", "权利类型", 1),
                _f("use", "用途", 1),
                _f("area", "面积（㎡）", 2, False, "decimal"),
                _f("co_owner", "共有人", 3, True),
                _f("holding", "共有情况", 2),
                _f("registered_on", "登记日期", 2, False, "date"),
            ],
        },
        lambda c, r: _rows_property(c, r),
    ),
    Spec(
        "330521-SCJGJ-0001",
        "scjgj",
        {
            "name": "市场主体登记",
            "name_en": "Market entity registration",
            "summary": (
                "德清县登记的企业、个体工商户：统一社会信用代码、名称、类型、法定代表人、注册资本、"
                "成立日期、住所、经营范围、状态。"
            ),
            "share_class": Resource.ShareClass.UNCONDITIONAL,
            "open_class": Resource.OpenClass.OPEN,
            "update_cycle": Resource.UpdateCycle.DAILY,
            "key_field": "credit_code",
            "data_format": "数据库表",
            "material_names": ["营业执照信息", "市场主体登记信息"],
            "fields": [
                _f("credit_code", "统一社会信用代码", 1),
                _f("name", "名称", 1),
                _f("entity_type", "类型", 1),
                _f("representative", "法定代表人", 1, True),
                _f("representative_id_number", "法定代表人身份号码", 4, True),
                _f("registered_capital", "注册资本（万元）", 1, False, "decimal"),
                _f("established_on", "成立日期", 1, False, "date"),
                _f("address", "住所", 1),
                _f("business_scope", "经营范围", 1),
                _f("status", "登记状态", 1),
                _f("authority", "登记机关", 1),
            ],
        },
        lambda c, r: _rows_business(c),
    ),
    Spec(
        "330521-MZJ-0002",
        "mzj",
        {
            "name": "低保对象",
            "name_en": "Minimum living allowance recipients",
            "summary": "城乡最低生活保障对象：申请人、保障人数、月保障金额、批准日期、所在镇街。",
            "share_class": Resource.ShareClass.CONDITIONAL,
            "share_conditions": CONDITIONS + "；仅限社会救助、减免类事项核验，不得公开",
            "update_cycle": Resource.UpdateCycle.MONTHLY,
            "key_field": "id_number",
            "data_format": "数据库表",
            "material_names": ["低保证明", "最低生活保障对象信息"],
            "fields": [
                ID,
                NAME,
                _f("household_size", "保障人数", 3, True, "integer"),
                _f("monthly_amount", "月保障金额（元）", 3, True, "decimal"),
                _f("approved_on", "批准日期", 3, True, "date"),
                _f("town", "所在镇街", 2, True),
                _f("reason", "致困原因", 4, True),
            ],
        },
        lambda c, r: _rows_subsistence(c, r),
    ),
]


def demo_exchange_create(*, actor: Any, log: Callable[[str], None] = print) -> dict[str, int]:
    """Create and fill the six resources that do not exist yet (the ones that do are left alone)."""
    missing = [spec for spec in SPECS if not Resource.objects.filter(code=spec.code).exists()]
    if not missing:
        return {}
    started = time.monotonic()
    county = county_population()
    departments = {d.code: d for d in Department.objects.filter(code__in={s.department for s in missing})}
    counts: dict[str, int] = {}
    for spec in missing:
        if spec.department not in departments:
            continue
        catalogue.resource_create(
            actor=actor,
            code=spec.code,
            provider=departments[spec.department],
            is_published=True,
            **spec.description,
        )
        rows = spec.rows(county, random.Random(f"{SEED}-{spec.code}"))
        version = sources.rows_import(actor=actor, code=spec.code, rows=rows, label="demo-seed")
        if version.status != "applied":
            raise RuntimeError(f"demo resource {spec.code}: {version.problems[:3]}")
        counts[spec.description["name"]] = version.added
    log(f"共享资源 / shared resources: {counts} ({time.monotonic() - started:.1f} s)")
    return counts


DEMO_CONSUMER_ID = "demo-consumer"
DEMO_CONSUMER_SECRET = "demo-consumer-secret"  # demo only: printed by `make run` and in the README
DEMO_CONSUMER_FIELDS = ["id_number", "name", "sex", "birth_date", "household_number", "relation"]


def demo_consumer_create(*, actor: Any, log: Callable[[str], None] = print) -> bool:
    """民政局's 最低生活保障审核系统 as a consumer system of the gateway (client credentials
    `demo-consumer` / `demo-consumer-secret`, demo only), granted 户籍人口 for a year — registered and
    asked for by the platform administrator (`actor`), granted at once (无条件共享). A second run changes
    nothing; returns whether it made it."""
    from oauth2_provider.models import get_application_model

    from govplus.exchange.services import consumer_system_create, share_request_create

    if get_application_model().objects.filter(client_id=DEMO_CONSUMER_ID).exists():
        return False
    mzj = Department.objects.filter(code="mzj").first()
    population = Resource.objects.filter(code="330521-GAJ-0001").first()
    if mzj is None or population is None:
        return False
    consumer, _secret = consumer_system_create(
        actor=actor,
        department=mzj,
        name="最低生活保障审核系统",
        client_id=DEMO_CONSUMER_ID,
        client_secret=DEMO_CONSUMER_SECRET,
    )
    today = dt.date.today()
    share_request_create(
        actor=actor,
        resource=population,
        consumer=consumer,
        purpose="最低生活保障审核：核对申请人及其家庭成员的身份与户籍",
        legal_basis="《社会救助暂行办法》第十一条；《最低生活保障审核确认办法》第十四条",
        fields=DEMO_CONSUMER_FIELDS,
        valid_from=today,
        valid_until=_years_after(today, 1),
    )
    log(f"演示接入系统 / demo consumer system: {DEMO_CONSUMER_ID} (民政局, 户籍人口)")
    return True
