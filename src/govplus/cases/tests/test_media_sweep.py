"""Files left behind by a process killed mid-request are swept; referenced and fresh files are kept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from govplus.cases.media_sweep import orphan_files_sweep
from govplus.cases.models import ApplicationMaterial
from govplus.core.audit import audit_verify
from govplus.core.models import AuditEntry


def _leave_behind(directory: Path, name: str, *, age_hours: float) -> Path:
    path = directory / name
    path.write_bytes(b"%PDF-1.4 orphan")
    then = time.time() - age_hours * 3600
    os.utime(path, (then, then))
    return path


def test_old_unreferenced_files_are_deleted_and_audited(county, capsys):
    application = county.submitted_application()
    kept = ApplicationMaterial.objects.get(application=application)
    case_dir = Path(settings.MEDIA_ROOT) / Path(kept.file.name).parent
    old_orphan = _leave_behind(case_dir, "deadbeefdeadbeef", age_hours=30)
    fresh_orphan = _leave_behind(case_dir, "feedfacefeedface", age_hours=1)

    call_command("media_sweep", "--dry-run")
    assert "deadbeefdeadbeef" in capsys.readouterr().out
    assert old_orphan.exists()

    result = orphan_files_sweep()

    assert result.deleted and [Path(p).name for p in result.orphans] == ["deadbeefdeadbeef"]
    assert not old_orphan.exists()
    assert fresh_orphan.exists(), "a file younger than the grace period may belong to a running request"
    assert Path(kept.file.path).exists()
    assert AuditEntry.objects.filter(action="cases.orphan_files_deleted").count() == 1
    assert audit_verify().is_intact
    assert orphan_files_sweep().orphans == []


def test_a_grace_period_too_short_to_be_safe_is_refused_and_nothing_is_deleted(county):
    application = county.submitted_application()
    kept = ApplicationMaterial.objects.get(application=application)
    fresh_orphan = _leave_behind(
        Path(settings.MEDIA_ROOT) / Path(kept.file.name).parent, "cafecafecafecafe", age_hours=0
    )

    with pytest.raises(CommandError, match="older-than-hours"):
        call_command("media_sweep", "--older-than-hours", "-5")

    assert fresh_orphan.exists() and Path(kept.file.path).exists()
