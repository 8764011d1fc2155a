"""manage.py seed_demo [--mentors N]: demo mentors with headshots, three demo logins, and a
partnership made through the workflow (so it has its history).

It lives here, not in register, because it reaches both apps and register does not
import requests_app. Safe to run again: rows are matched by email and photos by file
name, and the partnership is made only when its mentor has none, so a second run
creates nothing and changes no password or photo.
"""

from django.core.management.base import BaseCommand, CommandError

from register import demo
from requests_app import demo as requests_demo


class Command(BaseCommand):
    help = "Create demo reference data, published mentors with headshots and three demo logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--mentors",
            type=int,
            default=24,
            help=f"How many published mentors to create or update (1 to {demo.MAX_MENTORS}).",
        )

    def handle(self, *args, mentors: int, **options) -> None:
        if not 1 <= mentors <= demo.MAX_MENTORS:
            raise CommandError(
                f"--mentors must be between 1 and {demo.MAX_MENTORS}, not {mentors}."
            )
        result = requests_demo.seed(mentors)
        counts = result.mentors
        photos = result.photos
        self.stdout.write(
            self.style.SUCCESS(
                f"Mentors: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged."
            )
        )
        files = "file" if photos.written == 1 else "files"
        self.stdout.write(
            f"Headshots: {photos.written} {files} written, {photos.skipped} already there."
        )
        self.stdout.write(f"Took {result.seconds:.1f} s.")
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password: {demo.DEMO_PASSWORD})")
        )
        notes = {"admin": "   (Django admin at /admin/)"}
        for login in result.logins:
            new = " (new)" if login.created else ""
            self.stdout.write(f"  {login.role:<8} {login.email}{notes.get(login.role, '')}{new}")
