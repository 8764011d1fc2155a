"""Scheme profiles: applying one sets its preset, and a scheme sees only the fields it asks."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from scheme.models import SchemeProfile, SchemeSettings, SchemeText
from scheme.profiles import (
    PROFILE_TEXT_SLUGS,
    PROFILES,
    PUBLIC_HEALTH,
    SUPPORTT,
    current_profile,
)
from scheme.services import apply_profile
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts, get_scheme_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APPLY_URL = reverse("admin:scheme_schemesettings_apply_profile")


@pytest.fixture
def admin_for_scheme(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    SchemeSettings.load()
    client.force_login(scheme_admin)
    return client


@pytest.fixture
def public_health(scheme_admin):
    """The scheme runs as the UK Public Health Network's."""
    return apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)


def settings_of(scheme: SchemeSettings, names) -> dict:
    return {name: getattr(scheme, name) for name in names}


# --- Applying a profile ---------------------------------------------------------------------


@pytest.mark.parametrize("key", list(PROFILES))
def test_applying_a_profile_sets_exactly_its_preset(key, scheme_admin):
    before = SchemeSettings.load()
    before.bio_submission_deadline = None
    before.data_retention_months = 30
    before.inbox_email = "team@example.nhs.uk"
    before.save()
    profile = PROFILES[key]

    apply_profile(key=key, by=scheme_admin)

    after = SchemeSettings.load()
    assert after.profile == key
    assert settings_of(after, profile.settings) == profile.settings
    # What the preset does not name is left alone.
    assert (after.data_retention_months, after.inbox_email) == (30, "team@example.nhs.uk")
    assert current_profile() == profile


def test_the_two_presets_name_the_same_settings():
    assert SUPPORTT.settings.keys() == PUBLIC_HEALTH.settings.keys()


def test_the_supportt_preset_is_the_schemes_defaults_and_todays_way():
    assert SUPPORTT.settings == settings_of(SchemeSettings(), SUPPORTT.settings) | {
        "matching_mode": "self_select"
    }
    assert SUPPORTT.settings["sessions_per_partnership"] == 4
    assert SUPPORTT.settings["extension_sessions"] == 4
    assert SUPPORTT.settings["extensions_allowed"] is True


def test_the_public_health_preset():
    preset = PUBLIC_HEALTH.settings
    assert preset["matching_mode"] == "admin_proposes"
    assert preset["register_open_to_mentees"] is False
    assert (preset["sessions_per_partnership"], preset["partnership_months"]) == (6, 6)
    assert preset["extensions_allowed"] is False
    assert preset["meetings_planned_by"] == "mentee"
    assert "Public Health Network" in preset["scheme_name"]


def test_applying_a_profile_replaces_its_texts_and_leaves_the_others(scheme_admin):
    ensure_default_texts()
    SchemeText.objects.filter(slug="home").update(body="Our own words.")
    SchemeText.objects.filter(slug="contact").update(body="Our own contact words.")

    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)

    for slug in PROFILE_TEXT_SLUGS:
        stored = SchemeText.objects.get(slug=slug)
        assert (stored.title, stored.body) == (
            PUBLIC_HEALTH.texts[slug].title,
            PUBLIC_HEALTH.texts[slug].body,
        )
    assert SchemeText.objects.get(slug="contact").body == "Our own contact words."
    assert "public health" in get_scheme_text("home").body
    assert "UK Public Health Network mentoring" in get_scheme_text("privacy").body

    apply_profile(key=SchemeProfile.SUPPORTT, by=scheme_admin)

    assert SchemeText.objects.get(slug="home").body == DEFAULT_TEXTS["home"].body


def test_without_a_stored_text_the_profiles_own_wording_is_shown(public_health):
    SchemeText.objects.filter(slug="how-it-works").delete()

    assert "The scheme team matches you" in get_scheme_text("how-it-works").body
    assert "up to 6 times over 6 months" in get_scheme_text("how-it-works").body


def test_applying_a_profile_is_in_the_admin_log(scheme_admin):
    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)

    entry = LogEntry.objects.get(user=scheme_admin)
    assert entry.object_id == "1"
    assert "Public health network" in entry.change_message


# --- The admin's page -------------------------------------------------------------------------


def test_the_settings_page_links_to_applying_a_profile(admin_for_scheme):
    page = admin_for_scheme.get(reverse("admin:scheme_schemesettings_change", args=[1]))

    assert APPLY_URL in page.content.decode()


def test_the_apply_page_lists_the_profiles_then_shows_every_change_before_applying(
    admin_for_scheme,
):
    listing = admin_for_scheme.get(APPLY_URL).content.decode()
    assert "Public health network" in listing
    assert "SuppoRTT" in listing

    review = admin_for_scheme.get(APPLY_URL, {"profile": "public_health"}).content.decode()

    assert "The scheme team proposes a match" in review
    assert "will be lost" in review
    assert "Area of expertise" in review
    assert SchemeSettings.load().profile == SchemeProfile.SUPPORTT  # nothing changed yet


def test_confirming_applies_the_profile(admin_for_scheme, scheme_admin):
    response = admin_for_scheme.post(APPLY_URL, {"profile": "public_health"})

    assert response.status_code == 302
    scheme = SchemeSettings.load()
    assert scheme.profile == SchemeProfile.PUBLIC_HEALTH
    assert scheme.matching_mode == "admin_proposes"
    assert LogEntry.objects.filter(user=scheme_admin).exists()


def test_an_unknown_profile_changes_nothing(admin_for_scheme):
    response = admin_for_scheme.post(APPLY_URL, {"profile": "other"})

    assert response.status_code == 200
    assert SchemeSettings.load().profile == SchemeProfile.SUPPORTT


def test_staff_without_the_change_permission_cannot_apply(client, settings):
    settings.ADMIN_REQUIRE_MFA = False
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.post(APPLY_URL, {"profile": "public_health"}).status_code == 403
    assert SchemeSettings.load().profile == SchemeProfile.SUPPORTT


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.post(APPLY_URL, {"profile": "public_health"})

    assert response.status_code == 302
    assert SchemeSettings.load().profile == SchemeProfile.SUPPORTT


def test_the_kind_of_scheme_is_not_edited_on_the_settings_form(admin_for_scheme):
    form = admin_for_scheme.get(reverse("admin:scheme_schemesettings_change", args=[1]))

    assert 'name="matching_mode"' in form.content.decode()
    assert 'name="profile"' not in form.content.decode()


@pytest.mark.parametrize("slug", PROFILE_TEXT_SLUGS)
def test_no_profile_text_types_a_figure_a_setting_owns(slug):
    from tests.test_scheme_figures import RULE_FIGURE

    assert RULE_FIGURE.findall(PUBLIC_HEALTH.texts[slug].body) == []


# --- What a public health network's scheme asks mentors -----------------------------------

PH_SHOWN = ("organisation", "expertise", "nation")
PH_HIDDEN = ("grade", "school", "trust", "supportt_experience", "time_away_experience")


def test_the_supportt_bio_form_asks_what_it_always_has(mentor):
    from register.forms import MentorBioForm

    form = MentorBioForm(instance=mentor.mentor_profile)

    for name in PH_HIDDEN:
        assert name in form.fields
    for name in PH_SHOWN:
        assert name not in form.fields
    assert form.fields["grade"].required


def test_the_public_health_bio_form_asks_organisation_expertise_and_nation(public_health, mentor):
    from register.forms import MentorBioForm, SelfSubmissionForm

    for form in (MentorBioForm(instance=mentor.mentor_profile), SelfSubmissionForm()):
        for name in PH_HIDDEN:
            assert name not in form.fields
        for name in PH_SHOWN:
            assert form.fields[name].required


def test_a_public_health_mentor_edits_their_bio_without_school_or_trust(
    public_health, client, mentor
):
    from register.models import Nation
    from tests.test_mentor_self_service import bio_data

    profile = mentor.mentor_profile
    client.force_login(mentor)
    page = client.get(reverse("my_bio_edit")).content.decode()
    for name in PH_SHOWN:
        assert f'name="{name}"' in page
    for name in PH_HIDDEN:
        assert f'name="{name}"' not in page

    data = bio_data(
        profile,
        grade=None,
        school=None,
        trust=None,
        supportt_experience=None,
        time_away_experience=None,
        organisation="Public Health Wales",
        expertise="Health protection and screening.",
        nation=Nation.WALES,
    )
    response = client.post(reverse("my_bio_edit"), data)

    assert response.status_code == 302, response.context["form"].errors
    profile.refresh_from_db()
    assert (profile.organisation, profile.nation) == ("Public Health Wales", Nation.WALES)
    assert profile.expertise == "Health protection and screening."
    assert profile.school is not None  # kept, though no longer asked


def test_the_public_bio_form_for_a_public_health_scheme(public_health, client):
    import datetime

    scheme = SchemeSettings.load()
    scheme.bio_submission_deadline = datetime.date(2100, 1, 1)
    scheme.save()

    page = client.get(reverse("submit_bio")).content.decode()

    for name in PH_SHOWN:
        assert f'name="{name}"' in page
    for name in PH_HIDDEN:
        assert f'name="{name}"' not in page


def test_the_admin_bio_form_and_list_follow_the_profile(public_health, admin_for_scheme, mentor):
    profile = mentor.mentor_profile
    change = admin_for_scheme.get(
        reverse("admin:register_mentorprofile_change", args=[profile.pk])
    ).content.decode()
    listing = admin_for_scheme.get(reverse("admin:register_mentorprofile_changelist"))

    for name in PH_SHOWN:
        assert f'name="{name}"' in change
    for name in PH_HIDDEN:
        assert f'name="{name}"' not in change
    html = listing.content.decode()
    assert "column-organisation" in html
    assert "column-school" not in html
    assert "school__id__exact" not in html


# --- Bulk upload ----------------------------------------------------------------------------


def ph_row(n: int = 1, **changes) -> dict:
    row = {
        "email": f"ph{n}@example.org",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "organisation": "Public Health Scotland",
        "nation": "Scotland",
        "expertise": "Health improvement.",
        "motivation": "I would like to share what I have learned.",
        "available_days": "Monday",
        "available_times": "Mornings",
        "meets_virtually": "yes",
        "virtual_platforms": "Microsoft Teams",
    }
    row.update(changes)
    return row


def test_the_public_health_bulk_upload_template_has_its_own_columns(
    public_health, admin_for_scheme
):
    import csv
    import io

    from tests.test_bulk_import import TEMPLATE_URL, UPLOAD_URL

    response = admin_for_scheme.get(TEMPLATE_URL)
    headers = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    page = admin_for_scheme.get(UPLOAD_URL).content.decode()

    assert headers[:5] == ["email", "first_name", "last_name", "organisation", "nation"]
    assert "expertise" in headers
    for name in PH_HIDDEN:
        assert name not in headers
        assert f"<code>{name}</code>" not in page
    assert "<code>organisation</code>" in page


def test_the_supportt_bulk_upload_template_has_no_public_health_columns():
    from register import bulk_import

    headers = [column.name for column in bulk_import.columns_for(SUPPORTT)]

    assert headers[:6] == ["email", "first_name", "last_name", "grade", "school", "trust"]
    for name in PH_SHOWN:
        assert name not in headers


def test_a_public_health_bulk_upload_without_school_or_trust_imports(public_health, scheme_admin):
    from register import bulk_import
    from register.models import MentorProfile, Nation
    from tests.factories import VirtualPlatformFactory
    from tests.test_bulk_import import csv_bytes, stage

    VirtualPlatformFactory(name="Microsoft Teams")
    token, plan = stage(csv_bytes([ph_row(1), ph_row(2, nation="wales")]))

    assert plan.is_valid, plan.errors
    result = bulk_import.import_staged(token=token, by=scheme_admin)

    assert result.created == 2
    imported = MentorProfile.objects.get(email="ph2@example.org")
    assert (imported.organisation, imported.nation) == ("Public Health Scotland", Nation.WALES)
    assert imported.expertise == "Health improvement."
    assert imported.school is None


def test_a_public_health_bulk_upload_needs_organisation_and_nation(public_health):
    from tests.test_bulk_import import csv_bytes, stage

    row = ph_row()
    del row["organisation"]
    _, plan = stage(csv_bytes([row]))

    assert not plan.is_valid
    assert [(e.column, e.message) for e in plan.errors] == [
        ("organisation", "This column is missing.")
    ]


def test_a_hidden_column_in_a_public_health_upload_is_left_out_with_a_warning(public_health):
    from tests.factories import VirtualPlatformFactory
    from tests.test_bulk_import import csv_bytes, stage

    VirtualPlatformFactory(name="Microsoft Teams")
    _, plan = stage(csv_bytes([ph_row(school="School of Surgery")]))

    assert plan.is_valid, plan.errors
    assert "school" not in plan.columns
    assert any("school" in warning for warning in plan.warnings)


# --- The register: profile page, cards and filters --------------------------------------------


@pytest.fixture
def browsing_allowed(public_health):
    """Mentees may look through the register of a public health network's scheme."""
    public_health.register_open_to_mentees = True
    public_health.save()
    return public_health


def ph_mentor(first: str, nation: str = "scotland", **fields):
    from tests.factories import MentorProfileFactory

    return MentorProfileFactory(
        **{
            "first_name": first,
            "last_name": "Mentor",
            "organisation": f"{first} Council",
            "nation": nation,
            "expertise": f"{first} knows health protection well.",
            "supportt_experience": "I came back from parental leave.",
            "time_away_experience": "A year away.",
            **fields,
        }
    )


def test_a_public_health_mentors_page_shows_organisation_expertise_and_nation(
    browsing_allowed, client, mentee
):
    profile = ph_mentor("Morag")
    client.force_login(mentee)

    html = client.get(reverse("mentor_profile", args=[profile.pk])).content.decode()

    assert "Morag Council" in html
    assert "Morag knows health protection well." in html
    assert "Scotland" in html
    assert "UK nation" in html
    for hidden in (
        profile.school.name,
        profile.trust.name,
        "Specialty school",
        "I came back from parental leave.",
        "A year away.",
        "Grade",
    ):
        assert hidden not in html


def test_a_supportt_mentors_page_is_as_before(client, mentee):
    profile = ph_mentor("Sandy")
    client.force_login(mentee)

    html = client.get(reverse("mentor_profile", args=[profile.pk])).content.decode()

    assert profile.school.name in html
    assert "I came back from parental leave." in html
    assert "Sandy Council" not in html
    assert "UK nation" not in html


def test_the_public_health_search_shows_organisation_and_nation_and_filters_by_nation(
    browsing_allowed, client, mentee
):
    from tests.test_search import SEARCH, cards_by_name, names

    scottish = ph_mentor("Morag")
    ph_mentor("Bryn", nation="wales")
    client.force_login(mentee)

    response = client.get(SEARCH)
    html = response.content.decode()
    cards = cards_by_name(html)

    assert "Morag Council · Scotland" in cards["Morag Mentor"]
    assert "Morag knows health protection well." in cards["Morag Mentor"]
    assert scottish.school.name not in cards["Morag Mentor"]
    assert 'name="nation"' in html
    for hidden in ("school", "grade", "trust", "not_my_trust"):
        assert f'name="{hidden}"' not in html
    assert names(client.get(SEARCH, {"nation": "wales"})) == ["Bryn Mentor"]


def test_the_supportt_search_has_no_nation_filter(client, mentee):
    from tests.test_search import SEARCH

    client.force_login(mentee)

    html = client.get(SEARCH).content.decode()

    assert 'name="school"' in html
    assert 'name="nation"' not in html


# --- Becoming a mentee ------------------------------------------------------------------------

ELIGIBILITY = "/mentee/eligibility/"
NOT_ELIGIBLE = "/mentee/not-eligible/"
MENTEE_PROFILE = "/mentee/profile/"


def test_the_public_health_eligibility_question(public_health, client):
    from accounts.signup import ELIGIBILITY_KEY

    html = client.get(ELIGIBILITY).content.decode()

    assert "Do you work in public health in England, Scotland, Wales or Northern Ireland?" in html
    for training_words in ("absence planning form", "out of training"):
        assert training_words not in html

    response = client.post(ELIGIBILITY, {"situation": "public_health"})

    assert response["Location"] == reverse("account_signup")
    assert client.session[ELIGIBILITY_KEY]["works_in_public_health"] is True
    assert client.get(reverse("account_signup")).status_code == 200


def test_not_working_in_public_health_cannot_take_part(public_health, client):
    response = client.post(ELIGIBILITY, {"situation": "neither"})

    assert response["Location"] == NOT_ELIGIBLE
    html = client.get(NOT_ELIGIBLE).content.decode()
    assert "people working in public health" in html
    assert "training programme director" not in html


def test_a_training_answer_is_not_offered_by_the_public_health_question(public_health, client):
    response = client.post(ELIGIBILITY, {"situation": "out"})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_public_health_mentee_gives_organisation_area_of_work_and_nation(public_health, client):
    from accounts.models import MenteeProfile
    from register.models import Nation

    user = UserFactory(verified=True)
    client.force_login(user)
    client.post(ELIGIBILITY, {"situation": "public_health"})

    html = client.get(MENTEE_PROFILE).content.decode()
    for name in ("organisation", "area_of_work", "nation"):
        assert f'name="{name}"' in html
    for name in ("grade", "school", "trust"):
        assert f'name="{name}"' not in html
    assert "You told us you work in public health in the UK." in html

    missing = client.post(MENTEE_PROFILE, {"first_name": "Ailsa", "last_name": "Reid"})
    assert "Enter the organisation you work for." in missing.content.decode()
    assert "Choose the UK nation you work in." in missing.content.decode()

    done = client.post(
        MENTEE_PROFILE,
        {
            "first_name": "Ailsa",
            "last_name": "Reid",
            "organisation": "NHS Lothian",
            "area_of_work": "Health protection",
            "nation": Nation.SCOTLAND,
            "privacy_consent": "on",
        },
    )

    assert done["Location"] == reverse("requests:apply")
    profile = MenteeProfile.objects.get(user=user)
    assert (profile.organisation, profile.area_of_work, profile.nation) == (
        "NHS Lothian",
        "Health protection",
        Nation.SCOTLAND,
    )
    assert profile.training_status == ""
    assert profile.school is None


# --- The personal data export ---------------------------------------------------------------


def test_the_public_health_export_leaves_out_empty_fields_it_does_not_ask(public_health):
    from privacy.personal_data import collect_user_data
    from tests.factories import MenteeProfileFactory, MentorProfileFactory

    mentee_profile = MenteeProfileFactory(
        training_status="",
        grade=None,
        school=None,
        trust=None,
        organisation="Public Health Agency",
        area_of_work="Screening",
        nation="northern_ireland",
    )
    bio = MentorProfileFactory(
        with_login=True,
        grade=None,
        school=None,
        trust=None,
        supportt_experience="",
        organisation="UKHSA",
        expertise="Health protection.",
        nation="england",
    )

    mentee_data = collect_user_data(mentee_profile.user)["mentee_profile"]
    mentor_data = collect_user_data(bio.user)["mentor_profile"]

    assert mentee_data["organisation"] == "Public Health Agency"
    assert mentee_data["area_of_work"] == "Screening"
    assert mentee_data["nation"] == "northern_ireland"
    for name in ("training_status", "absence_form_completed_on", "grade", "school", "trust"):
        assert name not in mentee_data
    assert (mentor_data["organisation"], mentor_data["expertise"]) == (
        "UKHSA",
        "Health protection.",
    )
    for name in ("grade", "school", "trust", "supportt_experience", "time_away_experience"):
        assert name not in mentor_data


def test_what_is_held_in_a_field_no_longer_asked_is_still_exported(public_health, mentor):
    from privacy.personal_data import collect_user_data

    data = collect_user_data(mentor)["mentor_profile"]

    assert data["school"] == mentor.mentor_profile.school.name
    assert data["supportt_experience"] == mentor.mentor_profile.supportt_experience


def test_the_supportt_export_has_no_public_health_fields_for_a_trainee(mentee):
    from privacy.personal_data import collect_user_data

    data = collect_user_data(mentee)["mentee_profile"]

    assert data["school"]
    for name in ("organisation", "area_of_work", "nation"):
        assert name not in data


def test_a_mentor_in_one_line_gives_what_the_profile_asks(public_health):
    mentor = ph_mentor("Cerys", nation="wales")

    assert mentor.facts() == ["Cerys Council", "Wales"]


def test_a_mentor_in_one_line_for_supportt_is_as_before(db):
    mentor = ph_mentor("Tom")

    assert mentor.facts() == [mentor.grade.name, mentor.school.name, mentor.trust.name]


def test_a_mentor_sees_a_public_health_mentees_organisation_area_and_nation(public_health, client):
    from requests_app.models import RequestState
    from tests.factories import MenteeProfileFactory, MentoringRequestFactory

    asking = MenteeProfileFactory(
        training_status="",
        grade=None,
        school=None,
        trust=None,
        organisation="Highland Council",
        area_of_work="Health improvement",
        nation="scotland",
    )
    mentor = ph_mentor("Iain", with_login=True)
    request = MentoringRequestFactory(mentee=asking.user, mentor=mentor, state=RequestState.PENDING)
    client.force_login(mentor.user)

    html = client.get(reverse("requests:decide", args=[request.pk])).content.decode()

    assert "Highland Council" in html
    assert "Health improvement" in html
    assert "Scotland" in html
    assert "None" not in html


def test_the_mentee_admin_follows_the_profile(public_health, admin_for_scheme, mentee):
    listing = admin_for_scheme.get(reverse("admin:accounts_menteeprofile_changelist"))
    change = admin_for_scheme.get(
        reverse("admin:accounts_menteeprofile_change", args=[mentee.mentee_profile.pk])
    )

    html = listing.content.decode()
    assert "column-organisation" in html
    assert "column-school" not in html
    assert "column-training_status" not in html
    form = change.content.decode()
    assert 'name="organisation"' in form
    for hidden in ("grade", "school", "trust", "training_status"):
        assert f'name="{hidden}"' not in form


def test_the_supportt_mentee_admin_is_as_before(admin_for_scheme, mentee):
    change = admin_for_scheme.get(
        reverse("admin:accounts_menteeprofile_change", args=[mentee.mentee_profile.pk])
    ).content.decode()

    assert 'name="school"' in change
    assert 'name="organisation"' not in change


def test_words_find_a_mentor_by_area_of_expertise_or_organisation(browsing_allowed, client, mentee):
    from tests.test_search import SEARCH, names

    ph_mentor("Morag", expertise="Screening programmes and immunisation.")
    ph_mentor("Bryn", organisation="Public Health Wales")
    client.force_login(mentee)

    assert names(client.get(SEARCH, {"q": "immunisation"})) == ["Morag Mentor"]
    assert names(client.get(SEARCH, {"q": "Wales"})) == ["Bryn Mentor"]


def test_a_public_health_bio_sent_in_tells_the_team_organisation_and_nation(
    public_health, client, committed
):
    from django.core import mail

    from register.models import MentorProfile
    from tests.test_bio_submission import DEADLINE, at_london, set_deadline, submission

    set_deadline(DEADLINE)
    data = submission(
        grade=None,
        school=None,
        trust=None,
        supportt_experience=None,
        organisation="Public Health Scotland",
        expertise="Health protection.",
        nation="scotland",
    )
    with at_london(2026, 6, 1, 12), committed():
        response = client.post(reverse("submit_bio"), data)

    assert response.status_code == 302, response.context["form"].errors
    bio = MentorProfile.objects.get(email="priya.shah@example.nhs.uk")
    assert (bio.organisation, bio.nation, bio.school) == (
        "Public Health Scotland",
        "scotland",
        None,
    )
    (body,) = [m.body for m in mail.outbox if m.subject.startswith("New mentor bio to review")]
    assert "Organisation: Public Health Scotland" in body
    assert "UK nation: Scotland" in body
    assert "School" not in body
    assert "None" not in body


# --- Who the scheme is for, on the account pages ----------------------------------------------


def test_the_log_in_and_sign_up_pages_say_who_a_public_health_scheme_is_for(public_health, client):
    client.post(ELIGIBILITY, {"situation": "public_health"})

    for url in (reverse("account_login"), reverse("account_signup")):
        html = client.get(url).content.decode()
        assert "people working in public health" in html
        assert "doctors in training" not in html


def test_the_log_in_page_says_who_supportt_is_for(client, db):
    html = client.get(reverse("account_login")).content.decode()

    assert "doctors in training who are returning to training" in html


def test_your_data_page_lists_what_a_public_health_scheme_holds(public_health, client):
    from tests.factories import MenteeProfileFactory

    profile = MenteeProfileFactory(training_status="", organisation="NHS Fife", nation="scotland")
    client.force_login(profile.user)

    html = client.get(reverse("my_data")).content.decode()

    assert "your organisation, area of work and the UK nation you work in" in html
    assert "time out of training" not in html


def test_a_public_health_mentee_sees_which_mentors_work_in_their_nation(browsing_allowed, client):
    from tests.factories import MenteeProfileFactory
    from tests.test_search import SEARCH, cards_by_name

    mentee = MenteeProfileFactory(
        training_status="", grade=None, school=None, trust=None, nation="wales"
    ).user
    ph_mentor("Bryn", nation="wales")
    ph_mentor("Morag", nation="scotland")
    client.force_login(mentee)

    response = client.get(SEARCH, {"nation": "wales"})
    cards = cards_by_name(response.content.decode())
    everyone = cards_by_name(client.get(SEARCH).content.decode())

    assert "Same nation" in cards["Bryn Mentor"]
    assert "Same nation" not in everyone["Morag Mentor"]
    assert "UK nation: Wales" in response.content.decode()


def test_each_profile_has_its_own_mentoring_agreement(scheme_admin):
    from scheme.texts import get_agreement_text

    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)
    network = get_agreement_text().body
    assert "The mentee sets up each meeting" in network
    assert "up to 6 times over 6 months" in network
    assert "you can ask the scheme team" not in network  # no extensions in this scheme

    apply_profile(key=SchemeProfile.SUPPORTT, by=scheme_admin)
    supportt = get_agreement_text().body
    assert "If you need more sessions when they are used up, you can ask the scheme team" in (
        supportt
    )
    assert "The mentee sets up each meeting" not in supportt
