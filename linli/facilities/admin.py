"""Facilities admin: the type catalogue is edited here; facilities and attestations are scoped like everywhere."""

from django.contrib import admin

from linli.core.admin import ScopedAdmin
from linli.facilities.models import ChecklistAttestation, Facility, FacilityType


@admin.register(FacilityType)
class FacilityTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "sort", "active")
    list_filter = ("category", "active")
    search_fields = ("name", "code")


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin):
    list_display = (
        "name",
        "code",
        "type",
        "region",
        "building_area",
        "hours_per_week",
        "short_days",
        "status",
    )
    list_filter = ("status", "type__category")
    search_fields = ("name", "code", "address")
    raw_id_fields = ("region", "operator")
    readonly_fields = ("hours_per_week", "short_days")


@admin.register(ChecklistAttestation)
class ChecklistAttestationAdmin(ScopedAdmin):
    list_display = ("region", "item", "met", "attested_on", "attested_by_name")
    list_filter = ("item", "met")
    raw_id_fields = ("region",)
    readonly_fields = ("attested_by",)
