"""Feedback without names: the scheme team sees figures and comments per quarter, the
survey says so before its questions, and the other side never sees any of it."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from requests_app import feedback_summary
from requests_app.models import Feedback, FeedbackStage, PartnershipState
from scheme.models import SchemeSettings
from tests.factories import MenteeFactory, MentorProfileFactory, PartnershipFactory

LONDON = zoneinfo.ZoneInfo("Europe/London")
FEEDBACK_URL = "/admin/requests_app/feedback/"

pytestmark = pytest.mark.django_db


def london(year, month, day, hour=12, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def answered(n: int, role: str, when: datetime.datetime, **answers) -> list[Feedback]:
    """n answers from as many partnerships, each person with a name we can look for."""
    rows = []
    for i in range(n):
        mentee = MenteeFactory(first_name=f"Menteename{role}{i}", last_name="Zedwardson")
        mentor = MentorProfileFactory(
            first_name=f"Mentorname{role}{i}", last_name="Quillfeather", with_login=True
        )
        partnership = PartnershipFactory(
            request__mentee=mentee, request__mentor=mentor, state=PartnershipState.ACTIVE
        )
        respondent = mentee if role == "mentee" else mentor.user
        rows.append(
            Feedback.objects.create(
                partnership=partnership,
                respondent=respondent,
                respondent_role=role,
                stage=FeedbackStage.MIDPOINT,
                requested_at=when - datetime.timedelta(days=3),
                submitted_at=when + datetime.timedelta(hours=i),
                rating_overall=answers.get("overall", 4),
                rating_felt_heard=answers.get("heard", 5),
                rating_would_recommend=answers.get("recommend", 3),
                comment=answers.get("comment", f"Comment {role} {i}"),
            )
        )
    return rows


def page_text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_the_scheme_team_sees_figures_and_comments_per_quarter_without_names(admin_client):
    rows = answered(5, "mentee", london(2026, 2, 10), comment="")
    rows[0].comment = "My mentor listened\nand helped"
    rows[0].save()
    rows[1].comment = "Hard to find a time"
    rows[1].save()

    with time_machine.travel(london(2026, 4, 2), tick=False):
        response = admin_client.get(FEEDBACK_URL)

    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert "January to March 2026" in text
    assert "Mentees: 5 responses" in text
    assert "How useful has peer mentoring been for you? 4.0" in text
    assert "How well did you feel listened to? 5.0" in text
    assert "Would you recommend the scheme to a colleague? 3.0" in text
    assert "My mentor listened<br>and helped" in html
    assert "Hard to find a time" in html
    # Nothing that says whose answer it is, or when it came.
    for word in ("Menteename", "Mentorname", "Zedwardson", "Quillfeather", "@example.nhs.uk"):
        assert word not in html
    content = html[html.index('id="content-main"') :]
    for link in ("/admin/requests_app/partnership/", "/admin/accounts/user/", "/feedback/"):
        assert link not in content
    assert not re.search(r"/admin/[a-z_]+/[a-z_]+/\d+/", html)  # no link to any one object
    assert "10 Feb" not in text
    assert "February" not in text
    assert "respondent" not in html.lower()


def test_there_is_no_page_per_answer(admin_client):
    (row,) = answered(1, "mentee", london(2026, 2, 10))

    for url in (
        f"{FEEDBACK_URL}{row.pk}/change/",
        f"{FEEDBACK_URL}{row.pk}/history/",
        f"{FEEDBACK_URL}add/",
    ):
        assert admin_client.get(url).status_code == 404, url
    index = admin_client.get("/admin/").content.decode()
    assert f'href="{FEEDBACK_URL}"' in index


@pytest.mark.parametrize(("responses", "shown"), [(4, False), (5, True)])
def test_fewer_than_5_responses_in_a_quarter_show_no_figures_or_comments(
    admin_client, responses, shown
):
    answered(responses, "mentor", london(2026, 5, 20), overall=2, comment="Rota was hard")

    with time_machine.travel(london(2026, 7, 1, 9), tick=False):
        text = page_text(admin_client.get(FEEDBACK_URL))

    assert "April to June 2026" in text
    if shown:
        assert "Mentors: 5 responses" in text
        assert "How useful has peer mentoring been for you? 2.0" in text
        assert text.count("Rota was hard") == 5
    else:
        assert "Mentors: Fewer than 5 responses" in text
        assert "Not shown: fewer than 5 responses." in text
        assert "2.0" not in text
        assert "Rota was hard" not in text
        assert "4 responses" not in text


def test_a_quarter_still_running_shows_no_figures_or_comments_until_it_ends(
    admin_client, scheme_admin
):
    answered(6, "mentee", london(2026, 4, 3), overall=1, comment="Too soon to show")

    with time_machine.travel(london(2026, 6, 30, 23, 59), tick=False):
        running = page_text(admin_client.get(FEEDBACK_URL))
    with time_machine.travel(london(2026, 7, 1, 0), tick=False):
        admin_client.force_login(scheme_admin)  # a new session: admin's idle time-out
        ended = page_text(admin_client.get(FEEDBACK_URL))

    assert "April to June 2026 (so far)" in running
    assert "Mentees: 6 responses" in running
    assert "Figures and comments appear once the quarter has ended." in running
    assert "Too soon to show" not in running
    assert "1.0" not in running
    assert "April to June 2026 (so far)" not in ended
    assert ended.count("Too soon to show") == 6
    assert "How useful has peer mentoring been for you? 1.0" in ended


def test_mentees_and_mentors_are_counted_apart_and_each_needs_5(admin_client):
    answered(5, "mentee", london(2026, 1, 15), overall=5)
    answered(3, "mentor", london(2026, 1, 15), overall=1)

    with time_machine.travel(london(2026, 4, 2), tick=False):
        quarters = feedback_summary.feedback_by_quarter()

    (quarter,) = quarters
    mentees, mentors = quarter.sides
    assert (mentees.label, mentees.responses, mentees.shown) == ("Mentees", 5, True)
    assert mentees.ratings[0].average == "5.0"
    assert (mentors.label, mentors.shown, mentors.ratings, mentors.comments) == (
        "Mentors",
        False,
        [],
        [],
    )


def test_the_summary_takes_two_queries_whatever_the_number_of_answers(
    admin_client, django_assert_max_num_queries
):
    answered(12, "mentee", london(2026, 1, 15))
    answered(7, "mentor", london(2025, 11, 15))

    with (
        time_machine.travel(london(2026, 4, 2), tick=False),
        django_assert_max_num_queries(2),
    ):
        quarters = feedback_summary.feedback_by_quarter()

    assert [q.label for q in quarters] == ["January to March 2026", "October to December 2025"]


def test_the_survey_says_who_reads_it_before_the_questions(client):
    (survey,) = answered(1, "mentee", london(2026, 2, 10))
    Feedback.objects.filter(pk=survey.pk).update(submitted_at=None)
    client.force_login(survey.respondent)

    response = client.get(reverse("requests:feedback", args=[survey.pk]))

    text = page_text(response)
    statement = text.index("Who reads your answers")
    assert statement < text.index("How useful has peer mentoring been for you?")
    for words in (
        "The scheme team reads them without your name and without knowing who you were "
        "mentoring with.",
        "averages of the ratings and the comments, with no name or date beside them.",
        "They see nothing from a quarter until it has ended and at least 5 people have "
        "answered in it.",
        "Mentornamementee0 Quillfeather never sees your answers.",
        f"Nobody can reply to your feedback. If you need help, or something has gone wrong, "
        f"email the scheme team at {SchemeSettings.load().inbox_email} .",
        "Leave out names, yours and other people's, so that no one can be recognised",
    ):
        assert words in text.replace("&#x27;", "'").replace("&#39;", "'"), words
