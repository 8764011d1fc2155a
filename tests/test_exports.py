"""The scheme's exports (CSV and XLSX): exact rows for a known history, no mentoring
content, formula-safe cells, the admin lists' filters, and every download recorded."""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from register.models import MentorStatus
from reports.exports import figures_workbook, safe_cell
from reports.models import ExportRecord
from reports.periods import Period
from requests_app.models import (
    ExtensionRequest,
    Feedback,
    FeedbackStage,
    MatchApplication,
    MeetingMode,
    MeetingState,
    PartnershipState,
    RequestState,
)
from scheme.models import Grade, SchemeProfile, SchemeSettings, School, Trust
from scheme.services import apply_profile
from tests.factories import (
    MeetingFactory,
    MenteeFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    UserFactory,
    give_two_factor,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NOW = datetime.datetime(2027, 4, 2, 12, 0, tzinfo=LONDON)
QUARTER = "period=range&from=2027-01-01&to=2027-03-31"
PERIOD = Period(datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
# Mentoring content, each written somewhere an export must never read.
SECRETS = (
    "SECRET-REQUEST-MESSAGE",
    "SECRET-RESPONSE-NOTE",
    "SECRET-END-NOTE",
    "SECRET-AGENDA",
    "SECRET-CANCELLATION-REASON",
    "SECRET-EXTENSION-REASON",
    "SECRET-APPLICATION-AIMS",
    "SECRET-BOUNDARIES",
)
MENTEE_NAMES = ("Menna", "Teeson")


@pytest.fixture(autouse=True)
def clock():
    """2 April 2027: the quarter asked for (Q1) has passed; logged in at this time too."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: str, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


@pytest.fixture
def history(db):
    """Q1 2027: Ann Archer (published) and Bob Baker (draft) mentors; three requests to
    Ann (accepted, declined, a proposal the mentee said no to), a partnership that ended
    early with a meeting held and one cancelled late; two surveys returned. Before the
    quarter: a request and a partnership that completed in 2026."""
    ann_user = UserFactory(email="ann@example.nhs.uk", last_login=at("2027-01-05", 9))
    ann = MentorProfileFactory(
        user=ann_user,
        first_name="Ann",
        last_name="Archer",
        grade=Grade.objects.create(name="ST5"),
        school=School.objects.create(name="School of Surgery"),
        trust=Trust.objects.create(name="Leeds Teaching Hospitals", region="West Yorkshire"),
        organisation="UKHSA",
        capacity=2,
        invited_at=at("2026-12-01"),
        framework_confirmed_at=at("2026-12-03"),
    )
    bob = MentorProfileFactory(
        first_name="=Bob",  # a name a spreadsheet would read as a formula
        last_name="Baker",
        status=MentorStatus.DRAFT,
        capacity=1,
        photo="mentors/bob.jpg",
        grade=ann.grade,
        school=ann.school,
        trust=ann.trust,
    )
    mentees = [MenteeFactory(first_name=MENTEE_NAMES[0], last_name=MENTEE_NAMES[1]) for _ in "abc"]
    # Before the quarter.
    old = PartnershipFactory(
        request__mentee=mentees[2],
        request__mentor=ann,
        request__created_at=at("2026-11-01"),
        state=PartnershipState.COMPLETED,
        started_at=at("2026-11-03"),
        ended_at=at("2026-12-15"),
    )
    MeetingFactory(partnership=old, starts_at=at("2026-12-01", 18), state=MeetingState.HELD)
    Feedback.objects.create(
        partnership=old,
        respondent=mentees[2],
        respondent_role="mentee",
        stage=FeedbackStage.END,
        submitted_at=at("2026-12-16"),
        rating_overall=1,
        comment="Before the quarter",
    )
    # In the quarter.
    accepted = MentoringRequestFactory(
        mentee=mentees[0],
        mentor=ann,
        state=RequestState.ACCEPTED,
        message="SECRET-REQUEST-MESSAGE",
        response_message="SECRET-RESPONSE-NOTE",
        created_at=at("2027-01-10"),
        answered_at=at("2027-01-12"),
    )
    partnership = PartnershipFactory(
        request=accepted,
        state=PartnershipState.ENDED_EARLY,
        started_at=at("2027-01-12"),
        ended_at=at("2027-03-01"),
        end_reason="no_click",
        end_note="SECRET-END-NOTE",
        contact_boundaries="SECRET-BOUNDARIES",
        sessions_allowed=4,
    )
    MeetingFactory(
        partnership=partnership,
        starts_at=at("2027-01-20", 18),
        state=MeetingState.HELD,
        held_at=at("2027-01-20", 19),
        agenda="SECRET-AGENDA",
    )
    MeetingFactory(
        partnership=partnership,
        starts_at=at("2027-02-10", 8),
        duration_minutes=45,
        mode=MeetingMode.PHONE,
        state=MeetingState.CANCELLED,
        cancelled_at=at("2027-02-09", 20),
        cancelled_late=True,
        cancellation_reason="SECRET-CANCELLATION-REASON",
    )
    ExtensionRequest.objects.create(
        partnership=partnership, requested_by=mentees[0], reason="SECRET-EXTENSION-REASON"
    )
    MentoringRequestFactory(
        mentee=mentees[1],
        mentor=ann,
        state=RequestState.REJECTED,
        decline_reason="at_capacity",
        created_at=at("2027-02-01"),
        answered_at=at("2027-02-02"),
    )
    application = MatchApplication.objects.create(
        mentee=mentees[1], aims="SECRET-APPLICATION-AIMS", state="waiting"
    )
    MentoringRequestFactory(
        mentee=mentees[1],
        mentor=ann,
        application=application,
        state=RequestState.REJECTED,
        decline_reason="not_now",
        created_at=at("2027-03-05"),
        answered_at=at("2027-03-06"),
    )
    for role, who, stage, submitted, ratings, comment in (
        ("mentor", ann_user, "end", "2027-03-02", (3, 3, 4), "Helpful"),
        ("mentee", mentees[0], "midpoint", "2027-02-01", (4, 5, 5), '=HYPERLINK("http://x")'),
        ("mentee", mentees[0], "end", None, (None, None, None), ""),  # not returned
    ):
        Feedback.objects.create(
            partnership=partnership,
            respondent=who,
            respondent_role=role,
            stage=stage,
            submitted_at=at(submitted) if submitted else None,
            rating_overall=ratings[0],
            rating_felt_heard=ratings[1],
            rating_would_recommend=ratings[2],
            comment=comment,
        )
    return {"ann": ann, "bob": bob, "partnership": partnership, "accepted": accepted, "old": old}


@pytest.fixture
def team(scheme_admin):
    give_two_factor(scheme_admin)
    client = Client()
    client.force_login(scheme_admin)
    return client


def download(client: Client, kind: str, fmt: str, query: str = QUARTER):
    return client.get(f"{reverse('reports:export', args=[kind, fmt])}?{query}")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes, sheet: str | None = None) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    found = book[sheet] if sheet else book.active
    return [list(row) for row in found.iter_rows(values_only=True)]


# --- Formula safety ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+44 113", "'+44 113"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ann = fine", "Ann = fine"),
        ("", ""),
        (-3, -3),
        (None, None),
        (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1)),
    ],
)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_gets_a_quote(value, safe):
    assert safe_cell(value) == safe


# --- Exact rows -------------------------------------------------------------------------------

REGISTER_HEADERS = [
    "Name",
    "Grade",
    "Specialty school",
    "Trust",
    "Status",
    "Paused",
    "Capacity",
    "Load (open partnerships)",
    "Invited",
    "Last logged in",
    "Framework confirmed",
    "Trained (latest date)",
    "Supervision",
    "Photo",
]


def test_the_register_in_csv(team, history):
    response = download(team, "register", "csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="register-2027-04-02.csv"'
    assert csv_rows(response) == [
        REGISTER_HEADERS,
        [
            "Ann Archer",
            "ST5",
            "School of Surgery",
            "Leeds Teaching Hospitals",
            "Published on the register",
            "no",
            "2",
            "0",
            "2026-12-01",
            "2027-01-05",
            "2026-12-03",
            "",
            "no",
            "no",
        ],
        [
            "'=Bob Baker",
            "ST5",
            "School of Surgery",
            "Leeds Teaching Hospitals",
            "Draft",
            "no",
            "1",
            "0",
            "",
            "",
            "",
            "",
            "no",
            "yes",
        ],
    ]


def test_the_register_counts_open_partnerships_as_load(team, history):
    PartnershipFactory(request__mentor=history["bob"], state=PartnershipState.ACTIVE)

    rows = csv_rows(download(team, "register", "csv"))

    assert [row[7] for row in rows[1:]] == ["0", "1"]


def test_the_register_asks_what_the_public_health_profile_asks(team, history, scheme_admin):
    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)
    history["ann"].expertise = "Health protection"
    history["ann"].nation = "wales"
    history["ann"].save()

    rows = csv_rows(download(team, "register", "csv"))

    assert rows[0][:4] == ["Name", "Organisation", "Area of expertise", "UK nation"]
    assert "Grade" not in rows[0]
    assert "Trust" not in rows[0]
    assert rows[1][:4] == ["Ann Archer", "UKHSA", "Health protection", "Wales"]
    assert SchemeSettings.load().profile == SchemeProfile.PUBLIC_HEALTH


def test_the_register_in_xlsx_has_dates_and_safe_names(team, history):
    response = download(team, "register", "xlsx")

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="register-2027-04-02.xlsx"'
    rows = xlsx_rows(response.content)
    assert rows[0] == REGISTER_HEADERS
    assert rows[1][0] == "Ann Archer"
    assert rows[1][8] == datetime.datetime(2026, 12, 1)  # a date cell
    assert rows[2][0] == "'=Bob Baker"  # not starting with "=": left alone
    assert rows[2][6:8] == [1, 0]


ACTIVITY_HEADERS = [
    "Record",
    "Number",
    "Request number",
    "Kind",
    "Mentor",
    "Sent",
    "Answered",
    "Outcome",
    "Reason",
    "Started",
    "Ended",
    "Sessions allowed",
    "Sessions held",
    "Sessions cancelled",
]


def test_activity_has_a_row_per_request_and_partnership_of_the_period(team, history):
    response = download(team, "activity", "csv")

    assert response["Content-Disposition"] == (
        'attachment; filename="activity-2027-01-01_2027-03-31.csv"'
    )
    accepted = history["accepted"]
    partnership = history["partnership"]
    rows = csv_rows(response)
    declined, proposal = (accepted.pk + 1, accepted.pk + 2)
    assert rows == [
        ACTIVITY_HEADERS,
        [
            "Request",
            str(accepted.pk),
            "",
            "Own request",
            "Ann Archer",
            "2027-01-10",
            "2027-01-12",
            "Accepted",
            "",
            *[""] * 5,
        ],
        [
            "Request",
            str(declined),
            "",
            "Own request",
            "Ann Archer",
            "2027-02-01",
            "2027-02-02",
            "Declined by the mentor",
            "I have no space for another mentee",
            *[""] * 5,
        ],
        [
            "Request",
            str(proposal),
            "",
            "Proposal",
            "Ann Archer",
            "2027-03-05",
            "2027-03-06",
            "Declined by the mentor",
            "Now is not the right time for me",
            *[""] * 5,
        ],
        [
            "Partnership",
            str(partnership.pk),
            str(accepted.pk),
            "Own request",
            "Ann Archer",
            "",
            "",
            "Ended early",
            "We don't click",
            "2027-01-12",
            "2027-03-01",
            "4",
            "1",
            "1",
        ],
    ]


def test_a_partnership_open_through_the_period_is_in_its_activity(team, history):
    history["old"].state = PartnershipState.ACTIVE
    history["old"].ended_at = None
    history["old"].save()

    rows = csv_rows(download(team, "activity", "csv"))

    assert [row[1] for row in rows if row[0] == "Partnership"] == [
        str(history["old"].pk),
        str(history["partnership"].pk),
    ]


def test_meetings_give_dates_and_states_only(team, history):
    response = download(team, "meetings", "xlsx")

    pk = history["partnership"].pk
    assert xlsx_rows(response.content) == [
        ["Partnership number", "Starts", "Duration (minutes)", "Mode", "State", "Cancelled late"],
        [pk, datetime.datetime(2027, 1, 20, 18), 60, "Video call", "Held", "no"],
        [pk, datetime.datetime(2027, 2, 10, 8), 45, "Phone call", "Cancelled", "yes"],
    ]


def test_feedback_gives_ratings_and_comments_without_who_or_which_partnership(team, history):
    rows = csv_rows(download(team, "feedback", "csv"))

    assert rows == [
        ["Stage", "Role", "Overall", "Felt heard", "Would recommend", "Comment"],
        ["End", "Mentor", "3", "3", "4", "Helpful"],
        ["Mid-point", "Mentee", "4", "5", "5", '\'=HYPERLINK("http://x")'],
    ]


def test_the_figures_sheet_is_the_periods_figures(team, history):
    from reports.figures import scheme_figures

    rows = xlsx_rows(download(team, "figures", "xlsx").content)

    expected = [
        [safe_cell(v) if v != "" else None for v in row]  # an empty cell reads as None
        for row in scheme_figures(PERIOD).as_rows()
    ]
    assert rows[0] == ["Section", "Figure", "Value"]
    assert rows[1:] == expected


def test_the_workbook_has_a_sheet_of_each_export(history):
    content = figures_workbook(PERIOD)

    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Register", "Activity", "Meetings", "Feedback", "Figures"]
    assert len(xlsx_rows(content, "Activity")) == 5
    assert xlsx_rows(content, "Feedback")[2][5] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize("kind", ["register", "activity", "meetings", "feedback", "figures"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_no_export_holds_mentoring_content_or_mentees_names(team, history, kind, fmt):
    response = download(team, kind, fmt)

    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        text = repr(xlsx_rows(response.content))
    for secret in (*SECRETS, *MENTEE_NAMES):
        assert secret not in text


def test_the_workbook_holds_no_mentoring_content(history):
    book = openpyxl.load_workbook(io.BytesIO(figures_workbook(PERIOD)))
    text = repr([list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets])

    for secret in (*SECRETS, *MENTEE_NAMES):
        assert secret not in text


# --- The period -----------------------------------------------------------------------------


def test_the_default_period_is_the_current_quarter(team, history):
    response = download(team, "activity", "csv", query="")

    assert response["Content-Disposition"] == (
        'attachment; filename="activity-2027-04-01_2027-06-30.csv"'
    )
    assert csv_rows(response) == [ACTIVITY_HEADERS]


def test_a_period_that_is_not_one_is_turned_down(team, history):
    response = download(team, "activity", "csv", query="period=range&from=2027-03-01&to=2027-01-01")

    assert response.status_code == 400
    assert ExportRecord.objects.count() == 0


@pytest.mark.parametrize("path", ["exports/payroll.csv", "exports/register.pdf"])
def test_an_unknown_export_or_format_is_not_found(team, path):
    assert team.get(f"/scheme-figures/{path}").status_code == 404


# --- Who may download; the record of each download ------------------------------------------


def test_each_download_is_recorded(team, history, scheme_admin):
    download(team, "activity", "xlsx")
    download(team, "register", "csv")

    activity, register = ExportRecord.objects.order_by("pk")
    assert (activity.who, activity.who_label) == (scheme_admin, f"user #{scheme_admin.pk}")
    assert (activity.kind, activity.fmt, activity.rows) == ("activity", "xlsx", 4)
    assert (activity.period_start, activity.period_end) == (PERIOD.start, PERIOD.end)
    assert activity.at == NOW
    assert (register.kind, register.fmt, register.rows) == ("register", "csv", 2)
    assert (register.period_start, register.period_end, register.filters) == (None, None, "")


def test_mentees_and_mentors_get_not_found_and_visitors_the_log_in_page(mentee, mentor, history):
    url = reverse("reports:export", args=["register", "csv"])
    for user in (mentee, mentor):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert ExportRecord.objects.count() == 0


def test_staff_without_two_factor_get_not_found(scheme_admin, history):
    client = Client()
    client.force_login(scheme_admin)

    assert client.get(reverse("reports:export", args=["register", "csv"])).status_code == 404


def test_superusers_see_the_records_in_admin_and_scheme_admins_do_not(team, history):
    download(team, "register", "csv")
    record = ExportRecord.objects.get()
    superuser = UserFactory(is_staff=True, is_superuser=True)
    give_two_factor(superuser)
    boss = Client()
    boss.force_login(superuser)

    changelist = reverse("admin:reports_exportrecord_changelist")
    change = reverse("admin:reports_exportrecord_change", args=[record.pk])
    assert boss.get(changelist).status_code == 200
    assert f"user #{record.who_id}" in boss.get(change).content.decode()
    assert "Export records" in boss.get(reverse("admin:index")).content.decode()

    assert team.get(changelist).status_code == 403
    assert team.get(change).status_code == 403
    assert "Export records" not in team.get(reverse("admin:index")).content.decode()
    assert (
        boss.post(reverse("admin:reports_exportrecord_delete", args=[record.pk])).status_code == 403
    )


# --- The admin's lists ------------------------------------------------------------------------


def admin_download(client: Client, list_name: str, fmt: str, query: str = ""):
    url = reverse("reports:admin_list_export", args=[list_name, fmt])
    return client.get(f"{url}?{query}" if query else url)


@pytest.mark.parametrize(
    ("url_name", "list_name", "query"),
    [
        ("admin:register_mentorprofile_changelist", "mentors", "status__exact=draft"),
        ("admin:requests_app_mentoringrequest_changelist", "requests", "state__exact=pending"),
        ("admin:requests_app_partnership_changelist", "partnerships", "state__exact=active"),
    ],
)
def test_the_admin_lists_link_to_their_export_with_their_filters(
    team, history, url_name, list_name, query
):
    response = team.get(f"{reverse(url_name)}?{query}&p=1")

    assert response.status_code == 200
    html = response.content.decode()
    for fmt, label in (("csv", "Export CSV"), ("xlsx", "Export XLSX")):
        link = reverse("reports:admin_list_export", args=[list_name, fmt])
        assert f'<a href="{link}?{query}">{label}</a>' in html


def test_an_admin_list_export_follows_the_lists_filter(team, history, mentee):
    pending = MentoringRequestFactory(
        mentee=mentee, mentor=history["ann"], created_at=at("2027-04-01")
    )

    response = admin_download(team, "requests", "csv", "state__exact=pending")

    assert response["Content-Disposition"] == 'attachment; filename="requests-2027-04-02.csv"'
    rows = csv_rows(response)
    assert rows[0] == ACTIVITY_HEADERS
    assert [row[:2] for row in rows[1:]] == [["Request", str(pending.pk)]]
    record = ExportRecord.objects.get()
    assert (record.kind, record.fmt, record.filters, record.rows) == (
        "request_list",
        "csv",
        "state__exact=pending",
        1,
    )
    assert (record.period_start, record.period_end) == (None, None)


def test_the_partnership_and_mentor_lists_export_their_rows(team, history):
    partnerships = csv_rows(admin_download(team, "partnerships", "csv", "state__exact=completed"))
    mentors = xlsx_rows(admin_download(team, "mentors", "xlsx", "status__exact=draft").content)

    assert [row[:2] for row in partnerships[1:]] == [["Partnership", str(history["old"].pk)]]
    assert mentors[0] == REGISTER_HEADERS
    assert [row[0] for row in mentors[1:]] == ["'=Bob Baker"]
    for text in (repr(partnerships), repr(mentors)):
        for secret in SECRETS:
            assert secret not in text


def test_an_admin_list_export_with_filters_the_list_does_not_have_is_turned_down(team, history):
    response = admin_download(team, "requests", "csv", "no_such_field=1")

    assert response.status_code == 400
    assert ExportRecord.objects.count() == 0


def test_admin_list_exports_need_the_scheme_team_and_view_permission(team, scheme_admin, mentee):
    client = Client()
    client.force_login(mentee)
    assert admin_download(client, "requests", "csv").status_code == 404
    assert admin_download(team, "payroll", "csv").status_code == 404

    wanted = ["view_mentoringrequest", "change_mentoringrequest"]
    for permission in Permission.objects.filter(codename__in=wanted):
        for group in scheme_admin.groups.all():
            group.permissions.remove(permission)
    scheme_admin.user_permissions.clear()
    fresh = Client()
    fresh.force_login(type(scheme_admin).objects.get(pk=scheme_admin.pk))
    assert admin_download(fresh, "requests", "csv").status_code == 404
    assert admin_download(fresh, "partnerships", "csv").status_code == 200


def more_history() -> None:
    """Three more partnerships in the quarter, each with a request, meetings and feedback."""
    for day in ("2027-02-03", "2027-02-04", "2027-02-05"):
        partnership = PartnershipFactory(
            request__created_at=at(day, 9),
            state=PartnershipState.ACTIVE,
            started_at=at(day),
        )
        MeetingFactory(partnership=partnership, starts_at=at(day, 18), state=MeetingState.HELD)
        Feedback.objects.create(
            partnership=partnership,
            respondent=partnership.mentee,
            respondent_role="mentee",
            stage=FeedbackStage.MIDPOINT,
            submitted_at=at(day, 20),
            rating_overall=5,
        )


@pytest.mark.parametrize("kind", ["register", "activity", "meetings", "feedback"])
def test_an_export_takes_as_many_queries_whatever_the_rows(history, kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.exports import dataset

    SchemeSettings.cached()  # the scheme's profile, as pages have it: from the cache
    with CaptureQueriesContext(connection) as before:
        small = dataset(kind, PERIOD)
    more_history()
    SchemeSettings.cached()
    with CaptureQueriesContext(connection) as after:
        large = dataset(kind, PERIOD)

    assert large.height > small.height
    assert len(after.captured_queries) == len(before.captured_queries)
