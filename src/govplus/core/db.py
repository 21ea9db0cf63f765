"""Small database helpers that several modules' bulk writes share."""

from __future__ import annotations

from typing import Any

from django.db import connection


def statistics_refresh(model: Any) -> None:
    """Refresh PostgreSQL's planner statistics of the model's table. A bulk load outruns autovacuum (and
    a new table has none yet); without them the planner reads the whole table for every batch's lookups,
    so a load of n rows costs O(n²). PostgreSQL's manual advises ANALYZE after loading much data; it
    samples a fixed number of rows (well under a second) and runs inside the caller's transaction,
    counting the rows that transaction inserted. Nothing on other databases."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
