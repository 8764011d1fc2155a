import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")

app = Celery("mentoring")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the scheme, in one place.
app.conf.beat_schedule = {
    # Send every email still owed: those whose first try failed or was never queued
    # (a worker killed after a commit, the broker down or emptied), and retries due.
    "send-owed-emails": {
        "task": "mentoring.outbox.tasks.send_emails",
        "schedule": crontab(minute="*"),
    },
    # Delete the text of emails past the scheme's retention period (who and when stay).
    "purge-sent-email-content": {
        "task": "requests_app.tasks.purge_sent_email_content",
        "schedule": crontab(hour=3, minute=40),
    },
    # Reject requests that passed their answer deadline; catches up after downtime.
    "expire-overdue-requests": {
        "task": "requests_app.tasks.expire_overdue_requests",
        "schedule": crontab(minute="*/15"),
    },
    # Remind mentors of requests with 2 working days left; hourly so it is sent in the day.
    "remind-mentors": {
        "task": "requests_app.tasks.remind_mentors",
        "schedule": crontab(minute=5),
    },
    # Lapse waiting-list offers past their deadline and offer free places to the next
    # in line (events that free a place also run it at once, for their mentor).
    "offer-waiting-list-places": {
        "task": "requests_app.tasks.offer_waiting_list_places",
        "schedule": crontab(minute="7-59/15"),
    },
    # Complete partnerships whose sessions are used up or whose window has passed.
    "complete-finished-partnerships": {
        "task": "requests_app.tasks.complete_finished_partnerships",
        "schedule": crontab(minute=20),
    },
    # Remind people once about feedback surveys left unanswered for a week.
    "remind-unanswered-feedback": {
        "task": "requests_app.tasks.remind_unanswered_feedback",
        "schedule": crontab(hour=10, minute=0),
    },
    # Remind both sides of each planned meeting about a day before it starts. Hourly, so
    # it goes at much the hour of the meeting; a run after downtime catches up on meetings
    # still more than two hours away, and each meeting is reminded once per start time.
    "remind-meetings": {
        "task": "requests_app.tasks.remind_meetings",
        "schedule": crontab(minute=25),
    },
    # Mentees still without a mentor: ask once, after the scheme's days since sign-up,
    # whether they still want one; then remind once those who never asked anyone (a
    # mentee due both is only asked). Each is sent once however often they run.
    "check-in-with-waiting-mentees": {
        "task": "requests_app.tasks.check_in_with_waiting_mentees",
        "schedule": crontab(hour=10, minute=15),
    },
    "remind-mentees-without-request": {
        "task": "requests_app.tasks.remind_mentees_without_request",
        "schedule": crontab(hour=10, minute=20),
    },
    # Work out this month's, quarter's and year's scheme figures for the figures page,
    # so its first look at a standard period reads them ready (kept two minutes).
    "refresh-scheme-figures": {
        "task": "reports.tasks.refresh_scheme_figures",
        "schedule": crontab(minute="*"),
        # A run still queued when the next is due is dropped: after downtime the worker
        # works the figures out once, not once for every minute it missed.
        "options": {"expires": 55},
    },
    # Remove photos staged by bulk-upload dry runs that nobody confirmed within a day.
    "discard-stale-uploads": {
        "task": "register.tasks.discard_stale_uploads",
        "schedule": crontab(hour=3, minute=10),
    },
    # Anonymise accounts unused beyond the retention period and clear old mentee free text.
    "anonymise-inactive-accounts": {
        "task": "accounts.tasks.anonymise_inactive_accounts",
        "schedule": crontab(hour=3, minute=30),
    },
    # Email the scheme inbox last month's figures with the spreadsheet, at 07:00 on the
    # 1st. It runs every morning: once the month's summary is queued a run does nothing,
    # so a 1st missed while the workers were down is caught up the next morning.
    "email-monthly-summary": {
        "task": "reports.tasks.email_monthly_summary",
        "schedule": crontab(hour=7, minute=0),
    },
}


@app.on_after_configure.connect
def make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """The filesystem transport needs its folders to exist before it starts."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    if not getattr(settings, "REDIS_URL", ""):
        Path(settings.CELERY_DATA_DIR).mkdir(parents=True, exist_ok=True)
