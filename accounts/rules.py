"""Who may do what: the role predicates, in one place."""

from django.conf import settings

SCHEME_ADMIN_GROUP = "Scheme admins"


def is_mentee(user) -> bool:
    return user.is_authenticated and hasattr(user, "mentee_profile")


def is_mentor(user) -> bool:
    return user.is_authenticated and getattr(user, "mentor_profile", None) is not None


def is_scheme_team(user) -> bool:
    """Staff in the scheme admins group, or a superuser: who may use the admin site."""
    if not user.is_authenticated or not user.is_staff:
        return False
    return user.is_superuser or user.groups.filter(name=SCHEME_ADMIN_GROUP).exists()


def is_scheme_admin(user) -> bool:
    """The scheme team's extra powers on the app's own pages (draft bios, every mentor's
    contact details and photo, the register's search).

    They need two-factor authentication whenever admin does (ADMIN_REQUIRE_MFA): until
    a staff user sets it up, these pages treat them as the ordinary user they otherwise
    are. Every page asks this one predicate.
    """
    return is_scheme_team(user) and not admin_needs_two_factor(user)


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def admin_needs_two_factor(user) -> bool:
    """Staff must set up two-factor authentication before using admin (a setting)."""
    return bool(settings.ADMIN_REQUIRE_MFA) and user.is_staff and not has_two_factor(user)
