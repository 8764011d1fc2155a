"""Lets allauth's Django templates sit inside our one Jinja page layout.

    {% nhs_page %}<main content>{% nhs_title %}<page title>{% endnhs_page %}

renders both parts with Django, then hands them to
templates/jinja2/layouts/django_page.jinja, so the head, header and footer
are written once, in Jinja. Blocks inside both parts can be overridden by
child templates as usual.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

register = template.Library()


class NhsPageNode(template.Node):
    child_nodelists = ("nodelist", "title_nodelist")

    def __init__(self, nodelist, title_nodelist):
        self.nodelist = nodelist
        self.title_nodelist = title_nodelist

    def render(self, context) -> str:
        content = self.nodelist.render(context)
        title = " ".join(strip_tags(self.title_nodelist.render(context)).split())
        form = context.get("form")
        return render_to_string(
            "layouts/django_page.jinja",
            {
                "django_title": title,
                # Already rendered (and escaped) by Django's template engine.
                "django_content": mark_safe(content),  # noqa: S308
                "has_errors": bool(form is not None and getattr(form, "errors", None)),
            },
            request=context.get("request"),
            using="jinja2",
        )


@register.tag("nhs_page")
def nhs_page(parser, token):
    nodelist = parser.parse(("nhs_title",))
    parser.delete_first_token()
    title_nodelist = parser.parse(("endnhs_page",))
    parser.delete_first_token()
    return NhsPageNode(nodelist, title_nodelist)
