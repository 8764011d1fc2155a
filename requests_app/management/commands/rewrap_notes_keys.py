from django.core.management.base import BaseCommand, CommandError

from requests_app import workflow


class Command(BaseCommand):
    help = (
        "Wrap every partnership's notes key again under the first key in "
        "NOTES_ENCRYPTION_KEY, so an older key can then be removed from the setting. "
        "The notes themselves are not re-encrypted."
    )

    def handle(self, *args, **options) -> None:
        rewrapped, unreadable = workflow.rewrap_notes_keys()
        self.stdout.write(f"Wrapped {rewrapped} notes key(s) under the first key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} notes key(s) could not be unwrapped by any key in "
                "NOTES_ENCRYPTION_KEY and were left as they are: put the key they were "
                "wrapped with back in the setting (after the first) and run this again."
            )
