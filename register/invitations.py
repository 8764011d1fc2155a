"""Mentor logins: the scheme team invites, the mentor sets a password from the email.

An invitation link carries a signed {profile pk, nonce} and is good for
INVITATION_MAX_AGE. Sending a new invitation changes the profile's nonce, so
any older link stops working; setting the password clears the nonce, so the
link works once. A user who already has an account with the mentor's email
(a mentee, say) is linked, not duplicated: one login, two roles.
"""

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from mentoring.outbox import services as outbox
from mentoring.outbox.services import queue_templated_email
from register.models import MentorProfile, MentorStatus

if TYPE_CHECKING:
    from accounts.models import User

INVITATION_MAX_AGE = datetime.timedelta(days=7)
_SALT = "register.invitations.set-password"


class InvitationProblem(StrEnum):
    EXPIRED = "expired"
    USED = "used"
    INVALID = "invalid"


class InvitationError(Exception):
    """The link cannot be used; `problem` says why, for the page the person sees."""

    def __init__(self, problem: InvitationProblem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass
class InvitationOutcome:
    """What happened to each selected mentor, for the admin's message."""

    sent: list[MentorProfile] = field(default_factory=list)
    linked: list[MentorProfile] = field(default_factory=list)  # existing accounts linked
    skipped: dict[str, list[MentorProfile]] = field(default_factory=dict)  # reason -> mentors

    def skip(self, profile: MentorProfile, reason: str) -> None:
        self.skipped.setdefault(reason, []).append(profile)


# --- Tokens ----------------------------------------------------------------------


def invitation_token(profile: MentorProfile) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {"p": profile.pk, "n": profile.invitation_nonce}
    )


def invitation_url(profile: MentorProfile) -> str:
    return settings.SITE_URL + reverse("mentor_invitation", args=[invitation_token(profile)])


def _read_token(token: str) -> tuple[int, str]:
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationError(InvitationProblem.EXPIRED) from None
    except signing.BadSignature:
        raise InvitationError(InvitationProblem.INVALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise InvitationError(InvitationProblem.INVALID)
    return data["p"], str(data.get("n") or "")


def check_invitation(token: str) -> MentorProfile:
    """The mentor this link invites, or InvitationError (expired, used or replaced, invalid)."""
    pk, nonce = _read_token(token)
    profile = MentorProfile.objects.select_related("user").filter(pk=pk, user__isnull=False).first()
    if profile is None or profile.user is None or not profile.user.is_active:
        raise InvitationError(InvitationProblem.INVALID)
    if not nonce or not secrets.compare_digest(nonce, profile.invitation_nonce):
        # Either the password was set with it, or a newer invitation replaced it.
        raise InvitationError(InvitationProblem.USED)
    return profile


# --- Sending -----------------------------------------------------------------------

SKIP_RETIRED = "retired mentors are not invited"
SKIP_INACTIVE = "their account is switched off"
SKIP_OTHER_MENTOR = "their email address belongs to another mentor's login"


def send_invitations(
    *, mentors: QuerySet[MentorProfile] | Iterable[int], by, now: datetime.datetime | None = None
) -> InvitationOutcome:
    """Create or link each mentor's login and email them a link to set a password.

    Works on the whole selection at once: one query to find existing accounts,
    one insert for new ones, one update for the profiles, one insert for the emails.
    """
    now = now or timezone.now()
    User = get_user_model()
    outcome = InvitationOutcome()
    with transaction.atomic():
        ids = (
            mentors.values_list("pk", flat=True) if isinstance(mentors, QuerySet) else list(mentors)
        )
        profiles = list(
            MentorProfile.objects.filter(pk__in=ids)
            .select_for_update(of=("self",))
            .select_related("user")
        )
        wanted = [p for p in profiles if p.user_id is None]
        by_email = {
            user.email_lower: user
            for user in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=[p.email.lower() for p in wanted])
            .select_related("mentor_profile")
        }
        new_users = []
        for profile in profiles:
            if profile.status == MentorStatus.RETIRED:
                outcome.skip(profile, SKIP_RETIRED)
                continue
            user = profile.user
            if user is None:
                user = by_email.get(profile.email.lower())
                if user is not None:
                    other = getattr(user, "mentor_profile", None)
                    if other is not None and other.pk != profile.pk:
                        outcome.skip(profile, SKIP_OTHER_MENTOR)
                        continue
                    if user.is_active:
                        outcome.linked.append(profile)
                else:
                    user = User(
                        email=profile.email.lower(),
                        first_name=profile.first_name,
                        last_name=profile.last_name,
                    )
                    user.set_unusable_password()
                    new_users.append(user)
                profile.user = user
            if not user.is_active:
                outcome.skip(profile, SKIP_INACTIVE)
                continue
            profile.invitation_nonce = secrets.token_hex(16)
            profile.invited_at = now
            profile.updated_at = now
            outcome.sent.append(profile)

        User.objects.bulk_create(new_users)
        for profile in outcome.sent:
            profile.user = profile.user  # takes the new users' ids, keeping them cached
        MentorProfile.objects.bulk_update(
            outcome.sent, ["user", "invitation_nonce", "invited_at", "updated_at"]
        )
        if outcome.sent:
            LogEntry.objects.log_actions(
                user_id=by.pk,
                queryset=outcome.sent,
                action_flag=CHANGE,
                change_message="Sent a login invitation.",
            )
        with outbox.batch():
            for profile in outcome.sent:
                has_password = _account(profile).has_usable_password()
                _queue_invitation_email(profile, has_password=has_password)
    return outcome


def _account(profile: MentorProfile) -> "User":
    """The login of a mentor who has been invited (every invited mentor has one)."""
    if profile.user is None:
        raise ValueError(f"Mentor {profile.pk} has no login.")
    return profile.user


def _queue_invitation_email(profile: MentorProfile, *, has_password: bool) -> None:
    if profile.invited_at is None:
        raise ValueError(f"Mentor {profile.pk} has not been invited.")
    expires = timezone.localtime(profile.invited_at + INVITATION_MAX_AGE)
    queue_templated_email(
        to=[_account(profile).email],
        template="mentor_invitation",
        context={
            "first_name": profile.first_name,
            "link": invitation_url(profile),
            "expires_at": expires,
            "has_password": has_password,
        },
    )


# --- Accepting ---------------------------------------------------------------------


def accept_invitation(*, profile: MentorProfile, password: str) -> None:
    """Set the password, verify the email address, and use up the link.

    The nonce is checked again under a row lock, so the same link sent twice at
    once sets the password only once.
    """
    with transaction.atomic():
        locked = (
            MentorProfile.objects.select_for_update()
            .filter(pk=profile.pk, invitation_nonce=profile.invitation_nonce)
            .exclude(invitation_nonce="")
            .first()
        )
        if locked is None:
            raise InvitationError(InvitationProblem.USED)
        user = _account(profile)
        user.set_password(password)
        user.save(update_fields=["password"])
        _verify_primary_email(user)
        MentorProfile.objects.filter(pk=profile.pk).update(
            invitation_nonce="", updated_at=timezone.now()
        )
        profile.invitation_nonce = ""


def _verify_primary_email(user) -> None:
    """Following the link proves the address: verified and primary for allauth."""
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        address = EmailAddress(user=user, email=user.email.lower())
    EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(
        primary=False
    )
    address.verified = True
    address.primary = True
    address.save()
