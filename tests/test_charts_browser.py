"""The bar charts in Chromium, inside our layout: axe finds nothing, nothing scrolls
sideways at 320 px, the site's Content-Security-Policy blocks nothing, and the drawing
is there without JavaScript."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory
from playwright.sync_api import expect

from reports.charts import bar_chart
from tests.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

MONTHS = [
    "Apr 2026",
    "May 2026",
    "Jun 2026",
    "Jul 2026",
    "Aug 2026",
    "Sep 2026",
    "Oct 2026",
    "Nov 2026",
    "Dec 2026",
    "Jan 2027",
    "Feb 2027",
    "Mar 2027",
]
CHARTS_PAGE = """{% extends "layouts/base.jinja" %}
{% from "reports/charts.jinja" import chart %}
{% block title %}Scheme figures{% endblock %}
{% block page %}<h1>Scheme figures</h1>
{% for id, c in charts %}{{ chart(c, id) }}{% endfor %}
{% endblock %}"""
NONCE = "chartsnonce"
REFLOW_WIDTH = 320  # WCAG 1.4.10


def charts() -> list:
    return [
        (
            "requests-per-month",
            bar_chart(
                "Requests and outcomes per month",
                MONTHS[-3:],
                [
                    ("Sent", [12, 7, 9]),
                    ("Accepted", [8, 5, 6]),
                    ("Declined", [2, 1, 0]),
                    ("Expired", [1, 0, 2]),
                ],
            ),
        ),
        (
            "sessions-per-month",
            bar_chart(
                "Sessions per month",
                MONTHS,
                [("Held", [3, 5, 8, 2, 0, 4, 9, 11, 6, 7, 10, 12]), ("Cancelled", [1] * 12)],
                stacked=True,
            ),
        ),
        (
            "answer-times",
            bar_chart(
                "Median working days to answer",
                MONTHS[-3:],
                [("Median", [1.5, 2.0, 0.5])],
                unit="working days",
            ),
        ),
        (
            "feedback",
            bar_chart(
                "Feedback at the end",
                ["How useful", "Listened to", "Would recommend"],
                [("Mentees", [4.2, 4.6, None]), ("Mentors", [3.9, 4.1, 4.4])],
                unit="out of 5",
                maximum=5,
                label_heading="Question",
            ),
        ),
        ("nothing-yet", bar_chart("Extensions", MONTHS[-3:], [("Asked", [0, 0, 0])])),
    ]


def policy_for_the_test_page(client) -> str:
    """The site's own Content-Security-Policy, with a nonce we know."""
    header = client.get("/").headers["Content-Security-Policy"]
    return re.sub(r"'nonce-[^']+'", f"'nonce-{NONCE}'", header)


def open_charts(page, live_server, client) -> list[str]:
    """The charts page served from the live server's address with the site's policy;
    returns what the browser said about the policy."""
    request = RequestFactory().get("/scheme-figures/")
    request.user = AnonymousUser()
    request.csp_nonce = NONCE
    html = engines["jinja2"].from_string(CHARTS_PAGE).render({"charts": charts()}, request)
    policy = policy_for_the_test_page(client)
    page.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())
    page.route(
        f"{live_server.url}/chart-preview/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": policy},
            body=html,
        ),
    )
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto("/chart-preview/")
    return refused


def test_charts_in_the_layout_pass_axe_and_the_policy(page, live_server, client, db):
    refused = open_charts(page, live_server, client)

    expect(page.get_by_role("img", name="Requests and outcomes per month")).to_be_visible()
    expect(page.get_by_role("table", name="Sessions per month: the figures")).to_be_visible()
    # Stylesheet loaded (the SVG shrinks to the column) and nothing was refused.
    assert refused == []
    box = page.locator("#requests-per-month > svg").bounding_box()
    assert 0 < box["width"] <= 640
    assert box["height"] == pytest.approx(box["width"] / 2, abs=1)
    expect(page.locator("#nothing-yet > svg")).to_contain_text("No data for this period")
    assert_no_axe_violations(page)


def test_charts_reflow_at_320_px(page, live_server, client, db):
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 800})
    open_charts(page, live_server, client)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= REFLOW_WIDTH
    for svg in page.locator("figure > svg.app-chart__drawing").all():
        box = svg.bounding_box()
        assert 0 < box["width"] <= REFLOW_WIDTH
        assert box["height"] > 0
    assert_no_axe_violations(page)


def test_charts_without_javascript(browser, live_server, client, db):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        open_charts(page, live_server, client)
        expect(page.locator("svg rect").first).to_be_visible()
        expect(page.get_by_role("table", name="Feedback at the end: the figures")).to_contain_text(
            "4.6 out of 5"
        )
    finally:
        context.close()
