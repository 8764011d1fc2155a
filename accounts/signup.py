"""Becoming a mentee: the eligibility answer, the sign-up guard and the mentee profile.

The order is chosen so that nobody who cannot take part is left with an account:

1. the eligibility questions, on a public page; an eligible answer is kept in
   the session (nothing is written to the database);
2. allauth's sign-up, which sends anyone without that answer back to step 1
   (EligibilityRequiredSignupMixin, on the account adapter);
3. after the email address is confirmed, the profile page, which creates the
   MenteeProfile with the answer from step 1.

Someone who already has an account (a mentor, say) takes steps 1 and 3 while
logged in.
"""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import SessionBase
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.models import MenteeProfile, TrainingStatus, User
from scheme.models import Grade, School, Trust

ELIGIBILITY_KEY = "mentee_eligibility"
NOT_ELIGIBLE_KEY = "mentee_not_eligible"


@dataclass(frozen=True)
class Eligibility:
    """An eligible answer: out of training, or planning with the absence form done (the
    SuppoRTT profile's questions); or working in public health in the UK (the public
    health network's, with no training status)."""

    training_status: str
    absence_form_completed_on: datetime.date | None = None
    works_in_public_health: bool = False


def remember_eligibility(session: SessionBase, eligibility: Eligibility) -> None:
    completed_on = eligibility.absence_form_completed_on
    session[ELIGIBILITY_KEY] = {
        "training_status": eligibility.training_status,
        "absence_form_completed_on": completed_on.isoformat() if completed_on else None,
    }
    if eligibility.works_in_public_health:
        session[ELIGIBILITY_KEY] |= {"works_in_public_health": True}
    session.pop(NOT_ELIGIBLE_KEY, None)


def remember_not_eligible(session: SessionBase, reason: str) -> None:
    session[NOT_ELIGIBLE_KEY] = reason
    session.pop(ELIGIBILITY_KEY, None)


def eligibility_from_session(session: SessionBase) -> Eligibility | None:
    """The eligible answer given in this session, or None (also for anything malformed)."""
    saved = session.get(ELIGIBILITY_KEY)
    if not isinstance(saved, dict):
        return None
    status = saved.get("training_status")
    raw_date = saved.get("absence_form_completed_on")
    try:
        completed_on = datetime.date.fromisoformat(raw_date) if raw_date else None
    except (TypeError, ValueError):
        return None
    if status == TrainingStatus.OUT_OF_TRAINING:
        return Eligibility(TrainingStatus.OUT_OF_TRAINING)
    if status == TrainingStatus.PLANNING and completed_on is not None:
        return Eligibility(TrainingStatus.PLANNING, completed_on)
    if status == "" and saved.get("works_in_public_health") is True:
        return Eligibility("", works_in_public_health=True)
    return None


def not_eligible_reason(session: SessionBase) -> str | None:
    return session.get(NOT_ELIGIBLE_KEY)


def forget_eligibility(session: SessionBase) -> None:
    session.pop(ELIGIBILITY_KEY, None)
    session.pop(NOT_ELIGIBLE_KEY, None)


if TYPE_CHECKING:
    # The mixin goes before allauth's adapter, whose methods it extends.
    from allauth.account.adapter import DefaultAccountAdapter as _AdapterBase
else:
    _AdapterBase = object


class EligibilityRequiredSignupMixin(_AdapterBase):
    """For the allauth account adapter: no sign-up without an eligible answer first.

    allauth asks is_open_for_signup() before showing or accepting its sign-up
    form (GET and POST alike), and lets the adapter answer with a response of
    its own, so no account can be created by posting to the form directly.
    """

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        if eligibility_from_session(request.session) is None:
            raise ImmediateHttpResponse(redirect("mentee_eligibility"))
        return super().is_open_for_signup(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """After sign-up (and the email confirmation) the next step is the profile."""
        return reverse("mentee_profile")


def bound_email_field(field) -> None:
    """An email address is at most as long as User.email stores (254 characters, the
    longest address mail can deliver to); allauth's fields set no limit of their own.
    The limit is checked on the server, with an error message, and not set as the
    field's maxlength, which would cut a pasted address short without a word."""
    limit = User._meta.get_field("email").max_length
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, taking as long for an address that has an account.

    With ACCOUNT_PREVENT_ENUMERATION (allauth's default) both kinds of address get the
    same page and an email ("confirm your address" or "you already have an account"),
    but only a new account used to hash its password: about half a second of PBKDF2
    that told anyone timing the answer whether the address is registered. The password
    is hashed, and thrown away, for an existing account too.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_email_field(self.fields["email"])

    def try_save(self, request: HttpRequest):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


@transaction.atomic
def create_mentee_profile(
    *,
    user: User,
    eligibility: Eligibility,
    first_name: str,
    last_name: str,
    grade: Grade | None = None,
    school: School | None = None,
    trust: Trust | None = None,
    organisation: str = "",
    area_of_work: str = "",
    nation: str = "",
    pronouns: str = "",
    now: datetime.datetime | None = None,
) -> MenteeProfile:
    """Make the user a mentee. A second call (a double submit) changes nothing.

    Grade, school and trust, or organisation, area of work and nation: what the scheme's
    profile asks (scheme.profiles)."""
    now = now or timezone.now()
    profile, created = MenteeProfile.objects.get_or_create(
        user=user,
        defaults={
            "training_status": eligibility.training_status,
            "absence_form_completed_on": eligibility.absence_form_completed_on,
            "grade": grade,
            "school": school,
            "trust": trust,
            "organisation": organisation.strip(),
            "area_of_work": area_of_work.strip(),
            "nation": nation,
            "pronouns": pronouns.strip(),
            "privacy_consent_at": now,
        },
    )
    if created:
        user.first_name = first_name.strip()
        user.last_name = last_name.strip()
        user.save(update_fields=["first_name", "last_name"])
    return profile


class ProfileChangeRefused(Exception):
    """The change would leave the mentee's profile in a state sign-up does not allow."""


@transaction.atomic
def update_mentee_profile(
    *,
    user: User,
    eligibility: Eligibility,
    first_name: str,
    last_name: str,
    pronouns: str,
    grade: Grade | None = None,
    school: School | None = None,
    trust: Trust | None = None,
    organisation: str | None = None,
    area_of_work: str | None = None,
    nation: str | None = None,
) -> MenteeProfile:
    """A mentee changes what they told us at sign-up: their eligible answer and details.

    Grade, school and trust, or organisation, area of work and nation: those the scheme's
    profile asks (scheme.profiles); one left as None is not asked and is kept as it is.
    The answer is an eligible one (an Eligibility, as at sign-up); the privacy consent
    given at sign-up stands.
    """
    if eligibility.training_status == TrainingStatus.PLANNING and not (
        eligibility.absence_form_completed_on
    ):
        raise ProfileChangeRefused("Planning time out needs the absence planning form's date.")
    profile = MenteeProfile.objects.select_for_update().get(user=user)
    profile.training_status = eligibility.training_status
    profile.absence_form_completed_on = eligibility.absence_form_completed_on
    profile.pronouns = pronouns.strip()
    changed = ["training_status", "absence_form_completed_on", "pronouns", "updated_at"]
    for name, value in (("grade", grade), ("school", school), ("trust", trust)):
        if value is not None:
            setattr(profile, name, value)
            changed.append(name)
    for name, text in (
        ("organisation", organisation),
        ("area_of_work", area_of_work),
        ("nation", nation),
    ):
        if text is not None:
            setattr(profile, name, text.strip())
            changed.append(name)
    profile.save(update_fields=changed)
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.save(update_fields=["first_name", "last_name"])
    return profile
