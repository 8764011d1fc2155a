"""Each email is one plain-text template; its HTML part is built from that text."""

from html.parser import HTMLParser

import pytest
from django.core import mail

from requests_app import workflow

pytestmark = pytest.mark.django_db


class Html(HTMLParser):
    """Tags opened and closed in order, and the links with their text."""

    VOID = {"meta", "br"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.paragraphs = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)
        if tag == "a":
            self.links.append((dict(attrs)["href"], ""))
        self.paragraphs += tag == "p"

    def handle_endtag(self, tag):
        assert self.open.pop() == tag, f"</{tag}> closes another element"

    def handle_data(self, data):
        if self.open and self.open[-1] == "a":
            href, text = self.links[-1]
            self.links[-1] = (href, text + data)


def test_a_name_is_plain_in_the_text_and_escaped_in_the_html(mentee, mentor, committed):
    mentee.first_name, mentee.last_name = 'Ann "<b>', "O'Neil & <i>Co</i>"
    mentee.save()

    with committed():
        workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)

    (message,) = [m for m in mail.outbox if m.to == [mentor.email]]
    name = "Ann \"<b> O'Neil & <i>Co</i>"
    assert message.subject == f"New mentoring request from {name}"
    assert f"\n\n{name} would like you to be their peer mentor.\n\n" in message.body
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    assert "<b>" not in html
    assert "<i>" not in html
    escaped = "Ann &quot;&lt;b&gt; O&#x27;Neil &amp; &lt;i&gt;Co&lt;/i&gt;"
    assert f"<title>New mentoring request from {escaped}</title>" in html
    assert f"<p>{escaped} would like you to be their peer mentor.</p>" in html

    parsed = Html()
    parsed.feed(html)
    parsed.close()
    assert parsed.open == []
    assert parsed.paragraphs == 5  # four of the text's paragraphs and the footer
    link = message.body.splitlines()[-1].removeprefix("Read the request and answer: ")
    assert parsed.links == [(link, "Read the request and answer")]


def test_each_email_is_one_template_with_a_subject_and_a_body_in_plain_text():
    """The words written in an email's file reach its HTML part as written: names and
    other values are escaped, so the file itself holds no markup."""
    from django.template import engines
    from django.template.base import TextNode
    from django.template.loader_tags import BlockNode

    from tests.template_checks import EMAILS, email_kinds

    assert len(email_kinds()) >= 30
    assert sorted(path.name for path in EMAILS.iterdir() if path.suffix != ".txt") == ["base.html"]
    for kind in email_kinds():
        source = engines["django"].get_template(f"emails/{kind}.txt").template
        blocks = [node.name for node in source.nodelist.get_nodes_by_type(BlockNode)]
        assert blocks == ["subject", "body"], kind
        words = "".join(node.s for node in source.nodelist.get_nodes_by_type(TextNode))
        assert not set(words) & set("<>&"), kind
