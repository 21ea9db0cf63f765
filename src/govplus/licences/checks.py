"""One verification check and its result, worded for the person who verifies (Chinese and English)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    detail_en: str
    # False for a check that was not run because an earlier one failed (`ok` is then False too).
    checked: bool = True
