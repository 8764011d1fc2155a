"""factory_boy factories for tests. No photos: a test that needs one makes it.

Every user's password is TEST_PASSWORD. Reference data (grades, schools, trusts,
platforms) is fetched by name when it exists, so many mentors share one ST4.
"""

import datetime

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from accounts.models import MenteeProfile, TrainingStatus, User
from accounts.roles import ensure_scheme_admin_group
from register.models import Gender, MentorProfile, MentorStatus, TimeOfDay, VirtualPlatform, Weekday
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    Meeting,
    MeetingMode,
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
)
from scheme.models import Grade, School, Trust

TEST_PASSWORD = "test-password-123"


# --- People ---------------------------------------------------------------------


class UserFactory(DjangoModelFactory[User]):
    """A user; UserFactory(verified=True) adds a verified primary allauth address.

    The password is hashed as the object is built (factory.django.Password), not by
    a post-generation set_password, so there is no second save; UserFactory(password=
    "other") is hashed the same way.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.nhs.uk")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    password = Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class SchemeAdminFactory(UserFactory):
    """Staff, not superuser, in the Scheme admins group.

    Without two-factor authentication (give_two_factor) while ADMIN_REQUIRE_MFA is on, as
    in tests, admin sends them to set it up and the app's pages treat them as an
    ordinary user.
    """

    email = factory.Sequence(lambda n: f"admin{n}@example.nhs.uk")
    is_staff = True

    @factory.post_generation
    def scheme_admin_group(obj: User, create: bool, extracted, **kwargs) -> None:
        if create:
            obj.groups.add(ensure_scheme_admin_group())


def give_two_factor(user: User) -> None:
    """An activated authenticator app (TOTP), as if the person had set one up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


# --- Reference data ----------------------------------------------------------------


class GradeFactory(DjangoModelFactory[Grade]):
    class Meta:
        model = Grade
        django_get_or_create = ("name",)

    name = "ST4"


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School
        django_get_or_create = ("name",)

    name = "School of Medicine"


class TrustFactory(DjangoModelFactory[Trust]):
    class Meta:
        model = Trust
        django_get_or_create = ("name",)

    name = "Leeds Teaching Hospitals NHS Trust"
    region = "West Yorkshire"


class VirtualPlatformFactory(DjangoModelFactory[VirtualPlatform]):
    class Meta:
        model = VirtualPlatform
        django_get_or_create = ("name",)

    name = "Microsoft Teams"


# --- Mentees and mentors ---------------------------------------------------------------


class MenteeProfileFactory(DjangoModelFactory[MenteeProfile]):
    class Meta:
        model = MenteeProfile

    user = factory.SubFactory(UserFactory)
    training_status = TrainingStatus.OUT_OF_TRAINING
    grade = factory.SubFactory(GradeFactory)
    school = factory.SubFactory(SchoolFactory)
    trust = factory.SubFactory(TrustFactory)
    privacy_consent_at = factory.LazyFunction(timezone.now)


class MenteeFactory(UserFactory):
    """A user with a mentee profile: what a request's or partnership's mentee is."""

    mentee_profile = factory.RelatedFactory(MenteeProfileFactory, factory_related_name="user")


class MentorProfileFactory(DjangoModelFactory[MentorProfile]):
    """A published bio; MentorProfileFactory(with_login=True) also issues a login."""

    class Meta:
        model = MentorProfile
        skip_postgeneration_save = True

    class Params:
        with_login = factory.Trait(
            user=factory.SubFactory(
                UserFactory,
                email=factory.SelfAttribute("..email"),
                first_name=factory.SelfAttribute("..first_name"),
                last_name=factory.SelfAttribute("..last_name"),
                verified=True,
            ),
            framework_confirmed_at=factory.LazyFunction(timezone.now),
        )

    status = MentorStatus.PUBLISHED
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.Sequence(lambda n: f"mentor{n}@example.nhs.uk")
    grade = factory.SubFactory(GradeFactory)
    school = factory.SubFactory(SchoolFactory)
    trust = factory.SubFactory(TrustFactory)
    gender = Gender.NOT_SAID
    supportt_experience = "I came back after a year of parental leave."
    motivation = "I would like to help others return."
    available_days = Weekday.MONDAY | Weekday.WEDNESDAY
    available_times = TimeOfDay.EVENING
    meets_virtually = True
    capacity = 2
    register_consent_at = factory.LazyFunction(timezone.now)
    published_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == MentorStatus.PUBLISHED else None
    )

    @factory.post_generation
    def virtual_platforms(obj: MentorProfile, create: bool, extracted, **kwargs) -> None:
        """Pass a list to choose; by default a virtual mentor offers Microsoft Teams."""
        if not create:
            return
        if extracted is not None:
            obj.virtual_platforms.set(extracted)
        elif obj.meets_virtually:
            obj.virtual_platforms.add(VirtualPlatformFactory())


# --- Requests, partnerships, meetings -----------------------------------------------------


class MentoringRequestFactory(DjangoModelFactory[MentoringRequest]):
    """Pending by default; an answered state gets answered_at unless one is given."""

    class Meta:
        model = MentoringRequest

    mentee = factory.SubFactory(MenteeFactory)
    mentor = factory.SubFactory(MentorProfileFactory)
    state = RequestState.PENDING
    message = "I'd like to talk about coming back after parental leave."
    created_at = factory.LazyFunction(timezone.now)
    response_deadline = factory.LazyAttribute(lambda o: o.created_at + datetime.timedelta(days=7))
    answered_at = factory.LazyAttribute(
        lambda o: None if o.state == RequestState.PENDING else o.created_at
    )


class PartnershipFactory(DjangoModelFactory[Partnership]):
    """Agreement pending by default, from an accepted request; ended states get ended_at."""

    class Meta:
        model = Partnership

    request = factory.SubFactory(MentoringRequestFactory, state=RequestState.ACCEPTED)
    mentee = factory.SelfAttribute("request.mentee")
    mentor = factory.SelfAttribute("request.mentor")
    state = PartnershipState.AGREEMENT_PENDING
    started_at = factory.LazyFunction(timezone.now)
    window_ends_on = factory.LazyAttribute(
        lambda o: (o.started_at + datetime.timedelta(days=183)).date()
    )
    sessions_allowed = 4
    ended_at = factory.LazyAttribute(
        lambda o: None if o.state in OPEN_PARTNERSHIP_STATES else timezone.now()
    )


class MeetingFactory(DjangoModelFactory[Meeting]):
    class Meta:
        model = Meeting

    partnership = factory.SubFactory(PartnershipFactory, state=PartnershipState.ACTIVE)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    mode = MeetingMode.VIDEO
    planned_by = factory.SelfAttribute("partnership.mentee")
