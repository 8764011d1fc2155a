"""Mentor training and supervision: recorded by the scheme team on the bio's admin page,
required (when the scheme's settings say so) before a bio is published, shown to the
mentor themself, in the register export and on the bio's admin page, and to nobody else.
"""

import datetime
import html
import re

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from privacy.personal_data import collect_user_data, erase_account
from register import bulk_import, services
from register.demo import MENTOR_EMAIL
from register.models import (
    BioEvent,
    BioEventKind,
    MentorProfile,
    MentorStatus,
    SupervisionArrangement,
    SupervisionFrequency,
    TrainingRecord,
)
from reports.periods import LONDON
from scheme.models import SchemeSettings
from tests.factories import MentorProfileFactory, give_two_factor
from tests.test_bulk_import import bio, csv_bytes, reference_lists  # noqa: F401 - a fixture
from tests.test_register_admin import LIST_URL, bio_form_data, change_url, names_in, run_action
from tests.test_seed_demo import media, seed  # noqa: F401 - a fixture

COURSE = "Peer mentor training (two days)"
GROUP = "North peer supervision group"
NO_TRAINING_MESSAGE = (
    "Ann Archer's bio was not published: no completed training is recorded, and the "
    "scheme's settings ask for training before a bio is published."
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2027, 3, 10, 12, tzinfo=LONDON), tick=False):
        yield


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    """A scheme admin (staff, not superuser) in Django admin."""
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def require_training(required: bool = True) -> None:
    scheme = SchemeSettings.load()
    scheme.training_required_to_publish = required
    scheme.save()


def train(profile: MentorProfile, course: str = COURSE, on=datetime.date(2027, 1, 20)):
    record = TrainingRecord(mentor=profile, course=course, completed_on=on)
    return services.record_training(record=record, by=None)


def supervise(profile: MentorProfile, starts_on=datetime.date(2027, 2, 1), ends_on=None):
    arrangement = SupervisionArrangement(
        mentor=profile,
        supervisor=GROUP,
        frequency=SupervisionFrequency.MONTHLY,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return services.record_supervision(arrangement=arrangement, by=None)


def ann(**fields) -> MentorProfile:
    return MentorProfileFactory(first_name="Ann", last_name="Archer", **fields)


def text_of(response) -> str:
    """The page's words, without tags, one space between each."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split())


# --- Recorded by the scheme team ------------------------------------------------------------


def test_the_scheme_admin_role_may_keep_training_and_supervision_records(scheme_admin):
    for model in ("trainingrecord", "supervisionarrangement"):
        for action in ("view", "add", "change", "delete"):
            assert scheme_admin.has_perm(f"register.{action}_{model}"), (action, model)


def test_a_scheme_admin_records_training_and_supervision_on_the_bio_page(
    admin_client, scheme_admin
):
    profile = ann(status=MentorStatus.DRAFT)

    response = admin_client.post(
        change_url(profile),
        bio_form_data(
            profile,
            **{
                "training-TOTAL_FORMS": "2",
                "training-0-course": COURSE,
                "training-0-completed_on": "2027-01-20",
                "training-1-course": "Refresher: endings",
                "training-1-completed_on": "2027-03-01",
                "supervision-TOTAL_FORMS": "1",
                "supervision-0-supervisor": GROUP,
                "supervision-0-frequency": SupervisionFrequency.MONTHLY,
                "supervision-0-starts_on": "2027-02-01",
            },
        ),
    )

    assert response.status_code == 302
    assert list(profile.training.values_list("course", "completed_on", "recorded_by")) == [
        ("Refresher: endings", datetime.date(2027, 3, 1), scheme_admin.pk),
        (COURSE, datetime.date(2027, 1, 20), scheme_admin.pk),
    ]
    arrangement = profile.supervision.get()
    assert (arrangement.supervisor, arrangement.starts_on, arrangement.recorded_by) == (
        GROUP,
        datetime.date(2027, 2, 1),
        scheme_admin,
    )
    history = BioEvent.objects.filter(profile=profile).values_list("kind", "to_value", "actor")
    assert sorted(history) == [
        (BioEventKind.SUPERVISION, "2027-02-01", scheme_admin.pk),
        (BioEventKind.TRAINING, "2027-01-20", scheme_admin.pk),
        (BioEventKind.TRAINING, "2027-03-01", scheme_admin.pk),
    ]
    assert "Added training completed" in LogEntry.objects.get().get_change_message()


def test_training_not_yet_completed_cannot_be_recorded(admin_client):
    profile = ann()

    response = admin_client.post(
        change_url(profile),
        bio_form_data(
            profile,
            **{
                "training-TOTAL_FORMS": "1",
                "training-0-course": COURSE,
                "training-0-completed_on": "2027-03-11",
            },
        ),
    )

    assert response.status_code == 200
    assert "Record training once it is completed" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_a_training_record_entered_by_mistake_is_removed_with_its_history(
    admin_client, scheme_admin
):
    profile = ann()
    record = train(profile)

    response = admin_client.post(
        change_url(profile),
        bio_form_data(
            profile,
            **{
                "training-TOTAL_FORMS": "1",
                "training-INITIAL_FORMS": "1",
                "training-0-id": str(record.pk),
                "training-0-mentor": str(profile.pk),
                "training-0-course": COURSE,
                "training-0-completed_on": "2027-01-20",
                "training-0-DELETE": "on",
            },
        ),
    )

    assert response.status_code == 302
    assert not TrainingRecord.objects.exists()
    assert BioEvent.objects.filter(
        profile=profile, kind=BioEventKind.TRAINING_REMOVED, actor=scheme_admin
    ).exists()


# --- Training required before a bio is published --------------------------------------------


def test_with_training_required_an_untrained_bio_is_not_published(scheme_admin):
    require_training()
    submitted = ann(status=MentorStatus.SUBMITTED)
    draft = MentorProfileFactory(status=MentorStatus.DRAFT)

    with pytest.raises(services.BioChangeRefused) as refused:
        services.review_bio(bio=submitted, by=scheme_admin, publish=True)
    assert str(refused.value) == NO_TRAINING_MESSAGE
    with pytest.raises(services.BioChangeRefused, match="no completed training is recorded"):
        services.set_status(
            bio=draft, by=scheme_admin, expected=MentorStatus.DRAFT, to=MentorStatus.PUBLISHED
        )
    outcome = services.publish_bios(bios=[submitted.pk], by=scheme_admin)

    assert (outcome.published, outcome.refused) == ([], ["Ann Archer"])
    assert MentorProfile.objects.published().count() == 0
    # Sending it back to draft needs no training.
    services.review_bio(bio=submitted, by=scheme_admin, publish=False)
    submitted.refresh_from_db()
    assert submitted.status == MentorStatus.DRAFT


def test_with_training_required_a_trained_bio_is_published(scheme_admin):
    require_training()
    submitted = ann(status=MentorStatus.SUBMITTED)
    train(submitted)

    services.review_bio(bio=submitted, by=scheme_admin, publish=True)

    submitted.refresh_from_db()
    assert submitted.status == MentorStatus.PUBLISHED


def test_training_dated_after_today_does_not_count(scheme_admin):
    require_training()
    draft = ann(status=MentorStatus.DRAFT)
    TrainingRecord.objects.create(
        mentor=draft, course=COURSE, completed_on=datetime.date(2027, 3, 11)
    )

    outcome = services.publish_bios(bios=[draft.pk], by=scheme_admin)

    assert outcome.refused == ["Ann Archer"]


def test_without_the_setting_an_untrained_bio_is_published(scheme_admin):
    submitted = ann(status=MentorStatus.SUBMITTED)

    services.review_bio(bio=submitted, by=scheme_admin, publish=True)

    submitted.refresh_from_db()
    assert submitted.status == MentorStatus.PUBLISHED


def test_the_publish_action_says_which_bios_it_published_and_which_it_refused(admin_client):
    require_training()
    trained = ann(status=MentorStatus.DRAFT)
    train(trained)
    untrained = MentorProfileFactory(first_name="Bob", last_name="Baker", status="submitted")
    also_untrained = MentorProfileFactory(first_name="Cat", last_name="Cole", status="draft")
    already = MentorProfileFactory(status=MentorStatus.PUBLISHED)

    response = run_action(admin_client, "publish", [trained, untrained, also_untrained, already])

    assert [str(m) for m in response.context["messages"]] == [
        "1 bio published: Ann Archer.",
        "2 bios not published: Bob Baker, Cat Cole. For each, no completed training is "
        "recorded, and the scheme's settings ask for training before a bio is published. "
        "Record the training on the bio's page, then publish again.",
        "1 bio left as they were (already published).",
    ]
    statuses = dict(MentorProfile.objects.values_list("first_name", "status"))
    assert statuses["Ann"] == MentorStatus.PUBLISHED
    assert (statuses["Bob"], statuses["Cat"]) == (MentorStatus.SUBMITTED, MentorStatus.DRAFT)


def test_the_bulk_upload_says_new_bios_wait_for_their_training(reference_lists):  # noqa: F811
    data = csv_bytes([bio(1)])
    assert (
        bulk_import.TRAINING_FIRST
        not in bulk_import.plan_import(csv_data=data, photos=None).warnings
    )

    require_training()
    plan = bulk_import.plan_import(csv_data=data, photos=None)

    assert plan.is_valid
    assert bulk_import.TRAINING_FIRST in plan.warnings
    assert "New bios are imported as drafts, off the register." in bulk_import.TRAINING_FIRST


# --- Who sees it ------------------------------------------------------------------------------


def test_the_mentor_sees_their_training_and_supervision_on_their_dashboard(client, mentor):
    profile = mentor.mentor_profile
    train(profile)
    supervise(profile)
    client.force_login(mentor)

    page = text_of(client.get(reverse("dashboard")))

    assert f"Training Completed {COURSE} on Wednesday 20 January 2027" in page
    assert f"Supervision {GROUP}, every month, from 1 February 2027" in page


def test_a_mentor_with_nothing_recorded_is_told_so(client, mentor):
    require_training()
    profile = mentor.mentor_profile
    profile.status = MentorStatus.DRAFT
    profile.save()
    supervise(profile, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2027, 1, 1))
    client.force_login(mentor)

    page = text_of(client.get(reverse("dashboard")))

    assert "None recorded yet: the scheme team records the mentor training you complete." in page
    assert "Your bio can go on the register once it is recorded." in page
    assert "No supervision arrangement recorded yet" in page  # the old one has ended


def test_nobody_else_sees_a_mentors_training_or_supervision(client, mentor, other_mentor, mentee):
    profile = mentor.mentor_profile
    train(profile)
    supervise(profile)

    for someone, url in [
        (other_mentor, reverse("dashboard")),
        (mentee, reverse("dashboard")),
        (mentee, reverse("mentor_profile", args=[profile.pk])),
        (mentor, reverse("my_bio_preview")),  # the bio as mentees read it
    ]:
        client.force_login(someone)
        response = client.get(url)
        assert response.status_code == 200, url
        assert COURSE not in response.content.decode(), (someone, url)
        assert GROUP not in response.content.decode(), (someone, url)


# --- The bio's admin page and the register export ----------------------------------------


def test_the_bio_review_page_in_admin_shows_training_and_supervision(admin_client):
    require_training()
    trained = ann(status=MentorStatus.SUBMITTED)
    train(trained)
    supervise(trained)
    untrained = MentorProfileFactory(status=MentorStatus.SUBMITTED)

    page = text_of(admin_client.get(change_url(trained)))
    assert f"Completed {COURSE} on 20 January 2027" in page
    assert f"{GROUP}, every month, from 1 February 2027" in page

    page = text_of(admin_client.get(change_url(untrained)))
    assert (
        "No completed training recorded. The scheme's settings ask for training before a bio "
        "is published: record it under Training completed below." in page
    )
    assert "No supervision arrangement in place." in page


def test_the_register_export_says_when_each_mentor_trained_and_whether_supervised(scheme_admin):
    a = ann()
    train(a, on=datetime.date(2026, 6, 1))
    train(a, course="Refresher", on=datetime.date(2027, 1, 20))
    supervise(a)
    b = MentorProfileFactory(first_name="Bob", last_name="Baker", status=MentorStatus.DRAFT)
    supervise(b, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2027, 1, 1))
    give_two_factor(scheme_admin)
    team = Client()
    team.force_login(scheme_admin)

    response = team.get(reverse("reports:export", args=["register", "csv"]))

    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Name,Grade,Specialty school,Trust,Status,Paused,Capacity,Load (open partnerships),"
        "Invited,Last logged in,Framework confirmed,Trained (latest date),Supervision,Photo"
    )
    assert [line.split(",")[-3:] for line in lines[1:]] == [
        ["2027-01-20", "yes", "no"],
        ["", "no", "no"],
    ]
    assert [line.split(",")[0] for line in lines[1:]] == ["Ann Archer", "Bob Baker"]
    assert GROUP not in response.content.decode()
    assert "Refresher" not in response.content.decode()


# --- The mentor's own data -------------------------------------------------------------------


def test_the_mentors_data_download_holds_their_training_and_erasure_deletes_it(mentor):
    profile = mentor.mentor_profile
    train(profile)
    supervise(profile)

    data = collect_user_data(mentor)["mentor_profile"]

    assert data["training_completed"] == [
        {"course": COURSE, "completed_on": datetime.date(2027, 1, 20)}
    ]
    assert data["supervision"] == [
        {
            "supervisor": GROUP,
            "how_often": "Every month",
            "from": datetime.date(2027, 2, 1),
            "until": None,
        }
    ]

    erase_account(mentor)

    assert not TrainingRecord.objects.exists()
    assert not SupervisionArrangement.objects.exists()


def test_the_demo_mentor_has_training_and_supervision_recorded(db, media):  # noqa: F811
    seed(mentors=2)
    seed(mentors=2)  # safe to run twice

    profile = MentorProfile.objects.get(email=MENTOR_EMAIL)
    state = profile.training_and_supervision()
    assert [record.course for record in state.training] == ["Peer mentor training (two days)"]
    assert state.supervision is not None
    assert TrainingRecord.objects.count() == SupervisionArrangement.objects.count() == 1


def test_the_mentor_list_filters_bios_by_training(admin_client):
    trained = ann()
    train(trained)
    MentorProfileFactory(first_name="Bob", last_name="Baker")
    TrainingRecord.objects.create(  # not yet done: does not count
        mentor=MentorProfileFactory(first_name="Cat", last_name="Cole"),
        course=COURSE,
        completed_on=datetime.date(2027, 3, 11),
    )

    assert names_in(admin_client.get(LIST_URL, {"trained": "yes"})) == {"Ann Archer"}
    assert names_in(admin_client.get(LIST_URL, {"trained": "no"})) == {"Bob Baker", "Cat Cole"}
