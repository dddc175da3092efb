"""The open requests by deadline (the queues' index), and on PostgreSQL the statistics that tell the
planner overdue requests are open ones: without them it multiplies the two columns' shares and expects
a fifteenth of the overdue requests, and sorts the region's instead of reading the index."""

from django.db import migrations, models


def statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE STATISTICS IF NOT EXISTS case_status_overdue (mcv) ON status, overdue FROM cases_case")
    schema_editor.execute("ANALYZE cases_case")


def statistics_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS case_status_overdue")


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_sweep_indexes")]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(
                    ("status__in", ["accepted", "dispatched", "in_progress", "received", "replied", "returned", "review"])
                ),
                fields=["resolve_due", "id"],
                name="case_open_due",
            ),
        ),
        migrations.RunPython(statistics, statistics_drop),
    ]
