"""The kit for spreading the word (scheme team only): blurbs for a website, a
newsletter, champions and heads of school, each as plain text and HTML, and a printable
poster and leaflet with a QR code to the sign-up page.

The wording is the scheme's texts (scheme.texts.KIT_BLURBS, KIT_POSTER, KIT_LEAFLET),
edited in admin, with the settings' figures and the sign-up page's address filled in.
"""

import re
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from accounts.links import signup_address
from mentoring.formatting import scheme_markdown
from scheme.models import SchemeSettings
from scheme.texts import KIT_BLURBS, KIT_LEAFLET, KIT_PLACEHOLDER, KIT_POSTER, Text
from scheme.texts import get_scheme_texts as scheme_texts

from .access import scheme_team_only
from .qr import qr_svg

# Who each blurb is for, as the kit page heads it.
AUDIENCES = {
    "kit-website": "For a website",
    "kit-newsletter": "For a newsletter",
    "kit-champions": "For champions of the scheme",
    # SuppoRTT's heads of school and training programme directors; a network's leaders.
    "kit-heads-of-school": "For heads of school, directors and managers to pass on",
}
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CLASS = re.compile(r' class="[^"]*"')


@dataclass(frozen=True)
class Blurb:
    slug: str
    audience: str
    title: str
    text: str  # plain text, to paste where HTML is not taken
    html: str  # the source of markup without our classes, to paste into another site

    @property
    def text_rows(self) -> int:
        return box_rows(self.text)

    @property
    def html_rows(self) -> int:
        return box_rows(self.html)


def box_rows(text: str, *, width: int = 80, most: int = 16) -> int:
    """How tall a box shows a text whole, wrapped at about `width` characters (up to
    `most` rows; longer ones scroll)."""
    rows = sum(max(1, -(-len(line) // width)) for line in text.splitlines())
    return min(rows + 1, most)


def with_address(text: Text, address: str) -> Text:
    return Text(title=text.title, body=text.body.replace(KIT_PLACEHOLDER, address))


def plain_text(text: Text) -> str:
    """A text as someone would type it in an email: the heading line as it is, links
    as their words and the address, no Markdown marks."""

    def link(match: re.Match) -> str:
        words, address = match.groups()
        return address if words == address else f"{words}: {address}"

    body = _LINK.sub(link, text.body).replace("**", "")
    body = re.sub(r"^## ", "", body, flags=re.MULTILINE)
    return f"{text.title}\n\n{body.strip()}\n"


def portable_html(text: Text) -> str:
    """A text as the source of HTML for another site (shown as text, never as markup
    here): our renderer's markup, everything in it escaped, without the NHS.UK classes
    that site will not have."""
    body = _CLASS.sub("", scheme_markdown(text.body))
    return f"<h2>{escape(text.title)}</h2>\n{body}\n"


def kit_blurbs(scheme: SchemeSettings, address: str) -> list[Blurb]:
    texts = scheme_texts(KIT_BLURBS, scheme)
    blurbs = []
    for slug, text in zip(KIT_BLURBS, texts, strict=True):
        filled = with_address(text, address)
        blurbs.append(
            Blurb(slug, AUDIENCES[slug], filled.title, plain_text(filled), portable_html(filled))
        )
    return blurbs


def sign_up_qr(address: str) -> SafeString:
    return qr_svg(address, label=f"QR code: scan it to open {address}")


@require_safe
@scheme_team_only
def kit(request: HttpRequest) -> HttpResponse:
    scheme = SchemeSettings.cached()
    address = signup_address()
    return render(
        request,
        "reports/kit.jinja",
        {"blurbs": kit_blurbs(scheme, address), "signup_address": address},
    )


def _print_piece(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    scheme = SchemeSettings.cached()
    address = signup_address()
    (text,) = scheme_texts((slug,), scheme)
    return render(
        request,
        template,
        {
            "text": with_address(text, address),
            "scheme": scheme,
            "signup_address": address,
            "qr": sign_up_qr(address),
        },
    )


@require_safe
@scheme_team_only
def poster(request: HttpRequest) -> HttpResponse:
    return _print_piece(request, KIT_POSTER, "reports/poster.jinja")


@require_safe
@scheme_team_only
def leaflet(request: HttpRequest) -> HttpResponse:
    return _print_piece(request, KIT_LEAFLET, "reports/leaflet.jinja")
