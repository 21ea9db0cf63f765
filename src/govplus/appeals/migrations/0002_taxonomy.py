"""Every installation starts with the official taxonomy of appeals (data/taxonomy.csv)."""

from django.db import migrations


def load(apps, schema_editor):
    from govplus.appeals.taxonomy import first_level_defaults, taxonomy_codes

    category = apps.get_model("appeals", "Category")
    defaults = first_level_defaults()
    by_code = {}
    for code, name, level, parent in taxonomy_codes():
        top = by_code[code[:2]] if level > 1 else None
        first = defaults.get(name, {}) if level == 1 else {}
        by_code[code] = category.objects.create(
            code=code,
            name=name,
            name_en=str(first.get("en", "")),
            level=level,
            parent=by_code.get(parent),
            reply_days=top.reply_days if top else int(first.get("reply_days", 15)),
            urgent_reply_days=top.urgent_reply_days if top else int(first.get("urgent_reply_days", 3)),
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
