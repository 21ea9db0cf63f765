"""One verification check and its result, worded for the person who verifies (Chinese and English)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    detail_en: str
