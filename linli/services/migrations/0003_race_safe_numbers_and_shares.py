"""Numbers and shares that hold under concurrency.

- 办件编号: PostgreSQL draws the serial from the sequence ``services_application_number_seq``;
  elsewhere a counter row per day (``ApplicationCounter``). Both start after the numbers already
  given, so no new number can meet an old one.
- 社区资源: ``matched`` counts the needs a resource answers (matched or served), so that a share is
  taken by one conditional update. A resource already matched beyond its capacity (possible before,
  when two matches raced) has its capacity raised to what it answers: the CHECK ``matched <= capacity``
  then holds, and nothing that happened is forgotten.
"""

import datetime as dt
import re

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Greatest

SEQUENCE = "services_application_number_seq"
NUMBER = re.compile(r"^YC(\d{8})(\d{5})$")


def shares_count(apps, schema_editor):
    Need = apps.get_model("services", "Need")
    Resource = apps.get_model("services", "Resource")
    used = (
        Need.objects.filter(matched_resource__isnull=False, status__in=["matched", "served"])
        .values("matched_resource")
        .annotate(n=Count("id"))
    )
    for row in used:
        Resource.objects.filter(pk=row["matched_resource"]).update(
            matched=row["n"], capacity=Greatest("capacity", row["n"])
        )


def number_start(apps, schema_editor):
    Application = apps.get_model("services", "Application")
    if schema_editor.connection.vendor == "postgresql":
        table = schema_editor.quote_name(Application._meta.db_table)
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
        schema_editor.execute(
            f"SELECT setval('{SEQUENCE}', COALESCE((SELECT max(substr(number, 11)::int) FROM {table} "
            "WHERE number ~ '^YC[0-9]{13}$'), 0) + 1, false)"
        )
        return
    Counter = apps.get_model("services", "ApplicationCounter")
    last: dict[str, int] = {}
    for number in Application.objects.filter(number__startswith="YC").values_list("number", flat=True).iterator():
        match = NUMBER.match(number)
        if match:
            last[match[1]] = max(last.get(match[1], 0), int(match[2]))
    Counter.objects.bulk_create(
        Counter(day=dt.date(int(d[:4]), int(d[4:6]), int(d[6:])), last=n) for d, n in sorted(last.items())
    )


def number_sequence_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("services", "0002_catalogues")]

    operations = [
        migrations.CreateModel(
            name="ApplicationCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True, verbose_name="日期")),
                ("last", models.PositiveIntegerField(default=0, verbose_name="当日最后序号")),
            ],
            options={
                "verbose_name": "办件编号计数",
                "verbose_name_plural": "办件编号计数",
                "ordering": ["day"],
            },
        ),
        migrations.AddField(
            model_name="resource",
            name="matched",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="已对接需求数"),
        ),
        migrations.RunPython(shares_count, migrations.RunPython.noop),
        migrations.RunPython(number_start, number_sequence_drop),
    ]
