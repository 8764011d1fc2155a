from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from mentoring.outbox import services
from mentoring.outbox.models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """Who was emailed, what kind of email and when: never what it said (emails can
    carry what was said in mentoring, such as a reason for cancelling)."""

    list_display = ("kind", "recipient", "state", "attempts", "created_at", "sent_at")
    list_filter = ("state", "kind")
    search_fields = ("recipient",)
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    fields = (
        "kind",
        "recipient",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "failed_at",
        "purged_at",
        "last_error",
    )
    readonly_fields = fields
    actions = ["send_again"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Email | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Email | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Email]:
        return (
            super()
            .get_queryset(request)
            .only(*self.fields, "pk")  # the content is never read into admin
        )

    @admin.action(description="Send the selected failed emails again", permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Email]) -> None:
        queued = services.resend(queryset)
        skipped = queryset.count() - queued
        self.message_user(request, f"{queued} email(s) queued to be sent again.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} email(s) were not failed, or their content was already deleted, "
                "so they were left alone.",
                messages.WARNING,
            )
