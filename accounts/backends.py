"""Authentication backends that read the signed-in user with both of their profiles.

Nearly every page asks whether its user is a mentee or a mentor (accounts.rules), and
each question was a query of its own. Reading the session's user with the two profiles
joined answers both from that one row; signing in is Django's and allauth's as before.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from accounts.models import User


class WithProfiles:
    def get_user(self, user_id):
        user = (
            User._default_manager.select_related("mentee_profile", "mentor_profile")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(WithProfiles, DjangoModelBackend):
    pass


class AuthenticationBackend(WithProfiles, AllauthBackend):
    pass
