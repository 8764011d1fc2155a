from django.core.management.base import BaseCommand

from requests_app import workflow


class Command(BaseCommand):
    help = (
        "Close pending requests whose answer deadline has passed and email both sides "
        "(the same code the scheduled job runs every 15 minutes)."
    )

    def handle(self, *args, **options) -> None:
        expired = workflow.expire_overdue_requests()
        self.stdout.write(f"Expired {expired} overdue request(s).")
