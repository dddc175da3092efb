"""Each request keeps its community's code (``Case.region_code``): the staff scope and the place filter
read a range of its indexes instead of joining the regions (all requests by time; the open ones by
category, for the queues and their kind and topic filters). Existing requests take the code of their
community; a request's community never changes after it is filed."""

from django.db import migrations, models

BACKFILL = """
UPDATE cases_case SET region_code = (SELECT r.code FROM regions_region r WHERE r.id = cases_case.region_id)
WHERE region_code = ''
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_open_due_index")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="region_code",
            field=models.CharField(default="", editable=False, max_length=15, verbose_name="所在社区代码"),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=False),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["region_code", "received_at"], name="case_region_time"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["accepted", "dispatched", "in_progress", "received", "replied", "returned", "review"])
                ),
                fields=["region_code", "category"],
                name="case_region_open",
            ),
        ),
    ]
