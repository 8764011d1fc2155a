"""The scheme's figures for a period: a known history, every figure on the dashboard and
in as_rows(), a period boundary on a bank holiday, small numbers shown as "fewer than 5",
who may see the page, and no mentoring content on it."""

import datetime
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from accounts.models import MenteeProfile, TrainingStatus
from register.models import MentorStatus
from reports.figures import FEWER_THAN_5, feedback_comments, scheme_figures
from reports.periods import Period
from requests_app.models import (
    ApplicationState,
    EndReason,
    ExtensionRequest,
    ExtensionState,
    Feedback,
    FeedbackStage,
    MatchApplication,
    MeetingState,
    PartnershipState,
    RequestState,
    WaitingListEntry,
    WaitingOutcome,
)
from scheme.models import SchemeSettings
from tests.factories import (
    GradeFactory,
    MeetingFactory,
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
    give_two_factor,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2027, 1, 5, 10, 0, tzinfo=UTC)  # a Tuesday
Q4 = Period(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
Q4_QUERY = "?period=range&from=2026-10-01&to=2026-12-31"
SECRETS = [
    "SECRET-REQUEST-MESSAGE",
    "SECRET-RESPONSE-NOTE",
    "SECRET-END-NOTE",
    "SECRET-AGENDA",
    "SECRET-APPLICATION-AIMS",
    "SECRET-EXTENSION-REASON",
    "SECRET-CANCELLATION-REASON",
    "SECRET-BOUNDARIES",
]


@pytest.fixture(autouse=True)
def clock():
    """Tuesday 5 January 2027, for logging in as much as for the figures."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def history(db):
    """Q4 2026 of a small scheme, seen on Tuesday 5 January 2027 (times in UTC; the
    clocks went back on 25 October, so 30 September 23:30 UTC is 1 October in the UK)."""
    st3 = GradeFactory(name="ST3")
    ct1 = GradeFactory(name="CT1")
    surgery = SchoolFactory(name="School of Surgery")
    north = TrustFactory(name="North Trust", region="North West")

    def mentor(first, last, **extra):
        return MentorProfileFactory(
            with_login=True,
            first_name=first,
            last_name=last,
            grade=st3,
            school=surgery,
            trust=north,
            **extra,
        )

    alice = mentor("Alice", "Ashdown", capacity=2)
    bob = mentor("Bob", "Brook", capacity=3)
    cara = mentor("Cara", "Cole", capacity=1, is_paused=True)
    MentorProfileFactory(status=MentorStatus.SUBMITTED, grade=st3, school=surgery, trust=north)
    invited = MentorProfileFactory(
        status=MentorStatus.DRAFT,
        grade=st3,
        school=surgery,
        trust=north,
        user=UserFactory(),
        invited_at=at(2026, 12, 20, 9),
        invitation_nonce="abc",
    )
    assert invited.user.last_login is None

    mentees = {}
    for n in range(1, 13):
        user = UserFactory(first_name=f"Menteename{n}", last_name="Person")
        MenteeProfileFactory(
            user=user,
            grade=ct1 if n == 12 else st3,
            school=surgery,
            trust=north,
            training_status=TrainingStatus.OUT_OF_TRAINING,
        )
        mentees[n] = user
    MenteeProfile.objects.update(created_at=at(2026, 9, 1, 10))

    def request(n, to, sent, state=RequestState.PENDING, answered=None, **extra):
        return MentoringRequestFactory(
            mentee=mentees[n],
            mentor=to,
            created_at=sent,
            response_deadline=sent + datetime.timedelta(days=7),
            state=state,
            answered_at=answered,
            message="SECRET-REQUEST-MESSAGE",
            **extra,
        )

    # A partnership from the summer, completed in the quarter.
    r0 = request(10, cara, at(2026, 6, 1, 9), RequestState.ACCEPTED, at(2026, 6, 2, 9))
    p0 = PartnershipFactory(
        request=r0,
        state=PartnershipState.COMPLETED,
        started_at=at(2026, 6, 2, 9),
        ended_at=at(2026, 12, 2, 9),
    )
    MeetingFactory(partnership=p0, state=MeetingState.HELD, starts_at=at(2026, 9, 10, 9))
    # 00:30 on 1 October in the UK: in the quarter.
    MeetingFactory(partnership=p0, state=MeetingState.HELD, starts_at=at(2026, 9, 30, 23, 30))
    ExtensionRequest.objects.create(
        partnership=p0,
        reason="SECRET-EXTENSION-REASON",
        state=ExtensionState.APPROVED,
        created_at=at(2026, 9, 1, 9),
        decided_at=at(2026, 10, 3, 9),
        sessions_added=2,
    )

    # Mentees' own requests in the quarter.
    r1 = request(
        1,
        alice,
        at(2026, 10, 5, 9),
        RequestState.ACCEPTED,
        at(2026, 10, 7, 9),  # 2 working days
        response_message="SECRET-RESPONSE-NOTE",
    )
    p1 = PartnershipFactory(
        request=r1,
        state=PartnershipState.ACTIVE,
        started_at=at(2026, 10, 7, 9),
        contact_boundaries="SECRET-BOUNDARIES",
    )
    MeetingFactory(
        partnership=p1,
        state=MeetingState.HELD,
        starts_at=at(2026, 10, 20, 9),
        agenda="SECRET-AGENDA",
    )
    MeetingFactory(partnership=p1, state=MeetingState.HELD, starts_at=at(2026, 11, 17, 9))
    MeetingFactory(
        partnership=p1,
        state=MeetingState.CANCELLED,
        starts_at=at(2026, 12, 1, 9),
        cancelled_at=at(2026, 11, 30, 20),
        cancelled_late=True,
        cancellation_reason="SECRET-CANCELLATION-REASON",
    )
    MeetingFactory(partnership=p1, state=MeetingState.PLANNED, starts_at=at(2027, 1, 20, 9))
    ExtensionRequest.objects.create(
        partnership=p1,
        reason="SECRET-EXTENSION-REASON",
        state=ExtensionState.APPROVED,
        created_at=at(2026, 12, 15, 9),
        decided_at=at(2026, 12, 16, 9),
        sessions_added=2,
    )
    request(
        2,
        alice,
        at(2026, 11, 2, 9),
        RequestState.REJECTED,
        at(2026, 11, 2, 15),  # the same day: 0 working days
        decline_reason="at_capacity",
    )
    request(3, bob, at(2026, 11, 10, 9), RequestState.EXPIRED, at(2026, 11, 18, 0))
    # Sent on Christmas Day (a bank holiday, a Friday) at 23:30, answered on Tuesday
    # 29 December after the Boxing Day bank holiday on Monday 28: 1 working day.
    r4 = request(4, bob, at(2026, 12, 25, 23, 30), RequestState.ACCEPTED, at(2026, 12, 29, 10))
    PartnershipFactory(request=r4, started_at=at(2026, 12, 29, 10))
    # Waiting now: one due next week, one past its deadline (the expiry job has not run).
    MentoringRequestFactory(
        mentee=mentees[5],
        mentor=alice,
        created_at=at(2027, 1, 4, 9),
        response_deadline=at(2027, 1, 11, 23, 59, 59),
        message="SECRET-REQUEST-MESSAGE",
    )
    MentoringRequestFactory(
        mentee=mentees[6],
        mentor=cara,
        created_at=at(2026, 12, 14, 9),
        response_deadline=at(2026, 12, 21, 23, 59, 59),
        message="SECRET-REQUEST-MESSAGE",
    )
    request(7, bob, at(2026, 10, 20, 9), RequestState.WITHDRAWN, at(2026, 10, 21, 9))
    request(8, cara, at(2026, 9, 28, 9), RequestState.CANCELLED, at(2026, 10, 2, 9))

    # Proposals by the scheme team.
    app9 = MatchApplication.objects.create(
        mentee=mentees[9], aims="SECRET-APPLICATION-AIMS", state=ApplicationState.MATCHED
    )
    pr1 = request(
        9,
        bob,
        at(2026, 11, 16, 10),
        RequestState.ACCEPTED,
        at(2026, 11, 20, 9),
        application=app9,
        mentor_agreed_at=at(2026, 11, 19, 9),  # 3 working days
        mentee_agreed_at=at(2026, 11, 20, 9),
    )
    p3 = PartnershipFactory(
        request=pr1,
        state=PartnershipState.ENDED_EARLY,
        started_at=at(2026, 11, 20, 9),
        ended_at=at(2026, 12, 10, 9),
        end_reason=EndReason.NO_CLICK,
        end_note="SECRET-END-NOTE",
    )
    MeetingFactory(
        partnership=p3,
        state=MeetingState.CANCELLED,
        starts_at=at(2026, 12, 3, 9),
        cancelled_at=at(2026, 11, 25, 9),
    )
    app12 = MatchApplication.objects.create(
        mentee=mentees[12], aims="SECRET-APPLICATION-AIMS", state=ApplicationState.WAITING
    )
    request(
        12,
        alice,
        at(2026, 12, 1, 9),
        RequestState.REJECTED,
        at(2026, 12, 8, 9),  # 5 working days
        application=app12,
        answered_by=alice.user,
        decline_reason="times",
    )

    # Feedback.
    for role, ratings, comment, who in (
        ("mentee", (4, 5, 5), "Zebra crossings of the mind: it helped", mentees[10]),
        ("mentor", (5, 4, 4), "Apples and pears, a good experience", cara.user),
    ):
        Feedback.objects.create(
            partnership=p0,
            respondent=who,
            respondent_role=role,
            stage=FeedbackStage.END,
            requested_at=at(2026, 12, 2, 9),
            submitted_at=at(2026, 12, 5, 9),
            rating_overall=ratings[0],
            rating_felt_heard=ratings[1],
            rating_would_recommend=ratings[2],
            comment=comment,
        )
    for role in ("mentee", "mentor"):
        Feedback.objects.create(
            partnership=p3,
            respondent_role=role,
            stage=FeedbackStage.END,
            requested_at=at(2026, 12, 10, 9),
        )
    Feedback.objects.create(
        partnership=p1,
        respondent=mentees[1],
        respondent_role="mentee",
        stage=FeedbackStage.MIDPOINT,
        requested_at=at(2026, 11, 15, 9),
        submitted_at=at(2026, 11, 20, 9),
        rating_overall=3,
        rating_felt_heard=3,
        rating_would_recommend=3,
    )

    WaitingListEntry.objects.create(mentee=mentees[11], mentor=alice, joined_at=at(2026, 12, 1))
    WaitingListEntry.objects.create(
        mentee=mentees[7],
        mentor=alice,
        joined_at=at(2026, 11, 1),
        left_at=at(2026, 11, 5),
        outcome=WaitingOutcome.LEFT,
    )
    return {"alice": alice, "bob": bob, "cara": cara, "mentees": mentees}


EXPECTED_ROWS = {
    ("Now", "Requests waiting for an answer"): 2,
    ("Now", "Requests past their deadline"): 1,
    ("Now", "Applications waiting to be matched"): 1,
    ("Now", "Bios waiting for review"): 1,
    ("Now", "Invitations not used"): 1,
    ("Now", "Active partnerships with no meeting for 6 weeks"): 1,
    ("Now", "Feedback not returned"): 2,
    ("Now", "People on waiting lists"): 1,
    ("Now", "Mentors with a waiting list"): 1,
    ("Now", "Mentees reminded, and not asked for a mentor since"): 0,
    ("Now", "Mentees asked whether they still want a mentor"): 0,
    ("Now", "Mentees who said yes, keep looking"): 0,
    ("Now", "Mentees who said they no longer need a mentor"): 0,
    ("Requests", "Mentees' requests: sent"): 6,
    ("Requests", "Mentees' requests: accepted"): 2,
    ("Requests", "Mentees' requests: declined"): 1,
    ("Requests", "Mentees' requests: not answered in time"): 1,
    ("Requests", "Mentees' requests: withdrawn"): 1,
    ("Requests", "Mentees' requests: cancelled"): 1,
    ("Requests", "Proposals: sent"): 2,
    ("Requests", "Proposals: accepted"): 1,
    ("Requests", "Proposals: declined"): 1,
    ("Requests", "Proposals: not answered in time"): 0,
    ("Requests", "Proposals: withdrawn"): 0,
    ("Requests", "Proposals: cancelled"): 0,
    ("Requests", "Declined: I have no space for another mentee"): FEWER_THAN_5,
    ("Requests", "Declined: Our availability does not fit"): FEWER_THAN_5,
    ("Partnerships", "Started"): 3,
    ("Partnerships", "Completed"): 1,
    ("Partnerships", "Ended early"): 1,
    ("Partnerships", "Ended early: We don't click"): FEWER_THAN_5,
    ("Partnerships", "Ended early: Circumstances changed"): 0,
    ("Partnerships", "Ended early: Another reason"): 0,
    ("Partnerships", "Extensions asked for"): 1,
    ("Partnerships", "Extensions approved"): 2,
    ("Sessions", "Held"): 3,
    ("Sessions", "Cancelled"): 2,
    ("Sessions", "Cancelled late"): 1,
    ("Responsiveness", "Requests answered by mentors"): 5,
    ("Responsiveness", "Median working days to answer"): 2.0,
    ("Responsiveness", "90th percentile working days to answer"): 4.2,
    ("Responsiveness", "Requests not answered in time"): 1,
    ("Responsiveness", "Not answered in time (%)"): 16.7,
    ("Responsiveness", "Answered in 0 working days"): 1,
    ("Responsiveness", "Answered in 1 working days"): 1,
    ("Responsiveness", "Answered in 2 working days"): 1,
    ("Responsiveness", "Answered in 3 working days"): 1,
    ("Responsiveness", "Answered in 4 working days"): 0,
    ("Responsiveness", "Answered in 5 or more working days"): 1,
    ("Reach", "Mentees"): 12,
    ("Reach", "Mentors on the register"): 3,
    ("Reach", "Mentees by training status: Currently out of training"): 12,
    ("Reach", "Mentees by grade: CT1"): FEWER_THAN_5,
    ("Reach", "Mentors by grade: CT1"): 0,
    ("Reach", "Mentees by grade: ST3"): 11,
    ("Reach", "Mentors by grade: ST3"): FEWER_THAN_5,
    ("Reach", "Mentees by specialty school: School of Surgery"): 12,
    ("Reach", "Mentors by specialty school: School of Surgery"): FEWER_THAN_5,
    ("Reach", "Mentees by trust: North Trust"): 12,
    ("Reach", "Mentors by trust: North Trust"): FEWER_THAN_5,
    ("Reach", "Mentees by region: North West"): 12,
    ("Reach", "Mentors by region: North West"): FEWER_THAN_5,
    ("Reach", "Mentees never matched"): 8,
    ("Reach", "Mentors with no mentee"): 1,
    ("Reach", "Places offered"): 5,
    ("Reach", "Places taken"): 2,
    # Sign-up on 1 September; first requests on 5 and 20 October, 2, 10 and 16
    # November, 1, 14 and 25 December: 34, 49, 62, 70, 76, 91, 104, 115 days.
    ("Reach", "Median days from sign-up to first request"): 73.0,
    ("Reach", "Median days from sign-up to first meeting"): 49.0,
    ("Feedback", "Surveys sent"): 5,
    ("Feedback", "Surveys returned"): 3,
    ("Feedback", "Response rate (%)"): 60.0,
    ("Feedback", "Mid-point, mentees: answers"): FEWER_THAN_5,
    ("Feedback", "Mid-point, mentors: answers"): 0,
    ("Feedback", "End, mentees: answers"): FEWER_THAN_5,
    ("Feedback", "End, mentors: answers"): FEWER_THAN_5,
}
for stage in ("Mid-point", "End"):
    for role in ("mentees", "mentors"):
        for rating in ("overall", "felt heard", "would recommend"):
            EXPECTED_ROWS["Feedback", f"{stage}, {role}: {rating}"] = FEWER_THAN_5


def test_every_figure_of_the_quarter(history, django_assert_max_num_queries):
    figures = scheme_figures(Q4, now=NOW)

    rows = figures.as_rows()
    assert len(rows) == len({(s, n) for s, n, _ in rows}), "each figure once"
    assert {(s, n): v for s, n, v in rows} == EXPECTED_ROWS

    assert [(p.mentor_name, p.working_days_left, p.overdue) for p in figures.pending] == [
        ("Cara Cole", 0, True),
        ("Alice Ashdown", 4, False),  # Wednesday 6 to Monday 11 January
    ]
    assert [
        (m.label, m.requests_sent, m.accepted, m.declined, m.expired, m.sessions_held)
        for m in figures.monthly
    ] == [
        ("Oct 2026", 2, 1, 0, 0, 2),
        ("Nov 2026", 3, 1, 1, 1, 1),
        ("Dec 2026", 3, 1, 1, 0, 0),
    ]
    assert figures.monthly[0].month == datetime.date(2026, 10, 1)
    assert figures.answer_times == [
        ("0 working days", 1),
        ("1", 1),
        ("2", 1),
        ("3", 1),
        ("4", 0),
        ("5 or more", 1),
    ]
    assert [
        (m.name, m.answered, m.median, m.p90, m.expired) for m in figures.mentors_sorted("name")
    ] == [
        ("Alice Ashdown", 3, 2.0, 4.4, 0),
        ("Bob Brook", 2, 2.0, 2.8, 1),
    ]
    assert [m.name for m in figures.mentors_sorted("expired")] == ["Bob Brook", "Alice Ashdown"]
    assert [m.name for m in figures.mentors_sorted("p90")] == ["Alice Ashdown", "Bob Brook"]
    assert figures.feedback_averages == []  # fewer than 5 answers each
    assert list(feedback_comments(Q4)) == [
        "Apples and pears, a good experience",
        "Zebra crossings of the mind: it helped",
    ]


class Tables(HTMLParser):
    """Each table's rows as cell texts, by the id of the table or of its figure."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: list[str | None] = []
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("figure", "table", "div", "section"):
            self.ids.append(attrs.get("id"))
        if tag == "table":
            name = next((i for i in reversed(self.ids) if i), "")
            self.current = self.tables.setdefault(name, [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []
        elif tag == "span" and (self.hidden or attrs.get("aria-hidden") == "true"):
            self.hidden += 1

    def handle_endtag(self, tag):
        if tag in ("figure", "table", "div", "section") and self.ids:
            self.ids.pop()
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None and self.current is not None:
            self.current[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "span" and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if self.cell is not None and not self.hidden:
            self.cell.append(data)


def tables_of(response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


@pytest.fixture
def team_client(client, scheme_admin):
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    return client


def test_every_figure_on_the_page(history, team_client):
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 October 2026 to 31 December 2026" in html
    t = tables_of(response)
    assert t["now-table"][1:] == [
        ["Requests waiting for a mentor's answer", "2"],
        ["Requests past their deadline", "1"],
        ["Applications waiting to be matched", "1"],
        ["Bios waiting for review", "1"],
        ["Invitations not used yet", "1"],
        ["Active partnerships with no meeting for 6 weeks", "1"],
        ["Feedback surveys not returned", "2"],
        ["People on waiting lists", "1"],
        ["Mentors with a waiting list", "1"],
    ]
    pending = t["pending-table"][1:]
    assert [[row[1], row[4]] for row in pending] == [
        ["Cara Cole", "Past the deadline"],
        ["Alice Ashdown", "4"],
    ]
    assert pending[1][2:4] == ["Monday 4 January 2027", "Monday 11 January 2027"]
    assert t["requests-table"] == [
        ["Outcome", "Mentees' requests", "Proposals"],
        ["Sent", "6", "2"],
        ["Accepted", "2", "1"],
        ["Declined", "1", "1"],
        ["Not answered in time", "1", "0"],
        ["Withdrawn by the mentee", "1", "0"],
        ["Cancelled by the scheme team", "1", "0"],
    ]
    assert t["declined-table"][1:] == [
        ["I have no space for another mentee", "fewer than 5"],
        ["Our availability does not fit", "fewer than 5"],
    ]
    assert t["partnerships-table"][1:] == [
        ["Partnerships started", "3"],
        ["Partnerships completed", "1"],
        ["Partnerships ended early", "1"],
        ["Sessions held", "3"],
        ["Sessions cancelled", "2"],
        ["Sessions cancelled at short notice", "1"],
        ["Extensions asked for", "1"],
        ["Extensions approved", "2"],
    ]
    assert t["ended-early-table"][1:] == [
        ["We don't click", "fewer than 5"],
        ["Circumstances changed", "0"],
        ["Another reason", "0"],
    ]
    assert t["requests-chart"] == [
        ["Month", "Requests sent", "Accepted", "Declined", "Not answered in time"],
        ["Oct 2026", "2", "1", "0", "0"],
        ["Nov 2026", "3", "1", "1", "1"],
        ["Dec 2026", "3", "1", "1", "0"],
    ]
    assert t["sessions-chart"][1:] == [["Oct 2026", "2"], ["Nov 2026", "1"], ["Dec 2026", "0"]]
    assert t["responsiveness-table"][1:] == [
        ["Requests answered by mentors", "5"],
        ["Median working days to answer", "2.0"],
        ["90th percentile working days to answer", "4.2"],
        ["Requests not answered in time", "1"],
        ["Not answered in time (per cent)", "16.7%"],
    ]
    assert t["answer-times-chart"][1:] == [
        ["0 working days", "1"],
        ["1", "1"],
        ["2", "1"],
        ["3", "1"],
        ["4", "0"],
        ["5 or more", "1"],
    ]
    assert t["mentors-table"] == [
        ["Mentor", "Answered", "Median working days", "90th percentile", "Not answered in time"],
        ["Alice Ashdown", "3", "2.0", "4.4", "0"],
        ["Bob Brook", "2", "2.0", "2.8", "1"],
    ]
    reach = {rows[0][0]: rows[1:] for name, rows in t.items() if name.startswith("reach-")}
    assert reach == {
        "Training status": [["Currently out of training", "12"]],
        "Grade": [["CT1", "fewer than 5", "0"], ["ST3", "11", "fewer than 5"]],
        "Specialty school": [["School of Surgery", "12", "fewer than 5"]],
        "Trust": [["North Trust", "12", "fewer than 5"]],
        "Region": [["North West", "12", "fewer than 5"]],
    }
    assert t["places-table"][1:] == [
        ["Mentees", "12"],
        ["Mentees never matched", "8"],
        ["Mentors on the register", "3"],
        ["Mentors with no mentee", "1"],
        ["Places offered (mentors taking requests)", "5"],
        ["Places taken (open partnerships)", "2"],
        ["Median days from sign-up to first request (first requests in the period)", "73.0"],
        ["Median days from sign-up to first meeting (first meetings in the period)", "49.0"],
    ]
    assert t["surveys-table"][1:] == [
        ["Surveys sent in the period", "5"],
        ["Of those, returned", "3"],
        ["Response rate", "60.0%"],
    ]
    assert t["feedback-table"][1:] == [
        ["Mid-point, mentees", "fewer than 5"],
        ["Mid-point, mentors", "0"],
        ["End, mentees", "fewer than 5"],
        ["End, mentors", "fewer than 5"],
    ]
    assert "No averages to show: each survey had fewer than 5 answers" in html
    comments = re.findall(r'<ul class="app-comments">(.*?)</ul>', html, re.S)[0]
    assert re.findall(r"<li>(.*?)</li>", comments) == [
        "Apples and pears, a good experience",
        "Zebra crossings of the mind: it helped",
    ]


def test_the_per_mentor_table_sorts_on_the_server(history, team_client):
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY + "&sort=expired")
    rows = tables_of(response)["mentors-table"]
    assert [r[0] for r in rows[1:]] == ["Bob Brook", "Alice Ashdown"]
    assert 'aria-sort="descending"' in response.content.decode()
    # An unknown column sorts by name.
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY + "&sort=x';--")
    assert [r[0] for r in tables_of(response)["mentors-table"][1:]] == [
        "Alice Ashdown",
        "Bob Brook",
    ]


def test_a_period_ending_on_a_bank_holiday(history):
    """Sent at 23:30 on Christmas Day (a Friday, a bank holiday): in a period ending that
    day; answered on Tuesday 29 December, after Monday 28's bank holiday: 1 working day,
    in the period from 26 December."""
    to_christmas = scheme_figures(
        Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 25)), now=NOW
    )
    assert to_christmas.own_requests.sent == 2  # 14 and 25 December
    assert to_christmas.own_requests.accepted == 0
    assert to_christmas.proposals.sent == 1
    after = scheme_figures(
        Period(datetime.date(2026, 12, 26), datetime.date(2026, 12, 31)), now=NOW
    )
    assert after.own_requests.sent == 0
    assert after.own_requests.accepted == 1
    assert after.answer_times[1] == ("1", 1)
    assert after.partnerships_started == 1
    # A period that ends on the bank holiday Monday leaves the Tuesday's answer out.
    to_monday = scheme_figures(
        Period(datetime.date(2026, 12, 26), datetime.date(2026, 12, 28)), now=NOW
    )
    assert to_monday.own_requests.accepted == 0
    assert to_monday.answered == 0


def test_the_uk_day_decides_the_month(history):
    """A meeting at 23:30 UTC on 30 September is at 00:30 on 1 October in the UK."""
    october = scheme_figures(
        Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)), now=NOW
    )
    assert october.sessions_held == 2  # 1 and 20 October
    september = scheme_figures(
        Period(datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)), now=NOW
    )
    assert september.sessions_held == 1


def test_averages_of_five_answers_or_more_are_shown(db):
    for n, rating in enumerate((5, 4, 4, 3, 5)):
        partnership = PartnershipFactory(started_at=at(2026, 10, 1), state=PartnershipState.ACTIVE)
        Feedback.objects.create(
            partnership=partnership,
            respondent=partnership.mentee,
            respondent_role="mentee",
            stage=FeedbackStage.MIDPOINT,
            requested_at=at(2026, 11, 1),
            submitted_at=at(2026, 11, 2 + n),
            rating_overall=rating,
            rating_felt_heard=4,
            rating_would_recommend=None if n == 0 else 5,
        )
    figures = scheme_figures(Q4, now=NOW)
    assert figures.feedback_averages == [
        ("Mid-point, mentees: overall", 4.2),
        ("Mid-point, mentees: felt heard", 4.0),
        ("Mid-point, mentees: would recommend", 5.0),
    ]
    rows = {(s, n): v for s, n, v in figures.as_rows()}
    assert rows["Feedback", "Mid-point, mentees: answers"] == 5
    assert rows["Feedback", "Mid-point, mentees: overall"] == 4.2


def test_a_quiet_partnership_follows_the_setting(history):
    scheme = SchemeSettings.load()
    scheme.quiet_partnership_weeks = 8  # since 10 November: the meeting on the 17th counts
    scheme.save()
    figures = scheme_figures(Q4, now=NOW)
    assert figures.quiet_partnerships == 0
    assert ("Now", "Active partnerships with no meeting for 8 weeks", 0) in figures.as_rows()


def test_the_page_holds_no_mentoring_content(history, team_client):
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY)
    html = response.content.decode()
    for secret in SECRETS:
        assert secret not in html
    assert "Menteename" not in html  # no mentee's name anywhere
    # Comments stand alone: no name, role or date in the same item.
    for item in re.findall(r"<li>(.*?)</li>", html):
        if "Zebra" in item or "Apples" in item:
            assert "Cole" not in item
            assert "mentor" not in item.lower()
    rows = scheme_figures(Q4, now=NOW).as_rows()
    flat = " ".join(f"{s} {n} {v}" for s, n, v in rows)
    for secret in SECRETS:
        assert secret not in flat
    assert "Zebra" not in flat  # comments are not figures


def test_period_choices(history, team_client):
    url = reverse("reports:dashboard")
    default = team_client.get(url)
    month = team_client.get(url + "?period=month")
    year = team_client.get(url + "?period=year")
    assert "1 January 2027 to 31 March 2027" in default.content.decode()
    assert "January 2027" in month.content.decode()
    assert "1 January 2027 to 31 December 2027" in year.content.decode()
    assert tables_of(default)["now-table"][1] == ["Requests waiting for a mentor's answer", "2"]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("?period=range&from=2026-02-30&to=2026-03-01", "Enter the start date as a real date"),
        ("?period=range&from=&to=2026-03-01", "Enter the start date"),
        (
            "?period=range&from=2026-03-01&to=2026-02-01",
            "The end date must be the same as or after",
        ),
        ("?period=range&from=2020-01-01&to=2026-01-01", "Choose a period of 5 years or less"),
        ("?period=fortnight", "Choose a period from the list"),
        ("?from=99999-01-01&to=2026-01-01", "Enter the start date as a real date"),
    ],
)
def test_a_wrong_period_is_explained_not_a_failure(team_client, query, error):
    response = team_client.get(reverse("reports:dashboard") + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert error in html
    assert "<title>Error: Scheme figures" in html


def test_links_to_the_exports_keep_the_period(team_client):
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY)
    html = response.content.decode()
    for kind in ("register", "activity", "meetings", "feedback", "figures"):
        for fmt in ("csv", "xlsx"):
            address = reverse("reports:export", kwargs={"kind": kind, "fmt": fmt})
            assert f"{address}?period=range&amp;from=2026-10-01&amp;to=2026-12-31" in html


def test_who_may_see_the_page(client, mentee, mentor, scheme_admin, settings):
    url = reverse("reports:dashboard")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for user in (mentee, mentor):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(scheme_admin)  # no two-factor yet: treated as anyone else
    assert client.get(url).status_code == 404
    give_two_factor(scheme_admin)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405


def test_linked_from_the_admin_and_the_dashboard(client, scheme_admin):
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    figures = reverse("reports:dashboard")
    admin_index = client.get(reverse("admin:index")).content.decode()
    assert f'href="{figures}">See the scheme\'s figures</a>' in admin_index
    assert f'<a href="{figures}">Scheme figures</a>' in admin_index  # beside the user's links
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert f'href="{figures}"' in dashboard


def test_not_linked_for_people_outside_the_scheme_team(client, mentee):
    client.force_login(mentee)
    assert reverse("reports:dashboard") not in client.get(reverse("dashboard")).content.decode()


def test_the_nearest_deadlines_are_listed_and_all_counted(history, team_client, monkeypatch):
    monkeypatch.setattr("reports.figures.PENDING_LISTED", 1)
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY)
    t = tables_of(response)
    assert t["now-table"][1:3] == [
        ["Requests waiting for a mentor's answer", "2"],
        ["Requests past their deadline", "1"],
    ]
    assert [row[1] for row in t["pending-table"][1:]] == ["Cara Cole"]
    assert (
        "The 1 nearest deadlines of 2 requests waiting for an answer." in response.content.decode()
    )


def test_reach_follows_the_public_health_profile(db):
    scheme = SchemeSettings.load()
    scheme.profile = "public_health"
    scheme.save()
    for _ in range(5):
        MenteeProfileFactory(
            grade=None, school=None, trust=None, training_status="", organisation="UKHSA"
        )
    MenteeProfileFactory(grade=None, school=None, trust=None, training_status="", nation="wales")
    MentorProfileFactory(organisation="UKHSA", nation="scotland")
    figures = scheme_figures(Q4, now=NOW)
    assert {b.title: b.rows for b in figures.breakdowns} == {
        "Organisation": [("UKHSA", 5, FEWER_THAN_5), ("Not given", FEWER_THAN_5, 0)],
        "UK nation": [
            ("Scotland", 0, FEWER_THAN_5),
            ("Wales", FEWER_THAN_5, 0),
            ("Not given", 5, 0),
        ],
    }


def test_averages_of_five_answers_are_drawn(team_client):
    for n in range(5):
        partnership = PartnershipFactory(started_at=at(2026, 10, 1), state=PartnershipState.ACTIVE)
        Feedback.objects.create(
            partnership=partnership,
            respondent_role="mentor",
            stage=FeedbackStage.END,
            requested_at=at(2026, 11, 1),
            submitted_at=at(2026, 11, 2 + n),
            rating_overall=4,
            rating_felt_heard=5,
            rating_would_recommend=3,
        )
    response = team_client.get(reverse("reports:dashboard") + Q4_QUERY)
    assert tables_of(response)["feedback-chart"] == [
        ["Rating", "End, mentors"],
        ["Overall", "4.0"],
        ["Felt heard", "5.0"],
        ["Would recommend", "3.0"],
    ]


def test_the_per_mentor_table_pages_through(history, team_client, monkeypatch):
    monkeypatch.setattr("reports.dashboard.MENTORS_PER_PAGE", 1)
    url = reverse("reports:dashboard") + Q4_QUERY + "&sort=expired"
    first = team_client.get(url)
    assert [r[0] for r in tables_of(first)["mentors-table"][1:]] == ["Bob Brook"]
    assert "mentors=2" in first.content.decode()
    second = team_client.get(url + "&mentors=2")
    assert [r[0] for r in tables_of(second)["mentors-table"][1:]] == ["Alice Ashdown"]


def test_five_years_month_by_month(history, team_client):
    response = team_client.get(
        reverse("reports:dashboard") + "?period=range&from=2022-01-01&to=2026-12-31"
    )
    assert response.status_code == 200
    months = tables_of(response)["requests-chart"][1:]
    assert len(months) == 60
    assert months[-1] == ["Dec 2026", "3", "1", "1", "0"]
    assert months[0][0] == "Jan 2022"


def test_a_period_cut_mid_month_counts_its_own_days(history):
    figures = scheme_figures(
        Period(datetime.date(2026, 11, 15), datetime.date(2026, 12, 9)), now=NOW
    )
    assert [
        (m.label, m.requests_sent, m.accepted, m.declined, m.expired) for m in figures.monthly
    ] == [("Nov 2026", 1, 1, 0, 1), ("Dec 2026", 1, 0, 1, 0)]


def test_a_proposal_the_mentor_agreed_to_is_not_their_expiry(history):
    bob = history["bob"]
    application = MatchApplication.objects.create(
        mentee=history["mentees"][11], aims="", state=ApplicationState.WAITING
    )
    MentoringRequestFactory(
        mentee=history["mentees"][11],
        mentor=bob,
        application=application,
        created_at=at(2026, 12, 7, 9),  # a Monday
        response_deadline=at(2026, 12, 14, 23, 59, 59),
        state=RequestState.EXPIRED,
        answered_at=at(2026, 12, 15, 0, 5),
        mentor_agreed_at=at(2026, 12, 8, 9),  # 1 working day; the mentee never answered
    )
    figures = scheme_figures(Q4, now=NOW)
    assert figures.proposals.expired == 1
    assert figures.expired_for_rate == 1  # still only Bob's request of 10 November
    assert figures.answered == 6
    bob_row = next(m for m in figures.mentors if m.name == "Bob Brook")
    assert (bob_row.answered, bob_row.expired) == (3, 1)


def test_comments_page_through(history, team_client, monkeypatch):
    monkeypatch.setattr("reports.dashboard.COMMENTS_PER_PAGE", 1)
    url = reverse("reports:dashboard") + Q4_QUERY
    first = team_client.get(url).content.decode()
    assert "2 comments, in the order of their text" in first
    assert "Apples and pears" in first
    assert "Zebra crossings" not in first
    second = team_client.get(url + "&comments=2").content.decode()
    assert "Zebra crossings of the mind: it helped" in second
