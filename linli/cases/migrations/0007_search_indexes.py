# Bigram indexes for the requests' search box (``linli.core.search``; PostgreSQL only).

from django.db import migrations

from linli.core.search import bigram_index


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_photos_reencode"), ("core", "0007_bigram_search")]

    operations = [
        bigram_index("cases_case", "number"),
        bigram_index("cases_case", "description"),
        bigram_index("cases_case", "address"),
    ]
