"""Searching the register: who may, each filter, the order, the cards and the query budget."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentoring import drawings
from register.models import Gender, MentorProfile, MentorStatus, TimeOfDay, Weekday
from requests_app.search import PAGE_SIZE
from tests.factories import (
    GradeFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
    VirtualPlatformFactory,
    give_two_factor,
)

SEARCH = "/mentors/"
CARD_NAME = re.compile(r'<a class="nhsuk-card__link" href="[^"]*">([^<]+)</a>')


def names(response) -> list[str]:
    assert response.status_code == 200
    # Unescaped: generated names include ones like O'Connor.
    return [unescape(name) for name in CARD_NAME.findall(response.content.decode())]


def cards_by_name(html: str) -> dict[str, str]:
    """Each card's HTML, by the mentor's name."""
    cards = re.split(r'<div class="nhsuk-card[^"]*" id="mentor-\d+"', html)[1:]
    return {unescape(CARD_NAME.search(card).group(1)): card for card in cards}


def mentor(first: str, last: str = "Mentor", **fields) -> MentorProfile:
    return MentorProfileFactory(first_name=first, last_name=last, **fields)


@pytest.fixture
def searching_mentee(client, mentee):
    client.force_login(mentee)
    return mentee


# --- Who may search ---------------------------------------------------------------------


def test_url_name_is_mentor_search():
    assert reverse("mentor_search") == SEARCH


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(SEARCH, {"q": "running"})

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    assert parse_qs(location.query) == {"next": ["/mentors/?q=running"]}


def test_a_mentor_who_is_not_a_mentee_cannot_search(client, mentor):
    client.force_login(mentor)

    assert client.get(SEARCH).status_code == 403


def test_a_user_with_no_role_cannot_search(client, db):
    client.force_login(UserFactory(verified=True))

    assert client.get(SEARCH).status_code == 403


def profile_link(user) -> str:
    return f'href="{reverse("mentor_profile", args=[user.mentor_profile.pk])}"'


def test_a_mentee_can_search(client, mentee, other_mentor):
    client.force_login(mentee)

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert profile_link(other_mentor) in response.content.decode()


def test_a_scheme_admin_can_search(client, scheme_admin, other_mentor):
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert profile_link(other_mentor) in response.content.decode()


def test_a_mentor_who_is_also_a_mentee_can_search_but_not_find_themself(client, mentor):
    MenteeProfileFactory(user=mentor)
    other = MentorProfileFactory(first_name="Olu")
    client.force_login(mentor)

    found = names(client.get(SEARCH))

    assert found == [other.full_name]


def test_search_is_read_only(client, searching_mentee):
    assert client.post(SEARCH).status_code == 405


# --- What is listed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [MentorStatus.DRAFT, MentorStatus.SUBMITTED, MentorStatus.RETIRED]
)
def test_only_published_mentors_appear(client, searching_mentee, status):
    mentor("Published")
    mentor("Hidden", status=status)

    assert names(client.get(SEARCH)) == ["Published Mentor"]


def test_results_show_a_count(client, searching_mentee):
    mentor("Ada")
    mentor("Bea")

    response = client.get(SEARCH)

    assert "2 mentors found" in response.content.decode()


def test_each_card_has_the_small_photo_the_profile_link_and_the_bio_facts(client, searching_mentee):
    from tests.test_pages import give_photo

    m = mentor(
        "Priya",
        "Shah",
        pronouns="she/her",
        grade=GradeFactory(name="ST6"),
        school=SchoolFactory(name="School of Surgery"),
        trust=TrustFactory(name="Hull University Teaching Hospitals NHS Trust", region="Humber"),
        supportt_experience="I was away for a year with my first child. It was a big change.",
        available_days=Weekday.TUESDAY | Weekday.SATURDAY,
        available_times=TimeOfDay.MORNING,
    )
    give_photo(m)

    html = client.get(SEARCH).content.decode()

    photo = m.photo_url("small")  # the address names the upload
    assert (
        f'<img class="app-mentor-card__photo" src="{photo}" alt="Photo of Priya Shah" '
        'width="96" height="96">'
    ) in html
    assert f'href="{reverse("mentor_profile", args=[m.pk])}"' in html
    assert (
        "she/her · ST6 · School of Surgery · Hull University Teaching Hospitals NHS Trust" in html
    )
    assert "I was away for a year with my first child." in html
    assert "It was a big change." not in html  # one line: the first sentence
    assert "Tuesday, Saturday; mornings" in html


def test_each_card_says_how_the_mentor_meets(client, searching_mentee):
    zoom = VirtualPlatformFactory(name="Zoom", position=2)
    teams = VirtualPlatformFactory(name="Microsoft Teams", position=1)
    mentor(
        "Both",
        meets_face_to_face=True,
        face_to_face_location="York Hospital",
        virtual_platforms=[zoom, teams],
    )
    mentor("Online", meets_face_to_face=False, virtual_platforms=[])

    cards = cards_by_name(client.get(SEARCH).content.decode())

    assert (
        "in person (York Hospital); by video or phone (Microsoft Teams, Zoom)"
        in cards["Both Mentor"]
    )
    assert re.search(r"<strong>Meets:</strong>\s*by video or phone</li>", cards["Online Mentor"])


def test_a_mentor_without_a_photo_has_no_broken_image(client, searching_mentee):
    mentor("Nophoto")

    assert "app-mentor-card__photo" not in client.get(SEARCH).content.decode()


def test_full_and_paused_mentors_are_shown_as_not_taking_requests(client, searching_mentee):
    open_mentor = mentor("Open", capacity=2)
    full = mentor("Full", capacity=1)
    PartnershipFactory(mentor=full, request__mentor=full)
    mentor("Paused", is_paused=True)

    html = client.get(SEARCH).content.decode()
    cards = cards_by_name(html)

    assert "Taking requests" in cards[open_mentor.full_name]
    assert "Not taking requests" in cards["Full Mentor"]
    assert "no space for another mentee" in cards["Full Mentor"]
    assert "Not taking requests" in cards["Paused Mentor"]
    assert "paused taking requests" in cards["Paused Mentor"]
    # Requests are sent from the profile page; no card carries a request button.
    assert reverse("requests:send", args=[full.pk]) not in html
    assert "<button" not in "".join(cards.values())


# --- Each filter narrows the results ----------------------------------------------------------


def test_filter_by_school(client, searching_mentee):
    surgery = SchoolFactory(name="School of Surgery")
    mentor("Sue", school=surgery)
    mentor("Med")

    assert names(client.get(SEARCH, {"school": surgery.pk})) == ["Sue Mentor"]


def test_filter_by_grade(client, searching_mentee):
    st7 = GradeFactory(name="ST7")
    mentor("Senior", grade=st7)
    mentor("Junior")

    assert names(client.get(SEARCH, {"grade": st7.pk})) == ["Senior Mentor"]


def test_filter_by_trust(client, searching_mentee):
    hull = TrustFactory(name="Hull University Teaching Hospitals NHS Trust", region="Humber")
    mentor("Hull", trust=hull)
    mentor("Leeds")

    assert names(client.get(SEARCH, {"trust": hull.pk})) == ["Hull Mentor"]


def test_filter_by_gender(client, searching_mentee):
    mentor("Woman", gender=Gender.WOMAN)
    mentor("Man", gender=Gender.MAN)

    assert names(client.get(SEARCH, {"gender": Gender.WOMAN})) == ["Woman Mentor"]


def test_filter_meeting_in_person(client, searching_mentee):
    mentor("Inperson", meets_face_to_face=True, meets_virtually=False)
    mentor("Online", meets_face_to_face=False, meets_virtually=True)

    assert names(client.get(SEARCH, {"meeting": "face_to_face"})) == ["Inperson Mentor"]


def test_filter_meeting_in_person_near_a_place(client, searching_mentee):
    mentor("Leeds", meets_face_to_face=True, face_to_face_location="Leeds General Infirmary")
    mentor("York", meets_face_to_face=True, face_to_face_location="York Hospital")
    mentor("Online", meets_face_to_face=False, face_to_face_location="leeds (old answer)")

    found = names(client.get(SEARCH, {"meeting": "face_to_face", "location": "leeds"}))

    assert found == ["Leeds Mentor"]


def test_filter_meeting_virtually(client, searching_mentee):
    mentor("Inperson", meets_face_to_face=True, meets_virtually=False)
    mentor("Online", meets_face_to_face=False, meets_virtually=True)

    assert names(client.get(SEARCH, {"meeting": "virtual"})) == ["Online Mentor"]


def test_filter_by_virtual_platform(client, searching_mentee):
    zoom = VirtualPlatformFactory(name="Zoom")
    teams = VirtualPlatformFactory(name="Microsoft Teams")
    mentor("Zoomer", virtual_platforms=[zoom])
    mentor("Teamer", virtual_platforms=[teams])
    mentor("Both", virtual_platforms=[zoom, teams])

    found = names(client.get(SEARCH, {"meeting": "virtual", "platform": zoom.pk}))

    assert sorted(found) == ["Both Mentor", "Zoomer Mentor"]


def test_filter_by_days_keeps_mentors_free_on_any_chosen_day(client, searching_mentee):
    mentor("Monday", available_days=Weekday.MONDAY)
    mentor("Weekend", available_days=Weekday.SATURDAY | Weekday.SUNDAY)
    mentor("Midweek", available_days=Weekday.TUESDAY | Weekday.WEDNESDAY)

    found = names(
        client.get(SEARCH, {"days": [str(Weekday.MONDAY.value), str(Weekday.SUNDAY.value)]})
    )

    assert sorted(found) == ["Monday Mentor", "Weekend Mentor"]


def test_filter_by_times_of_day(client, searching_mentee):
    mentor("Early", available_times=TimeOfDay.MORNING)
    mentor("Late", available_times=TimeOfDay.EVENING | TimeOfDay.AFTERNOON)

    assert names(client.get(SEARCH, {"times": str(TimeOfDay.EVENING.value)})) == ["Late Mentor"]


def test_filter_not_from_my_own_trust(client, mentee):
    own = mentee.mentee_profile.trust
    mentor("Sametrust", trust=own)
    mentor("Elsewhere", trust=TrustFactory(name="York and Scarborough NHS Trust", region="North"))
    client.force_login(mentee)

    assert names(client.get(SEARCH, {"not_my_trust": "on"})) == ["Elsewhere Mentor"]


def test_not_from_my_own_trust_is_offered_only_to_mentees(client, scheme_admin):
    client.force_login(scheme_admin)

    assert 'name="not_my_trust"' not in client.get(SEARCH).content.decode()


def test_free_text_needs_every_word(client, searching_mentee):
    mentor("Runner", interests="I love fell running and baking bread.")
    mentor("Baker", interests="Baking, mostly sourdough.")

    assert names(client.get(SEARCH, {"q": "running baking"})) == ["Runner Mentor"]
    assert sorted(names(client.get(SEARCH, {"q": "baking"}))) == ["Baker Mentor", "Runner Mentor"]


@pytest.mark.parametrize(
    "field",
    ["supportt_experience", "time_away_experience", "motivation", "interests"],
)
def test_free_text_looks_in_each_part_of_the_bio(client, searching_mentee, field):
    mentor("Match", **{field: "Two years in Antarctica with the survey team."})
    mentor("Other")

    assert names(client.get(SEARCH, {"q": "antarctica"})) == ["Match Mentor"]


def test_free_text_looks_at_where_they_meet(client, searching_mentee):
    mentor("Match", meets_face_to_face=True, face_to_face_location="Scarborough Hospital")
    mentor("Other")

    assert names(client.get(SEARCH, {"q": "scarborough"})) == ["Match Mentor"]


def test_filters_combine(client, searching_mentee):
    surgery = SchoolFactory(name="School of Surgery")
    mentor("Right", school=surgery, available_days=Weekday.FRIDAY, interests="climbing")
    mentor("Wrongday", school=surgery, available_days=Weekday.MONDAY, interests="climbing")
    mentor("Wrongschool", available_days=Weekday.FRIDAY, interests="climbing")
    mentor("Wrongword", school=surgery, available_days=Weekday.FRIDAY, interests="chess")

    found = names(
        client.get(
            SEARCH, {"school": surgery.pk, "days": str(Weekday.FRIDAY.value), "q": "climbing"}
        )
    )

    assert found == ["Right Mentor"]


def test_the_search_text_follows_edits_to_the_bio(client, searching_mentee):
    m = mentor("Changing", interests="chess")
    MentorProfile.objects.filter(pk=m.pk).update(interests="rowing")

    assert names(client.get(SEARCH, {"q": "rowing"})) == ["Changing Mentor"]
    assert names(client.get(SEARCH, {"q": "chess"})) == []


def test_the_filter_panel_shows_the_choices_made(client, searching_mentee):
    surgery = SchoolFactory(name="School of Surgery")

    html = client.get(
        SEARCH, {"school": surgery.pk, "days": str(Weekday.FRIDAY.value), "q": "ski"}
    ).content.decode()

    assert re.search(rf'<option value="{surgery.pk}"\s+selected', html)
    assert re.search(r'name="days" type="checkbox" value="16" checked', html)
    assert re.search(r'name="q" type="text" value="ski"', html)
    assert not re.search(r'name="days" type="checkbox" value="1" checked', html)


def test_cards_and_panel_are_reused_but_never_stale(client, searching_mentee):
    """Drawn cards are kept by their content: a change to the bio is a different card."""
    m = mentor("Before", capacity=1)
    assert names(client.get(SEARCH)) == ["Before Mentor"]

    MentorProfile.objects.filter(pk=m.pk).update(first_name="After", is_paused=True)
    html = client.get(SEARCH).content.decode()

    assert CARD_NAME.findall(html) == ["After Mentor"]
    assert "Not taking requests" in html


def test_a_card_is_drawn_once_for_the_same_values(client, searching_mentee, monkeypatch):
    kept = drawings.Drawings(100)
    monkeypatch.setattr(drawings, "drawings", kept)
    drawn_cards = []
    get_or_draw = kept.get_or_draw

    def counting(key, draw):
        def counted():
            drawn_cards.append(key[1].name)
            return draw()

        return get_or_draw(key, counted) if key[0] == "search-card" else get_or_draw(key, draw)

    monkeypatch.setattr(kept, "get_or_draw", counting)
    mentor("Once")

    first = client.get(SEARCH).content.decode()
    second = client.get(SEARCH, {"q": "mentor"}).content.decode()

    assert drawn_cards == ["Once Mentor"]
    assert CARD_NAME.findall(first) == CARD_NAME.findall(second) == ["Once Mentor"]


def test_an_unknown_filter_value_is_reported_and_ignored(client, searching_mentee):
    mentor("Still")

    response = client.get(SEARCH, {"school": "999999"})

    assert names(response) == ["Still Mentor"]
    assert "There is a problem" in response.content.decode()


# --- The empty state -------------------------------------------------------------------------


def test_no_results_suggests_removing_each_filter(client, searching_mentee):
    surgery = SchoolFactory(name="School of Surgery")
    mentor("Surgeon", school=surgery, available_days=Weekday.MONDAY)

    response = client.get(
        SEARCH,
        {
            "school": surgery.pk,
            "days": [str(Weekday.MONDAY.value), str(Weekday.FRIDAY.value)],
            "q": "zeppelin",
        },
    )
    html = response.content.decode()

    assert names(response) == []
    assert "No mentors found" in html
    links = re.findall(r'<a href="/mentors/\?([^"]*)">Remove ([^<]+)</a>', html)
    removed = {label: parse_qs(query.replace("&amp;", "&")) for query, label in links}
    assert removed["words “zeppelin”"] == {"school": [str(surgery.pk)], "days": ["1", "16"]}
    assert removed["school: School of Surgery"] == {"q": ["zeppelin"], "days": ["1", "16"]}
    assert removed["Monday"] == {"school": [str(surgery.pk)], "days": ["16"], "q": ["zeppelin"]}
    assert removed["Friday"] == {"school": [str(surgery.pk)], "days": ["1"], "q": ["zeppelin"]}
    # Following the link that removes the words finds the mentor.
    assert names(client.get(SEARCH, removed["words “zeppelin”"])) == ["Surgeon Mentor"]


def test_an_empty_register_says_so(client, searching_mentee):
    html = client.get(SEARCH).content.decode()

    assert "No mentors found" in html
    assert "no mentors on the register at the moment" in html


# --- Order ----------------------------------------------------------------------------------


def test_a_mentee_sees_suggestions_first_and_why(client, mentee):
    profile = mentee.mentee_profile  # School of Medicine, Leeds (West Yorkshire)
    surgery = SchoolFactory(name="School of Surgery")
    bradford = TrustFactory(name="Bradford Teaching Hospitals", region="West Yorkshire")
    hull = TrustFactory(name="Hull University Teaching Hospitals", region="Humber")
    mentor("Aaron", "Apart", school=surgery, trust=hull)
    mentor("Rhea", "Region", school=surgery, trust=bradford)
    mentor("Sam", "School", school=profile.school, trust=hull)
    mentor("Tom", "Both", school=profile.school, trust=profile.trust)
    client.force_login(mentee)

    response = client.get(SEARCH)
    html = response.content.decode()

    assert names(response) == ["Tom Both", "Sam School", "Rhea Region", "Aaron Apart"]
    cards = cards_by_name(html)
    assert "Same school" in cards["Tom Both"]
    assert "Same trust" in cards["Tom Both"]
    assert "Same school" in cards["Sam School"]
    assert "Same region" in cards["Rhea Region"]
    assert "Same" not in cards["Aaron Apart"]


def test_paused_mentors_come_last_in_suggestions(client, mentee):
    mentor("Paused", "Sameschool", school=mentee.mentee_profile.school, is_paused=True)
    mentor("Open", "Elsewhere", school=SchoolFactory(name="School of Surgery"))
    client.force_login(mentee)

    assert names(client.get(SEARCH)) == ["Open Elsewhere", "Paused Sameschool"]


def test_a_scheme_admin_sees_mentors_by_name(client, scheme_admin):
    mentor("Zed", "Adams")
    mentor("Amy", "Zephyr")
    mentor("Bob", "Adams")
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    assert names(client.get(SEARCH)) == ["Bob Adams", "Zed Adams", "Amy Zephyr"]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Ranked full-text search needs PostgreSQL; SQLite uses the simple word match.",
)
def test_postgresql_puts_the_better_match_first(client, scheme_admin):
    mentor("Aaa", "Passing", interests="Some swimming now and then.")
    mentor(
        "Zzz",
        "Keen",
        interests="Swimming is my life: open water swimming, pool swimming, swimming coaching.",
    )
    mentor("Mmm", "None", interests="Knitting.")
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    # Stemmed: "swims" finds "swimming"; the better match comes first despite its name.
    assert names(client.get(SEARCH, {"q": "swims"})) == ["Zzz Keen", "Aaa Passing"]


# --- Pages ------------------------------------------------------------------------------------


def test_results_are_paged_and_pages_keep_the_filters(client, searching_mentee):
    surgery = SchoolFactory(name="School of Surgery")
    for n in range(PAGE_SIZE + 3):
        mentor(f"M{n:02d}", school=surgery)
    mentor("Otherschool")

    first = client.get(SEARCH, {"school": surgery.pk})
    html = first.content.decode()

    assert len(names(first)) == PAGE_SIZE
    assert f"{PAGE_SIZE + 3} mentors found" in html
    next_link = re.search(r'<a href="\?([^"]*)" class="nhsuk-pagination__next"', html)
    assert next_link, "no link to the next page"
    query = parse_qs(next_link.group(1).replace("&amp;", "&"))
    assert query == {"school": [str(surgery.pk)], "page": ["2"]}

    second = client.get(SEARCH, {"school": surgery.pk, "page": 2})
    assert len(names(second)) == 3
    assert set(names(first)).isdisjoint(names(second))


@pytest.mark.parametrize(
    ("asked", "shown"), [("9", 2), ("9" * 40, 2), ("0", 1), ("-3", 1), ("x", 1), ("", 1)]
)
def test_a_page_out_of_range_shows_the_nearest_page(client, searching_mentee, asked, shown):
    for n in range(PAGE_SIZE + 3):
        mentor(f"M{n:02d}")

    response = client.get(SEARCH, {"page": asked})

    assert len(names(response)) == (3 if shown == 2 else PAGE_SIZE)
    assert f"{PAGE_SIZE + 3} mentors found" in response.content.decode()


# --- Query budget -----------------------------------------------------------------------------


# Session, user, role (two for an admin), one page of ids with the total, their bios
# with platforms, their open partnerships, and saving the session (three statements).
QUERY_BUDGET = 10


def search_queries(client, params: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("persona", ["mentee", "scheme_admin"])
def test_the_number_of_queries_does_not_grow_with_the_page(
    client, db, request, persona, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    if persona == "scheme_admin":
        give_two_factor(user)
    client.force_login(user)
    zoom = VirtualPlatformFactory(name="Zoom")
    params = {"q": "leave", "days": ["1", "4"], "meeting": "virtual"}

    def add(count: int) -> None:
        for _ in range(count):
            m = MentorProfileFactory(
                supportt_experience="After parental leave I came back part time.",
                virtual_platforms=[zoom, VirtualPlatformFactory()],
            )
            PartnershipFactory(mentor=m, request__mentor=m)

    add(5)
    client.get(SEARCH)  # the reference lists are cached from here on (see the next test)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert len(names(client.get(SEARCH, params))) == 5
    small = search_queries(client, params)

    add(35)
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert len(names(client.get(SEARCH, params))) == PAGE_SIZE
    assert search_queries(client, params) == small


def test_the_reference_lists_are_cached(client, searching_mentee):
    """Four small queries fill the cache, and one the scheme's settings; the next
    searches skip them."""
    mentor("Cached")

    first = search_queries(client, {})
    second = search_queries(client, {})

    assert first - second == 5
    assert second <= QUERY_BUDGET
