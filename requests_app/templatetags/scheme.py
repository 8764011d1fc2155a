"""The scheme's own name, from its settings, for emails (Django templates)."""

from django import template

from requests_app.models import SchemeSettings

register = template.Library()


@register.simple_tag
def scheme_name() -> str:
    return SchemeSettings.load().scheme_name
