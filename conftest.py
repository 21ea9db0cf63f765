"""Shared pytest fixtures: a small real county (departments, processes, items, people) built through
the platform's own services, on the real database (SQLite file or PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import pytest

from govplus.testing.factories import County, county_build


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test's database starts empty, so its audit tree heads must not meet another test's.
    settings.GOVPLUS_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    from django.core.cache import cache, caches

    from govplus.appeals.routing import classifier_forget
    from govplus.appeals.taxonomy import taxonomy_forget
    from govplus.catalog.selectors import catalog_stamp_forget
    from govplus.core.api import forget_verified_tokens

    def forget() -> None:
        cache.clear()
        caches["shared"].clear()
        catalog_stamp_forget()
        forget_verified_tokens()
        taxonomy_forget()  # what a process remembers of one test's database is not the next one's
        classifier_forget()

    forget()
    yield
    forget()


@pytest.fixture
def county(db) -> County:  # type: ignore[no-untyped-def]
    return county_build()


@pytest.fixture
def county_tx(transactional_db) -> County:  # type: ignore[no-untyped-def]
    """The same county for tests that use threads or a live server (committed data)."""
    return county_build()
