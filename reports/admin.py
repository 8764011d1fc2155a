from django.contrib import admin
from django.http import HttpRequest

from reports.models import ExportRecord


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    """Who downloaded which export and when: for superusers only, and never changed."""

    list_display = ["at", "who_label", "kind", "fmt", "period_start", "period_end", "rows"]
    list_filter = ["kind", "fmt", ("at", admin.DateFieldListFilter)]
    fields = (
        "who",
        "who_label",
        "at",
        "kind",
        "fmt",
        "period_start",
        "period_end",
        "filters",
        "rows",
    )
    readonly_fields = fields
    date_hierarchy = "at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
