"""The scheme's own name, from its settings, for emails (Django templates)."""

from django import template
from django.core.cache import cache

from scheme.models import SchemeSettings

register = template.Library()

# A job renders thousands of emails at once: the name is read once a minute at most,
# so a change in admin reaches emails within a minute and no job grows a query per email.
CACHE_KEY = "scheme-name"
CACHE_SECONDS = 60


@register.simple_tag
def scheme_name() -> str:
    name = cache.get_or_set(CACHE_KEY, lambda: SchemeSettings.load().scheme_name, CACHE_SECONDS)
    return str(name)


MENTEES_CHOOSE_CACHE_KEY = "scheme-mentees-choose"


@register.simple_tag
def mentees_choose() -> bool:
    """Whether mentees choose their mentor (the matching mode): emails that tell a mentee
    what to do next say "choose another mentor" or that the scheme team will propose
    one. Cached as the name is, for the same reason."""
    return bool(
        cache.get_or_set(
            MENTEES_CHOOSE_CACHE_KEY,
            lambda: SchemeSettings.read().mentees_choose,
            CACHE_SECONDS,
        )
    )
