"""Admin: every list goes through linli.core.scope, like the pages and the API; the audit log is read-only.

django-axes registers its own lists (access attempts, failures, sign-ins): deleting an account's access
attempts there lifts its login lockout, as the 账号管理 page does (which also writes the audit log).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from linli.core.models import ApiToken, AuditLog, ImportRun, User
from linli.core.scope import scoped


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose queryset is the account's data scope (the same function pages and API use)."""

    def get_queryset(self, request: HttpRequest) -> Any:
        return scoped(super().get_queryset(request), request.user)


@admin.register(User)
class LinliUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "region", "organisation", "is_active")
    list_filter = ("role", "is_active", "must_change_password")
    search_fields = ("username", "display_name")
    raw_id_fields = ("region", "organisation", "person")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "邻里",
            {"fields": ("display_name", "role", "region", "organisation", "person", "must_change_password")},
        ),
    )


@admin.register(AuditLog)
class AuditLogAdmin(ScopedAdmin):
    list_display = (
        "at",
        "actor_name",
        "action",
        "subject_label",
        "field",
        "reason",
        "row_count",
        "client_ip",
    )
    list_filter = ("action",)
    search_fields = ("actor_name", "subject_label", "reason")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ScopedAdmin):
    list_display = ("started_at", "kind", "filename", "actor", "status", "rows", "created", "errors_total")
    list_filter = ("kind", "status")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
