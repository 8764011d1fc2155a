"""Feedback surveys at mid-point and end, their reminder, and mentors' private notes."""

import datetime
import io
import json
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from privacy.personal_data import collect_user_data
from requests_app import notes, tasks, workflow
from requests_app.models import Feedback, MentorNote, NotesKey, PartnershipState, Transition
from scheme.models import SchemeSettings
from tests.factories import MenteeFactory
from tests.test_partnerships import at, hold, make_partnership, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def feedback_rows(partnership) -> list[tuple[str, str]]:
    return sorted(
        Feedback.objects.filter(partnership=partnership).values_list("stage", "respondent_role")
    )


def answer(feedback, user, **changes):
    values = {
        "rating_overall": 4,
        "rating_felt_heard": 5,
        "rating_would_recommend": 3,
        "comment": "The scheme helped me plan my return",
    }
    return workflow.submit_feedback(feedback_id=feedback.pk, user=user, **(values | changes))


def schemes(**changes) -> None:
    SchemeSettings.objects.filter(pk=SchemeSettings.load().pk).update(**changes)


# --- Feedback becomes due ---------------------------------------------------------------


def test_midpoint_feedback_is_asked_for_once_half_the_sessions_are_held(
    active, mentee, mentor, committed
):
    with committed():
        hold(active, mentee, moment(1, 11, 18))
    assert feedback_rows(active) == []
    assert mail.outbox == []

    with committed():
        hold(active, mentor, moment(1, 25, 18))

    assert feedback_rows(active) == [("midpoint", "mentee"), ("midpoint", "mentor")]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])
    for message in mail.outbox:
        survey = Feedback.objects.get(respondent__email=message.to[0])
        assert f"/feedback/{survey.pk}/" in message.body
        assert "half-way" in message.body
    assert ("active", "active", "Mid-point feedback asked for") in Transition.objects.filter(
        partnership=active
    ).values_list("from_state", "to_state", "reason")
    mail.outbox.clear()

    with committed():
        hold(active, mentor, moment(2, 8, 18))  # the third: nothing more

    assert len(feedback_rows(active)) == 2
    assert mail.outbox == []


def test_end_feedback_is_asked_for_when_the_partnership_completes(
    active, mentee, mentor, committed
):
    schemes(feedback_midpoint=False)
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    assert feedback_rows(active) == []

    with committed():
        hold(active, mentee, moment(2, 1, 18))

    assert feedback_rows(active) == [("end", "mentee"), ("end", "mentor")]
    surveys = [m for m in mail.outbox if "survey" in m.subject]
    assert sorted(m.to[0] for m in surveys) == sorted([mentee.email, mentor.email])
    assert all("has ended" in m.body for m in surveys)


def test_end_feedback_is_asked_for_after_an_early_end_too(active, mentee, mentor, committed):
    with committed():
        workflow.end_partnership_early(partnership_id=active.pk, user=mentor, reason="no_click")

    assert feedback_rows(active) == [("end", "mentee"), ("end", "mentor")]
    assert sum("survey" in m.subject for m in mail.outbox) == 2


def test_no_feedback_when_the_scheme_does_not_ask_for_it(active, mentee, mentor, committed):
    schemes(feedback_midpoint=False, feedback_end=False)

    with committed():
        for day in (11, 18, 25, 32):
            hold(active, mentor, moment(1, 1, 18) + datetime.timedelta(days=day))

    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    assert not Feedback.objects.exists()
    assert not any("survey" in m.subject for m in mail.outbox)


def test_the_completion_job_asks_for_end_feedback_once(active, mentee, mentor, committed):
    with committed():
        assert workflow.complete_finished_partnerships(now=moment(7, 5)) == 1
        assert workflow.complete_finished_partnerships(now=moment(7, 6)) == 0

    assert feedback_rows(active) == [("end", "mentee"), ("end", "mentor")]
    assert sum("survey" in m.subject for m in mail.outbox) == 2


# --- Answering ---------------------------------------------------------------------


def test_an_answer_is_stored_for_the_scheme_team_once(active, mentee, mentor):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")
    survey = Feedback.objects.get(respondent=mentee)

    answer(survey, mentee, now=moment(2, 1))

    survey.refresh_from_db()
    assert survey.submitted_at == moment(2, 1)
    assert (survey.rating_overall, survey.rating_felt_heard, survey.rating_would_recommend) == (
        4,
        5,
        3,
    )
    assert survey.comment == "The scheme helped me plan my return"
    assert Transition.objects.filter(reason="End feedback given by the mentee").count() == 1
    with pytest.raises(workflow.WorkflowError, match="already sent"):
        answer(survey, mentee)


def test_nobody_answers_someone_elses_survey_and_ratings_are_1_to_5(active, mentee, mentor):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")
    survey = Feedback.objects.get(respondent=mentee)

    with pytest.raises(workflow.WorkflowError, match="does not exist"):
        answer(survey, mentor)
    with pytest.raises(workflow.WorkflowError, match="from 1 to 5"):
        answer(survey, mentee, rating_overall=6)
    survey.refresh_from_db()
    assert survey.submitted_at is None


def test_feedback_page_ladder_and_the_other_side_never_sees_it(
    client, active, mentee, mentor, other_mentee
):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")
    survey = Feedback.objects.get(respondent=mentee)
    theirs = Feedback.objects.get(respondent=mentor)
    url = reverse("requests:feedback", args=[survey.pk])

    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for outsider in (mentor, other_mentee):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"rating_overall": "1"}).status_code == 404
    client.force_login(mentee)
    assert client.get(url).status_code == 200
    assert client.get(reverse("requests:feedback", args=[theirs.pk])).status_code == 404

    empty = client.post(url, {})
    assert b"<title>Error:" in empty.content
    assert empty.content.count(b"Choose a number from 1 to 5") >= 3
    response = client.post(
        url,
        {
            "rating_overall": "5",
            "rating_felt_heard": "4",
            "rating_would_recommend": "5",
            "comment": "Kind and useful",
        },
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.comment == "Kind and useful"
    assert b"You sent this feedback on" in client.get(url).content

    client.force_login(mentor)
    for name in ("partnership", "partnership_end"):
        page = client.get(reverse(f"requests:{name}", args=[active.pk]))
        assert b"Kind and useful" not in page.content


def test_the_mentor_survey_asks_about_the_schemes_support(client, active, mentee, mentor):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")
    client.force_login(mentor)

    page = client.get(
        reverse("requests:feedback", args=[Feedback.objects.get(respondent=mentor).pk])
    )

    assert b"How well did the scheme support you as a mentor?" in page.content
    assert b"How well did you feel listened to?" not in page.content


# --- The reminder -----------------------------------------------------------------------


@pytest.fixture
def asked(active, mentee, mentor):
    """Mid-point surveys asked for on Monday 25 January 2027 at 19:00."""
    hold(active, mentee, moment(1, 11, 18))
    hold(active, mentor, moment(1, 25, 18))
    assert Feedback.objects.filter(requested_at=moment(1, 25, 19)).count() == 2
    mail.outbox.clear()
    return active


def test_a_reminder_goes_once_a_week_after_the_survey(asked, mentee, mentor, committed):
    with at(2, 1, 18, 59, 59), committed():
        assert tasks.remind_unanswered_feedback() == 0
    assert mail.outbox == []

    with at(2, 1, 19, 0, 0), committed():
        assert tasks.remind_unanswered_feedback.delay().get() == 2
    with at(2, 8, 19), committed():
        assert tasks.remind_unanswered_feedback() == 0  # once only

    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])
    assert all(m.subject.startswith("Reminder") for m in mail.outbox)
    assert all("/feedback/" in m.body for m in mail.outbox)


def test_no_reminder_for_an_answered_survey(asked, mentee, mentor, committed):
    answer(Feedback.objects.get(respondent=mentee), mentee)

    with committed():
        assert workflow.remind_unanswered_feedback(now=moment(3, 1)) == 1

    assert [m.to for m in mail.outbox] == [[mentor.email]]


def test_the_reminder_job_is_a_fixed_number_of_queries(
    asked, mentor, django_assert_max_num_queries
):
    for _ in range(10):
        partnership = make_partnership(MenteeFactory(), mentor)
        hold(partnership, mentor, moment(1, 11, 18))
        hold(partnership, mentor, moment(1, 25, 18))

    with django_assert_max_num_queries(6):
        assert workflow.remind_unanswered_feedback(now=moment(3, 1)) == 22


# --- Private notes ----------------------------------------------------------------------


def test_a_note_is_stored_encrypted_and_read_back(active, mentor):
    note = workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Finds nights hard")

    stored = bytes(MentorNote.objects.get(pk=note.pk).ciphertext)
    assert b"Finds nights hard" not in stored
    assert stored.startswith(b"gAAAAA")  # a Fernet token
    data_key = notes.unwrap(NotesKey.objects.get(partnership=active).wrapped_key)
    assert notes.decrypt(stored, data_key) == "Finds nights hard"
    assert not Transition.objects.filter(reason__icontains="nights").exists()


def test_only_the_mentor_keeps_notes(active, mentee, other_mentor):
    with pytest.raises(workflow.WorkflowError, match="Only the mentor"):
        workflow.add_note(partnership_id=active.pk, mentor_user=mentee, text="x")
    with pytest.raises(workflow.WorkflowError, match="does not exist"):
        workflow.add_note(partnership_id=active.pk, mentor_user=other_mentor, text="x")
    assert not MentorNote.objects.exists()


def test_notes_keys_are_wrapped_by_the_configured_key_and_rotate(settings, client, active, mentor):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEY = old
    note = workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Rota worries")
    wrapped = bytes(NotesKey.objects.get(partnership=active).wrapped_key)
    data_key = Fernet(old).decrypt(wrapped)  # the partnership's key, wrapped by the setting's
    assert Fernet(data_key).decrypt(bytes(note.ciphertext)) == b"Rota worries"
    url = reverse("requests:partnership_notes", args=[active.pk])
    client.force_login(mentor)

    settings.NOTES_ENCRYPTION_KEY = new  # the old key dropped too soon: nothing reads
    assert b"This note cannot be read" in client.get(url).content
    settings.NOTES_ENCRYPTION_KEY = f"{new},{old}"  # rotated: new first, old still reads
    assert b"Rota worries" in client.get(url).content

    out = io.StringIO()
    call_command("rewrap_notes_keys", stdout=out)

    assert "Wrapped 1 notes key(s)" in out.getvalue()
    rewrapped = bytes(NotesKey.objects.get(partnership=active).wrapped_key)
    assert Fernet(new).decrypt(rewrapped) == data_key  # the same data key, under the new key
    assert bytes(MentorNote.objects.get(pk=note.pk).ciphertext) == bytes(note.ciphertext)
    settings.NOTES_ENCRYPTION_KEY = new  # the old key retired
    assert b"Rota worries" in client.get(url).content
    workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="After rotation")
    assert b"After rotation" in client.get(url).content


def test_without_the_setting_the_key_is_derived_from_the_secret_key(settings):
    if hasattr(settings, "NOTES_ENCRYPTION_KEY"):
        del settings.NOTES_ENCRYPTION_KEY

    wrapped = notes.new_wrapped_key()

    assert notes.unwrap(wrapped) is not None
    Fernet(Fernet(notes.development_key(settings.SECRET_KEY)).decrypt(wrapped))  # a Fernet key
    settings.SECRET_KEY = "another-secret-key-for-another-installation-0123456789"
    assert notes.unwrap(wrapped) is None


def test_notes_page_is_the_mentors_alone(client, active, mentee, mentor, other_mentor):
    url = reverse("requests:partnership_notes", args=[active.pk])
    workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Wants to try LTFT")

    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for outsider in (mentee, other_mentor):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"text": "sneaky"}).status_code == 404
    client.force_login(mentor)
    page = client.get(url)
    assert b"Wants to try LTFT" in page.content
    assert b"deleted for good when the partnership ends" in page.content  # told when writing

    empty = client.post(url, {"text": " "})
    assert b"<title>Error:" in empty.content
    response = client.post(url, {"text": "Second thought"})
    assert response.status_code == 302
    assert MentorNote.objects.filter(partnership=active).count() == 2


def test_a_note_is_deleted_by_its_mentor_only(client, active, mentee, mentor, other_mentor):
    note = workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="x")
    url = reverse("requests:note_delete", args=[note.pk])

    for outsider in (mentee, other_mentor):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    client.force_login(mentor)
    assert client.get(url).status_code == 405
    assert MentorNote.objects.filter(pk=note.pk).exists()

    assert client.post(url).status_code == 302
    assert not MentorNote.objects.filter(pk=note.pk).exists()


def test_a_note_no_key_can_read_says_so_instead_of_failing(client, active, mentor):
    MentorNote.objects.create(partnership=active, ciphertext=b"not a fernet token")
    client.force_login(mentor)

    page = client.get(reverse("requests:partnership_notes", args=[active.pk]))

    assert page.status_code == 200
    assert b"This note cannot be read" in page.content


def all_stored_values() -> str:
    """Every value of every row of our apps, as text: what 'nothing remains' is checked on."""
    rows = []
    for app in ("accounts", "register", "requests_app"):
        for model in apps.get_app_config(app).get_models():
            for row in model.objects.values():
                rows.append(
                    json.dumps(
                        row,
                        default=lambda v: (
                            bytes(v).decode("latin-1")
                            if isinstance(v, bytes | memoryview)
                            else str(v)
                        ),
                    )
                )
    return "\n".join(rows)


@pytest.mark.parametrize("ending", ["completed", "ended early"])
def test_notes_are_destroyed_when_the_partnership_ends(active, mentee, mentor, ending):
    other = make_partnership(MenteeFactory(), mentor)
    kept = workflow.add_note(partnership_id=other.pk, mentor_user=mentor, text="Another mentee")
    for text in ("Struggling with the return date", "Considering less than full time"):
        workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text=text)
    ciphertexts = [
        bytes(n.ciphertext).decode() for n in MentorNote.objects.filter(partnership=active)
    ]

    if ending == "completed":
        for day in (11, 18, 25, 32):
            hold(active, mentor, moment(1, 1, 18) + datetime.timedelta(days=day))
    else:
        workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")

    active.refresh_from_db()
    assert active.state != PartnershipState.ACTIVE
    assert not MentorNote.objects.filter(partnership=active).exists()
    assert list(MentorNote.objects.values_list("pk", flat=True)) == [kept.pk]
    stored = all_stored_values()
    for secret in [*ciphertexts, "Struggling with the return date", "less than full time"]:
        assert secret not in stored
    assert Transition.objects.filter(
        partnership=active, reason="Private notes destroyed (2)"
    ).exists()
    with pytest.raises(workflow.WorkflowError, match="has ended"):
        workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Too late")


def test_notes_go_in_the_same_transaction_as_the_ending(active, mentee, mentor):
    workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Keep me if it fails")

    with (
        mock.patch.object(workflow, "_request_feedback", side_effect=RuntimeError("mail down")),
        pytest.raises(RuntimeError),
    ):
        workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")

    active.refresh_from_db()
    assert active.state == PartnershipState.ACTIVE
    assert MentorNote.objects.filter(partnership=active).count() == 1


def test_notes_are_never_in_a_data_download(active, mentor):
    workflow.add_note(partnership_id=active.pk, mentor_user=mentor, text="Private thought")
    note = MentorNote.objects.get()

    exported = json.dumps(collect_user_data(mentor), default=str)

    assert "Private thought" not in exported
    assert bytes(note.ciphertext).decode() not in exported
