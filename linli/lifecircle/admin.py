from django.contrib import admin

from linli.lifecircle.models import CircleRule, CircleStandard, LifeCircleSettings, RoadNetwork


@admin.register(CircleStandard)
class CircleStandardAdmin(admin.ModelAdmin):
    list_display = ["type", "minutes", "group", "basis"]
    list_editable = ["minutes", "group"]
    list_filter = ["minutes", "group"]


@admin.register(CircleRule)
class CircleRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "min_share", "goal_urban", "goal_rural"]
    filter_horizontal = ["types"]


@admin.register(LifeCircleSettings)
class LifeCircleSettingsAdmin(admin.ModelAdmin):
    list_display = ["walking_speed", "detour_factor", "rural_minutes", "rural_mode"]


@admin.register(RoadNetwork)
class RoadNetworkAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "region",
        "source",
        "node_count",
        "edge_count",
        "length_km",
        "active",
        "created_at",
    ]
    exclude = ["data"]
    readonly_fields = ["node_count", "edge_count", "length_km"]
