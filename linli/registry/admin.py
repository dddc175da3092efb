"""Registry admin. ID and phone numbers stay masked here too (SensitiveValue prints masked)."""

from django.contrib import admin

from linli.core.admin import ScopedAdmin
from linli.registry.models import Building, Household, Organisation, Person, PersonTag, Staff, Training


class TagInline(admin.TabularInline):
    model = PersonTag
    extra = 0


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    list_display = ("name", "masked_id", "sex", "birth_date", "region", "status")
    list_filter = ("status", "residence_type", "sex")
    search_fields = ("name",)
    raw_id_fields = ("household", "region")
    exclude = ("id_number", "phone")
    readonly_fields = ("masked_id", "masked_phone")
    inlines = [TagInline]

    @admin.display(description="身份证号")
    def masked_id(self, obj: Person) -> str:
        return str(obj.id_number or "")

    @admin.display(description="联系电话")
    def masked_phone(self, obj: Person) -> str:
        return str(obj.phone or "")


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("code", "address", "region")
    search_fields = ("code", "address")
    raw_id_fields = ("region", "building")


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "region", "lat", "lon")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    raw_id_fields = ("region", "parent")


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ("name", "kind", "region", "credit_code")
    list_filter = ("kind",)
    search_fields = ("name",)
    raw_id_fields = ("region",)


class TrainingInline(admin.TabularInline):
    model = Training
    extra = 0


@admin.register(Staff)
class StaffAdmin(ScopedAdmin):
    list_display = ("name", "kind", "post", "region", "certificate_level", "active")
    list_filter = ("kind", "certificate_level")
    raw_id_fields = ("region", "organisation")
    filter_horizontal = ("grids",)
    exclude = ("phone",)
    inlines = [TrainingInline]
