"""Small formatting helpers shared by Jinja and Django templates."""

import datetime
import re

from django.utils import timezone
from django.utils.html import escape, format_html, linebreaks
from django.utils.safestring import SafeString, mark_safe

_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|mailto:|/)[^)\s]*)\)")


def _inline(text: str) -> str:
    """Escape a line, then turn [label](url) into a link and **x** into bold."""
    escaped: str = escape(text)
    escaped = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', escaped)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def scheme_markdown(text: str) -> SafeString:
    """Render an admin-edited text: paragraphs, '## ' headings and '- ' bullet lists.

    Everything is escaped first, so HTML typed into admin shows as text.
    Links are limited to http(s), mailto and site-relative addresses.
    """
    html: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            html.append(f'<h2 class="nhsuk-heading-m">{_inline(lines[0][3:])}</h2>')
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            html.append(f'<ul class="nhsuk-list nhsuk-list--bullet">{items}</ul>')
        elif all(re.match(r"\d+\. ", line) for line in lines):
            items = "".join(f"<li>{_inline(line.split('. ', 1)[1])}</li>" for line in lines)
            html.append(f'<ol class="nhsuk-list nhsuk-list--number">{items}</ol>')
        else:
            html.append(f"<p>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece above is escaped


def paragraphs(text: str) -> SafeString:
    """Someone's own text, escaped, its blank lines as paragraphs and line breaks kept."""
    return mark_safe(linebreaks(text or "", autoescape=True))  # noqa: S308 - escaped


def long_date(value: datetime.date | datetime.datetime | None) -> str:
    """'Friday 4 December 2026', in UK local time for datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return format_html(
        "{} {} {} {}", value.strftime("%A"), value.day, value.strftime("%B"), value.year
    )
