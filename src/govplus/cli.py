"""The `govplus` console command: Django's management commands for this project.

govplus migrate | seed_demo | audit verify | events failed|retry|sweep | run_huey | runserver | ...
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    root = Path(__file__).resolve().parent.parent.parent
    if (root / "config").is_dir():
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["govplus", *sys.argv[1:]])


if __name__ == "__main__":
    main()
