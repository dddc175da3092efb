from django.contrib import admin

from linli.core.admin import ScopedAdmin
from linli.regions.models import Region


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "urban_rural", "valid_from", "valid_to", "source")
    list_filter = ("level", "urban_rural")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
