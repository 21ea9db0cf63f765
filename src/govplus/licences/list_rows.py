"""The rows of the wallet and the register, read with one SQL statement per page.

A list page is the library's hottest read (every holder opening 我的证照, every clerk paging 证照库), so
it is one hand-written statement over the `licences_licence` indexes joined to the type's and the
issuing department's names, read into light `LicenceRow`s: no ciphertext is read or decrypted (what
may be shown of the holder is kept at write time: `holder_name_shown`, `holder_code_shown`), none of the
type's JSON is parsed, no ORM query is compiled. The statement is plain SQL that SQLite and PostgreSQL
both run. Rows come newest first (`issued_on` descending, then `id`), the order of the indexes
`licence_newest`, `licence_issuer_newest` and `licence_issuer_status`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_date


@dataclass(frozen=True)
class TypeName:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class IssuerName:
    name_en: str


@dataclass(frozen=True)
class LicenceRow:
    """One licence as a list shows it. The attributes carry the names templates use for a `Licence`
    (`licence.licence_type|localized`, `licence.issuer.name_en`, `licence.valid_until` …)."""

    licence_id: str
    licence_type: TypeName
    issuer: IssuerName
    issuer_name: str
    issuer_code: str
    holder_code_type: str
    holder_name_shown: str
    holder_code_shown: str
    number: str
    issued_on: dt.date
    valid_from: dt.date
    valid_until: dt.date | None
    status: str
    origin: str
    # Only for a licence written before the shown columns existed: its ciphertexts, to mask from.
    holder_encrypted: tuple[str, str] | None = None


_SELECT = """
SELECT l.licence_id, t.code, t.name, t.name_en, d.name_en, l.issuer_name, l.issuer_code, l.holder_code_type,
       l.holder_name_shown, l.holder_code_shown, l.number, l.issued_on, l.valid_from, l.valid_until,
       l.status, l.origin,
       CASE WHEN l.holder_code_shown = '' THEN l.holder_name_encrypted END,
       CASE WHEN l.holder_code_shown = '' THEN l.holder_code_encrypted END
  FROM licences_licence l
  JOIN licences_licencetype t ON t.id = l.licence_type_id
  JOIN identity_department d ON d.id = l.issuer_id
 WHERE {where}
 ORDER BY l.issued_on DESC, l.id DESC
 LIMIT %s OFFSET %s
"""


def _date(value: Any) -> Any:
    return parse_date(value) if isinstance(value, str) else value  # SQLite answers dates as text


def _row(values: Sequence[Any]) -> LicenceRow:
    (licence_id, type_code, type_name, type_name_en, issuer_name_en, issuer_name, issuer_code, code_type,
     name_shown, code_shown, number, issued_on, valid_from, valid_until, status, origin,
     name_encrypted, code_encrypted) = values  # fmt: skip
    return LicenceRow(
        licence_id=licence_id,
        licence_type=TypeName(type_code, type_name, type_name_en),
        issuer=IssuerName(issuer_name_en),
        issuer_name=issuer_name,
        issuer_code=issuer_code,
        holder_code_type=code_type,
        holder_name_shown=name_shown,
        holder_code_shown=code_shown,
        number=number,
        issued_on=_date(issued_on),
        valid_from=_date(valid_from),
        valid_until=_date(valid_until),
        status=status,
        origin=origin,
        holder_encrypted=(name_encrypted, code_encrypted) if code_encrypted else None,
    )


@dataclass
class Where:
    """The WHERE clause of a list, built from conditions and their parameters (never from input text)."""

    clauses: list[str]
    params: list[Any]

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def add_in(self, column: str, values: Sequence[Any]) -> None:
        if not values:
            self.clauses.append("1 = 0")
            return
        self.add(f"{column} IN ({', '.join(['%s'] * len(values))})", *values)

    def sql(self) -> str:
        return " AND ".join(self.clauses) or "1 = 1"


def licence_rows(where: Where, *, offset: int, limit: int) -> list[LicenceRow]:
    with connection.cursor() as cursor:
        cursor.execute(_SELECT.format(where=where.sql()), [*where.params, limit, offset])
        return [_row(values) for values in cursor.fetchall()]


def licence_count(where: Where, *, cap: int | None = None) -> int:
    """How many licences the conditions select; with `cap`, at most cap + 1 (a bounded subquery)."""
    inner = f"SELECT 1 FROM licences_licence l WHERE {where.sql()}"
    params = list(where.params)
    if cap is not None:
        inner += " LIMIT %s"
        params.append(cap + 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({inner}) counted", params)
        return int(cursor.fetchone()[0])


def holder_where(*, holder_id: int, holder_hashes: Sequence[str], status: str = "") -> Where:
    """A holder's licences: linked to their account, or issued to their code before they had one."""
    where = Where([], [])
    if holder_hashes:
        marks = ", ".join(["%s"] * len(holder_hashes))
        where.add(f"(l.holder_id = %s OR l.holder_code_hash IN ({marks}))", holder_id, *holder_hashes)
    else:
        where.add("l.holder_id = %s", holder_id)
    if status:
        where.add("l.status = %s", status)
    return where


def register_where(
    *,
    departments: Sequence[int] | None,
    type_code: str = "",
    status: str = "",
    number: str = "",
    holder_code_hash: str = "",
    issued_from: dt.date | None = None,
    issued_to: dt.date | None = None,
) -> Where:
    """A register's conditions; `departments` None is every department's (the platform administrator)."""
    where = Where([], [])
    if departments is not None:
        where.add_in("l.issuer_id", departments)
    if type_code:
        where.add("l.licence_type_id IN (SELECT id FROM licences_licencetype WHERE code = %s)", type_code)
    if status:
        where.add("l.status = %s", status)
    if number:
        where.add("l.number = %s", number)
    if holder_code_hash:
        where.add("l.holder_code_hash = %s", holder_code_hash)
    if issued_from:
        where.add("l.issued_on >= %s", issued_from)
    if issued_to:
        where.add("l.issued_on <= %s", issued_to)
    return where
