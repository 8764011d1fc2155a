"""The scheme team's matching queue: suggested mentors with their reasons, the queue and
application pages in admin, and proposing a match from there."""


import pytest
from django.utils import timezone

from requests_app.matching import significant_words, suggested_mentors
from requests_app.models import (
    ApplicationState,
    MatchApplication,
    MeetingMode,
    PartnershipState,
    ProposalDeclineReason,
    RequestState,
)
from tests.factories import (
    GradeFactory,
    MenteeFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
)


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


def test_nobody_from_the_mentees_own_organisation_when_they_ask(mentee, known_register):
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

    # Same trust, or the same organisation whatever its capitals.
    assert not_avoiding - avoiding == {"Colleague", "Neighbour"}


def test_suggestions_cost_the_same_queries_whatever_the_register(
    mentee, known_register, django_assert_num_queries
):
    application = apply(mentee)
    with django_assert_num_queries(2):
        suggested_mentors(application)
    for n in range(20):
        register_mentor(f"More{n:02d}", supportt_experience="Confidence, rota and leave.")
    with django_assert_num_queries(2):
        assert len(suggested_mentors(application)) == 10
