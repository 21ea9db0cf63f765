"""Content in two languages: Chinese is the record, English is shown to readers who chose it.

Catalogue rows carry an English twin of their names and key texts (`name_en`, `summary_en`…); pages
show it through `localized`, which falls back to the Chinese text whenever the English one is missing,
so a half-translated catalogue still reads. Process stage names come from one glossary
(`stage_name_en`), because every BPMN file uses the same business steps (受理 → 审查 → 决定 → 办结).

Timeline events and inbox messages are written in Chinese by the services; `message_en` turns a
message the platform itself writes into English at write time, so both are stored and the reader's
language picks one. Free text written by people (opinions, reasons) is never translated.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

STAGE_NAMES_EN: dict[str, str] = {
    "申请": "Application",
    "受理": "Acceptance",
    "审查": "Review",
    "并联审查": "Joint review",
    "会签": "Joint review",
    "会签审查": "Joint review",
    "并联审批": "Joint review",
    "决定": "Decision",
    "办结": "Conclusion",
    "审核": "Verification",
    "审核确认": "Verification and confirmation",
    "审批": "Approval",
    "评定": "Assessment",
    "处理": "Handling",
    "实施": "Implementation",
    "冷静期": "Cooling-off period",
    "检查准备": "Inspection preparation",
    "实施检查": "On-site inspection",
    "结果公开": "Publication of results",
    "调查核实": "Investigation and verification",
    "立案": "Case filing",
    "调查取证": "Investigation and evidence collection",
    "告知": "Notice of rights",
    "送达执行": "Service and enforcement",
    "制作文书": "Drafting the decision",
    "不予受理": "Not accepted",
    "是否受理": "Accept or not",
    "审查结果": "Review result",
}


def is_english() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def localized(obj: Any, field: str = "name") -> str:
    """`obj.<field>_en` when the active language is English and it is filled in, else `obj.<field>`.

    Works on model instances and on dicts (rows from `.values()`, API payloads)."""

    def read(name: str) -> str:
        value = obj.get(name, "") if isinstance(obj, dict) else getattr(obj, name, "")
        return "" if value is None else str(value)

    if is_english():
        english = read(f"{field}_en")
        if english:
            return english
    return read(field)


def stage_name_en(name: str) -> str:
    """The English name of a business step; unknown names stay as written."""
    return STAGE_NAMES_EN.get(name.strip(), name)


def stage_name(name: str) -> str:
    """A stage name in the active language."""
    return stage_name_en(name) if is_english() else name


def _english(text: str) -> str:
    """A platform word from the gettext catalogue (action labels, score labels, delivery methods)."""
    with override("en"):
        return _(text)


def _stage_or_word(text: str) -> str:
    translated = STAGE_NAMES_EN.get(text)
    return translated if translated else _english(text)


def _word_or_stage(text: str) -> str:
    translated = _english(text)
    return translated if translated != text else STAGE_NAMES_EN.get(text, text)


# (pattern of a Chinese message the platform writes, English template). Groups named `term`/`term2` are
# stage and action words; `name` is the item name, given by the caller; the rest is copied as it is (numbers,
# dates, receipt numbers). A message matching none stays Chinese only.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^提交申请$"), "Application submitted"),
    (re.compile(r"^申请人已补正材料$"), "The applicant supplied the missing materials"),
    (re.compile(r"^申请人撤回申请$"), "The applicant withdrew the application"),
    (re.compile(r"^办件中止，暂停计时$"), "Case suspended; the clock is stopped"),
    (re.compile(r"^恢复办理，继续计时$"), "Case resumed; the clock runs again"),
    (re.compile(r"^延长办理期限 (?P<days>\d+) 个工作日$"), "Time limit extended by {days} working days"),
    (re.compile(r"^办理期限已延长$"), "The time limit was extended"),
    (re.compile(r"^延长 (?P<days>\d+) 个工作日：(?P<rest>.*)$", re.S), "Extended by {days} working days: {rest}"),
    (re.compile(r"^评价：(?P<term>.+)$"), "Rating: {term}"),
    (re.compile(r"^请补正申请材料$"), "Please supply the missing materials"),
    (
        re.compile(r"^办件 (?P<no>\S+) 需要补正材料，补正前计时暂停。$"),
        "Case {no} needs more materials; the clock is stopped until you supply them.",
    ),
    (re.compile(r"^您的申请已受理$"), "Your application was accepted"),
    (
        re.compile(r"^办件编号 (?P<no>\S+)，法定办结期限 (?P<date>\S+)。$"),
        "Case number {no}; statutory time limit {date}.",
    ),
    (re.compile(r"^您的申请不予受理$"), "Your application was not accepted"),
    (re.compile(r"^请查看办件详情中的理由。$"), "The reasons are given on the case page."),
    (re.compile(r"^您的申请已办结$"), "Your application is concluded"),
    (
        re.compile(r"^请查看办理结果，并对本次服务进行评价。$"),
        "Please look at the result and rate the service.",
    ),
    (re.compile(r"^您的申请已提交：(?P<name>.+)$"), "Your application was submitted: {name}"),
    (
        re.compile(r"^办件编号 (?P<no>\S+)，请留意受理结果。$"),
        "Case number {no}; you will be told when it is accepted.",
    ),
    (re.compile(r"^已超期：(?P<name>.+)$"), "Overdue: {name}"),
    (re.compile(r"^即将到期：(?P<name>.+)$"), "Due soon: {name}"),
    (re.compile(r"^办件 (?P<no>\S+) 期限 (?P<date>\S+)$"), "Case {no}, due {date}"),
    (re.compile(r"^差评整改：(?P<no>\S+)$"), "Rectify a poor rating: {no}"),
    (re.compile(r"^请于 (?P<date>\S+) 前完成整改并回复。$"), "Please rectify and reply by {date}."),
    (re.compile(r"^数据订阅已暂停：(?P<name>.+)$"), "Data subscription paused: {name}"),
    (
        re.compile(
            r"^推送地址连续 (?P<count>\d+) 次失败（(?P<error>[^）]*)），"
            r"订阅 #(?P<no>\d+) 已暂停；恢复后补发暂停期间的变更。$"
        ),
        "The endpoint failed {count} times in a row ({error}); subscription #{no} is paused. Once resumed, it "
        "delivers the changes made meanwhile.",
    ),
    (re.compile(r"^(?P<term>[^：]+)：(?P<term2>[^：]+)$"), "{term}: {term2}"),
]


def message_en(text: str, *, name_en: str = "") -> str:
    """The English of a message the platform wrote in Chinese, or "" when it is not one of them.

    `name_en` is the English name of the item a message names (the caller knows it)."""
    for pattern, template in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        # `term` is a stage (受理 → Acceptance), `term2` an action or label (受理 → Accept)
        for key, translate in (("term", _stage_or_word), ("term2", _word_or_stage)):
            if key in parts:
                parts[key] = translate(parts[key])
                if parts[key] == match.group(key) and re.search(r"[\u4e00-\u9fff]", parts[key]):
                    return ""  # a word we cannot translate: better no English than half of it
        if "name" in parts:
            if not name_en:
                return ""
            parts["name"] = name_en
        return template.format(**parts)
    return ""
