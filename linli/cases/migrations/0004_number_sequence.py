"""PostgreSQL: the sequence request numbers are drawn from (no hot counter row under concurrent intake)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS cases_case_number_seq")
    schema_editor.execute(
        "SELECT setval('cases_case_number_seq', (SELECT COALESCE(max(last), 0) + 1 FROM cases_casecounter))"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS cases_case_number_seq")


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_category_public")]
    operations = [migrations.RunPython(forwards, backwards)]
