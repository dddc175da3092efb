from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lifecircle", "0003_access_without_db_constraints")]

    operations = [
        migrations.AddField(
            model_name="coverage",
            name="within_15",
            field=models.PositiveIntegerField(default=0, verbose_name="步行15分钟内人数"),
        ),
    ]
