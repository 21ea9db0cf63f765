"""Bulk-load realistic case volumes for the workbench benchmark (PostgreSQL COPY, batches of 50,000).

    python bench/load_cases.py --total 100000        # top the database up to 100,000 applications

`--total` is the number of applications wanted in the database: the loader adds the difference, so
10k -> 100k -> 1M is loaded incrementally. What it writes, per application:

- ~97% finished cases (the history): 96% concluded (accept, review — or one co-review per
  co-handling department for joint "一件事" items — decide, conclude: every task completed by a real
  staff member of the department), 3% not accepted (one task), 1% withdrawn (one cancelled task);
  submitted over the last max(90, total/1000) days, so 1M cases span about 2.7 years of a county;
- ~3% open cases, submitted in the last 25 working days, spread over every department's clerk,
  reviewer and approver queues: waiting for acceptance (35%, clerk), waiting for a supplement (5%,
  clerk, task "waiting", with its open SupplementRequest), in review (25%, reviewer; co-review tasks in
  each co-handling department for joint items), awaiting decision (20%, approver), to conclude (15%,
  clerk). Their deadlines are computed with the working-day calendar, so some are yellow or red.
  Open cases carry the real serialized workflow state of their stage (~10-14 KB, from the engine)
  with matching engine task ids, so staff can act on them; finished cases have no workflow state, as
  in the demo history;
- the case timeline (CaseEvent): "submitted" plus one event per completed step;
- applicants: a pool of synthetic citizens (total/25, at least 500) and businesses (total/250, at
  least 50), with encrypted real-name profiles, created the same way.

Items are drawn uniformly from the published catalog (citizen or business applicants as the item
allows); ciphertexts of forms and phones come from a pool of real AES-GCM ciphertexts. FK triggers are
skipped during COPY (session_replication_role=replica, inside the transaction only) — the rows are
generated consistent — and the tables are VACUUM ANALYZEd and checkpointed at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import sys
import time
from dataclasses import dataclass, field

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from govplus.catalog.models import ServiceItem  # noqa: E402
from govplus.core import engine  # noqa: E402
from govplus.core.calendar import WorkingCalendar  # noqa: E402
from govplus.core.crypto import encrypt_text, lookup_hash  # noqa: E402
from govplus.identity.models import Department, Role, StaffRole, User  # noqa: E402
from govplus.identity.validators import credit_check_char, id_check_char  # noqa: E402

OUTCOME = {"accept": "accept", "review": "pass", "co_review": "approve", "decide": "approve", "conclude": "concluded"}
OPEN_STAGES = [("accept", 35), ("supplement", 5), ("review", 25), ("decide", 20), ("conclude", 15)]
FINISHED = [("concluded", 96), ("not_accepted", 3), ("withdrawn", 1)]
HOURS = ([8, 9, 10, 11, 13, 14, 15, 16, 19, 20, 21], [4, 14, 16, 10, 3, 12, 14, 9, 6, 6, 3])
TZ = timezone.get_current_timezone()


def esc(value: object) -> str:
    """A value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def row(*values: object) -> str:
    return "\t".join(esc(v) for v in values) + "\n"


@dataclass
class Stage:
    """One step of a process template: the tasks ready at it and the serialized state there."""

    step: str
    tasks: list[tuple[str, str, str, str | None]]  # (engine task id, label, role, department code or None)
    state: str


@dataclass
class Template:
    stages: list[Stage] = field(default_factory=list)


@dataclass
class Item:
    id: int
    code: str
    department_id: int
    department_code: str
    co_codes: tuple[str, ...]
    statutory: int
    promised: int
    acceptance: int
    delivery: list[str]
    process_key: str
    process_version: int
    citizen: bool
    business: bool
    template: Template


def build_template(bpmn_xml: str, co_codes: tuple[str, ...]) -> Template:
    """Run the real engine through the happy path once, keeping each stage's state and ready tasks."""
    state = engine.workflow_start(bpmn_xml=bpmn_xml, data={"receipt_no": "bench", "co_departments": list(co_codes)})
    template = Template()
    while state.ready_tasks:
        ready = state.ready_tasks
        template.stages.append(
            Stage(ready[0].step, [(t.task_id, t.label, t.role, t.department) for t in ready], state.serialized)
        )
        # complete every ready task of this step (co-reviews one after the other) before moving on
        step = ready[0].step
        while state.ready_tasks and state.ready_tasks[0].step == step:
            task = state.ready_tasks[0]
            state = engine.workflow_complete_task(
                bpmn_xml=bpmn_xml,
                serialized=state.serialized,
                task_id=task.task_id,
                data={"outcome": OUTCOME[step], "opinion": "", "delivery_method": "download"},
            )
    return template


def ensure_applicants(cursor, kind: str, wanted: int, rng: random.Random) -> list[int]:  # type: ignore[no-untyped-def]
    prefix = "benchload_c" if kind == User.Kind.CITIZEN else "benchload_b"
    have = list(User.objects.filter(username__startswith=prefix).order_by("id").values_list("id", flat=True))
    if len(have) >= wanted:
        return have
    cursor.execute("SELECT coalesce(max(id), 0) FROM identity_user")
    next_id = cursor.fetchone()[0] + 1
    now = timezone.now()
    phones = [encrypt_text(f"13{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}") for _ in range(64)]
    users, profiles = io.StringIO(), io.StringIO()
    for index in range(len(have), wanted):
        user_id = next_id + index - len(have)
        phone = f"15{index:09d}"
        name = f"压测{'居民' if kind == User.Kind.CITIZEN else '企业'}{index}"
        users.write(
            row(
                user_id,
                "!bench-unusable",
                None,
                False,
                f"{prefix}{index:07d}",
                "",
                "",
                "",
                False,
                True,
                now,
                kind,
                name,
                phones[index % 64],
                lookup_hash(phone),
                0,
                None,
                "",
                False,
                "",
            )
        )
        if kind == User.Kind.CITIZEN:
            # region 330522 keeps these apart from the demo's and setup_clients' 330521 numbers
            birth = f"{1950 + index // 336000 % 55}{1 + index // 28000 % 12:02d}{1 + index // 1000 % 28:02d}"
            first17 = f"330522{birth}{index % 1000:03d}"
            number = first17 + id_check_char(first17)
            profiles.write(
                row(user_id, encrypt_text(name), encrypt_text(number), lookup_hash(number), now, user_id, None)
            )
        else:
            first17 = f"91330522MA{index:07d}"
            profiles.write(
                row(user_id, name, first17 + credit_check_char(first17), encrypt_text("法定代表人"), user_id)
            )
    cursor.execute("SET LOCAL session_replication_role = replica")
    with cursor.copy(
        "COPY identity_user (id, password, last_login, is_superuser, username, first_name, last_name, "
        "email, is_staff, is_active, date_joined, kind, display_name, phone_encrypted, phone_hash, "
        "failed_login_count, locked_until, totp_secret_encrypted, is_totp_enabled, preferred_language) "
        "FROM STDIN"
    ) as copy:
        copy.write(users.getvalue())
    if kind == User.Kind.CITIZEN:
        sql = (
            "COPY identity_citizenprofile (id, name_encrypted, id_number_encrypted, id_number_hash, verified_at, "
            "user_id, region_id) FROM STDIN"
        )
        profile_table = "identity_citizenprofile"
    else:
        sql = "COPY identity_businessprofile (id, name, credit_code, representative_encrypted, user_id) FROM STDIN"
        profile_table = "identity_businessprofile"
    # profile ids: shift past the current maximum
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {profile_table}")
    shift = cursor.fetchone()[0] + 1 - next_id
    shifted = "".join(
        f"{int(line.split(chr(9), 1)[0]) + shift}\t{line.split(chr(9), 1)[1]}\n"
        for line in profiles.getvalue().splitlines()
    )
    with cursor.copy(sql) as copy:
        copy.write(shifted)
    for table in ("identity_user", profile_table):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return list(User.objects.filter(username__startswith=prefix).order_by("id").values_list("id", flat=True))


class Loader:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.calendar = WorkingCalendar()
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.departments = dict(Department.objects.values_list("code", "id"))
        self.staff: dict[tuple[int, str], list[int]] = {}
        for user_id, department_id, role in StaffRole.objects.filter(
            role__in=[Role.CLERK, Role.REVIEWER, Role.APPROVER]
        ).values_list("user_id", "department_id", "role"):
            self.staff.setdefault((department_id, role), []).append(user_id)
        templates: dict[tuple[str, tuple[str, ...]], Template] = {}
        self.items: list[Item] = []
        for item in (
            ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED)
            .select_related("department", "process")
            .prefetch_related("co_departments")
            .order_by("code")
        ):
            co = tuple(sorted(d.code for d in item.co_departments.all())) if item.process.key == "parallel" else ()
            key = (item.process.bpmn_xml, co)
            if key not in templates:
                templates[key] = build_template(item.process.bpmn_xml, co)
            self.items.append(
                Item(
                    item.id,
                    item.code,
                    item.department_id,
                    item.department.code,
                    co,
                    item.statutory_limit_days,
                    item.promised_limit_days,
                    item.acceptance_limit_days,
                    item.delivery_methods or ["download"],
                    item.process.key,
                    item.process.version,
                    item.target_citizen,
                    item.target_business,
                    templates[key],
                )
            )
        self.forms = [
            encrypt_text(
                json.dumps(
                    {
                        "reason": "有效期满",
                        "phone": f"1380013{n:04d}",
                        "address": "德清县武康街道英溪南路1号",
                        "note": "压测数据",
                    },
                    ensure_ascii=False,
                )
            )
            for n in range(64)
        ]
        self.phones = [encrypt_text(f"1390000{n:04d}") for n in range(64)]
        self.counts = {"applications": 0, "tasks": 0, "open_tasks": 0, "events": 0, "open_cases": 0}

    def when(self, day: dt.date) -> dt.datetime:
        hour = self.rng.choices(*HOURS)[0]
        return dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60), self.rng.randrange(60)), TZ)

    def staff_for(self, department_id: int, role: str) -> int | None:
        people = self.staff.get((department_id, role))
        return self.rng.choice(people) if people else None

    def department_of(self, item: Item, code: str | None) -> int:
        return self.departments.get(code, item.department_id) if code else item.department_id

    def run(self) -> None:
        with connection.cursor() as django_cursor:
            django_cursor.execute("SELECT count(*) FROM cases_application")
            existing = django_cursor.fetchone()[0]
        to_add = self.args.total - existing
        if to_add <= 0:
            print(f"load_cases: already {existing} applications (>= {self.args.total}); nothing to do", file=sys.stderr)
            return
        span = max(90, self.args.total // 1000)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as django_cursor:
            cursor = django_cursor.cursor
            citizens = ensure_applicants(cursor, User.Kind.CITIZEN, max(500, self.args.total // 25), self.rng)
            businesses = ensure_applicants(cursor, User.Kind.BUSINESS, max(50, self.args.total // 250), self.rng)
        print(
            f"load_cases: {existing} applications present, adding {to_add} "
            f"({len(citizens)} citizen and {len(businesses)} business applicants)",
            file=sys.stderr,
        )
        done = 0
        while done < to_add:
            size = min(self.args.batch, to_add - done)
            with transaction.atomic(), connection.cursor() as django_cursor:
                cursor = django_cursor.cursor
                cursor.execute(
                    "LOCK TABLE cases_application, cases_casetask, cases_caseevent, "
                    "cases_supplementrequest IN EXCLUSIVE MODE"
                )
                cursor.execute("SET LOCAL session_replication_role = replica")
                ids = {}
                for table in ("cases_application", "cases_casetask", "cases_caseevent", "cases_supplementrequest"):
                    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
                    ids[table] = cursor.fetchone()[0] + 1
                self.batch(cursor, ids, size, span, citizens, businesses)
            done += size
            rate = done / (time.perf_counter() - started)
            print(f"load_cases: {existing + done} applications ({rate:,.0f}/s)", file=sys.stderr)
        with connection.cursor() as cursor:
            # the steady state of a live database: statistics and visibility map up to date, and no
            # autovacuum or checkpoint of the load left to run in the middle of a measurement
            for table in (
                "cases_application",
                "cases_casetask",
                "cases_caseevent",
                "cases_supplementrequest",
                "identity_user",
                "identity_citizenprofile",
                "identity_businessprofile",
            ):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
            cursor.execute("CHECKPOINT")
        print(f"load_cases: done in {time.perf_counter() - started:.0f} s: {self.counts}", file=sys.stderr)

    def batch(
        self,
        cursor,
        ids: dict[str, int],
        size: int,
        span: int,  # type: ignore[no-untyped-def]
        citizens: list[int],
        businesses: list[int],
    ) -> None:
        apps, tasks, events, supplements = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        app_id, task_id, event_id, supplement_id = (
            ids["cases_application"],
            ids["cases_casetask"],
            ids["cases_caseevent"],
            ids["cases_supplementrequest"],
        )
        rng = self.rng
        for _ in range(size):
            item = rng.choice(self.items)
            if item.citizen and (not item.business or rng.random() < 0.7):
                applicant = rng.choice(citizens)
            else:
                applicant = rng.choice(businesses)
            is_open = rng.random() < self.args.open_share
            if is_open:
                outcome = rng.choices([s for s, _ in OPEN_STAGES], [w for _, w in OPEN_STAGES])[0]
                day = self.today - dt.timedelta(days=rng.randrange(0, 36))
            else:
                outcome = rng.choices([s for s, _ in FINISHED], [w for _, w in FINISHED])[0]
                day = self.today - dt.timedelta(days=rng.randrange(3, span))
            submitted = self.when(day)
            if submitted > self.now:
                submitted = self.now - dt.timedelta(minutes=rng.randrange(1, 300))
            case = self.case(item, outcome, is_open, submitted)
            receipt = f"330521{day:%Y%m%d}7{app_id:07d}"
            apps.write(
                row(
                    app_id,
                    receipt,
                    case["status"],
                    case["stage"],
                    case["result"],
                    rng.choices(["web", "mobile", "window", "api"], [45, 38, 15, 2])[0],
                    self.forms[app_id % 64],
                    self.phones[app_id % 64],
                    submitted,
                    submitted,
                    case["accepted"],
                    case["concluded"],
                    case["due"],
                    case["promised"],
                    case["paused_on"],
                    case["paused_remaining"],
                    None,
                    0,
                    case["warning"],
                    case["delivery"],
                    case["opinion"],
                    case["state"],
                    item.process_key,
                    item.process_version,
                    len(case["tasks"]) + 1,
                    applicant,
                    item.department_id,
                    item.id,
                )
            )
            events.write(row(event_id, submitted, "submitted", "受理", "提交申请", "", True, applicant, app_id))
            event_id += 1
            for engine_id, step, label, role, department_id, status, created, completed, by, action in case["tasks"]:
                tasks.write(
                    row(
                        task_id,
                        engine_id,
                        step,
                        label,
                        role,
                        status,
                        case["due"] if status in ("open", "waiting") else case["task_due"],
                        created,
                        completed,
                        action,
                        "",
                        app_id,
                        by,
                        department_id,
                    )
                )
                task_id += 1
                if status in ("open", "waiting"):
                    self.counts["open_tasks"] += 1
                if completed is not None and not self.args.no_events:
                    events.write(
                        row(
                            event_id,
                            completed,
                            action,
                            label,
                            f"{label}：{action}",
                            "",
                            step != "co_review",
                            by,
                            app_id,
                        )
                    )
                    event_id += 1
            if outcome == "supplement":
                supplements.write(
                    row(
                        supplement_id,
                        json.dumps(
                            [{"material_code": "M01", "name": "申请材料", "reason": "照片不清晰"}], ensure_ascii=False
                        ),
                        "请重新上传清晰的材料",
                        case["paused_at"],
                        None,
                        "accept",
                        app_id,
                        self.staff_for(item.department_id, Role.CLERK),
                    )
                )
                supplement_id += 1
            if is_open:
                self.counts["open_cases"] += 1
            self.counts["tasks"] += len(case["tasks"])
            app_id += 1
        self.counts["applications"] += size
        self.counts["events"] += event_id - ids["cases_caseevent"]
        columns = {
            "cases_application": "id, receipt_no, status, stage, result, channel, form_data_encrypted, "
            "contact_phone_encrypted, created_at, submitted_at, accepted_at, concluded_at, due_date, "
            "promised_due_date, clock_paused_on, paused_days_remaining, paused_promised_days_remaining, "
            "extended_days, warning_level, delivery_method, decision_opinion, workflow_state, process_key, "
            "process_version, version, applicant_id, department_id, service_item_id",
            "cases_casetask": "id, engine_task_id, step, label, role, status, due_date, created_at, completed_at, "
            "action, opinion, application_id, completed_by_id, department_id",
            "cases_caseevent": "id, occurred_at, kind, stage, title, opinion, is_public, actor_id, application_id",
            "cases_supplementrequest": "id, items, note, requested_at, resolved_at, stage_step, application_id, "
            "requested_by_id",
        }
        for table, buffer in (
            ("cases_application", apps),
            ("cases_casetask", tasks),
            ("cases_caseevent", events),
            ("cases_supplementrequest", supplements),
        ):
            data = buffer.getvalue()
            if data:
                with cursor.copy(f"COPY {table} ({columns[table]}) FROM STDIN") as copy:
                    for start in range(0, len(data), 1 << 22):
                        copy.write(data[start : start + (1 << 22)])
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest((SELECT max(id) FROM {table}), 1))"
            )

    def case(self, item: Item, outcome: str, is_open: bool, submitted: dt.datetime) -> dict:  # type: ignore[type-arg]
        """Status, dates and task rows of one case. Tasks: (engine id, step, label, role, dept, status,
        created, completed, completed_by, action)."""
        rng = self.rng
        stages = item.template.stages
        tasks: list[tuple] = []  # type: ignore[type-arg]
        state = warning = ""
        paused_on = paused_remaining = paused_at = accepted = promised = None
        submit_day = submitted.astimezone(TZ).date()
        if is_open:
            # open: the steps before the current one are completed, the current one is open
            index = {"accept": 0, "supplement": 0, "review": 1, "decide": len(stages) - 2, "conclude": len(stages) - 1}[
                outcome
            ]
            accept_lag = rng.choice([0, 0, 1, 1, 2, 3])
            accepted = None
            if index > 0:
                accepted = self.when(min(self.today, submit_day + dt.timedelta(days=accept_lag)))
                accepted = min(max(accepted, submitted + dt.timedelta(minutes=30)), self.now)
            if index == 0:
                due = self.calendar.add_working_days(submit_day, item.acceptance)
                status = "submitted" if outcome == "accept" else "supplement_requested"
            else:
                due = self.calendar.add_working_days(accepted.astimezone(TZ).date(), item.statutory)
                promised = self.calendar.add_working_days(accepted.astimezone(TZ).date(), item.promised)
                status = "in_progress"
            previous = submitted
            for stage in stages[:index]:
                when = previous + (self.now - previous) * rng.uniform(0.1, 0.5)
                if stage.step == "accept" and accepted:
                    when = accepted
                role = stage.tasks[0][2]
                for engine_id, label, task_role, code in stage.tasks:
                    department_id = self.department_of(item, code)
                    tasks.append(
                        (
                            engine_id,
                            stage.step,
                            label,
                            task_role,
                            department_id,
                            "completed",
                            previous,
                            when,
                            self.staff_for(department_id, role),
                            OUTCOME[stage.step],
                        )
                    )
                previous = when
            current = stages[index]
            task_status = "waiting" if outcome == "supplement" else "open"
            for engine_id, label, task_role, code in current.tasks:
                tasks.append(
                    (
                        engine_id,
                        current.step,
                        label,
                        task_role,
                        self.department_of(item, code),
                        task_status,
                        previous,
                        None,
                        None,
                        "",
                    )
                )
            if outcome == "supplement":
                paused_at = previous + (self.now - previous) * 0.5
                paused_on = paused_at.astimezone(TZ).date()
                paused_remaining = max(0, self.calendar.working_days_between(paused_on, due))
            state = current.state
            stage_label = current.tasks[0][1]
            if due < self.today:
                warning = "red"
            elif self.calendar.working_days_between(self.today, due) <= 2:
                warning = "yellow"
            return {
                "status": status,
                "stage": stage_label,
                "result": "",
                "accepted": accepted,
                "concluded": None,
                "due": due,
                "promised": promised,
                "paused_on": paused_on,
                "paused_remaining": paused_remaining,
                "paused_at": paused_at,
                "warning": warning,
                "delivery": "",
                "opinion": "",
                "state": state,
                "tasks": tasks,
                "task_due": due,
            }
        # finished
        accepted = submitted + dt.timedelta(
            days=rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0], hours=rng.randrange(1, 5)
        )
        accept_day = accepted.astimezone(TZ).date()
        due = accept_day + dt.timedelta(days=item.statutory * 7 // 5)
        promised = accept_day + dt.timedelta(days=item.promised * 7 // 5)
        clerk = self.staff_for(item.department_id, Role.CLERK)
        accept_engine = stages[0].tasks[0][0]
        if outcome == "withdrawn":
            tasks.append(
                (accept_engine, "accept", "受理", "clerk", item.department_id, "cancelled", submitted, None, None, "")
            )
            return {
                "status": "withdrawn",
                "stage": "受理",
                "result": "",
                "accepted": None,
                "concluded": submitted + dt.timedelta(hours=rng.randrange(1, 30)),
                "due": None,
                "promised": None,
                "paused_on": None,
                "paused_remaining": None,
                "paused_at": None,
                "warning": "",
                "delivery": "",
                "opinion": "",
                "state": "",
                "tasks": tasks,
                "task_due": submit_day + dt.timedelta(days=7),
            }
        if outcome == "not_accepted":
            tasks.append(
                (
                    accept_engine,
                    "accept",
                    "受理",
                    "clerk",
                    item.department_id,
                    "completed",
                    submitted,
                    accepted,
                    clerk,
                    "not_accept",
                )
            )
            return {
                "status": "not_accepted",
                "stage": "",
                "result": "",
                "accepted": None,
                "concluded": accepted,
                "due": None,
                "promised": None,
                "paused_on": None,
                "paused_remaining": None,
                "paused_at": None,
                "warning": "",
                "delivery": "",
                "opinion": "材料不符合法定形式",
                "state": "",
                "tasks": tasks,
                "task_due": submit_day + dt.timedelta(days=7),
            }
        took = rng.randint(max(1, item.promised // 3), max(1, item.promised)) * 7 // 5 + rng.randrange(0, 2)
        concluded = accepted + dt.timedelta(days=took, hours=rng.randrange(0, 6))
        if concluded > self.now:
            concluded = self.now - dt.timedelta(hours=rng.randrange(1, 48))
        approved = rng.random() > 0.06
        previous = submitted
        moments = (
            [accepted]
            + [
                accepted + (concluded - accepted) * (0.3 + 0.5 * n / max(1, len(stages) - 2))
                for n in range(len(stages) - 2)
            ]
            + [concluded]
        )
        for stage, when in zip(stages, moments, strict=False):
            for engine_id, label, role, code in stage.tasks:
                department_id = self.department_of(item, code)
                action = OUTCOME[stage.step] if stage.step != "decide" else ("approve" if approved else "deny")
                tasks.append(
                    (
                        engine_id,
                        stage.step,
                        label,
                        role,
                        department_id,
                        "completed",
                        previous,
                        when,
                        self.staff_for(department_id, role),
                        action,
                    )
                )
            previous = when
        return {
            "status": "concluded",
            "stage": "",
            "result": "approved" if approved else "denied",
            "accepted": accepted,
            "concluded": concluded,
            "due": due,
            "promised": promised,
            "paused_on": None,
            "paused_remaining": None,
            "paused_at": None,
            "warning": "",
            "delivery": rng.choice(item.delivery),
            "opinion": "" if approved else "不符合法定条件",
            "state": "",
            "tasks": tasks,
            "task_due": due,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--total", type=int, required=True, help="applications wanted in the database")
    parser.add_argument("--open-share", type=float, default=0.03, help="share of new cases still open")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: derived from --total)")
    parser.add_argument("--no-events", action="store_true", help="skip the per-step timeline events")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = args.total
    Loader(args).run()


if __name__ == "__main__":
    main()
