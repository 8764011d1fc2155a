from django.contrib import admin

from register.models import Grade, MentorProfile, School, Trust, VirtualPlatform


class ReferenceDataAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name"]


admin.site.register(Grade, ReferenceDataAdmin)
admin.site.register(School, ReferenceDataAdmin)
admin.site.register(VirtualPlatform, ReferenceDataAdmin)


@admin.register(Trust)
class TrustAdmin(ReferenceDataAdmin):
    list_display = ["name", "region", "is_active", "position"]
    list_filter = ["region"]


@admin.register(MentorProfile)
class MentorProfileAdmin(admin.ModelAdmin):
    list_display = ["full_name", "grade", "school", "trust", "status", "capacity", "is_paused"]
    list_filter = ["status", "is_paused", "school", "grade", "trust", "gender"]
    search_fields = ["first_name", "last_name", "email", "interests", "motivation"]
    list_select_related = ["grade", "school", "trust"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["virtual_platforms"]
    readonly_fields = [
        "register_consent_at",
        "framework_confirmed_at",
        "invited_at",
        "submitted_at",
        "published_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["invitation_nonce"]
    fieldsets = [
        (
            "About me",
            {
                "fields": [
                    "status",
                    "first_name",
                    "last_name",
                    "email",
                    "grade",
                    "school",
                    "trust",
                    "gender",
                    "pronouns",
                    "photo",
                    "photo_thumbnail",
                ]
            },
        ),
        (
            "Experience",
            {
                "fields": [
                    "supportt_experience",
                    "time_away_experience",
                    "motivation",
                    "interests",
                ]
            },
        ),
        ("Availability", {"fields": ["available_days", "available_times", "availability_notes"]}),
        (
            "How we can meet",
            {
                "fields": [
                    "meets_face_to_face",
                    "face_to_face_location",
                    "meets_virtually",
                    "virtual_platforms",
                ]
            },
        ),
        ("Contact", {"fields": ["contact_email", "contact_phone", "contact_notes"]}),
        ("Taking requests", {"fields": ["capacity", "is_paused"]}),
        (
            "Login and dates",
            {
                "fields": [
                    "user",
                    "register_consent_at",
                    "framework_confirmed_at",
                    "invited_at",
                    "submitted_at",
                    "published_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
