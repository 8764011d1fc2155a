from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from scheme.models import Nation


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str | None) -> "User":
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who logs in. Email is the login; roles come from profiles and groups."""

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Lets the person log in to this admin site."
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick instead of deleting an account."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class TrainingStatus(models.TextChoices):
    OUT_OF_TRAINING = "out", "Currently out of training"
    PLANNING = "planning", "Planning to go out of training, absence planning form completed"


class MenteeProfile(models.Model):
    """The mentee role: a doctor in training who is, or soon will be, out of training."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentee_profile"
    )
    training_status = models.CharField(
        max_length=16,
        choices=TrainingStatus.choices,
        blank=True,
        help_text="Asked by the SuppoRTT profile's eligibility questions; blank otherwise.",
    )
    absence_form_completed_on = models.DateField(
        null=True,
        blank=True,
        help_text="Date the absence planning form was completed (needed when planning to go out).",
    )
    grade = models.ForeignKey(
        "scheme.Grade", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "scheme.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trust = models.ForeignKey(
        "scheme.Trust", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Asked by the public health network's profile (scheme.profiles) instead of
    # grade, school and trust.
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The organisation they work for."
    )
    area_of_work = models.CharField(
        "area of work", max_length=200, blank=True, help_text="Their area of public health work."
    )
    nation = models.CharField("UK nation", max_length=16, choices=Nation.choices, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    privacy_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mentee agreed to the privacy notice."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(training_status=TrainingStatus.PLANNING)
                | models.Q(absence_form_completed_on__isnull=False),
                name="mentee_planning_needs_absence_form_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Mentee {self.user}"


class DataEvent(models.Model):
    """Who exported or erased their personal data, and when; never the data itself."""

    class Kind(models.TextChoices):
        EXPORTED = "exported", "Exported their data"
        ERASED = "erased", "Erased their account"
        ANONYMISED = "anonymised", "Anonymised by the retention job"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    user_label = models.CharField(
        max_length=40, help_text="An opaque reference kept after the account is erased."
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_label} {self.get_kind_display()} {self.at:%Y-%m-%d}"
