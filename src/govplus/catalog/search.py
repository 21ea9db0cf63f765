"""Chinese search over the catalog.

Chinese has no spaces, so both the items and the query are cut into words with jieba's search mode
(which also emits the shorter words inside long ones: 居民身份证 → 居民, 身份, 身份证, 居民身份证).
An item matches when any query word is in its name or its indexed words; results are ranked by how
many query words hit, with hits in the name worth more and the whole query in the name worth most.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jieba

jieba.setLogLevel(60)
STOP_WORDS = {
    "的",
    "了",
    "和",
    "与",
    "及",
    "我",
    "要",
    "想",
    "怎么",
    "如何",
    "办理",
    "办",
    "申请",
    "在哪",
    "哪里",
    "什么",
}
_PUNCTUATION = re.compile(r"[\s\W_]+", re.UNICODE)


def search_warm_up() -> None:
    """Load jieba's dictionary now (it loads lazily at the first cut, ~0.7 s and ~65 MB): a server
    calls this once in its master process so that the workers share it (config/gunicorn.conf.py)."""
    jieba.initialize()


def tokens_for_index(text: str) -> list[str]:
    words = {word.strip().lower() for word in jieba.cut_for_search(text) if word.strip()}
    return sorted(word for word in words if not _PUNCTUATION.fullmatch(word))


@lru_cache(maxsize=2048)
def query_tokens(query: str) -> tuple[str, ...]:
    """Words of a user's query, stop words dropped; the whole query is kept when it is one word."""
    cleaned = query.strip().lower()[:100]
    words = [w for w in tokens_for_index(cleaned) if w not in STOP_WORDS]
    if not words and cleaned:
        words = [cleaned]
    return tuple(words)


def score(*, query: str, tokens: tuple[str, ...], name: str, search_text: str) -> int:
    name_lower = name.lower()
    indexed = set(search_text.split())
    total = 20 if query.strip().lower() in name_lower else 0
    for token in tokens:
        if token in name_lower:
            total += 3 + len(token)
        elif token in indexed:
            total += 1
    return total
