"""Who may do what: the role predicates, in one place."""

from django.conf import settings

SCHEME_ADMIN_GROUP = "Scheme admins"


def is_mentee(user) -> bool:
    return user.is_authenticated and hasattr(user, "mentee_profile")


def is_mentor(user) -> bool:
    return user.is_authenticated and getattr(user, "mentor_profile", None) is not None


def is_scheme_admin(user) -> bool:
    if not user.is_authenticated or not user.is_staff:
        return False
    return user.is_superuser or user.groups.filter(name=SCHEME_ADMIN_GROUP).exists()


def has_two_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def admin_needs_two_factor(user) -> bool:
    """Staff must set up two-factor authentication before using admin (a setting)."""
    return bool(settings.ADMIN_REQUIRE_MFA) and user.is_staff and not has_two_factor(user)
