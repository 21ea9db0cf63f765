"""`govplus appeals evaluate`: one JSON object with the issue's keys, and clear errors for bad files."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

TOPICS = {
    "教育文体": ["小学入学学位", "学校收费", "教师待遇", "幼儿园招生", "体育场馆开放"],
    "交通运输": ["公交线路调整", "出租车拒载", "道路拥堵", "停车位不足", "公交站台损坏"],
    "环境保护": ["工厂排放废气", "河道污染发臭", "夜间施工噪音", "垃圾焚烧异味", "污水直排"],
}


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


def _rows(seed: int, count: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.choice(sorted(TOPICS))
        place = rng.choice(["武康街道", "新市镇", "乾元镇", "莫干山镇", "舞阳街道"])
        ask = rng.choice(["请尽快处理", "希望有关部门解决", "已经反映过多次"])
        rows.append((f"{place}{rng.randint(1, 99)}号附近{rng.choice(TOPICS[label])}的问题，{ask}", label))
    return rows


def test_it_prints_the_figures_as_one_json_object(tmp_path, capsys):
    train = _write(tmp_path / "train.csv", _rows(1, 120))
    test = _write(tmp_path / "test.csv", _rows(2, 40))
    call_command("appeals", "evaluate", "--train", str(train), "--test", str(test))
    figures = json.loads(capsys.readouterr().out)
    assert {"macro_f1", "accuracy", "per_class", "classify_per_second", "train_seconds"} <= set(figures)
    assert set(figures["per_class"]) == set(TOPICS) and figures["macro_f1"] > 0.9  # an easy, separable set
    assert figures["classify_per_second"] > 0


def test_a_missing_column_or_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("content,label\n小区路灯坏了,城乡建设\n", encoding="utf-8")
    with pytest.raises(CommandError, match="text"):
        call_command("appeals", "evaluate", "--train", str(bad), "--test", str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("appeals", "evaluate", "--train", str(tmp_path / "none.csv"), "--test", str(bad))


def test_train_prints_the_new_models_figures_and_whether_it_replaced_the_active_one(county, tmp_path, capsys):
    from govplus.appeals.models import ClassifierModel
    from govplus.appeals.taxonomy import taxonomy_load

    taxonomy_load()
    history = _write(tmp_path / "history.csv", _rows(3, 150))
    call_command("appeals", "train", "--csv", str(history))
    first = json.loads(capsys.readouterr().out)
    assert first["activated"] is True and first["active_model_on_same_slice"] is None
    assert first["trained_on"] + first["held_out"] == 150 and first["macro_f1"] > 0.9
    call_command("appeals", "train", "--csv", str(history))
    second = json.loads(capsys.readouterr().out)
    assert second["active_model_on_same_slice"]["macro_f1"] == first["macro_f1"]  # judged on the same slice
    assert second["activated"] is (second["macro_f1"] > first["macro_f1"])
    assert ClassifierModel.objects.filter(is_active=True).count() == 1
    with pytest.raises(CommandError, match="too few labelled"):
        call_command("appeals", "train", "--csv", str(_write(tmp_path / "tiny.csv", _rows(4, 3))))
