"""One name per meaning: ``opening_hours`` is the weekly schedule, ``hours_per_week`` its total."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("facilities", "0003_hours_flag_and_attestation")]

    operations = [
        migrations.RenameField("facility", "weekly_hours", "hours_per_week"),
    ]
