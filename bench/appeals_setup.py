"""Set-up of the appeals intake benchmark (not timed): the taxonomy, a partner app with the key
`bench-open311-key`, the demo's year of appeals (which trains the classifier), and form bodies of new
appeals for wrk (`$BENCH_VAR/work/appeal-*.form`, the Open311 POST's fields). Prints what it made."""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
import django  # noqa: E402

django.setup()

from govplus.appeals.models import Category, ClassifierModel, Partner  # noqa: E402
from govplus.appeals.partners import partner_issue  # noqa: E402
from govplus.core.crypto import lookup_hash  # noqa: E402
from govplus.demo.appeals_history import SPOTS, TEMPLATES, demo_appeals_create  # noqa: E402

KEY = "bench-open311-key"
WORK = Path(os.environ.get("BENCH_VAR", "/tmp/govplus-bench")) / "work"


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    demo_appeals_create(size=1500, log=lambda _line: None)
    if not Partner.objects.filter(key_hash=lookup_hash(KEY)).exists():
        partner_issue(actor=None, name="bench app", key=KEY)
    rng = random.Random(3)
    services = {c.parent.name: c.code for c in Category.objects.filter(level=2).select_related("parent")}
    for old in WORK.glob("appeal-*.form"):
        old.unlink()
    for n in range(200):
        first = rng.choice(sorted(TEMPLATES))
        text = rng.choice(TEMPLATES[first][1]).format(place="武康街道", spot=rng.choice(SPOTS), days=rng.randint(3, 40))
        form = {
            "api_key": KEY,
            "service_code": services[first],
            "description": f"{text}（第 {n} 号来信）",
            "address_string": f"武康街道{rng.randint(1, 300)}号",
        }
        (WORK / f"appeal-{n:03d}.form").write_text(urlencode(form), encoding="ascii")
    model = ClassifierModel.objects.filter(is_active=True).first()
    print(json.dumps({"forms": 200, "model": model.pk if model else None, "key": KEY}))


if __name__ == "__main__":
    main()
