"""One named check of a verification, with its result in Chinese and English.

The PDF verifier (`pdf_verify`), the credential verifier and the library service list their checks in
this one shape, so a verification page shows every check — what was checked and what came out — the
same way whatever was handed in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    name: str  # stable, snake_case: pages and API clients key on it
    ok: bool
    detail: str  # Chinese
    detail_en: str

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "detail_en": self.detail_en}
