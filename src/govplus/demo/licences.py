"""The demo county's e-licence library: the catalogue, its issuers, the licences its people already
hold, and the licences its historical cases issued.

- The catalogue of licence types (`licences/data/licence_types.json`).
- Every department has a valid unified social credit code (the issuer code of its licences); county.json
  gives them, and a department without one gets a made-up valid code.
- 张三 (the demo citizen) holds his 居民身份证, 居民户口簿, 结婚证, his daughter's 出生医学证明 (he holds it as
  her guardian), 不动产权证书, 机动车驾驶证 and 社会保障卡, imported from the departments' registers, all
  valid today, so that tell-us-once (免提交) supplies them when he applies. The demo business holds its
  营业执照 and 食品经营许可证.
- The first residents hold ID cards and household registers; three show the other statuses: a driving
  licence suspended (暂扣) and a taxi-driver qualification revoked (撤销) by their departments, an ID card
  whose validity ended (失效).
- The historical cases publish `application.concluded` as the platform does (`demo.history`); their
  deliveries to the licence library are run here, so each approved case of an item whose result is a
  licence issued it through the same handler as a live case, dated the day the case concluded.

A second run adds nothing (licences are looked up by holder and type, events by delivery state).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from govplus.cases.models import Application, CaseEvent
from govplus.core.audit import audit_record
from govplus.core.crypto import lookup_hash
from govplus.core.events import events_deliver
from govplus.core.models import EventDelivery, OutboxEvent
from govplus.demo.forms import address
from govplus.identity.models import BusinessProfile, CitizenProfile, Department, User
from govplus.identity.validators import credit_check_char, credit_code_problem, id_birth_date, id_check_char
from govplus.licences.issuance import HANDLER_NAME
from govplus.licences.models import Licence, LicenceType
from govplus.licences.services import licence_issue, licence_status_change, licence_types_load

COUNTY = "330521"
RESIDENTS_WITH_LICENCES = 40


def department_credit_codes_ensure() -> int:
    """Give every department without a valid unified social credit code a made-up valid one (机关: 11)."""
    fixed = 0
    for department in Department.objects.order_by("pk"):
        if department.credit_code and not credit_code_problem(department.credit_code):
            continue
        first17 = f"11{COUNTY}MB{department.pk:07d}"
        Department.objects.filter(pk=department.pk).update(credit_code=first17 + credit_check_char(first17))
        audit_record(
            actor=None, action="demo.department_credit_code", object_type="department", object_id=department.code
        )
        fixed += 1
    return fixed


def _sex(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


def _id_card_validity(issued: dt.date, birth: dt.date) -> dt.date | None:
    """《居民身份证法》第五条: 16-25 years old 10 years, 26-45 20 years, 46 and older long-term."""
    age = issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    years = 10 if age < 26 else 20 if age <= 45 else None
    if years is None:
        return None
    return issued.replace(year=issued.year + years, day=min(issued.day, 28)) - dt.timedelta(days=1)


class _Issuer:
    """Issues the demo's existing licences through the library's service (imported, holders not told)."""

    def __init__(self) -> None:
        self.types = {t.name: t for t in LicenceType.objects.all()}
        self.departments = {d.code: d for d in Department.objects.all()}
        self.count = 0

    def issue(
        self,
        type_name: str,
        department: str,
        *,
        holder: User | None,
        name: str,
        code: str,
        face: dict[str, str],
        issued_on: dt.date,
        number: str = "",
        valid_until: dt.date | None = None,
    ) -> Licence:
        licence_type = self.types[type_name]
        existing = Licence.objects.filter(holder_code_hash=lookup_hash(code), licence_type=licence_type).first()
        if existing is not None:
            return existing
        self.count += 1
        return licence_issue(
            actor=None,
            licence_type=licence_type,
            issuer=self.departments[department],
            holder=holder,
            holder_name=name,
            holder_code=code,
            face=face,
            issued_on=issued_on,
            valid_until=valid_until,
            number=number,
            jurisdiction=COUNTY,
            origin=Licence.Origin.IMPORTED,
            notify=False,
        )


def _citizen_licences(issuer: _Issuer, citizen: User) -> None:
    profile = CitizenProfile.objects.get(user=citizen)
    name, code = profile.name, profile.id_number
    birth, sex = id_birth_date(code), _sex(code)
    home = "德清县武康街道英溪南路88号3幢201室"
    issued = dt.date(2016, 4, 12)
    issuer.issue(
        "居民身份证",
        "gaj",
        holder=citizen,
        name=name,
        code=code,
        issued_on=issued,
        valid_until=_id_card_validity(issued, birth),
        face={"sex": sex, "ethnicity": "汉", "birth_date": birth.isoformat(), "address": f"浙江省湖州市{home}"},
    )
    issuer.issue(
        "居民户口簿",
        "gaj",
        holder=citizen,
        name=name,
        code=code,
        number="330521-0012873",
        issued_on=dt.date(2012, 9, 1),
        face={
            "household_type": "家庭户",
            "relation": "户主",
            "sex": sex,
            "birth_date": birth.isoformat(),
            "address": f"浙江省湖州市{home}",
        },
    )
    spouse_first17 = "33052119920615242"
    issuer.issue(
        "结婚证",
        "mzj",
        holder=citizen,
        name=name,
        code=code,
        number="J330521-2018-004512",
        issued_on=dt.date(2018, 10, 8),
        face={
            "partner_name": "李梅",
            "partner_idcard": spouse_first17 + id_check_char(spouse_first17),
            "registered_on": "2018-10-08",
        },
    )
    daughter_first17 = "33052120200520128"
    issuer.issue(
        "出生医学证明",
        "wjj",
        holder=citizen,  # held by her father, who applies for her
        name="张小雨",
        code=daughter_first17 + id_check_char(daughter_first17),
        number="Q330012345",
        issued_on=dt.date(2020, 5, 22),
        face={"baby_name": "张小雨", "baby_sex": "女", "born_on": "2020-05-20", "birthplace": "浙江省湖州市德清县"},
    )
    issuer.issue(
        "不动产权证书",
        "zrzyj",
        holder=citizen,
        name=name,
        code=code,
        number="浙（2019）德清县不动产权第0012345号",
        issued_on=dt.date(2019, 7, 15),
        face={
            "property_unit": "330521001001GB00012F00030201",
            "location": home,
            "right_type": "国有建设用地使用权/房屋所有权",
            "area": "98.60㎡",
        },
    )
    issuer.issue(
        "机动车驾驶证",
        "gaj",
        holder=citizen,
        name=name,
        code=code,
        issued_on=dt.date(2020, 8, 3),
        valid_until=dt.date(2030, 8, 2),
        face={"sex": sex, "vehicle_class": "C1"},
    )
    issuer.issue(
        "中华人民共和国社会保障卡",
        "rsj",
        holder=citizen,
        name=name,
        code=code,
        issued_on=dt.date(2019, 3, 1),
        face={"sex": sex, "card_bank": "中国工商银行德清支行"},
    )


def _business_licences(issuer: _Issuer, business: User) -> None:
    profile = BusinessProfile.objects.get(user=business)
    premises = "浙江省湖州市德清县舞阳街道塔山街901号1幢101室"
    issuer.issue(
        "营业执照",
        "scjgj",
        holder=business,
        name=profile.name,
        code=profile.credit_code,
        number=profile.credit_code,
        issued_on=dt.date(2021, 3, 18),
        face={
            "entity_type": "有限责任公司（自然人投资或控股）",
            "legal_representative": "李四",
            "registered_capital": "壹佰万元整",
            "established_on": "2021-03-18",
            "business_scope": "软件开发；信息技术咨询服务；预包装食品销售",
            "domicile": premises,
        },
    )
    issuer.issue(
        "食品经营许可证",
        "scjgj",
        holder=business,
        name=profile.name,
        code=profile.credit_code,
        number="JY33305210012345",
        issued_on=dt.date(2022, 6, 10),
        face={
            "operator_type": "食品销售经营者（预包装食品销售）",
            "business_items": "预包装食品（含冷藏冷冻食品）销售",
            "premises": premises,
        },
    )


def _resident_licences(issuer: _Issuer, rng: random.Random, today: dt.date) -> list[tuple[str, str]]:
    """ID cards and household registers of the first residents; returns the status changes to make."""
    residents = list(
        CitizenProfile.objects.filter(user__username__startswith="resident")
        .select_related("user")
        .order_by("user__username")[:RESIDENTS_WITH_LICENCES]
    )
    changes: list[tuple[str, str]] = []
    for index, profile in enumerate(residents):
        name, code, user = profile.name, profile.id_number, profile.user
        birth, sex = id_birth_date(code), _sex(code)
        home = f"浙江省湖州市{address(rng)}"
        adult = birth.replace(year=birth.year + 16, day=min(birth.day, 28))
        # the card in use: renewed when the last one ran out (the third resident's ran out last year)
        issued = max(adult, today - dt.timedelta(days=rng.randrange(200, 365 * 9)))
        if index == 3:
            issued = max(adult, today.replace(year=today.year - 11, day=1))
        until = _id_card_validity(issued, birth)
        if index == 3:
            until = min(until or today, today - dt.timedelta(days=rng.randrange(30, 200)))
        issuer.issue(
            "居民身份证",
            "gaj",
            holder=user,
            name=name,
            code=code,
            issued_on=issued,
            valid_until=until,
            face={"sex": sex, "ethnicity": "汉", "birth_date": birth.isoformat(), "address": home},
        )
        issuer.issue(
            "居民户口簿",
            "gaj",
            holder=user,
            name=name,
            code=code,
            number=f"330521-{rng.randrange(10**6, 10**7)}",
            issued_on=max(birth, dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 20))),
            face={
                "household_type": "家庭户",
                "relation": rng.choice(["户主", "配偶", "子", "女"]),
                "sex": sex,
                "birth_date": birth.isoformat(),
                "address": home,
            },
        )
        if index == 1:
            licence = issuer.issue(
                "机动车驾驶证",
                "gaj",
                holder=user,
                name=name,
                code=code,
                issued_on=today - dt.timedelta(days=900),
                face={"sex": sex, "vehicle_class": "C1"},
            )
            changes.append((licence.licence_id, "suspend"))
        if index == 2:
            licence = issuer.issue(
                "出租汽车驾驶员从业资格证",
                "jtj",
                holder=user,
                name=name,
                code=code,
                issued_on=today - dt.timedelta(days=600),
                face={"sex": sex, "category": "巡游出租汽车驾驶员"},
            )
            changes.append((licence.licence_id, "revoke"))
    return changes


STATUS_REASONS = {
    "suspend": "驾驶证记分达到12分，依法暂扣 / 12 penalty points: suspended",
    "revoke": "以欺骗手段取得从业资格证，依法撤销 / obtained by deception: revoked",
}


def _status_changes(changes: list[tuple[str, str]]) -> None:
    departments = {"suspend": "gaj", "revoke": "jtj"}
    for licence_id, action in changes:
        licence = Licence.objects.get(licence_id=licence_id)
        if licence.status != Licence.Status.VALID:
            continue  # done by an earlier run
        officer = User.objects.filter(
            staff_roles__department__code=departments[action], staff_roles__role__in=["approver", "department_admin"]
        ).first()
        licence_status_change(actor=officer, licence_id=licence_id, action=action, reason=STATUS_REASONS[action])


def history_licences_issue() -> int:
    """Run the licence library's deliveries of the historical cases' `application.concluded` events."""
    pending = EventDelivery.objects.filter(handler=HANDLER_NAME, status=EventDelivery.Status.PENDING)
    event_ids = list(pending.order_by("event_id").values_list("event_id", flat=True))
    before = Licence.objects.filter(application__isnull=False).count()
    for event_id in event_ids:
        events_deliver(event_id=event_id)
    # the line "已签发电子证照" on a historical case's timeline: dated when the case concluded, not today
    payloads = OutboxEvent.objects.filter(pk__in=event_ids).values_list("payload", flat=True)
    application_ids = [payload["application_id"] for payload in payloads]
    concluded = Application.objects.filter(pk=OuterRef("application_id")).values("concluded_at")[:1]
    CaseEvent.objects.filter(application_id__in=application_ids, kind="result").update(occurred_at=Subquery(concluded))
    return Licence.objects.filter(application__isnull=False).count() - before


def demo_licences_create(*, users: dict[str, Any] | None = None, log: Callable[[str], None] = print) -> dict[str, int]:
    """The demo's licence library (idempotent)."""
    with transaction.atomic():
        licence_types_load(actor=None)
        fixed = department_credit_codes_ensure()
        issuer = _Issuer()
        today = timezone.localdate()
        citizen = (users or {}).get("citizen") or User.objects.get(username="citizen")
        business = (users or {}).get("business") or User.objects.get(username="business")
        _citizen_licences(issuer, citizen)
        _business_licences(issuer, business)
        changes = _resident_licences(issuer, random.Random(3305), today)
        _status_changes(changes)
        if issuer.count:
            audit_record(
                actor=None, action="demo.licences_seed", object_type="licence", changes={"licences": issuer.count}
            )
    issued = history_licences_issue()
    log(f"电子证照 / e-licences: 存量 {issuer.count} / held, 历史办件签发 {issued} / issued by past cases")
    return {"licences": issuer.count, "issued_by_history": issued, "credit_codes_fixed": fixed}
