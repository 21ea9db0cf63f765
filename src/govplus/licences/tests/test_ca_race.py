"""The platform CA under concurrency: two processes that find no root at once end with one root.

On its own module: the tests of test_pdf.py hold one transaction open for the whole module."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from govplus.licences import ca
from govplus.licences.models import IssuerKey


@pytest.mark.django_db(transaction=True)
def test_two_processes_creating_the_root_at_once_end_with_one() -> None:
    barrier = threading.Barrier(2, timeout=30)
    kids: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            barrier.wait()
            kids.append(ca.ca_root().kid)
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(kids) == 2 and kids[0] == kids[1]
    assert IssuerKey.objects.filter(kind="root_ca").count() == 1
