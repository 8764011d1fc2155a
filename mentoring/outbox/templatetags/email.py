"""The one tag an email template needs: the email's link, as text or as a button."""

from django import template
from django.template import Context
from django.utils.html import format_html

register = template.Library()

BUTTON_STYLE = (
    "display: inline-block; background: #007f3b; color: #ffffff; font-weight: bold;"
    " padding: 12px 16px; border-radius: 4px; text-decoration: none;"
)


@register.simple_tag(takes_context=True)
def button(context: Context, label: str, url_only: bool = False) -> str:
    """The context's `link`: "label: link" in the text part (the bare link when
    `url_only`), a button reading `label` in the HTML part.

    The text part is rendered with autoescape off, the HTML part with it on
    (mentoring.outbox.services.render), which is how the tag tells them apart.
    """
    link = context.get("link")
    if link is None:  # as {{ link }} would be: blank, or an error where templates are strict
        invalid = context.template.engine.string_if_invalid if context.template else ""
        link = invalid % "link" if "%s" in invalid else invalid
    if context.autoescape:
        return format_html('<a href="{}" style="{}">{}</a>', link, BUTTON_STYLE, label)
    return link if url_only else f"{label}: {link}"
