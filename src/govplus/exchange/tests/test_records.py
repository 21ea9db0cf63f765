"""Records keep a change counter: each change once, in order; a full re-upload leaves tombstones."""

from __future__ import annotations

import pytest

from govplus.exchange.models import Resource, ResourceRecord
from govplus.exchange.records import record_values, records_by_keys, records_changed_since, records_write
from govplus.identity.models import Department


@pytest.fixture
def resource(db) -> Resource:
    department = Department.objects.create(code="gaj-t", name="公安局")
    return Resource.objects.create(
        code="T-0001",
        name="户籍人口",
        provider=department,
        share_class=Resource.ShareClass.CONDITIONAL,
        update_cycle=Resource.UpdateCycle.DAILY,
        key_field="id_number",
    )


def test_changes_take_the_next_version_and_a_reupload_leaves_tombstones(resource):
    first = records_write(resource, [{"id_number": "A1", "name": "张三"}, {"id_number": "A2", "name": "李四"}])
    assert (first.added, first.version_from, first.version_to) == (2, 0, 2)
    again = records_write(
        resource, [{"id_number": "A1", "name": "张三"}, {"id_number": "A3", "name": "王五"}], replace_all=True
    )
    assert (again.added, again.changed, again.removed, again.unchanged) == (1, 0, 1, 1)
    resource.refresh_from_db()
    assert (resource.version, resource.record_count) == (4, 2)
    changes = records_changed_since(resource, 2, limit=10)
    assert [(c.version, c.is_deleted) for c in changes] == [(3, False), (4, True)]
    assert record_values(changes[1]) == {}
    found = records_by_keys(resource, ["A1", "A2", "A9"])
    assert set(found) == {"A1"} and record_values(found["A1"]) == {"id_number": "A1", "name": "张三"}
    stored = ResourceRecord.objects.get(pk=found["A1"].pk)
    assert "张三" not in stored.data_encrypted and "A1" not in stored.key_hash


def test_a_row_without_its_key_or_a_repeated_key_writes_nothing(resource):
    with pytest.raises(ValueError):
        records_write(resource, [{"id_number": "A1"}, {"id_number": "A1"}])
    with pytest.raises(ValueError):
        records_write(resource, [{"name": "无号"}])
    assert not ResourceRecord.objects.exists()
