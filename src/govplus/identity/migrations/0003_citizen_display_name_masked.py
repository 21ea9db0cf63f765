"""Citizens' display names held their full legal name in plain text beside the encrypted profile:
replace each with the masked name (王晓明 -> 王**). The full name stays in CitizenProfile, encrypted."""

from django.db import migrations


def mask_citizen_display_names(apps, schema_editor):
    from govplus.core.crypto import decrypt_text, mask_name

    CitizenProfile = apps.get_model("identity", "CitizenProfile")
    User = apps.get_model("identity", "User")
    for profile in CitizenProfile.objects.all().iterator():
        masked = mask_name(decrypt_text(profile.name_encrypted))
        User.objects.filter(pk=profile.user_id).exclude(display_name=masked).update(display_name=masked)


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_department_name_en")]

    operations = [migrations.RunPython(mask_citizen_display_names, migrations.RunPython.noop)]
