"""Administration of the catalogues: categories, dispatch catalogue, time limits, holidays."""

from django.contrib import admin

from linli.cases.models import Category, DispatchRule, Holiday, RoutingModel, TimeLimit


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "response_hours",
        "resolve_hours",
        "resolve_days",
        "working_days",
        "remind_before_hours",
    ]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "subject", "time_limit", "active"]
    list_filter = ["kind", "active", "time_limit"]
    search_fields = ["code", "subject", "keywords"]


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "unit_level", "unit_region", "organisation"]
    list_filter = ["category__subject"]
    raw_id_fields = ["region", "unit_region", "organisation"]


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    list_display = ["trained_at", "samples"]
    exclude = ["category_model", "unit_model"]
