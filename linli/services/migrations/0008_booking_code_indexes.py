"""The indexes of the bookings' kept region codes (see 0007): a region's bookings, newest first, as
its residents' and as its services'."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("services", "0007_booking_codes")]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["region_code", "created_at"], name="booking_region_time"),
        ),
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(fields=["provider_code", "created_at"], name="booking_provider_time"),
        ),
    ]
