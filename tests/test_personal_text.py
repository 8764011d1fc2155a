"""The one list of what people write (privacy/personal_text.py), and erasure that
leaves nothing of a person anywhere in the database."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from accounts.models import DataEvent
from mentoring.outbox.models import Email, EmailState
from privacy import personal_text
from privacy.personal_data import (
    anonymise_inactive_accounts,
    collect_user_data,
    erase_account,
)
from register.models import MentorProfile
from requests_app import workflow
from requests_app.models import (
    EndReason,
    ExtensionRequest,
    Feedback,
    MatchApplication,
    Meeting,
    MentoringRequest,
    Partnership,
    RequestState,
    WaitingListEntry,
)
from scheme.models import SchemeSettings
from tests.factories import (
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")
START = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday


# --- The list itself ---------------------------------------------------------------


def test_every_text_field_of_our_models_is_listed_as_personal_or_not():
    """A new CharField or TextField must be decided on: personal (with its owner) or not."""
    fields = personal_text.text_fields()
    listed = {entry.label for entry in personal_text.PERSONAL_TEXT}
    undecided = fields - listed - set(personal_text.NOT_PERSONAL_TEXT)

    assert not undecided, (
        f"{sorted(undecided)}: text field(s) in neither list of privacy/personal_text.py. "
        "If a person can write in it (or it names someone), add a PersonalText to "
        "PERSONAL_TEXT with the path to whoever wrote it, who else it is shown to or is "
        "about, and the date its retention period counts from: export, erasure and the "
        "retention job then handle it. If it can hold nothing about a person (a state, a "
        "choice, a code, a hash), add it to NOT_PERSONAL_TEXT with the reason."
    )
    every_field = {
        f"{model._meta.label}.{field.name}"
        for app in personal_text.CHECKED_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
    }
    gone = (listed | set(personal_text.NOT_PERSONAL_TEXT)) - every_field
    assert not gone, f"{sorted(gone)} are listed in privacy/personal_text.py but do not exist"
    assert personal_text.registry_problems() == []


def test_the_list_holds_what_the_issue_named():
    listed = {entry.label for entry in personal_text.PERSONAL_TEXT}

    assert {
        "requests_app.Partnership.end_note",
        "requests_app.Meeting.cancellation_reason",
        "requests_app.ExtensionRequest.reason",
        "requests_app.Feedback.comment",
        "requests_app.MentorNote.ciphertext",
    } <= listed


# --- A whole history, then erasure ----------------------------------------------------


def texts(role: str) -> dict[str, str]:
    """Words only this person wrote, each unlike anything else in the database."""
    tag = {"mentee": "Zq7", "mentor": "Vx4"}[role]
    written = {
        "message": f"{tag} I would like to talk about returning after my sabbatical in Tromso",
        "answer": f"{tag} Delighted to help, I returned from Svalbard myself",
        "frequency": f"{tag} fortnightly on Thursdays",  # the mentor's replaces it
        "boundaries": f"{tag} texts to my personal phone before eight",  # the mentee's stays
        "cancel": f"{tag} my daughter has chickenpox this week",
        "extension": f"{tag} we still have the rota negotiation to work through",
        "feedback": f"{tag} the sessions helped me plan my phased return",
        "end_note": f"{tag} we did not get on; they kept cancelling at short notice",
        "note": f"{tag} private thought about the rota and the college tutor",
        "pending": f"{tag} another request waiting for an answer",
    }
    if role == "mentor":
        return written
    # What only a mentee writes: an application to be matched and a meeting's agenda.
    return {
        **written,
        "aims": f"{tag} to feel ready for my first on-call rota in Tromso",
        "help_areas": f"{tag} confidence with the night team",
        "availability": f"{tag} Wednesday evenings after the school run",
        "mentor_wishes": f"{tag} someone who came back after a long break",
        "avoid": f"{tag} anyone from the Tromso outreach clinic",
        "agenda": f"{tag} first, the rota; then how to tell my supervisor",
    }


@pytest.fixture
def people(db, scheme_admin):
    """A mentee and a mentor with distinctive names and addresses, and others around them."""
    SchemeSettings.objects.update_or_create(pk=1, defaults={"sessions_per_partnership": 2})
    mentee = UserFactory(
        verified=True,
        email="zephyrine.quillfeather@example.nhs.uk",
        first_name="Zephyrine",
        last_name="Quillfeather",
    )
    MenteeProfileFactory(user=mentee, pronouns="xe/xem")
    mentor = MentorProfileFactory(
        with_login=True,
        email="octavian.brackenbury@example.nhs.uk",
        first_name="Octavian",
        last_name="Brackenbury",
        pronouns="he/him",
        contact_email="obrackenbury.contact@example.nhs.uk",
        contact_phone="07700 900 461",
        contact_notes="Vx4 WhatsApp after seven is best",
        motivation="Vx4 I found my own return from Svalbard lonely",
        interests="Vx4 bell ringing and fell running",
        availability_notes="Vx4 never on the second Tuesday",
        face_to_face_location="Vx4 Kirkby Lonsdale library",
    ).user
    other_mentee = UserFactory(verified=True, email="other.mentee@example.nhs.uk")
    MenteeProfileFactory(user=other_mentee)
    other_mentor = MentorProfileFactory(with_login=True, email="other.mentor@example.nhs.uk").user
    return {
        "mentee": mentee,
        "mentor": mentor,
        "other_mentee": other_mentee,
        "other_mentor": other_mentor,
        "admin": scheme_admin,
    }


def build_history(people: dict, committed) -> None:
    """Everything both sides can write, through the workflow, with its emails sent."""
    mentee, mentor = people["mentee"], people["mentor"]
    by = {"mentee": texts("mentee"), "mentor": texts("mentor")}
    with time_machine.travel(START, tick=False) as clock, committed():
        WaitingListEntry.objects.create(mentee=mentee, mentor=people["other_mentor"].mentor_profile)
        application = MatchApplication.objects.create(
            mentee=mentee,
            **{
                field: by["mentee"][field]
                for field in ("aims", "help_areas", "availability", "mentor_wishes", "avoid")
            },
        )
        MatchApplication.objects.filter(pk=application.pk).update(state="withdrawn")
        request = workflow.send_request(
            mentee=mentee, mentor_id=mentor.mentor_profile.pk, message=by["mentee"]["message"]
        )
        partnership = workflow.accept_request(
            request_id=request.pk, mentor_user=mentor, message=by["mentor"]["answer"]
        )
        agreed = workflow.Arrangements(
            usual_length_minutes=60,
            frequency=by["mentee"]["frequency"],
            usual_mode="video",
            contact_boundaries=by["mentee"]["boundaries"],
        )
        workflow.confirm_agreement(partnership_id=partnership.pk, user=mentee, arrangements=agreed)
        workflow.confirm_agreement(partnership_id=partnership.pk, user=mentor, arrangements=agreed)
        clock.move_to(START + datetime.timedelta(days=1))
        changed = workflow.Arrangements(
            usual_length_minutes=60,
            frequency=by["mentor"]["frequency"],
            usual_mode="video",
            contact_boundaries=by["mentee"]["boundaries"],
        )
        workflow.change_arrangements(
            partnership_id=partnership.pk, user=mentor, arrangements=changed
        )
        for day, role in [(7, "mentee"), (8, "mentor")]:
            meeting = workflow.plan_meeting(
                partnership_id=partnership.pk,
                user=people[role],
                starts_at=START + datetime.timedelta(days=day),
                duration_minutes=60,
                mode="video",
            )
            workflow.cancel_meeting(
                meeting_id=meeting.pk, user=people[role], reason=by[role]["cancel"]
            )
        held = workflow.plan_meeting(
            partnership_id=partnership.pk,
            user=mentee,
            starts_at=START + datetime.timedelta(days=10),
            duration_minutes=60,
            mode="video",
        )
        Meeting.objects.filter(pk=held.pk).update(agenda=by["mentee"]["agenda"])
        workflow.add_note(
            partnership_id=partnership.pk, mentor_user=mentor, text=by["mentor"]["note"]
        )
        clock.move_to(START + datetime.timedelta(days=10, hours=2))
        workflow.mark_meeting_held(meeting_id=held.pk, user=mentee)  # mid-point: surveys
        for role in ("mentee", "mentor"):
            survey = Feedback.objects.get(partnership=partnership, respondent=people[role])
            workflow.submit_feedback(
                feedback_id=survey.pk,
                user=people[role],
                rating_overall=4,
                rating_felt_heard=5,
                rating_would_recommend=4,
                comment=by[role]["feedback"],
            )
        extension = workflow.request_extension(
            partnership_id=partnership.pk, user=mentee, reason=by["mentee"]["extension"]
        )
        workflow.decline_extension(extension_id=extension.pk, admin_user=people["admin"])
        workflow.request_extension(
            partnership_id=partnership.pk, user=mentor, reason=by["mentor"]["extension"]
        )


def end_and_carry_on(people: dict, erased: str, committed) -> None:
    """The erased person ends the partnership with a note; requests are left pending."""
    partnership = Partnership.objects.get(mentee=people["mentee"])
    with time_machine.travel(START + datetime.timedelta(days=12), tick=False), committed():
        workflow.end_partnership_early(
            partnership_id=partnership.pk,
            user=people[erased],
            reason=EndReason.NO_CLICK,
            note=texts(erased)["end_note"],
        )
        workflow.send_request(
            mentee=people["mentee"],
            mentor_id=people["other_mentor"].mentor_profile.pk,
            message=texts("mentee")["pending"],
        )
        workflow.send_request(
            mentee=people["other_mentee"],
            mentor_id=people["mentor"].mentor_profile.pk,
            message="Could you mentor me after my return?",
        )
        WaitingListEntry.objects.create(
            mentee=people["other_mentee"], mentor=people["mentor"].mentor_profile
        )


def log_admin_actions(people: dict) -> None:
    """What the scheme team did about the two of them, in Django's admin log."""
    mentee, mentor = people["mentee"], people["mentor"]
    admin = people["admin"]
    User = get_user_model()
    for queryset, message in [
        (User.objects.filter(pk__in=[mentee.pk, mentor.pk]), "Changed first name."),
        (MentorProfile.objects.filter(user=mentor), "Sent a login invitation."),
        (
            Partnership.objects.filter(mentee=mentee),
            json.dumps(
                [{"changed": {"name": "meeting", "object": str(mentee), "fields": ["Mode"]}}]
            ),
        ),
        (MentoringRequest.objects.filter(mentee=mentee), "Looked at it."),
    ]:
        LogEntry.objects.log_actions(
            user_id=admin.pk, queryset=queryset, action_flag=CHANGE, change_message=message
        )


def database_text() -> list[tuple[str, str]]:
    """Every value of every column of every table, as (table, text)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview | bytes):
                        value = bytes(value).decode("latin-1")
                    if isinstance(value, str):
                        found.append((table, value))
    return found


def traces(person, written: dict[str, str]) -> dict[str, list[str]]:
    """Where in the database each of these strings still is (case ignored)."""
    needles = [person.email, person.first_name, person.last_name, *written.values()]
    rows = database_text()
    return {
        needle: sorted({table for table, text in rows if needle.lower() in text.lower()})
        for needle in needles
        if any(needle.lower() in text.lower() for _, text in rows)
    }


def written_by(role: str, people: dict) -> dict[str, str]:
    """What this side wrote in build_history and end_and_carry_on, and is still there
    (a private note is kept only encrypted)."""
    words = texts(role)
    if role == "mentee":
        del words["answer"], words["note"], words["frequency"]
        return words
    del words["message"], words["pending"], words["boundaries"], words["note"]
    profile_words = {
        "contact": "obrackenbury.contact@example.nhs.uk",
        "phone": "07700 900 461",
        "contact_notes": "Vx4 WhatsApp after seven is best",
        "motivation": "Vx4 I found my own return from Svalbard lonely",
        "interests": "Vx4 bell ringing and fell running",
        "availability": "Vx4 never on the second Tuesday",
        "location": "Vx4 Kirkby Lonsdale library",
    }
    return words | profile_words


@pytest.mark.parametrize("role", ["mentee", "mentor"])
def test_erasure_leaves_nothing_of_the_person_anywhere_in_the_database(
    people, committed, client, settings, role
):
    build_history(people, committed)
    end_and_carry_on(people, role, committed)
    log_admin_actions(people)
    person = people[role]
    words = written_by(role, people)
    # The history is really there, so the search below means something.
    before = traces(person, words)
    assert set(before) == {person.email, person.first_name, person.last_name, *words.values()}
    assert "django_admin_log" in before[person.last_name]
    assert "outbox_email" in before[person.email]
    assert Email.objects.filter(recipient=person.email, state=EmailState.SENT).exists()

    with time_machine.travel(START + datetime.timedelta(days=13), tick=False), committed():
        erase_account(person)

    assert traces(person, words) == {}
    # The scheme's figures stay: the rows, their dates and states.
    assert Partnership.objects.filter(state="ended_early").count() == 1
    assert Meeting.objects.count() == 3
    assert ExtensionRequest.objects.count() == 2
    assert Feedback.objects.exclude(submitted_at=None).count() == 2
    assert Email.objects.filter(recipient="erased").exists()
    assert not Email.objects.filter(recipient="erased").exclude(body="", subject="").exists()
    # Their pending request was closed and the other side told, without naming them.
    closed = MentoringRequest.objects.exclude(state=RequestState.PENDING).filter(
        answered_at__gte=START + datetime.timedelta(days=13)
    )
    assert closed.count() == 1
    told = Email.objects.filter(
        kind__in=["request_withdrawn_mentor", "request_declined_mentee"],
        created_at__gte=START + datetime.timedelta(days=13),
    ).get()
    assert told.state == EmailState.SENT
    assert told.recipient != "erased"
    # Recent actions on the admin's home page.
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(people["admin"])
    home = client.get(reverse("admin:index")).content.decode()
    assert "Erased account" in home
    assert person.last_name not in home
    assert DataEvent.objects.filter(kind=DataEvent.Kind.ERASED).count() == 1


def test_the_other_side_keeps_their_account_and_their_feedback(people, committed):
    build_history(people, committed)
    end_and_carry_on(people, "mentee", committed)

    with committed():
        erase_account(people["mentee"])

    mentor = people["mentor"]
    mentor.refresh_from_db()
    assert mentor.is_active
    assert mentor.last_name == "Brackenbury"
    given = Feedback.objects.exclude(submitted_at=None).get(respondent=mentor)
    assert given.comment == texts("mentor")["feedback"]
    assert MentorProfile.objects.get(user=mentor).motivation.startswith("Vx4")


# --- Export and retention read the same list -----------------------------------------


@pytest.mark.parametrize("role", ["mentee", "mentor"])
def test_the_download_holds_every_text_the_person_wrote(people, committed, role):
    build_history(people, committed)
    end_and_carry_on(people, role, committed)
    words = written_by(role, people)

    exported = json.dumps(collect_user_data(people[role]), default=str)

    missing = [key for key, text in words.items() if text not in exported]
    assert not missing
    other = "mentor" if role == "mentee" else "mentee"
    assert texts(other)["cancel"] not in exported  # the other side's own words
    if role == "mentor":
        assert texts("mentee")["message"] not in exported


def test_retention_clears_old_text_of_every_kind_in_the_list(people, committed):
    build_history(people, committed)
    end_and_carry_on(people, "mentor", committed)
    SchemeSettings.objects.update_or_create(pk=1, defaults={"data_retention_months": 6})
    now = START + datetime.timedelta(days=13 + 200)
    recent = MentoringRequestFactory(
        created_at=now - datetime.timedelta(days=1), message="Zq7 a recent request"
    )
    # Everyone used the service recently: only the old words go, not the accounts.
    get_user_model().objects.update(last_login=now)
    kinds = {
        entry.label
        for entry in personal_text.PERSONAL_TEXT
        if entry.kept_after is not None
        and entry.model_class().objects.exclude(**{entry.field: ""}).exists()
    }

    result = anonymise_inactive_accounts(now)

    assert result.anonymised == 0
    # Every kind of text with a retention period was there, and is gone.
    assert kinds == {e.label for e in personal_text.PERSONAL_TEXT if e.kept_after}
    cutoff = now - datetime.timedelta(days=182)
    for entry in personal_text.PERSONAL_TEXT:
        if entry.kept_after is None:
            continue
        old = entry.model_class().objects.filter(**{f"{entry.kept_after}__lt": cutoff})
        assert not old.exclude(**{entry.field: ""}).exists(), entry.label
    recent.refresh_from_db()
    assert recent.message == "Zq7 a recent request"


def test_retention_keeps_text_younger_than_the_period(people, committed):
    build_history(people, committed)
    end_and_carry_on(people, "mentee", committed)

    anonymise_inactive_accounts(START + datetime.timedelta(days=30))

    assert Meeting.objects.exclude(cancellation_reason="").count() == 2
    assert ExtensionRequest.objects.exclude(reason="").count() == 2
    assert Partnership.objects.exclude(end_note="").count() == 1


def test_erasing_one_person_leaves_other_peoples_emails_alone(people, committed):
    Email.objects.create(
        kind="message",
        recipient="someone.else@example.nhs.uk",
        subject="About another mentee",
        body="Nothing about the person erased.",
        created_at=START,
        next_attempt_at=START,
    )

    with committed():
        erase_account(people["mentee"])

    kept = Email.objects.get(recipient="someone.else@example.nhs.uk")
    assert (kept.body, kept.state) == ("Nothing about the person erased.", EmailState.QUEUED)


def test_an_email_still_owed_to_the_erased_person_is_not_sent(people, committed):
    mentee = people["mentee"]
    Email.objects.create(
        kind="feedback_reminder",
        recipient=mentee.email.upper(),
        subject="Hello Zephyrine",
        body="A reminder",
        created_at=START,
        next_attempt_at=START,
    )

    with committed():
        erase_account(mentee)

    email = Email.objects.get(kind="feedback_reminder")
    assert (email.state, email.recipient, email.subject, email.body) == (
        EmailState.CANCELLED,
        "erased",
        "",
        "",
    )
    assert email.purged_at is not None


def test_a_name_written_in_the_admin_logs_json_is_erased_too(people, committed):
    mentee = people["mentee"]
    get_user_model().objects.filter(pk=mentee.pk).update(first_name="Zoë", last_name="Ångström")
    mentee.refresh_from_db()
    MentoringRequestFactory(mentee=mentee, state=RequestState.REJECTED)
    LogEntry.objects.log_actions(
        user_id=people["admin"].pk,
        queryset=MentoringRequest.objects.filter(mentee=mentee),
        action_flag=CHANGE,
        change_message=json.dumps(
            [{"changed": {"name": "request", "object": "Zoë Ångström", "fields": ["State"]}}]
        ),
    )

    with committed():
        erase_account(mentee)

    entry = LogEntry.objects.get()
    assert "\\u00eb" not in entry.change_message
    assert "Zoë" not in entry.get_change_message()
    assert "Erased account" in entry.get_change_message()
