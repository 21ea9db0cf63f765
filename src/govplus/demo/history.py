"""About 500 historical cases over the last 90 days, with realistic timings and ratings.

Concluded cases are written in bulk (they have no live workflow any more); cases still open are created
through the real services so staff can act on them, then their dates are moved back so the workbench
shows realistic deadlines, some near due (yellow) and some overdue (red).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from govplus.cases.actions import task_complete
from govplus.cases.models import Application, CaseEvent, CaseTask, Rating, RectificationTask
from govplus.cases.services import application_create, application_submit, material_upload_bytes
from govplus.cases.transitions import application_payload
from govplus.cases.workflow import ACTIONS, CONCLUDED_EVENT
from govplus.catalog.models import Material, ServiceItem
from govplus.core.audit import audit_record
from govplus.core.calendar import WorkingCalendar
from govplus.core.crypto import encrypt_text, lookup_hash, mask_name
from govplus.core.events import event_publish
from govplus.core.i18n import message_en
from govplus.core.models import Notification
from govplus.demo.forms import Applicant, sample_form
from govplus.identity.models import CitizenProfile, Role, StaffRole, User
from govplus.identity.validators import id_check_char
from govplus.testing.files import pdf_bytes

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱"
    "妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉"
    "眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊"
    "亚宜可姬舒影荔枝思丽"
)
PDF_BYTES = pdf_bytes(b" govplus demo material")
RATING_WEIGHTS = [(5, 65), (4, 20), (3, 8), (2, 4), (1, 3)]


def _synthetic_citizens(rng: random.Random, count: int) -> list[tuple[User, Applicant]]:
    """Residents who applied in the past; returned with what they type into forms."""
    users, profiles, phones = [], [], []
    for index in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        first17 = f"330521{birth:%Y%m%d}{rng.randrange(100, 999):03d}"
        id_number = first17 + id_check_char(first17)
        phone = f"13{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}"
        user = User(
            username=f"resident{index:04d}",
            kind=User.Kind.CITIZEN,
            display_name=mask_name(name),  # as citizen_register stores it: the full name only encrypted
            phone_encrypted=encrypt_text(phone),
            phone_hash=lookup_hash(phone),
        )
        user.set_unusable_password()
        users.append(user)
        profiles.append((name, id_number))
        phones.append(phone)
    User.objects.bulk_create(users)
    created = list(User.objects.filter(username__startswith="resident").order_by("username"))
    CitizenProfile.objects.bulk_create(
        CitizenProfile(
            user=user,
            name_encrypted=encrypt_text(name),
            id_number_encrypted=encrypt_text(number),
            id_number_hash=lookup_hash(number),
        )
        for user, (name, number) in zip(created, profiles, strict=True)
    )
    return [
        (user, Applicant(name=name, phone=phone, id_number=number))
        for user, (name, number), phone in zip(created, profiles, phones, strict=True)
    ]


def _office_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """Submissions peak mid-morning and mid-afternoon; online ones also come in the evening."""
    hour = rng.choices([8, 9, 10, 11, 13, 14, 15, 16, 19, 20, 21], [4, 14, 16, 10, 3, 12, 14, 9, 6, 6, 3])[0]
    local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
    return timezone.make_aware(local)


def _staff_by_role(department_id: int) -> dict[str, User]:
    found: dict[str, User] = {}
    for role in (Role.CLERK, Role.REVIEWER, Role.APPROVER):
        row = StaffRole.objects.filter(department_id=department_id, role=role).select_related("user").first()
        if row:
            found[role] = row.user
    return found


def history_create(*, size: int, log: Callable[[str], None] = print, seed: int = 20261122) -> int:
    rng = random.Random(seed)
    calendar = WorkingCalendar()
    items = list(
        ServiceItem.objects.filter(
            status=ServiceItem.Status.PUBLISHED, online_depth__gte=3, target_citizen=True
        ).select_related("department")
    )
    if not items:
        return 0
    citizens = _synthetic_citizens(rng, 120)
    staff_cache: dict[int, dict[str, User]] = {}
    today = timezone.localdate()
    with transaction.atomic():
        for number in range(size):
            item = rng.choice(items)
            staff = staff_cache.setdefault(item.department_id, _staff_by_role(item.department_id))
            day = today - dt.timedelta(days=rng.randrange(3, 90))
            while not calendar.is_workday(day) and rng.random() < 0.85:
                day -= dt.timedelta(days=1)
            resident, applicant_data = rng.choice(citizens)
            submitted = _office_time(rng, day)
            _historic_case(rng, calendar, number, item, resident, applicant_data, staff, submitted)
        audit_record(actor=None, action="demo.history_seed", object_type="application", changes={"cases": size})
    log(f"历史办件 / historical cases: {size}")
    return size


def _historic_case(
    rng: random.Random,
    calendar: WorkingCalendar,
    number: int,
    item: ServiceItem,
    applicant: User,
    applicant_data: Applicant,
    staff: dict[str, User],
    submitted: dt.datetime,
) -> None:
    accept_days = rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0]
    accepted = submitted + dt.timedelta(days=accept_days, hours=rng.randrange(1, 5))
    not_accepted = rng.random() < 0.05
    promised = max(item.promised_limit_days, 1)
    late = rng.random() < 0.04
    took = rng.randint(max(1, promised // 3), promised) + (item.statutory_limit_days + 2 if late else 0)
    concluded = timezone.make_aware(
        dt.datetime.combine(
            calendar.add_working_days(timezone.localdate(accepted), took),
            dt.time(rng.randrange(9, 17), rng.randrange(60)),
        )
    )
    # a case whose time would run past today ended before now (history has no future)
    now = timezone.now()
    accepted = min(accepted, now - dt.timedelta(hours=2))
    concluded = min(concluded, now - dt.timedelta(hours=1))
    if not_accepted:
        concluded = accepted
    approved = rng.random() > 0.06
    day = timezone.localdate(submitted)
    form = sample_form(fields=item.form_fields, applicant=applicant_data, submitted_on=day, today=day, rng=rng)
    application = Application.objects.create(
        receipt_no=f"330521{timezone.localtime(submitted):%Y%m%d}9{number:07d}",
        applicant=applicant,
        service_item=item,
        department=item.department,
        channel=rng.choices(["web", "mobile", "window"], [45, 40, 15])[0],
        status=Application.Status.NOT_ACCEPTED if not_accepted else Application.Status.CONCLUDED,
        result="" if not_accepted else (Application.Result.APPROVED if approved else Application.Result.DENIED),
        form_data_encrypted=encrypt_text(json.dumps(form, ensure_ascii=False)),
        contact_phone_encrypted=applicant.phone_encrypted,
        created_at=submitted,
        submitted_at=submitted,
        accepted_at=None if not_accepted else accepted,
        concluded_at=concluded,
        due_date=calendar.add_working_days(timezone.localdate(accepted), item.statutory_limit_days),
        promised_due_date=calendar.add_working_days(timezone.localdate(accepted), item.promised_limit_days),
        delivery_method="" if not_accepted else rng.choice(item.delivery_methods or ["download"]),
        process_key=item.process.key if hasattr(item, "process") else "standard",
    )
    steps = [("accept", "受理", Role.CLERK, "not_accept" if not_accepted else "accept", accepted)]
    if not not_accepted:
        review_at = accepted + (concluded - accepted) * 0.4
        decide_at = accepted + (concluded - accepted) * 0.8
        steps += [
            ("review", "审查", Role.REVIEWER, "pass", review_at),
            ("decide", "决定", Role.APPROVER, "approve" if approved else "deny", decide_at),
            ("conclude", "办结", Role.CLERK, "conclude", concluded),
        ]
    events = [
        CaseEvent(
            application=application,
            occurred_at=submitted,
            actor=applicant,
            kind="submitted",
            stage="受理",
            title="提交申请",
            title_en=message_en("提交申请"),
        )
    ]
    tasks = []
    previous = submitted
    for step, label, role, action, when in steps:
        tasks.append(
            CaseTask(
                application=application,
                engine_task_id=f"history-{step}",
                step=step,
                label=label,
                role=role,
                department=item.department,
                status=CaseTask.Status.COMPLETED,
                due_date=application.due_date,
                created_at=previous,
                completed_at=when,
                completed_by=staff.get(role),
                action=action,
            )
        )
        events.append(
            CaseEvent(
                application=application,
                occurred_at=when,
                actor=staff.get(role),
                kind=action,
                stage=label,
                title=f"{label}：{ACTIONS[action].label}",
                title_en=message_en(f"{label}：{ACTIONS[action].label}"),
            )
        )
        previous = when
    CaseTask.objects.bulk_create(tasks)
    CaseEvent.objects.bulk_create(events)
    # The case ended as the transition helper ends one: other modules hear of it (the licence library
    # issues the licence of an approved case; `demo.licences` delivers these events after the seed).
    outcome = {"outcome": application.status, "result": application.result, "result_type": item.result_type}
    event_publish(
        name=CONCLUDED_EVENT,
        payload={
            **application_payload(
                application,
                action=steps[-1][3],
                status_from=Application.Status.SUBMITTED if not_accepted else Application.Status.IN_PROGRESS,
                status_to=application.status,
                actor_id=getattr(staff.get(steps[-1][2]), "pk", None),
            ),
            **outcome,
        },
        when=concluded,
    )
    if rng.random() < 0.7:
        score = rng.choices([s for s, _ in RATING_WEIGHTS], [w for _, w in RATING_WEIGHTS])[0]
        if late or not_accepted:
            score = min(score, rng.choice([1, 2, 3]))
        rated_at = concluded + dt.timedelta(hours=rng.randrange(1, 72))
        rating = Rating.objects.create(
            application=application,
            score=score,
            department=item.department,
            reasons=["办理高效"] if score >= 4 else (["超时办理"] if late else ["材料繁琐"]),
            created_at=rated_at,
        )
        if score <= 2:
            due = calendar.add_working_days(timezone.localdate(rated_at), 15)
            done = due < timezone.localdate()
            RectificationTask.objects.create(
                rating=rating,
                department=item.department,
                due_date=due,
                created_at=rated_at,
                status=RectificationTask.Status.DONE if done else RectificationTask.Status.OPEN,
                resolution="已电话回访申请人并优化材料清单。" if done else "",
                resolved_at=rated_at + dt.timedelta(days=5) if done else None,
            )


CITIZEN_OWN_CASES = 4
CITIZEN_UNREAD_MESSAGES = 3


def open_cases_create(*, users: dict[str, User], log: Callable[[str], None] = print, count: int = 36) -> int:
    """Live cases for the workbench, created through the real services and moved back in time.

    They belong to many residents: the demo citizen 张三 has a handful of his own (`CITIZEN_OWN_CASES`,
    with a few unread messages), the rest are the seeded residents'. Each form is filled in as its
    applicant would (`demo.forms`), with dates that fit the day it was submitted."""
    rng = random.Random(7)
    calendar = WorkingCalendar()
    citizen = users["citizen"]
    residents = list(User.objects.filter(username__startswith="resident").order_by("username"))
    applicants = [citizen] * CITIZEN_OWN_CASES + rng.sample(residents, min(len(residents), count))
    items = list(
        ServiceItem.objects.filter(
            status=ServiceItem.Status.PUBLISHED,
            online_depth__gte=3,
            target_citizen=True,
            department__code__in=["gaj", "scjgj", "xzspj"],
        ).prefetch_related("materials")
    ) or list(ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED, online_depth__gte=3, target_citizen=True))
    today = timezone.localdate()
    created = 0
    for number in range(count):
        item = items[number % len(items)]
        applicant = applicants[number % len(applicants)]
        days_ago = rng.choice([0, 1, 2, 3, 5, 8, 12, 18, 25])
        form = sample_form(
            fields=item.form_fields,
            applicant=_applicant_of(applicant),
            submitted_on=today - dt.timedelta(days=days_ago),
            today=today,
            rng=rng,
        )
        application = application_create(actor=applicant, service_code=item.code, form=form)
        # Licences too: the demo applicants upload them (张三's e-licences could supply his; both ways are shown).
        for material in item.materials.filter(
            is_required=True, source__in=[Material.Source.APPLICANT, Material.Source.LICENCE]
        ):
            material_upload_bytes(
                actor=applicant,
                receipt_no=application.receipt_no,
                material_code=material.code,
                name=f"{material.name}.pdf",
                content=PDF_BYTES,
            )
        application = application_submit(actor=applicant, receipt_no=application.receipt_no)
        stage = number % 3
        if stage >= 1:
            accept_task = application.tasks.get(status=CaseTask.Status.OPEN)
            application = task_complete(actor=users["clerk"], task_id=accept_task.pk, action="accept")
        if stage == 2:
            reviewer = StaffRole.objects.filter(department=application.department, role=Role.REVIEWER).first()
            review_task = application.tasks.filter(status=CaseTask.Status.OPEN, step="review").first()
            if reviewer and review_task:
                application = task_complete(actor=reviewer.user, task_id=review_task.pk, action="pass")
        _move_back(application, calendar, days_ago=days_ago)
        created += 1
    # 张三 has read his older messages; the newest few are still unread
    older = Notification.objects.filter(recipient=citizen).order_by("-created_at", "-id")[CITIZEN_UNREAD_MESSAGES:]
    Notification.objects.filter(pk__in=list(older.values_list("pk", flat=True))).update(read_at=timezone.now())
    log(f"在办办件 / open cases: {created}")
    return created


def _applicant_of(user: User) -> Applicant:
    profile = CitizenProfile.objects.filter(user=user).first()
    return Applicant(
        name=profile.name if profile else user.display_name,
        phone=user.phone or "13800138000",
        id_number=profile.id_number if profile else "",
    )


def _move_back(application: Application, calendar: WorkingCalendar, *, days_ago: int) -> None:
    shift = dt.timedelta(days=days_ago)
    application.refresh_from_db()
    submitted_at = application.submitted_at or application.created_at
    fields: dict[str, object] = {"created_at": application.created_at - shift, "submitted_at": submitted_at - shift}
    if application.accepted_at:
        fields["accepted_at"] = application.accepted_at - shift
    if application.due_date:
        fields["due_date"] = application.due_date - shift
    if application.promised_due_date:
        fields["promised_due_date"] = application.promised_due_date - shift
    Application.objects.filter(pk=application.pk).update(**fields)
    Notification.objects.filter(link__endswith=f"/{application.receipt_no}").update(created_at=F("created_at") - shift)
    CaseTask.objects.filter(application=application).update(due_date=fields.get("due_date"))
    for event in application.events.all():
        CaseEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - shift)
