from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import DataEvent, MenteeProfile, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]


@admin.register(MenteeProfile)
class MenteeProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "training_status", "grade", "school", "trust", "created_at"]
    list_filter = ["training_status", "school", "grade"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "grade", "school", "trust"]
    autocomplete_fields = ["user"]
    readonly_fields = ["privacy_consent_at", "created_at", "updated_at"]


@admin.register(DataEvent)
class DataEventAdmin(admin.ModelAdmin):
    list_display = ["user_label", "kind", "at"]
    list_filter = ["kind"]
    readonly_fields = ["user", "user_label", "kind", "at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.site_header = f"{settings.SERVICE_NAME}: scheme administration"
admin.site.site_title = "Scheme administration"
admin.site.index_title = "Run the scheme"
