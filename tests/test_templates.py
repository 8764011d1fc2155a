"""Templates that cannot lie: an undefined name fails, escaped markup never shows."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from jinja2 import UndefinedError

from requests_app.models import PartnershipState
from tests.factories import MeetingFactory, PartnershipFactory


def jinja(source: str):
    return engines["jinja2"].from_string(source)


@pytest.mark.parametrize(
    "source",
    [
        "Request to {{ mentor }}",
        "{{ request_row.mentor_name }}",
        "{% if missing %}yes{% endif %}",
        "{% for x in missing %}{{ x }}{% endfor %}",
        "{{ item.href }}",
    ],
)
def test_our_templates_fail_on_anything_undefined(source):
    with pytest.raises(UndefinedError):
        jinja(source).render({"request_row": object(), "item": {}})


def test_in_production_an_undefined_name_renders_blank_and_is_logged(settings, caplog):
    """A page state no test reached: the person sees the page, the operator the error."""
    settings.STRICT_TEMPLATES = False

    html = jinja("Request to {{ mentor }}{% if missing %}yes{% endif %}.").render({})

    assert html == "Request to ."
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert logged == [
        "Undefined in a template: 'mentor' is undefined",
        "Undefined in a template: 'missing' is undefined",
    ]


def test_the_nhs_macros_keep_their_optional_parameters():
    """nhsuk-frontend-jinja tests for options that were not given: those stay blank."""
    html = jinja(
        '{% from "button/macro.jinja" import button %}{{ button({"text": "Save"}) }}'
    ).render({})
    assert "Save" in html


def test_an_undefined_value_given_to_a_macro_still_fails():
    with pytest.raises(UndefinedError):
        jinja(
            '{% from "button/macro.jinja" import button %}{{ button({"text": thing.name}) }}'
        ).render({"thing": object()})


def test_our_django_templates_fail_on_an_invalid_variable(tmp_path):
    from tests.template_checks import InvalidTemplateVariable

    with pytest.raises(InvalidTemplateVariable, match="request"):
        engines["django"].get_template("emails/request_expired_team.txt").render({"request": None})


# --- Markup shown as text ---------------------------------------------------------------

TAG_AS_TEXT = re.compile(r"</?[a-z][^>]*>|&(lt|gt|amp|quot|#\d+);", re.IGNORECASE)


class TextNodes(HTMLParser):
    """The text a browser shows (entities decoded), outside scripts and form fields."""

    SKIP = {"script", "style", "textarea", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in self.SKIP

    def handle_endtag(self, tag):
        self.skipping -= tag in self.SKIP

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def markup_shown_as_text(html: str) -> list[str]:
    parser = TextNodes()
    parser.feed(html)
    return [text for text in parser.texts if TAG_AS_TEXT.search(text)]


@pytest.fixture
def active(mentee, mentor):
    return PartnershipFactory(
        request__mentee=mentee,
        request__mentor=mentor.mentor_profile,
        state=PartnershipState.ACTIVE,
    )


def test_the_it_took_place_button_names_its_meeting_in_hidden_text(client, active, mentee):
    MeetingFactory(partnership=active, starts_at=timezone.now() - datetime.timedelta(hours=2))
    client.force_login(mentee)

    html = client.get(reverse("requests:partnership", args=[active.pk])).content.decode()

    assert markup_shown_as_text(html) == []
    assert 'It took place<span class="nhsuk-u-visually-hidden"> on ' in html


def test_the_notes_page_shows_its_box_and_delete_buttons_as_markup(client, active, mentor):
    client.force_login(mentor)
    page = reverse("requests:partnership_notes", args=[active.pk])
    client.post(page, {"text": "Worried about nights"})

    html = client.get(page).content.decode()

    assert "Worried about nights" in html
    assert markup_shown_as_text(html) == []
    assert "<p>Only you can read these notes." in html
    assert 'Delete<span class="nhsuk-u-visually-hidden"> the note of ' in html
