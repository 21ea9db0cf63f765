"""Realistic application-form values for the demo: what a resident would really type into each field.

Values follow the field's meaning (read from its label), not only its type, and respect time: events
that led to the application (a death, a birth, leaving a job, a purchase) happened before it was
submitted; appointments and planned dates lie after it; people's ages fit what they apply for.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from govplus.identity.validators import id_check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘沈姚钱"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉萍红玲芬燕春兰凤洁梅琳雪荣佳嘉琼珍莉晶妍婷颖瑶怡欣宁浩宇轩泽睿"
STREETS = [
    "武康街道英溪南路",
    "武康街道永安街",
    "舞阳街道千秋路",
    "阜溪街道长虹中街",
    "新市镇南昌街",
    "乾元镇直街",
    "洛舍镇东衡路",
    "钟管镇曲溪路",
]
SCHOOLS = ["德清县武康中心小学", "德清县实验学校", "德清县新市镇中心学校", "德清县乾元镇中心学校"]
EMPLOYERS = ["德清县某精密机械有限公司", "湖州某新材料科技有限公司", "德清县某物流有限公司", "德清县某酒店管理有限公司"]
BUSINESS_SCOPES = ["预包装食品销售；餐饮服务", "日用百货、五金交电零售", "理发及美容服务", "家电维修服务"]
# Where two labels share a word, the longer one must come first (婴幼儿姓名 before 姓名).
PAST_DAYS = {
    "死亡日期": (2, 25),
    "出生日期": (3, 28),
    "离职日期": (5, 40),
    "费用发生日期": (5, 60),
    "购置日期": (7, 80),
    "考试合格日期": (30, 300),
    "退役时间": (60, 900),
    "驾驶证初次领证日期": (365 * 4, 365 * 15),
}
FUTURE_DAYS = {"预约日期": (2, 10), "计划开工日期": (20, 60), "备案开始日期": (3, 20), "申请退休日期": (10, 40)}
NUMBERS = {
    "客房数量": (8, 30),
    "床位数量": (12, 60),
    "经营面积": (40, 300),
    "营业面积": (40, 300),
    "经营场所面积": (30, 200),
    "票据总金额": (3200, 12800),
    "发票金额": (800, 6500),
    "提取金额": (20000, 120000),
    "成交价格": (85, 320),
    "共同申请家庭人数": (2, 4),
    "共同生活家庭人口数": (1, 4),
    "家庭月总收入": (900, 2400),
    "资金数额": (3, 30),
    "拟投入车辆数": (3, 12),
    "驾驶人员数": (3, 15),
}


@dataclass(frozen=True)
class Applicant:
    name: str
    phone: str
    id_number: str


def person_name(rng: random.Random, surname: str = "") -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def id_number_born(rng: random.Random, birth: dt.date) -> str:
    first17 = f"330521{birth:%Y%m%d}{rng.randrange(100, 999):03d}"
    return first17 + id_check_char(first17)


def birth_between(rng: random.Random, today: dt.date, *, youngest: int, oldest: int) -> dt.date:
    """A birth date of someone aged `youngest`..`oldest` years today."""
    earliest = today.replace(year=today.year - oldest - 1) + dt.timedelta(days=1)
    latest = today.replace(year=today.year - youngest)
    return earliest + dt.timedelta(days=rng.randrange(max(1, (latest - earliest).days)))


def address(rng: random.Random) -> str:
    building, room = rng.randrange(1, 20), rng.randrange(1, 6) * 100 + rng.randrange(1, 4)
    return f"德清县{rng.choice(STREETS)}{rng.randrange(1, 300)}号{building}幢{room}室"


def bank_account(rng: random.Random) -> str:
    return "6228" + "".join(str(rng.randrange(10)) for _ in range(15))


def _idcard_for(label: str, rng: random.Random, today: dt.date, applicant: Applicant) -> str:
    if "儿童" in label:
        return id_number_born(rng, birth_between(rng, today, youngest=6, oldest=6))
    if "学生" in label:
        return id_number_born(rng, birth_between(rng, today, youngest=7, oldest=14))
    if "婴幼儿" in label:
        return id_number_born(rng, birth_between(rng, today, youngest=0, oldest=2))
    if "死者" in label:
        return id_number_born(rng, birth_between(rng, today, youngest=68, oldest=92))
    if "参保人" in label:
        return applicant.id_number
    return id_number_born(rng, birth_between(rng, today, youngest=24, oldest=50))


def _text_for(label: str, rng: random.Random, applicant: Applicant) -> str:
    surname = applicant.name[:1]
    if any(word in label for word in ("新生儿", "婴幼儿", "儿童", "学生")):
        return person_name(rng, surname)
    if any(word in label for word in ("姓名", "负责人", "管理人员")):
        return person_name(rng)
    if "银行账号" in label or "账户" in label:
        return bank_account(rng)
    if "学校" in label:
        return rng.choice(SCHOOLS)
    if "单位" in label:
        return rng.choice(EMPLOYERS)
    if "就医地" in label:
        return rng.choice(["上海市", "江苏省南京市", "安徽省合肥市", "江西省上饶市"])
    if "求职意向" in label:
        return rng.choice(["数控机床操作", "仓储物流管理", "会计", "电商运营"])
    if "任教学科" in label:
        return rng.choice(["小学语文", "小学数学", "初中英语", "幼儿园"])
    if "证明编号" in label:
        return f"{rng.randrange(2024, 2027)}3305{rng.randrange(10**7, 10**8)}"
    if "不动产权证书号" in label:
        return f"浙（{rng.randrange(2019, 2025)}）德清县不动产权第{rng.randrange(10**6, 10**7):07d}号"
    if "残疾人证号" in label:
        return applicant.id_number + f"4{rng.randrange(1, 4)}"
    if "名称" in label:
        return f"德清{rng.choice(['莫干', '下渚湖', '新市', '洛舍'])}{rng.choice(['山居', '人家', '小院', '客栈'])}"
    if "经营范围" in label:
        return rng.choice(BUSINESS_SCOPES)
    return person_name(rng)


def sample_form(
    *,
    fields: list[dict[str, Any]],
    applicant: Applicant,
    submitted_on: dt.date,
    today: dt.date,
    rng: random.Random,
) -> dict[str, str]:
    """Values for every field of an item's form, as `applicant` would fill it in, submitted on
    `submitted_on` (today or earlier): past events fall before it, appointments after today."""
    values: dict[str, str] = {}
    for field in fields:
        label, kind = str(field.get("label", "")), field.get("type")
        value: str
        if kind == "select":
            options = [str(option) for option in field.get("options") or [""]]
            value = rng.choice(options)
        elif kind == "phone":
            value = applicant.phone
        elif kind == "idcard":
            value = _idcard_for(label, rng, today, applicant)
        elif kind == "date":
            past = next((span for word, span in PAST_DAYS.items() if word in label), None)
            future = next((span for word, span in FUTURE_DAYS.items() if word in label), None)
            if past:
                value = (submitted_on - dt.timedelta(days=rng.randint(*past))).isoformat()
            else:
                low, high = future or (2, 10)
                value = (today + dt.timedelta(days=rng.randint(low, high))).isoformat()
        elif kind == "number":
            low, high = next((span for word, span in NUMBERS.items() if word in label), (1, 10))
            value = str(rng.randint(low, high))
        elif kind == "address":
            value = address(rng)
        else:
            value = _text_for(label, rng, applicant)
        values[str(field["name"])] = value
    return values
