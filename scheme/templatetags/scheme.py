"""The scheme's own name and matching mode, from its settings, for emails (Django templates)."""

from django import template
from django.core.cache import cache

from scheme.models import SchemeSettings

register = template.Library()

# A job renders thousands of emails at once: the settings emails name are read once a
# minute at most, in one query, so a change in admin reaches emails within a minute and
# no job grows a query per email.
CACHE_KEY = "scheme-for-emails"
CACHE_SECONDS = 60


def _for_emails() -> tuple[str, bool]:
    """(the scheme's name, whether mentees choose their mentor)."""

    def read() -> tuple[str, bool]:
        scheme = SchemeSettings.load()
        return scheme.scheme_name, scheme.mentees_choose

    cached = cache.get_or_set(CACHE_KEY, read, CACHE_SECONDS)
    name, choose = cached if cached is not None else read()
    return str(name), bool(choose)


@register.simple_tag
def scheme_name() -> str:
    return _for_emails()[0]


@register.simple_tag
def mentees_choose() -> bool:
    """Whether mentees choose their mentor (the matching mode): emails that tell a mentee
    what to do next say "choose another mentor", or that the scheme team will propose one."""
    return _for_emails()[1]
