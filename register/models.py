import datetime
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Concat, Lower
from django.urls import reverse
from django.utils import timezone

from register.fields import FlagsField
from scheme.models import Grade, Nation, ReferenceData, School, Trust
from scheme.profiles import current_profile


class VirtualPlatform(ReferenceData):
    class Meta(ReferenceData.Meta):
        pass


class Weekday(models.IntegerChoices):
    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 4, "Wednesday"
    THURSDAY = 8, "Thursday"
    FRIDAY = 16, "Friday"
    SATURDAY = 32, "Saturday"
    SUNDAY = 64, "Sunday"


class TimeOfDay(models.IntegerChoices):
    MORNING = 1, "Mornings"
    AFTERNOON = 2, "Afternoons"
    EVENING = 4, "Evenings"


class Gender(models.TextChoices):
    WOMAN = "woman", "Woman"
    MAN = "man", "Man"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Described in another way"
    NOT_SAID = "not_said", "Prefer not to say"


class MentorStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for review"
    PUBLISHED = "published", "Published on the register"
    RETIRED = "retired", "Retired"


class MeetingWay(models.TextChoices):
    """How a mentee would like to meet, as a search filter."""

    FACE_TO_FACE = "face_to_face", "In person"
    VIRTUAL = "virtual", "By video or phone"


@dataclass(frozen=True)
class MentorFilters:
    """What a search of the register asks for; a value left empty asks for nothing."""

    q: str = ""  # words
    school: int | None = None
    grade: int | None = None
    trust: int | None = None
    outside_trust: int | None = None  # "not from my own trust": the mentee's trust
    nation: str = ""  # a Nation
    gender: str = ""
    meeting: str = ""  # a MeetingWay
    location: str = ""  # where, to meet in person
    platform: int | None = None
    days: int = 0  # Weekday flags: free on any of them
    times: int = 0  # TimeOfDay flags: free at any of them


class MentorProfileQuerySet(models.QuerySet["MentorProfile"]):
    def published(self):
        return self.filter(status=MentorStatus.PUBLISHED)

    def listed(self):
        """As the register lists them: published, by name."""
        return self.published().order_by("last_name", "first_name", "id")

    def trained(self, on: datetime.date):
        """Mentors with mentor training completed by that day."""
        return self.filter(Exists(TrainingRecord.objects.mentor_trained(OuterRef("pk"), on)))

    def untrained(self, on: datetime.date):
        """Mentors with no mentor training completed by that day."""
        return self.exclude(Exists(TrainingRecord.objects.mentor_trained(OuterRef("pk"), on)))

    def matching(self, filters: MentorFilters):
        """The mentors that meet every filter in use.

        Free text: PostgreSQL's full-text search of search_vector (GIN index,
        migration 0002); elsewhere every word must appear in search_text.
        """
        wanted = Q()
        for name in ("school", "grade", "trust"):
            if value := getattr(filters, name):
                wanted &= Q(**{f"{name}_id": value})
        if filters.outside_trust:
            wanted &= ~Q(trust_id=filters.outside_trust)
        if filters.gender:
            wanted &= Q(gender=filters.gender)
        if filters.nation:
            wanted &= Q(nation=filters.nation)
        if filters.meeting == MeetingWay.FACE_TO_FACE or filters.location:
            wanted &= Q(meets_face_to_face=True)
        if filters.location:
            wanted &= Q(face_to_face_location__icontains=filters.location)
        if filters.meeting == MeetingWay.VIRTUAL or filters.platform:
            wanted &= Q(meets_virtually=True)
        if filters.platform:
            wanted &= Q(virtual_platforms=filters.platform)
        found: MentorProfileQuerySet = self.filter(wanted)  # of any alias() added below
        # Any of the chosen days (times): a bit of the mask that the mentor has set.
        if filters.days:
            found = found.alias(days_free=F("available_days").bitand(filters.days))
            found = found.filter(days_free__gt=0)
        if filters.times:
            found = found.alias(times_free=F("available_times").bitand(filters.times))
            found = found.filter(times_free__gt=0)
        if filters.q and connection.vendor == "postgresql":
            found = found.filter(search_vector=_words_query(filters.q))
        elif filters.q:
            for word in re.findall(r"\w+", filters.q):
                found = found.filter(search_text__icontains=word)
        return found

    def best_matches_first(self, q: str):
        """The best match for the words first (PostgreSQL), then the order so far."""
        if not (q and connection.vendor == "postgresql"):
            return self
        ranked = self.alias(rank=SearchRank(F("search_vector"), _words_query(q)))
        return ranked.order_by(F("rank").desc(), *self.query.order_by)


def _words_query(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config="english")


# What the register's free-text search looks in (MentorProfileQuerySet.matching): names
# (weighted higher on PostgreSQL), then experience, motivation, interests,
# where they meet in person, and the public health network profile's organisation
# and area of expertise (empty in a SuppoRTT scheme).
SEARCHED_NAME_FIELDS = ("first_name", "last_name")
SEARCHED_BIO_FIELDS = (
    "supportt_experience",
    "time_away_experience",
    "motivation",
    "interests",
    "face_to_face_location",
    "expertise",
    "organisation",
)


def _joined(names: tuple[str, ...]) -> Concat:
    """The fields one after another, a line break between them (NULL-safe)."""
    parts: list = []
    for name in names:
        parts += [models.F(name), models.Value("\n")]
    return _concat(parts[:-1])


def _concat(parts: list) -> Concat:
    """Concat, nested in halves past eight parts: SQLite writes a Concat as one pair
    inside the next, and its parser stops at about a dozen levels ("parser stack
    overflow")."""
    if len(parts) <= 8:
        return Concat(*parts, output_field=models.TextField())
    half = len(parts) // 2
    return Concat(_concat(parts[:half]), _concat(parts[half:]), output_field=models.TextField())


class ByDatabase(models.Func):
    """The first expression on PostgreSQL, the second on other databases (SQLite).

    Lets one migration define both search columns everywhere while each database
    stores only what its own search reads: the tsvector on PostgreSQL, the plain
    text elsewhere (the other column is NULL, so the rows stay narrow).
    """

    # Func.as_sql's parameters, though only the compiler is needed here.
    def as_sql(
        self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context
    ):
        return compiler.compile(self.source_expressions[1])

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


def photo_path(instance: "MentorProfile", filename: str) -> str:
    return f"mentors/{filename}"


def photo_version(name: str) -> str:
    """A short fingerprint of a stored photo's file name, which is new at every upload."""
    return hashlib.sha256(name.encode()).hexdigest()[:12]


def versioned_photo_url(pk: int, size: str, name: str) -> str:
    """A photo's address, or "" without one. It names the upload (?v=), so a browser may
    keep the photo for a year: a new photo has a new address."""
    if not name:
        return ""
    return f"{reverse('mentor_photo', args=[pk, size])}?v={photo_version(name)}"


class MentorProfile(models.Model):
    """A peer mentor's bio on the register, and the mentor role of a user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentor_profile",
        help_text="The login, once one has been issued.",
    )
    status = models.CharField(
        max_length=16, choices=MentorStatus.choices, default=MentorStatus.DRAFT
    )

    # About me
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    email = models.EmailField(
        help_text="Where the scheme writes to the mentor; also matches rows in a bulk upload."
    )
    # Grade, school and trust are asked by the SuppoRTT profile; organisation, area of
    # expertise and nation by the public health network's (scheme.profiles). The
    # forms require what the scheme's profile uses, so the columns allow blanks.
    grade = models.ForeignKey(
        Grade, null=True, blank=True, on_delete=models.PROTECT, related_name="mentors"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, related_name="mentors"
    )
    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="mentors"
    )
    organisation = models.CharField(
        max_length=200, blank=True, help_text="The organisation they work for."
    )
    expertise = models.TextField(
        "area of expertise", blank=True, help_text="Their area of public health expertise."
    )
    nation = models.CharField("UK nation", max_length=16, choices=Nation.choices, blank=True)
    gender = models.CharField(max_length=16, choices=Gender.choices, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    photo = models.ImageField(upload_to=photo_path, blank=True, help_text="Square, 480 pixels.")
    photo_thumbnail = models.ImageField(
        upload_to=photo_path, blank=True, help_text="Square, 160 pixels, for lists."
    )

    # Experience
    supportt_experience = models.TextField(
        "experience of returning to training",
        blank=True,
        help_text="Their own experience of supported return to training.",
    )
    time_away_experience = models.TextField("experience of time away from training", blank=True)
    motivation = models.TextField("why they became a peer mentor", blank=True)
    interests = models.TextField("interests and hobbies", blank=True)

    # Availability
    available_days = FlagsField(choices=Weekday.choices, default=0, blank=True)
    available_times = FlagsField(choices=TimeOfDay.choices, default=0, blank=True)
    availability_notes = models.TextField("other restrictions on availability", blank=True)

    # How we can meet
    meets_face_to_face = models.BooleanField(default=False)
    face_to_face_location = models.CharField(
        max_length=200, blank=True, help_text="Town or hospital where they can meet in person."
    )
    meets_virtually = models.BooleanField(default=True)
    virtual_platforms = models.ManyToManyField(VirtualPlatform, blank=True)

    # Contact (shown to a mentee only once a request is accepted)
    contact_email = models.EmailField(blank=True, help_text="Leave blank to use the email above.")
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_notes = models.CharField("preferred way to be contacted", max_length=200, blank=True)

    # Taking requests
    capacity = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(10)],
        help_text="How many mentees at once. A full mentor takes no new requests.",
    )
    is_paused = models.BooleanField(
        default=False, help_text="A paused mentor stays on the register but takes no requests."
    )

    # Register admin
    register_consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mentor agreed to appear on the register."
    )
    framework_confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the mentor confirmed the ethical framework."
    )
    invited_at = models.DateTimeField(null=True, blank=True)
    invitation_nonce = models.CharField(
        max_length=32,
        blank=True,
        help_text="Changes on each invitation so older links stop working.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Search: computed by the database on every write (save, update, bulk
    # create/update), so they are never stale and no code has to remember them.
    # search_vector is the full-text document on PostgreSQL (GIN index, migration
    # 0002); search_text is the plain text the simple search reads on SQLite.
    # Each is NULL on the other database.
    search_text = models.GeneratedField(
        expression=ByDatabase(
            models.Value(None),
            _joined(SEARCHED_NAME_FIELDS + SEARCHED_BIO_FIELDS),
            output_field=models.TextField(),
        ),
        output_field=models.TextField(null=True),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=ByDatabase(
            SearchVector(_joined(SEARCHED_NAME_FIELDS), config="english", weight="A")
            + SearchVector(_joined(SEARCHED_BIO_FIELDS), config="english", weight="B"),
            models.Value(None),
            output_field=SearchVectorField(),
        ),
        output_field=SearchVectorField(null=True),
        db_persist=True,
    )

    objects = MentorProfileQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="mentor_email_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(capacity__lte=10), name="mentor_capacity_at_most_10"
            ),
            models.CheckConstraint(
                condition=models.Q(available_days__gte=0, available_days__lt=128),
                name="mentor_available_days_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(available_times__gte=0, available_times__lt=8),
                name="mentor_available_times_valid",
            ),
        ]
        indexes = [
            # The register lists published mentors by name.
            models.Index(
                fields=["last_name", "first_name"],
                condition=models.Q(status="published"),
                name="mentor_published_by_name",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def facts(self) -> list[str]:
        """Grade, school and trust, or organisation and UK nation: what the scheme's
        profile asks mentors (scheme.profiles), as far as this bio gives them."""
        profile = current_profile()
        found = [
            str(getattr(self, name))
            for name in ("grade", "school", "trust")
            if profile.uses(name) and getattr(self, f"{name}_id")
        ]
        if profile.uses("organisation") and self.organisation:
            found.append(self.organisation)
        if profile.uses("nation") and self.nation:
            found.append(self.get_nation_display())
        return found

    def training_and_supervision(self, on: datetime.date | None = None) -> "TrainingState":
        """The training this mentor has completed and their supervision now (two queries)."""
        on = on or timezone.localdate()
        return TrainingState(
            training=list(TrainingRecord.objects.mentor_trained(self.pk, on)),
            supervision=SupervisionArrangement.objects.current(on).filter(mentor=self).first(),
        )

    def photo_url(self, size: str) -> str:
        """The "small" (thumbnail) or "large" photo's address, or "" without a photo."""
        field = self.photo_thumbnail if size == "small" else self.photo
        return versioned_photo_url(self.pk, size, field.name or "")


class BioEventKind(models.TextChoices):
    STATUS = "status", "Status changed"
    PAUSED = "paused", "Paused taking requests"
    RESUMED = "resumed", "Resumed taking requests"
    CAPACITY = "capacity", "Capacity changed"
    FRAMEWORK = "framework", "Confirmed the ethical framework"
    TRAINING = "training", "Training recorded"
    TRAINING_REMOVED = "training_removed", "Training record removed"
    SUPERVISION = "supervision", "Supervision recorded"
    SUPERVISION_REMOVED = "supervision_removed", "Supervision record removed"


class BioEvent(models.Model):
    """History: every change to a bio's status, pause, capacity or framework confirmation,
    and each training or supervision record the scheme team keeps or removes."""

    profile = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=20, choices=BioEventKind.choices)
    from_value = models.CharField(max_length=20, blank=True)
    to_value = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system made the change.",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.from_value} → {self.to_value}"


# --- Training and supervision -----------------------------------------------------------
# What the scheme team records to show that a mentor is trained and supervised, as the
# ethical framework promises mentees. Dates and names of courses and supervisors only:
# never anything said in supervision or about a mentee.


@dataclass(frozen=True)
class TrainingState:
    """A mentor's training completed (latest first) and current supervision, if any."""

    training: list["TrainingRecord"]
    supervision: "SupervisionArrangement | None"

    @property
    def trained(self) -> bool:
        return bool(self.training)


class TrainingRecordQuerySet(models.QuerySet["TrainingRecord"]):
    def completed_by(self, on: datetime.date):
        return self.filter(completed_on__lte=on)

    def mentor_trained(self, mentor, on: datetime.date):
        """A mentor's training completed by that day (`mentor`: a pk or an OuterRef)."""
        return self.completed_by(on).filter(mentor=mentor)


class TrainingRecord(models.Model):
    """A mentor training course a mentor has completed, as the scheme team records it."""

    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(
        "course name",
        max_length=200,
        help_text="The course as its provider names it, e.g. 'Peer mentor training (2 days)'.",
    )
    completed_on = models.DateField(
        "completed on", help_text="The day the mentor finished the course."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "training completed"
        verbose_name_plural = "training completed"
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "course", "completed_on"], name="training_recorded_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.completed_on:%d %b %Y})"

    def clean(self) -> None:
        if self.completed_on and self.completed_on > timezone.localdate():
            raise ValidationError(
                {"completed_on": "Record training once it is completed: this date is to come."}
            )


class SupervisionFrequency(models.TextChoices):
    MONTHLY = "monthly", "Every month"
    SIX_WEEKLY = "six_weekly", "Every six weeks"
    TWO_MONTHLY = "two_monthly", "Every two months"
    QUARTERLY = "quarterly", "Every three months"
    AS_NEEDED = "as_needed", "When the mentor asks"


class SupervisionQuerySet(models.QuerySet["SupervisionArrangement"]):
    def current(self, on: datetime.date):
        """Arrangements in place on that day: started, and not ended before it."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on), starts_on__lte=on)


class SupervisionArrangement(models.Model):
    """Who supervises a mentor's mentoring, and how often: the arrangement only."""

    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="supervision")
    supervisor = models.CharField(
        "supervisor or group",
        max_length=200,
        help_text=(
            "The supervisor's name or the supervision group's. Nothing about mentees or "
            "what is discussed."
        ),
    )
    frequency = models.CharField("how often", max_length=16, choices=SupervisionFrequency.choices)
    starts_on = models.DateField("from")
    ends_on = models.DateField("until", null=True, blank=True, help_text="Blank: ongoing.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        verbose_name = "supervision arrangement"
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="supervision_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor}, {self.get_frequency_display().lower()}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end date must be on or after the start."})

    def describe(self) -> str:
        """As the mentor reads it: "<group>, every month, from 3 March 2026"."""
        how_often = self.get_frequency_display().lower()
        text = f"{self.supervisor}, {how_often}, from {_long(self.starts_on)}"
        if self.ends_on:
            text += f" until {_long(self.ends_on)}"
        return text


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"
