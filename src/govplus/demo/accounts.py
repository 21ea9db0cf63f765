"""Demo accounts: one citizen, one business, and staff for every role."""

from __future__ import annotations

from govplus.identity.models import Department, Role, User
from govplus.identity.services import business_register, citizen_register, staff_create
from govplus.identity.validators import credit_check_char, id_check_char

DEMO_PASSWORD = "Demo@2026"
MAIN_DEPARTMENTS = ["gaj", "scjgj", "xzspj"]


def demo_id_number(first17: str) -> str:
    return first17 + id_check_char(first17)


DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("citizen", "自然人（张三）", "申请、查看进度、评价"),
    ("business", "法人（德清县绿水青山科技有限公司）", "企业开办、许可申请"),
    ("clerk", "受理员（综合窗口，一窗受理所有部门）", "受理 / 一次性告知补正 / 不予受理 / 办结送达"),
    ("reviewer", "审核员（公安局、市场监管局、审批局）", "审查、会签"),
    ("approver", "审批员（公安局、市场监管局、审批局）", "决定、延期、中止"),
    ("deptadmin", "部门管理员（公安局）", "差评整改、部门管理"),
    ("dataofficer", "数据管理员（民政局）", "资源目录、上传数据、审核共享申请"),
    ("admin", "平台管理员（超级用户）", "事项、部门、用户、流程；/admin/"),
    ("supervisor", "监察员", "全县办件监察"),
    ("leader", "领导", "全县数据驾驶舱"),
]


def accounts_create() -> dict[str, User]:
    departments = {d.code: d for d in Department.objects.all()}
    all_departments = list(departments.values())
    lead = departments.get("xzspj", all_departments[0])
    users: dict[str, User] = {}
    users["admin"] = staff_create(
        actor=None,
        username="admin",
        password=DEMO_PASSWORD,
        display_name="平台管理员",
        roles=[(lead, Role.PLATFORM_ADMIN)],
        is_superuser=True,
        phone="13900000001",
    )
    users["citizen"] = citizen_register(
        username="citizen",
        password=DEMO_PASSWORD,
        name="张三",
        id_number=demo_id_number("33052119900307123"),
        phone="13800138000",
        email="citizen@example.cn",
    )
    first17 = "91330521MA2B3C4D5"
    users["business"] = business_register(
        username="business",
        password=DEMO_PASSWORD,
        name="德清县绿水青山科技有限公司",
        credit_code=first17 + credit_check_char(first17),
        representative="李四",
        phone="13800138001",
    )
    users["clerk"] = staff_create(
        actor=users["admin"],
        username="clerk",
        password=DEMO_PASSWORD,
        display_name="王受理",
        roles=[(d, Role.CLERK) for d in all_departments],
        phone="13900000002",
    )
    main = [departments[code] for code in MAIN_DEPARTMENTS if code in departments]
    users["reviewer"] = staff_create(
        actor=users["admin"],
        username="reviewer",
        password=DEMO_PASSWORD,
        display_name="赵审核",
        roles=[(d, Role.REVIEWER) for d in main],
    )
    users["approver"] = staff_create(
        actor=users["admin"],
        username="approver",
        password=DEMO_PASSWORD,
        display_name="钱审批",
        roles=[(d, Role.APPROVER) for d in main],
    )
    users["deptadmin"] = staff_create(
        actor=users["admin"],
        username="deptadmin",
        password=DEMO_PASSWORD,
        display_name="孙管理",
        roles=[(departments["gaj"], Role.DEPARTMENT_ADMIN)],
    )
    users["dataofficer"] = staff_create(
        actor=users["admin"],
        username="dataofficer",
        password=DEMO_PASSWORD,
        display_name="郑数据",
        roles=[(departments["mzj"], Role.DATA_OFFICER)],
    )
    users["supervisor"] = staff_create(
        actor=users["admin"],
        username="supervisor",
        password=DEMO_PASSWORD,
        display_name="周监察",
        roles=[(lead, Role.SUPERVISOR)],
    )
    users["leader"] = staff_create(
        actor=users["admin"],
        username="leader",
        password=DEMO_PASSWORD,
        display_name="吴县长",
        roles=[(lead, Role.LEADER)],
    )
    for code, department in departments.items():
        if code in MAIN_DEPARTMENTS:
            continue
        for role in (Role.REVIEWER, Role.APPROVER):
            staff_create(
                actor=users["admin"],
                username=f"{code}.{role}",
                password=DEMO_PASSWORD,
                display_name=f"{department.short_name or department.name}{Role(role).label}",
                roles=[(department, role)],
            )
    return users
