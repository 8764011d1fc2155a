"""The scheme's profile (scheme.profiles) for allauth's pages (Django templates)."""

from django import template

from scheme.profiles import current_profile

register = template.Library()


@register.simple_tag
def who_can_take_part() -> str:
    """One sentence on who the scheme is for."""
    return current_profile().who_can_take_part
