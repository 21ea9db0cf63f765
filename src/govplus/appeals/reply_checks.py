"""Checks of an answer before it is sent (答复前检查).

Rules:
- Refused (hard): fewer than `MIN_REPLY` characters; a mobile number or an ID number in the answer
  that is not the responsible department's own published phone — an answer is published with the
  appeal, and must not carry anyone's personal data.
- Asked to confirm (soft): the answer does not use any of the appeal's key words (jieba's TF-IDF key
  words of the appeal, `KEY_WORDS` of them) — it may not answer the question; it names no time
  (a date, "N 个工作日内", 本周, 月底 …) or no action by someone (将/已 + 安排、维修、整改 …, or the
  department speaking as 我局/本局 …) — it may not say who will do what by when.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

MIN_REPLY = 15
KEY_WORDS = 8
_PHONE_OR_ID = re.compile(r"(?<!\d)(1\d{10}|\d{17}[\dXx])(?!\d)")
_TIME = re.compile(
    r"(\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}\s*年|\d+\s*个?\s*工作日|\d+\s*[天日周]内|[本下]周|本月|月底|年底|近期|"
    r"今年|明年|[一二三四五六七八九十]+月|\d{1,2}\s*月(?:[上中下]旬|前|底))"
)
_ACTION = re.compile(
    r"(将|会|已|正在|立即|尽快|安排|组织|督促|责成|联系|整改|处理|维修|修复|清理|核实|调查|协调|落实|答复|解决|办理|"
    r"我局|本局|我单位|我中心|我委|我办|街道|社区)"
)


@cache
def _analyse() -> Any:
    import jieba
    import jieba.analyse

    jieba.setLogLevel(60)
    return jieba.analyse


def key_words(text: str) -> list[str]:
    """The appeal's key words (jieba's TF-IDF with its shipped IDF table), at most `KEY_WORDS`."""
    return [word for word in _analyse().extract_tags(text, topK=KEY_WORDS) if len(word) >= 2]


def reply_problems(appeal: Any, text: str) -> tuple[list[str], list[str]]:
    """(refusals, things to confirm) of the answer `text` to `appeal` (see the module's rules)."""
    hard: list[str] = []
    soft: list[str] = []
    answer = text.strip()
    if len(answer) < MIN_REPLY:
        hard.append(f"答复过短（至少 {MIN_REPLY} 个字）/ the answer is too short (at least {MIN_REPLY} characters)")
    own_phone = re.sub(r"\D", "", getattr(appeal.department, "phone", "") or "")
    for found in _PHONE_OR_ID.findall(answer):
        if not own_phone or found not in own_phone:
            hard.append(
                "答复中含有手机号或身份证号，请删除他人的个人信息 / the answer carries a phone or ID number: remove it"
            )
            break
    if len(answer) > 5_000:
        hard.append("答复不超过 5000 个字 / at most 5,000 characters")
    words = key_words(f"{appeal.title} {appeal.body}")
    if words and not any(word in answer for word in words):
        soft.append(
            f"答复未提及诉求的要点（{'、'.join(words[:5])}），可能没有回应问题 / the answer uses none of the "
            "appeal's key words: it may not answer the question"
        )
    if not _TIME.search(answer):
        soft.append(
            "答复未写明办理时限（如「5 个工作日内」「12 月底前」）/ the answer names no time by which it is done"
        )
    if not _ACTION.search(answer):
        soft.append("答复未写明由谁采取什么措施 / the answer does not say who will do what")
    return hard, soft
