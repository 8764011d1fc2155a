"""Every page, for every role, in a real browser: axe-core, image alt texts, page titles,
markup shown as text, and reflow at 320 CSS pixels wide.

The pages come from the whole URLconf, filled from the personas' own objects
(tests/test_access_matrix.py's catalogue), so a new URL is walked the day it lands.
Django admin's pages are left out: their markup is Django's.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from tests.axe import AXE_TAGS, RUN_AXE, format_violations, inject_axe
from tests.test_access_matrix import (
    ANONYMOUS,
    Target,
    World,
    catalogue,
    parties,
    personas_world,
)

ROLES = (ANONYMOUS, "mentee", "mentor", "scheme_admin")
# URL names that show the very same page, so they share its title: a mentor's own
# profile is the preview of their bio.
SAME_PAGE = [{"mentor_profile", "my_bio_preview"}]
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.DOTALL)


@pytest.fixture
def world(request, db) -> World:
    world = personas_world(request)
    # Names as long as their fields take, with no space to break at, on both sides of
    # a partnership and on a pending request: every page must still reflow at 320 px.
    for person in (world.users["mentee"], world.users["other_mentee"]):
        person.last_name = unbroken(type(person), "last_name")
        person.save(update_fields=["last_name"])
    profile = world.users["mentor"].mentor_profile
    profile.last_name = unbroken(type(profile), "last_name")
    profile.save(update_fields=["last_name"])
    return world


def unbroken(model, field: str) -> str:
    length = model._meta.get_field(field).max_length
    return ("Featherstonehaugh" * length)[:length]


def route_name(path: str) -> str | None:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


def pages_to_visit(world: World, role: str, targets: list[Target]) -> list[list[Target]]:
    """For each route, the URLs to try in order: the role's own objects first.

    The walk checks every URL about the role's own objects, and otherwise the
    first URL of the route that answers 200.
    """
    me = world.users[role].pk if role != ANONYMOUS else None
    by_route: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_route[target.name].append(target)
    groups = []
    for group in by_route.values():
        own = [t for t in group if t.obj is not None and me in parties(t.obj)]
        rest = [t for t in group if t not in own]
        groups.append(own + rest)
    return groups


def block_outside_requests(page) -> None:
    """The NHS font comes from assets.nhs.uk; tests have no network, and a slow DNS
    failure would hold every page's load event. Refuse it at once instead."""
    page.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())


@dataclass
class Walk:
    checked: list[str] = field(default_factory=list)
    titles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    problems: list[str] = field(default_factory=list)
    reflowed: int = 0


def check_images(page, walk: Walk, url: str) -> None:
    """Every image has alt text; a mentor's photo says whose it is."""
    images = page.eval_on_selector_all(
        "img",
        "images => images.map(img => ({src: img.getAttribute('src') || '',"
        " alt: img.getAttribute('alt')}))",
    )
    for image in images:
        if image["alt"] is None:
            walk.problems.append(f"{url}: <img src={image['src']!r}> has no alt attribute")
        elif "/photos/" in image["src"] and not image["alt"].startswith(("Photo of ", "Your ")):
            walk.problems.append(f"{url}: mentor photo alt {image['alt']!r} is not 'Photo of NAME'")


# Text nodes that show markup as text: a tag, or an entity escaped once too often.
# Form fields are left out (what a person typed there is theirs to show).
ESCAPED_MARKUP = """() => {
  const tag = /<\\/?[a-z][^>]*>/i, entity = /&(lt|gt|amp|quot|#\\d+);/;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("script, style, noscript, template, textarea")) continue;
    const text = node.textContent;
    if (tag.test(text) || entity.test(text)) found.push(text.trim().slice(0, 160));
  }
  return found;
}"""
# WCAG 1.4.10 Reflow: content at 320 CSS pixels wide needs no horizontal scrolling.
REFLOW_WIDTH = 320


def check_escaped_markup(page, walk: Walk, url: str) -> None:
    for text in page.evaluate(ESCAPED_MARKUP):
        walk.problems.append(f"{url}: markup shown as text: {text!r}")


def check_reflow(page, walk: Walk, url: str) -> None:
    """At 320 px wide the page scrolls only vertically; the widest element is named."""
    size = page.viewport_size
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"]})
    try:
        width, widest = page.evaluate(
            """(limit) => {
              const width = document.documentElement.scrollWidth;
              let widest = "";
              if (width > limit) {
                for (const el of document.body.querySelectorAll("*")) {
                  if (el.getBoundingClientRect().right > limit && !el.querySelector("*")) {
                    widest = el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
                      + ": " + (el.textContent || "").trim().slice(0, 60);
                    break;
                  }
                }
              }
              return [width, widest];
            }""",
            REFLOW_WIDTH,
        )
    finally:
        page.set_viewport_size(size)
    walk.reflowed += 1
    if width > REFLOW_WIDTH:
        walk.problems.append(
            f"{url}: {width} px wide at {REFLOW_WIDTH} px (scrolls sideways); first past "
            f"the edge: {widest}"
        )


def walk_as(page, live_server, world: World, role: str) -> Walk:
    """The browser shares the session of a test client, which asks first: only pages
    that answer 200 with HTML are opened in the browser (redirects and refusals are
    the access matrix's business, and slow to load one by one)."""
    client = client_for(world, role)
    block_outside_requests(page)
    if role != ANONYMOUS:
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            csp_errors.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text
            else None
        ),
    )
    targets, unfillable = catalogue(world, admin=False)
    assert unfillable == [], "\n".join(unfillable)
    walk = Walk()
    me = world.users[role].pk if role != ANONYMOUS else None
    for group in pages_to_visit(world, role, targets):
        for target in group:
            mine = target.obj is not None and me in parties(target.obj)
            if visit(page, client, walk, target) and not mine:
                break  # one page of someone else's object is enough
    walk.problems += [f"Content Security Policy: {text}" for text in csp_errors]
    return walk


def visit(page, client: Client, walk: Walk, target: Target) -> bool:
    """If the URL answers 200 with a page, open it in the browser and check it."""
    answer = client.get(target.url)
    if answer.status_code != 200 or "text/html" not in answer.get("Content-Type", ""):
        return False
    response = page.goto(target.url)
    if response is None or response.status != 200 or route_name(page.url) != target.name:
        walk.problems.append(f"{target.url}: the browser did not get the page the client got")
        return False
    inject_axe(page)
    violations = page.evaluate(RUN_AXE, AXE_TAGS)
    if violations:
        walk.problems.append(format_violations(page.url, violations))
    check_images(page, walk, target.url)
    check_escaped_markup(page, walk, target.url)
    check_reflow(page, walk, target.url)
    walk.titles[page.title()].add(target.name)
    walk.checked.append(target.url)
    return True


@pytest.mark.browser
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_shows_no_markup_as_text_reflows_and_has_a_unique_title(
    page, live_server, world, role, capsys
):
    walk = walk_as(page, live_server, world, role)

    shared = {
        title: sorted(names)
        for title, names in walk.titles.items()
        if len(names) > 1 and names not in SAME_PAGE
    }
    with capsys.disabled():
        print(
            f"\naxe walk as {role}: {len(walk.checked)} pages checked, "
            f"{sum('accessibility violation' in p for p in walk.problems)} with violations, "
            f"{sum('markup shown as text' in p for p in walk.problems)} markup shown as text, "
            f"{walk.reflowed} checked at {REFLOW_WIDTH} px, "
            f"{sum('scrolls sideways' in p for p in walk.problems)} scrolling sideways; "
            f"URL names: {', '.join(sorted({n for names in walk.titles.values() for n in names}))}"
        )
    assert walk.checked, "the walk checked no page"
    assert walk.problems == [], "\n".join(walk.problems)
    assert shared == {}, f"pages of different URLs share a title: {shared}"


# --- Forms with errors (test client: every form, no browser needed) -----------------------


class FormFinder(HTMLParser):
    """The POST forms inside <main> that have a field a person fills in."""

    FIELDS = {"textarea", "select"}
    NOT_FIELDS = {"hidden", "submit", "button"}

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.form: dict | None = None
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self.in_main = True
        elif tag == "form" and self.in_main and attrs.get("method", "").lower() == "post":
            self.form = {"action": attrs.get("action") or "", "fields": 0}
        elif self.form is not None and (
            tag in self.FIELDS
            or (tag == "input" and attrs.get("type", "text") not in self.NOT_FIELDS)
        ):
            self.form["fields"] += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif tag == "form" and self.form is not None:
            if self.form["fields"]:
                self.forms.append(self.form)
            self.form = None


def main_html(html: str) -> str:
    start = html.find("<main")
    return html[start : html.find("</main>", start)]


@pytest.mark.parametrize("role", ROLES)
def test_a_form_sent_with_errors_says_so_in_the_title_and_the_summary_comes_first(
    world,
    role,
):
    """Every form on every page, sent empty: if it answers with errors, the title starts
    with "Error: " and the error summary comes before every field of the page."""
    client = client_for(world, role)
    targets, _ = catalogue(world, admin=False)
    problems, forms_with_errors = [], 0
    seen_actions = set()
    for target in targets:
        response = client.get(target.url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        finder = FormFinder()
        finder.feed(response.content.decode())
        for form in finder.forms:
            action = urljoin(target.url, form["action"])
            if action in seen_actions or "logout" in action:
                continue
            seen_actions.add(action)
            answer = client.post(action, {})
            html = answer.content.decode() if answer.status_code == 200 else ""
            if "nhsuk-error-summary" not in html and "nhsuk-error-message" not in html:
                continue
            forms_with_errors += 1
            title = " ".join(TITLE.search(html).group(1).split())
            if not title.startswith("Error: "):
                problems.append(f"{action}: the title {title!r} does not start with 'Error: '")
            main = main_html(html)
            summary = main.find("nhsuk-error-summary")
            first_field = min(
                (
                    i
                    for i in (main.find("<input"), main.find("<textarea"), main.find("<select"))
                    if i >= 0
                ),
                default=len(main),
            )
            if summary < 0 or summary > first_field:
                problems.append(f"{action}: the error summary does not come before the fields")

    print(f"{role}: {forms_with_errors} forms answered an empty POST with errors")
    assert problems == [], "\n".join(problems)
