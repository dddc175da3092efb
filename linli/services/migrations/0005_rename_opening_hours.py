"""One name per meaning: a service's and a resource's weekly schedule is ``opening_hours``, as a
facility's is."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("services", "0004_uniqueness_constraints")]

    operations = [
        migrations.RenameField("service", "weekly_hours", "opening_hours"),
        migrations.RenameField("resource", "weekly_hours", "opening_hours"),
    ]
