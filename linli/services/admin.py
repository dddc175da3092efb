"""Services admin: the catalogues (taxonomy, service items, negative list) are edited here; the directory,
needs, resources, projects and applications are scoped like everywhere."""

from django.contrib import admin

from linli.core.admin import ScopedAdmin
from linli.services.models import (
    Application,
    ExcludedTask,
    Need,
    Project,
    Resource,
    Service,
    ServiceItem,
    TaxonomyTerm,
)


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent", "sort")
    search_fields = ("name", "code")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "department", "level", "time_limit_days", "fully_online", "active")
    list_filter = ("level", "fully_online", "active")
    search_fields = ("name", "code")


@admin.register(ExcludedTask)
class ExcludedTaskAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "handled_by")
    list_filter = ("kind",)


@admin.register(Service)
class ServiceAdmin(ScopedAdmin):
    list_display = ("name", "kind", "category", "region", "capacity", "status")
    list_filter = ("kind", "status", "category")
    search_fields = ("name",)
    raw_id_fields = ("region", "provider", "facility")
    readonly_fields = ("rating_count", "rating_good")


@admin.register(Need)
class NeedAdmin(ScopedAdmin):
    list_display = ("category", "region", "source", "urgency", "status", "created_at")
    list_filter = ("status", "source", "urgency")
    raw_id_fields = ("person", "region", "matched_service", "matched_resource", "booking")


@admin.register(Resource)
class ResourceAdmin(ScopedAdmin):
    list_display = ("name", "kind", "offered_by", "region", "capacity", "matched", "status")
    list_filter = ("kind", "offered_by", "status")
    raw_id_fields = ("region", "organisation")
    readonly_fields = ("matched",)


@admin.register(Project)
class ProjectAdmin(ScopedAdmin):
    list_display = ("name", "region", "funding_source", "budget", "stage")
    list_filter = ("funding_source", "stage")
    raw_id_fields = ("region", "implementer")
    filter_horizontal = ()


@admin.register(Application)
class ApplicationAdmin(ScopedAdmin):
    list_display = ("number", "item", "region", "status", "created_at")
    list_filter = ("status", "item")
    raw_id_fields = ("person", "region")
