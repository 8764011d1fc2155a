import pytest
from django.urls import reverse

from scheme.models import SchemeSettings, SchemeText
from scheme.texts import PUBLIC_PAGES
from tests.axe import assert_no_axe_violations

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", PUBLIC_PAGES)
def test_public_pages_need_no_login(client, slug):
    response = client.get(reverse("scheme_page", args=[slug]))

    assert response.status_code == 200
    assert b"nhsuk-header" in response.content


def test_an_unknown_page_is_not_found(client):
    assert client.get("/about/home/").status_code == 404
    assert client.get("/about/nothing-here/").status_code == 404


def test_admin_edited_text_is_shown_and_html_in_it_is_escaped(client):
    SchemeText.objects.filter(slug="privacy").update(
        title="Our privacy notice", body="## What we keep\n\nA <script>alert(1)</script> test"
    )

    response = client.get(reverse("scheme_page", args=["privacy"]))

    assert b"Our privacy notice" in response.content
    assert b"What we keep" in response.content
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)" in response.content


def test_contact_page_gives_the_scheme_inbox(client):
    scheme = SchemeSettings.load()
    scheme.inbox_email = "returners@example.nhs.uk"
    scheme.save()

    response = client.get(reverse("scheme_page", args=["contact"]))

    assert b'href="mailto:returners@example.nhs.uk"' in response.content


@pytest.mark.browser
def test_public_pages_have_no_accessibility_violations(page, live_server):
    for slug in PUBLIC_PAGES:
        page.goto(reverse("scheme_page", args=[slug]))
        assert_no_axe_violations(page)
