"""A year of the demo county's appeals (12345 诉求): synthetic but coherent messages about the county's
streets and villages, in the categories the departments answer, most of them answered and rated, the
recent ones still open — and a classifier trained on them, so routing works in the demo from the
first appeal. Deterministic (a fixed seed): every `make run` shows the same history.

The texts are written from templates here, not taken from any real board (the real messages in
`shared/data/appeals/` are for evaluation and carry no licence to redistribute)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from govplus.appeals.models import Appeal, Category
from govplus.appeals.taxonomy import category_department, reply_due_of, taxonomy_load
from govplus.appeals.training import model_train
from govplus.core.errors import ValidationFailed
from govplus.identity.models import Region

SEED = 12345
# first-level category → (second-level category names to use, message templates)
TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "城乡建设": (
        ("城市建设和市政管理", "住房保障与房地产", "工程质量"),
        (
            "{place}{spot}的路灯坏了{days}天，晚上出行很不安全，请尽快修复。",
            "{place}{spot}路面塌陷，电动车经过很危险，希望住建部门抓紧维修。",
            "我们小区物业不作为，{spot}的电梯经常停运，{place}的老人上下楼很困难。",
            "{place}新建楼盘延期交房已经{days}天，开发商一直不给说法，请政府督促。",
            "{place}{spot}的下水道堵塞，雨天污水倒灌进住户家里，请派人疏通。",
            "{place}老旧小区改造施工扬尘大，{spot}长期没有围挡，居民意见很大。",
        ),
    ),
    "劳动和社会保障": (
        ("工资福利", "劳动关系", "城镇职工社会保险"),
        (
            "我在{place}一家企业上班，公司已经拖欠工资{days}天，老板一直推脱，请人社局帮忙讨薪。",
            "单位没有给我缴纳社保，离职时才发现{days}个月断缴，请问如何补缴。",
            "我的养老保险待遇资格认证一直办不了，{place}社保窗口说系统问题，请帮忙解决。",
            "{place}有工地不签劳动合同，工人受伤后老板不承认劳动关系，请劳动监察介入。",
            "失业金申请提交{days}天还没有到账，想问一下进度，{place}人社所说要等。",
            "医保异地就医备案在网上提交后一直审核中，下周要去杭州住院，请尽快办理。",
        ),
    ),
    "教育文体": (
        ("考试招生", "教育收费", "体育", "文化"),
        (
            "孩子今年上小学，户口在{place}学区内却被安排到很远的学校，请教育局核实就近入学。",
            "{place}某幼儿园收取兴趣班费用却没有开课，家长多次反映没有结果，请教育局查处。",
            "{place}中学周末组织补课并收费，孩子压力很大，请教育部门管一管。",
            "{place}的体育公园篮球场晚上{spot}不开灯，希望延长开放时间。",
            "学校食堂饭菜质量差，{place}很多家长反映孩子吃不饱，请教育局检查。",
            "{place}文化礼堂长期锁门，村里的文艺队没有地方排练，希望开放。",
        ),
    ),
    "卫生计生": (
        ("医政监管", "公共卫生", "医患纠纷"),
        (
            "{place}卫生院看病排队{days}个小时，医生太少，希望增加门诊医生。",
            "在{place}的诊所打针后手臂红肿，诊所不承认问题，请卫健局调查。",
            "{place}有黑诊所无证行医，{spot}每天很多老人去看病，存在安全隐患。",
            "家里老人办理慢性病门诊一直没有批下来，{place}医院让我们等，请帮忙催一下。",
            "{place}社区卫生服务中心疫苗经常缺货，孩子的疫苗已经推迟{days}天了。",
        ),
    ),
    "环境保护": (
        ("环境污染", "环保管理"),
        (
            "{place}{spot}附近的工厂晚上偷偷排放废气，气味刺鼻，居民不敢开窗。",
            "{place}的河道{days}天来一直发黑发臭，怀疑有企业偷排污水，请环保部门检测。",
            "{place}{spot}的工地夜间施工到凌晨，噪音严重影响休息，请执法部门处理。",
            "{place}有养殖场粪污直排进农田，{spot}臭气熏天，请生态环境局查处。",
            "{place}的垃圾焚烧站有异味，{spot}周边居民担心对健康有影响。",
        ),
    ),
    "交通运输": (
        ("交通运输", "客货运输", "出租车管理"),
        (
            "{place}到县城的公交车班次太少，早上{spot}要等一个小时，希望增加班次。",
            "{place}{spot}路口红绿灯时间太短，老人过马路很危险，请交通部门调整。",
            "在县城打出租车经常被拒载，司机嫌{place}太近不去，请运管部门管理。",
            "{place}{spot}公交站台的雨棚坏了{days}天，下雨天乘客没处躲雨。",
            "{place}的道路上大货车超载严重，路面被压坏了，请交通执法部门查处。",
        ),
    ),
    "商贸旅游": (
        ("市场监管", "商业贸易", "旅游管理"),
        (
            "在{place}的超市买到过期食品，商家拒绝退换，请市场监管局处理。",
            "{place}一家健身房收了年卡费用后突然关门，{days}个会员找不到老板，请帮忙维权。",
            "莫干山{spot}的民宿临时涨价，还不给退订金，请旅游部门处理。",
            "{place}的菜市场缺斤短两，{spot}的秤明显不准，请市场监管部门检查。",
            "网上在{place}的商家买的家电有质量问题，商家推给厂家，请帮忙协调退货。",
        ),
    ),
}
SPOTS = ("东门", "南门", "菜市场旁", "学校门口", "3 号楼", "村委会前", "桥头", "公交站", "主干道", "停车场")
REPLIES = (
    "您好！您反映的问题已收悉。经核实，情况属实，我局已安排工作人员于{days}个工作日内处理到位，感谢您的监督。",
    "您好！经现场核查，相关问题已责成责任单位整改，预计{days}个工作日内完成，如有疑问请拨打 12345。",
    "您好！我局已约谈相关单位，要求其在{days}个工作日内答复并解决，后续将持续跟踪。",
)
VERDICTS = ("satisfied",) * 7 + ("basically",) * 2 + ("unsatisfied",)


def _places() -> list[Region]:
    return list(Region.objects.filter(level__in=["street", "community"]).order_by("code"))


@transaction.atomic
def demo_appeals_create(*, size: int = 1500, log: Callable[[str], None] = print) -> int:
    """A year of appeals (`size` of them) and a classifier trained on them; a second run adds nothing."""
    if Appeal.objects.filter(channel=Appeal.Channel.HISTORY).exists():
        return 0
    taxonomy_load()
    rng = random.Random(SEED)
    places = _places()
    now = timezone.now()
    categories: dict[str, list[Category]] = {}
    for first, (seconds, _texts) in TEMPLATES.items():
        categories[first] = list(Category.objects.filter(level=2, parent__name=first, name__in=seconds))
        if not categories[first]:  # the taxonomy was edited: the first level itself
            categories[first] = [Category.objects.get(level=1, name=first)]
    rows = []
    for index in range(size):
        first = rng.choice(sorted(TEMPLATES))
        category = rng.choice(categories[first])
        place = rng.choice(places) if places else None
        text = rng.choice(TEMPLATES[first][1]).format(
            place=place.name if place else "县城", spot=rng.choice(SPOTS), days=rng.randint(3, 40)
        )
        submitted = now - dt.timedelta(days=365 * (1 - index / size), minutes=rng.randint(0, 600))
        age_days = (now - submitted).days
        appeal = Appeal(
            number=f"330521{timezone.localtime(submitted):%Y%m%d}{index:06d}",
            token=str(uuid.UUID(int=rng.getrandbits(128))),
            channel=Appeal.Channel.HISTORY,
            title=text.split("，")[0][:60],
            body=text,
            category=category,
            category_confidence=1.0,
            category_source="history",
            department=category_department(category),
            region=place,
            is_anonymous=rng.random() < 0.3,
            submitted_at=submitted,
            status=Appeal.Status.CLOSED,
        )
        appeal.reply_due = reply_due_of(appeal, category)
        if age_days > 20:
            appeal.reply = rng.choice(REPLIES).format(days=rng.randint(3, 10))
            appeal.replied_at = submitted + dt.timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 8))
            appeal.verdict = rng.choice(VERDICTS)
        elif age_days > 7:
            appeal.status = Appeal.Status.SIGNED
        else:
            appeal.status = Appeal.Status.ASSIGNED
        rows.append(appeal)
    Appeal.objects.bulk_create(rows, batch_size=500)
    log(f"诉求 / appeals: {len(rows)} in the last year")
    try:
        model = model_train(actor=None, note="demo history")
    except ValidationFailed:  # a tiny demo (tests): routing waits for the dispatcher until one is trained
        return len(rows)
    log(f"诉求分类模型 / appeals classifier: macro-F1 {model.figures['macro_f1']} on {model.held_out} held out")
    return len(rows)
