"""The kit for spreading the word: who may see it, blurbs with the scheme's figures and
the admins' wording, the poster and leaflet with a QR code that scans to the sign-up
page, and the link a mentor can pass on from their dashboard."""

import re
from html import unescape

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image, ImageDraw

from reports.kit import plain_text, portable_html
from reports.qr import qr_svg
from scheme.models import SchemeProfile, SchemeSettings, SchemeText
from scheme.services import apply_profile
from scheme.texts import KIT_BLURBS, Text, ensure_default_texts
from tests.factories import give_two_factor

pytestmark = pytest.mark.django_db

SITE = "https://mentoring.example.org"
SIGNUP = f"{SITE}/accounts/signup/"
KIT_PAGES = ("kit:index", "kit:poster", "kit:leaflet")


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def scheme():
    ensure_default_texts()
    scheme = SchemeSettings.load()
    scheme.scheme_name = "Northern peer mentoring"
    scheme.sessions_per_partnership = 7
    scheme.partnership_months = 9
    scheme.response_working_days = 8
    scheme.save()
    return scheme


@pytest.fixture
def team_client(client, scheme_admin):
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    return client


def textareas(html: str) -> dict[str, str]:
    """Each read-only box's text by its id, unescaped once (as the browser shows it)."""
    return {
        m.group(1): unescape(m.group(2))
        for m in re.finditer(r'<textarea[^>]* id="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S)
    }


# --- Who may see it ----------------------------------------------------------------------


@pytest.mark.parametrize("name", KIT_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", KIT_PAGES)
@pytest.mark.parametrize("persona", ["mentee", "mentor"])
def test_mentees_and_mentors_get_not_found(client, request, name, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", KIT_PAGES)
def test_staff_without_two_factor_get_not_found(client, scheme_admin, name):
    client.force_login(scheme_admin)
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", KIT_PAGES)
def test_the_scheme_team_gets_each_page_and_it_only_reads(team_client, scheme, name):
    assert team_client.get(reverse(name)).status_code == 200
    assert team_client.post(reverse(name)).status_code == 405


def test_admin_links_to_the_kit_beside_the_scheme_figures(team_client):
    html = team_client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{reverse("kit:index")}">Spread the word</a>' in html
    assert html.index(reverse("reports:dashboard")) < html.index(reverse("kit:index"))


# --- The blurbs --------------------------------------------------------------------------


def test_every_blurb_has_the_schemes_figures_and_the_sign_up_address(team_client, scheme):
    html = team_client.get(reverse("kit:index")).content.decode()
    boxes = textareas(html)

    assert sorted(boxes) == sorted(
        [f"{slug}-text" for slug in KIT_BLURBS] + [f"{slug}-html" for slug in KIT_BLURBS]
    )
    for slug in KIT_BLURBS:
        text, markup = boxes[f"{slug}-text"], boxes[f"{slug}-html"]
        assert SIGNUP in text
        assert f'href="{SIGNUP}"' in markup or SIGNUP in markup
        assert "up to 7 " in text
        assert "9 months" in text
        for box in (text, markup):
            assert "{" not in box, box  # every placeholder filled
            assert "nhsuk-" not in box  # no class of ours to paste elsewhere
    assert "Northern peer mentoring puts you in touch" in boxes["kit-website-text"]
    assert boxes["kit-website-text"].startswith("Would you like to talk to a peer?\n\n")
    assert f"Sign up and choose your peer mentor: {SIGNUP}" in boxes["kit-website-text"]
    assert (
        f'<a href="{SIGNUP}">Sign up and choose your peer mentor</a>' in (boxes["kit-website-html"])
    )
    assert "<h2>What is peer mentoring?</h2>" in boxes["kit-website-html"]
    for seed_figure in ("4 sessions", "6 months"):
        assert seed_figure not in html


def test_a_blurb_edited_in_admin_shows_in_both_forms(team_client, scheme):
    SchemeText.objects.filter(slug="kit-newsletter").update(
        title="Mentors <wanted>",
        body="Join **{scheme_name}** for {sessions} chats.\n\n- sign up: {signup_url}",
    )

    boxes = textareas(team_client.get(reverse("kit:index")).content.decode())

    assert boxes["kit-newsletter-text"] == (
        f"Mentors <wanted>\n\nJoin Northern peer mentoring for 7 chats.\n\n- sign up: {SIGNUP}\n"
    )
    assert boxes["kit-newsletter-html"] == (
        "<h2>Mentors &lt;wanted&gt;</h2>\n"
        "<p>Join <strong>Northern peer mentoring</strong> for 7 chats.</p>\n"
        f"<ul><li>sign up: {SIGNUP}</li></ul>\n"
    )


def test_html_typed_into_a_text_is_escaped_in_the_html_to_paste():
    markup = portable_html(Text(title="A & B", body='<script>alert("x")</script>'))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert plain_text(Text(title="T", body="## Heading\n\n[words](https://x.test/)")) == (
        "T\n\nHeading\n\nwords: https://x.test/\n"
    )


# --- The poster and the leaflet ----------------------------------------------------------

_SVG = re.compile(r'<svg class="app-qr".*?</svg>', re.S)
_SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z")


def decode_qr(svg: str) -> list[str]:
    """Draw the SVG's squares (qrcode's path is a run of unit squares) on white, large
    enough for a scanner, and read the code with ZXing."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in _SQUARE.findall(path):
        draw.rectangle(
            [int(x0) * scale, int(y0) * scale, int(x1) * scale - 1, int(y1) * scale - 1], fill=0
        )
    return [found.text for found in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("name", ["kit:poster", "kit:leaflet"])
def test_the_print_pieces_have_their_wording_and_a_qr_code_to_sign_up(team_client, scheme, name):
    html = team_client.get(reverse(name)).content.decode()

    (svg,) = _SVG.findall(html)
    assert decode_qr(svg) == [SIGNUP]
    assert f'aria-label="QR code: scan it to open {SIGNUP}"' in svg
    assert SIGNUP in html.replace(svg, "")  # the address in words too, for those who type
    assert "Northern peer mentoring" in html
    assert "up to 7 " in html
    assert "9 months" in html
    assert "{" not in html.split("<main", 1)[1].split("</main>")[0]
    assert reverse("kit:index") in html  # the way back


def test_the_poster_has_its_edited_wording(team_client, scheme):
    SchemeText.objects.filter(slug="kit-poster").update(
        title="Back at work?", body="- {sessions} free sessions"
    )
    html = team_client.get(reverse("kit:poster")).content.decode()
    assert "Back at work?</h1>" in html
    assert "<li>7 free sessions</li>" in html


def test_the_qr_code_follows_the_site_address(team_client, scheme, settings):
    settings.SITE_URL = "https://other.example.org"
    html = team_client.get(reverse("kit:poster")).content.decode()
    assert decode_qr(_SVG.search(html).group(0)) == ["https://other.example.org/accounts/signup/"]


def test_the_qr_code_is_drawn_once_per_address():
    qr_svg.cache_clear()
    first = qr_svg("https://a.example.org/accounts/signup/", label="A")
    again = qr_svg("https://a.example.org/accounts/signup/", label="A")
    assert again is first
    assert qr_svg.cache_info().hits == 1


# --- The mentor's dashboard --------------------------------------------------------------


def test_a_mentor_is_given_the_sign_up_link_to_share(client, mentor):
    client.force_login(mentor)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Know someone returning to training? Share this link" in html
    assert f'value="{SIGNUP}" readonly' in html


def test_a_mentee_is_not_asked_to_share_it(client, mentee):
    client.force_login(mentee)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Share this link" not in html


# --- A public health network's scheme -----------------------------------------------------


@pytest.fixture
def public_health(scheme, scheme_admin):
    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)
    scheme = SchemeSettings.load()
    scheme.sessions_per_partnership = 7
    scheme.partnership_months = 9
    scheme.save()
    return scheme


def test_a_public_health_network_gets_its_own_wording(team_client, public_health):
    boxes = textareas(team_client.get(reverse("kit:index")).content.decode())
    for box in boxes.values():
        assert "training" not in box.lower()
        assert "{" not in box
    assert "public health" in boxes["kit-website-text"]
    assert "up to 7 times over 9 months" in boxes["kit-website-text"]
    html = team_client.get(reverse("kit:leaflet")).content.decode()
    assert "public health community" in html
    assert "returning to training" not in html


def test_a_public_health_mentor_is_asked_to_share_with_public_health_colleagues(
    client, mentor, public_health
):
    client.force_login(mentor)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Know someone in public health who would value a peer mentor?" in html
    assert "returning to training" not in html
