"""The scheme team's matching queue: suggested mentors with their reasons, the queue and
application pages in admin, and proposing a match from there."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from accounts.rules import SCHEME_ADMIN_GROUP
from requests_app.matching import significant_words, suggested_mentors
from requests_app.models import (
    ApplicationState,
    MatchApplication,
    MeetingMode,
    PartnershipState,
    ProposalDeclineReason,
    RequestState,
)
from scheme.models import MatchingMode, SchemeSettings
from tests.factories import (
    GradeFactory,
    MenteeFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
    give_two_factor,
)
from tests.test_query_budgets import FEW, MANY, growing, page_queries


def apply(mentee, **fields) -> MatchApplication:
    values = {
        "aims": "Confidence after leave",
        "help_areas": "Rota planning and confidence",
        "preferred_mode": MeetingMode.VIDEO,
        "avoid_own_workplace": True,
    }
    return MatchApplication.objects.create(mentee=mentee, **{**values, **fields})


def register_mentor(last_name: str, **fields):
    """A published mentor who meets by video, with a bio that mentions nothing asked."""
    values = {
        "first_name": "Sam",
        "last_name": last_name,
        "school": SchoolFactory(name="School of Surgery"),
        "grade": GradeFactory(name="ST6"),
        "trust": TrustFactory(name="Barts Health NHS Trust", region="London"),
        "supportt_experience": "I like cycling.",
        "motivation": "",
        "meets_virtually": True,
        "meets_face_to_face": False,
        "capacity": 1,
    }
    return MentorProfileFactory(**{**values, **fields})


@pytest.fixture
def known_register(mentee):
    """The mentee: School of Medicine, ST4, Leeds (West Yorkshire); and five mentors."""
    bradford = TrustFactory(name="Bradford Teaching Hospitals", region="West Yorkshire")
    return {
        "best": register_mentor(
            "Best",
            school=SchoolFactory(),
            grade=GradeFactory(),
            trust=bradford,
            supportt_experience="Rota PLANNING was my worry; confidence came back slowly.",
        ),
        "roomy": register_mentor("Roomy", capacity=3),
        "fine": register_mentor("Fine"),
        "adams": register_mentor("Adams"),
        "in_person": register_mentor(
            "Apple", meets_virtually=False, meets_face_to_face=True, school=SchoolFactory()
        ),
    }


# --- Suggestions -------------------------------------------------------------------------


def test_significant_words_leave_out_short_and_common_words():
    assert significant_words("Rota planning and confidence", "Confidence after leave") == [
        "rota",
        "planning",
        "confidence",
        "leave",
    ]
    assert significant_words("one two three four five six seven eight", limit=3) == [
        "three",
        "four",
        "five",
    ]


def test_suggestions_are_ranked_by_criteria_met_then_places_free_then_name(mentee, known_register):
    suggestions = suggested_mentors(apply(mentee))

    assert [(s.mentor.last_name, s.score, s.places_free) for s in suggestions] == [
        ("Best", 5, 1),
        ("Roomy", 1, 3),
        ("Adams", 1, 1),
        ("Apple", 1, 1),  # same school, but no video: one criterion as well
        ("Fine", 1, 1),
    ]
    assert suggestions[0].reasons == [
        "Meets by video call, as the mentee prefers",
        "Same school: School of Medicine",
        "Same region: West Yorkshire",
        "Same grade: ST4",
        "Bio mentions: rota, planning, confidence",
    ]
    assert suggestions[1].reasons == ["Meets by video call, as the mentee prefers"]
    assert suggestions[3].reasons == ["Same school: School of Medicine"]


def test_face_to_face_preference_and_a_nation_in_common(mentee, known_register):
    mentee.mentee_profile.nation = "wales"
    mentee.mentee_profile.save()
    known_register["adams"].nation = "wales"
    known_register["adams"].save()

    suggestions = suggested_mentors(apply(mentee, preferred_mode=MeetingMode.FACE_TO_FACE))

    by_name = {s.mentor.last_name: s for s in suggestions}
    assert by_name["Apple"].reasons == [
        "Meets face to face, as the mentee prefers",
        "Same school: School of Medicine",
    ]
    assert by_name["Adams"].reasons == ["Same nation: Wales"]
    assert by_name["Roomy"].reasons == []
    assert suggestions[0].mentor.last_name == "Best"


def test_the_limit_is_applied(mentee, known_register):
    assert [s.mentor.last_name for s in suggested_mentors(apply(mentee), limit=2)] == [
        "Best",
        "Roomy",
    ]


def test_only_mentors_with_space_offered_are_suggested(mentee, known_register):
    full = register_mentor("Full")
    PartnershipFactory(request__mentor=full, state=PartnershipState.ACTIVE)
    register_mentor("Paused", is_paused=True)
    register_mentor("Closed", capacity=0)
    register_mentor("Draft", status="draft")
    # A place held by a match proposed to someone else and waiting for answers.
    held = register_mentor("Held")
    other = MenteeFactory()
    MentoringRequestFactory(mentee=other, mentor=held, application=apply(other))

    names = {s.mentor.last_name for s in suggested_mentors(apply(mentee))}

    assert names == {"Best", "Roomy", "Fine", "Adams", "Apple"}


def test_never_the_mentee_themself_nor_a_mentor_proposed_to_them_before(mentee, known_register):
    register_mentor("Myself", user=mentee, email=mentee.email)
    earlier = apply(mentee, state=ApplicationState.WITHDRAWN, closed_at=timezone.now())
    MentoringRequestFactory(
        mentee=mentee,
        mentor=known_register["best"],
        application=earlier,
        state=RequestState.REJECTED,
        decline_reason=ProposalDeclineReason.NOT_NOW,
    )
    # A mentee's own request to a mentor is not a proposal: that mentor may be proposed.
    MentoringRequestFactory(mentee=mentee, mentor=known_register["fine"], state="expired")

    names = [s.mentor.last_name for s in suggested_mentors(apply(mentee))]

    assert names == ["Roomy", "Adams", "Apple", "Fine"]


@pytest.mark.parametrize(
    ("kind", "avoided"),
    [("supportt", {"Colleague"}), ("public_health", {"Neighbour"})],
)
def test_nobody_from_the_mentees_own_organisation_when_they_ask(
    kind, avoided, mentee, known_register
):
    """The workplace compared is the one the scheme asks about: a trust for SuppoRTT,
    an organisation for a public health network."""
    scheme = SchemeSettings.load()
    scheme.profile = kind
    scheme.save()
    profile = mentee.mentee_profile
    profile.organisation = "Public Health Wales"
    profile.save()
    register_mentor("Colleague", trust=profile.trust)
    register_mentor("Neighbour", trust=None, organisation="public health wales")

    avoiding = {s.mentor.last_name for s in suggested_mentors(apply(mentee))}
    MatchApplication.objects.all().delete()
    not_avoiding = {
        s.mentor.last_name for s in suggested_mentors(apply(mentee, avoid_own_workplace=False))
    }

    # The same trust, or the same organisation whatever its capitals.
    assert not_avoiding - avoiding == avoided


def test_suggestions_cost_the_same_queries_whatever_the_register(
    mentee, known_register, django_assert_num_queries
):
    application = apply(mentee)
    SchemeSettings.cached()  # read once a minute, not per page
    with django_assert_num_queries(2):
        suggested_mentors(application)
    for n in range(20):
        register_mentor(f"More{n:02d}", supportt_experience="Confidence, rota and leave.")
    with django_assert_num_queries(2):
        assert len(suggested_mentors(application)) == 10


# --- The queue and the application's page in admin -------------------------------------------

QUEUE = "/admin/requests_app/matchapplication/"


@pytest.fixture
def proposing(db):
    """The scheme team proposes matches."""
    scheme = SchemeSettings.load()
    scheme.matching_mode = MatchingMode.ADMIN_PROPOSES
    scheme.save()
    return scheme


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = True
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    return client


def page_url(application: MatchApplication) -> str:
    return reverse("admin:requests_app_matchapplication_change", args=[application.pk])


def propose_url(application: MatchApplication) -> str:
    return reverse("admin:requests_app_matchapplication_propose", args=[application.pk])


def test_the_queue_lists_waiting_applications_first_oldest_first(admin_client, proposing):
    now = timezone.now()
    people = {name: MenteeFactory(first_name=name, last_name="Applicant") for name in "ABCD"}
    apply(people["A"], created_at=now - datetime.timedelta(days=1))
    apply(people["B"], created_at=now - datetime.timedelta(days=9))
    apply(people["C"], created_at=now - datetime.timedelta(days=20), state="withdrawn")
    proposed = apply(people["D"], created_at=now - datetime.timedelta(days=30), state="proposed")
    MentoringRequestFactory(mentee=people["D"], application=proposed)

    response = admin_client.get(QUEUE)

    assert response.status_code == 200
    rows = [(a.mentee.first_name, a.proposal_count) for a in response.context["cl"].result_list]
    assert rows == [("B", 0), ("A", 0), ("D", 1), ("C", 0)]
    text = response.content.decode()
    assert "B Applicant" in text
    assert "waiting since" in text.lower()


def test_the_queue_filters_by_state(admin_client, proposing):
    apply(MenteeFactory(first_name="Waiting"))
    apply(MenteeFactory(first_name="Gone"), state="withdrawn")

    response = admin_client.get(QUEUE, {"state__exact": "waiting"})

    assert [a.mentee.first_name for a in response.context["cl"].result_list] == ["Waiting"]


def test_the_application_page_is_read_only_and_shows_suggestions_and_history(
    admin_client, proposing, mentee, known_register
):
    earlier = apply(mentee, state=ApplicationState.WITHDRAWN, closed_at=timezone.now())
    MentoringRequestFactory(
        mentee=mentee,
        mentor=register_mentor("Before"),
        application=earlier,
        state=RequestState.REJECTED,
        answered_by=mentee,
        decline_reason=ProposalDeclineReason.KNOW_EACH_OTHER,
    )
    application = apply(mentee)

    response = admin_client.get(page_url(application))

    assert response.status_code == 200
    text = response.content.decode()
    assert 'name="_save"' not in text  # nothing of the application can be changed
    assert "Rota planning and confidence" in text
    assert [s.mentor.last_name for s in response.context["suggestions"]] == [
        "Best",
        "Roomy",
        "Adams",
        "Apple",
        "Fine",
    ]
    assert "Bio mentions: rota, planning, confidence" in text
    assert text.count(">Propose this match</button>") == 5
    assert f'action="{propose_url(application)}"' in text
    # The history names who said no and why: for the scheme team only.
    assert "Not this time, said the mentee: We know each other or work closely together" in text


def test_no_proposing_while_mentees_choose_their_mentor(admin_client, mentee, known_register):
    response = admin_client.get(page_url(apply(mentee)))

    text = response.content.decode()
    assert "Propose this match" not in text
    assert "change the matching mode" in text


def test_a_mentee_or_mentor_never_reaches_the_queue(client, mentee, mentor):
    application = apply(mentee)
    for user in (mentee, mentor):
        client.force_login(user)
        for url in (QUEUE, page_url(application)):
            response = client.get(url)
            assert response.status_code in (302, 403)
        response = client.post(propose_url(application), {"mentor": mentor.mentor_profile.pk})
        assert response.status_code in (302, 403)
    assert not application.proposals.exists()


def test_the_application_page_never_shows_mentoring_content(
    admin_client, proposing, mentee, known_register
):
    """Agendas, messages and notes stay between the two: only dates and outcomes here."""
    earlier = apply(mentee, state=ApplicationState.MATCHED, closed_at=timezone.now())
    proposal = MentoringRequestFactory(
        mentee=mentee,
        mentor=known_register["fine"],
        application=earlier,
        state=RequestState.ACCEPTED,
        message="SECRET MESSAGE",
        response_message="SECRET ANSWER",
    )
    partnership = PartnershipFactory(request=proposal, state=PartnershipState.COMPLETED)
    partnership.meetings.create(
        starts_at=timezone.now(), mode=MeetingMode.VIDEO, agenda="SECRET AGENDA"
    )

    response = admin_client.get(page_url(apply(mentee)))

    assert "SECRET" not in response.content.decode()


# --- Proposing from the application's page -------------------------------------------------


def test_proposing_a_suggested_mentor(admin_client, proposing, mentee, known_register, committed):
    application = apply(mentee)
    best = known_register["best"]

    response = admin_client.post(propose_url(application), {"mentor": best.pk}, follow=True)

    assert response.redirect_chain == [(page_url(application), 302)]
    proposal = application.proposals.get()
    assert proposal.mentor == best
    assert proposal.state == RequestState.PENDING
    application.refresh_from_db()
    assert application.state == ApplicationState.PROPOSED
    text = response.content.decode()
    assert f"Proposed {best.full_name} to" in text
    # No longer waiting: no more suggestions or buttons; the proposal is in the history.
    assert "Propose this match" not in text
    assert "Waiting for both answers" in text


def test_a_refused_proposal_is_a_message_not_an_error(
    admin_client, proposing, mentee, known_register
):
    application = apply(mentee)
    full = known_register["fine"]
    PartnershipFactory(request__mentor=full, state=PartnershipState.ACTIVE)

    response = admin_client.post(propose_url(application), {"mentor": full.pk}, follow=True)

    assert response.status_code == 200
    assert "no space for another mentee" in response.content.decode()
    assert not application.proposals.exists()


@pytest.mark.parametrize("posted", [{}, {"mentor": "nobody"}])
def test_proposing_without_a_mentor_says_so(admin_client, proposing, mentee, posted):
    application = apply(mentee)

    response = admin_client.post(propose_url(application), posted, follow=True)

    assert "Choose a mentor to propose." in response.content.decode()
    assert not application.proposals.exists()


def test_proposing_needs_a_post(admin_client, proposing, mentee):
    assert admin_client.get(propose_url(apply(mentee))).status_code == 405


def test_proposing_needs_the_permission_to_change_applications(
    admin_client, proposing, mentee, known_register
):
    """Staff who may only look at applications see the suggestions, without buttons."""
    group = Group.objects.get(name=SCHEME_ADMIN_GROUP)
    group.permissions.remove(Permission.objects.get(codename="change_matchapplication"))
    application = apply(mentee)

    page = admin_client.get(page_url(application)).content.decode()
    response = admin_client.post(propose_url(application), {"mentor": known_register["best"].pk})

    assert "Bio mentions" in page
    assert "Propose this match</button>" not in page
    assert response.status_code == 403
    assert not application.proposals.exists()


# --- Query budgets -----------------------------------------------------------------------------

# Admin's own reads (two-factor, the user's permissions), then the page's: the queue's
# count and rows (with each mentee and their proposals so far); the application's page
# reads the application (twice: for the suggestions, and admin's own form), the scheme
# settings, the mentee's profile (twice: the suggestions and "about the mentee"), the
# suggested mentors, the proposals made before, and the application's history.
QUEUE_BUDGET = 4
APPLICATION_BUDGET = 10


def measured(client, url: str, grow) -> list[int]:
    """The page's queries (less the session's own) with FEW, then MANY rows grown."""
    counts = []
    for size in (FEW, MANY):
        grow(size)
        counts.append(len(page_queries(client, url)))
    return counts


def test_the_queue_reads_the_same_queries_whatever_its_length(admin_client, proposing):
    def make():
        mentee = MenteeFactory()
        earlier = apply(mentee, state=ApplicationState.WITHDRAWN, closed_at=timezone.now())
        MentoringRequestFactory(mentee=mentee, application=earlier, state=RequestState.EXPIRED)
        apply(mentee)

    few, many = measured(admin_client, QUEUE, growing(make))

    assert few == many <= QUEUE_BUDGET


def test_the_application_page_reads_the_same_queries_whatever_the_register(
    admin_client, proposing, mentee
):
    """Mentors with space and full ones, and proposals made before: 2 of each, then 30."""
    earlier = apply(mentee, state=ApplicationState.WITHDRAWN, closed_at=timezone.now())
    application = apply(mentee)

    def make():
        proposed = register_mentor("Before", capacity=3, supportt_experience="Rota confidence")
        PartnershipFactory(request__mentor=proposed, state=PartnershipState.ACTIVE)
        MentoringRequestFactory(
            mentee=mentee, mentor=proposed, application=earlier, state=RequestState.EXPIRED
        )
        register_mentor("Spare", capacity=2, supportt_experience="Confidence")

    few, many = measured(admin_client, page_url(application), growing(make))

    assert few == many <= APPLICATION_BUDGET


def test_the_queue_finds_a_mentee_by_name_or_email(admin_client, proposing):
    apply(MenteeFactory(first_name="Asha", last_name="Patel", email="asha@example.nhs.uk"))
    apply(MenteeFactory(first_name="Tom", last_name="Reed", email="tom@example.nhs.uk"))

    for query in ("patel", "asha@example"):
        response = admin_client.get(QUEUE, {"q": query})
        assert [a.mentee.first_name for a in response.context["cl"].result_list] == ["Asha"]
