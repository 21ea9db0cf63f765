"""Search over the catalog, in Chinese and in English.

Chinese has no spaces, so both the items and the query are cut into words with jieba's search mode
(which also emits the shorter words inside long ones: 居民身份证 → 居民, 身份, 身份证, 居民身份证).
English text (the items' `name_en`, `summary_en`, department names) is cut at non-letters, lower-cased
and reduced to a plain stem (cards → card); a few words people use for the official ones are indexed
with them (ID → identity, licence ↔ license), so "ID card" finds 居民身份证换领.
An item matches when any query word is in its name or its indexed words; results are ranked by how
many query words hit, with hits in the name worth more and the whole query in the name worth most.
English words match whole words only ("id" is not a hit in "provident").
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
_LATIN_WORD = re.compile(r"[a-z0-9]+")
ENGLISH_STOP_WORDS = {
    "a",
    "an",
    "and",
    "apply",
    "application",
    "applying",
    "at",
    "by",
    "can",
    "do",
    "for",
    "from",
    "get",
    "how",
    "i",
    "in",
    "is",
    "my",
    "need",
    "of",
    "on",
    "or",
    "the",
    "to",
    "want",
    "where",
    "with",
}
# Words people type for the official ones, both ways where both are used.
ENGLISH_ALIASES = {
    "id": ("identity",),
    "identity": ("id",),
    "licence": ("license",),
    "license": ("licence",),
    "hukou": ("household",),
    "baby": ("newborn",),
    "newborn": ("baby",),
    "company": ("business",),
    "enterprise": ("company", "business"),
    "tax": ("taxation",),
    "taxation": ("tax",),
    "pension": ("retirement",),
    "retirement": ("pension",),
}


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def english_words(text: str) -> list[str]:
    """The words of an English text as the index keeps them: lower case, stemmed, stop words out,
    with their aliases."""
    words: set[str] = set()
    for raw in _LATIN_WORD.findall(text.lower()):
        word = _stem(raw)
        if word in ENGLISH_STOP_WORDS or raw in ENGLISH_STOP_WORDS:
            continue
        words.add(word)
        words.update(ENGLISH_ALIASES.get(word, ()))
    return sorted(words)


def is_english_word(token: str) -> bool:
    return bool(_LATIN_WORD.fullmatch(token))


def search_warm_up() -> None:
    """Load jieba's dictionary now (it loads lazily at the first cut, ~0.7 s and ~65 MB): a server
    calls this once in its master process so that the workers share it (config/gunicorn.conf.py)."""
    jieba.initialize()


def tokens_for_index(text: str) -> list[str]:
    words = {word.strip().lower() for word in jieba.cut_for_search(text) if word.strip()}
    return sorted(word for word in words if not _PUNCTUATION.fullmatch(word))


@lru_cache(maxsize=2048)
def query_tokens(query: str) -> tuple[str, ...]:
    """Words of a user's query, stop words dropped; the whole query is kept when it is one word.

    Chinese parts are cut by jieba; English words are stemmed and expanded like the index's."""
    cleaned = query.strip().lower()[:100]
    chinese = _LATIN_WORD.sub(" ", cleaned)
    words = [w for w in tokens_for_index(chinese) if w not in STOP_WORDS]
    for word in english_words(cleaned):
        if word not in words:
            words.append(word)
    if not words and cleaned and not _LATIN_WORD.search(cleaned):
        words = [cleaned]
    return tuple(words)


def score(*, query: str, tokens: tuple[str, ...], name: str, search_text: str, name_en: str = "") -> int:
    name_lower = name.lower()
    name_words = set(english_words(name_en))
    indexed = set(search_text.split())
    whole = query.strip().lower()
    total = 20 if whole and (whole in name_lower or (name_en and whole == name_en.lower())) else 0
    for token in tokens:
        if is_english_word(token):
            if token in name_words:
                total += 3 + len(token)
            elif token in indexed:
                total += 1
        elif token in name_lower:
            total += 3 + len(token)
        elif token in indexed:
            total += 1
    return total
