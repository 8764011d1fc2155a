"""Forms for becoming a mentee: the eligibility questions and the short profile."""

import datetime

from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from django import forms
from django.utils import timezone

from accounts.models import TrainingStatus
from accounts.signup import Eligibility, bound_email_field
from scheme.models import Grade, Nation, School, Trust
from scheme.profiles import EligibilityQuestions, Profile, current_profile

# --- A date as three boxes (the NHS.UK date input) ---------------------------------


class DateParts(forms.MultiWidget):
    """Day, month and year boxes, posted as <name>_day, <name>_month, <name>_year."""

    def __init__(self, attrs=None):
        box = forms.TextInput(attrs={"inputmode": "numeric"})
        super().__init__({"day": box, "month": box, "year": box}, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class DatePartsField(forms.MultiValueField):
    """A real date from three boxes; an empty set of boxes is "no date"."""

    widget = DateParts
    default_error_messages = {
        "invalid": "Enter a real date, for example 15 3 2025.",
        "incomplete": "The date must include a day, month and year.",
    }

    def __init__(self, **kwargs):
        box = forms.CharField(required=False, max_length=4)
        super().__init__(fields=(box, box, box), require_all_fields=False, **kwargs)

    def compress(self, data_list):
        parts = [str(part or "").strip() for part in (data_list or [])]
        if not any(parts):
            return None
        if not all(parts):
            raise forms.ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            day, month, year = (int(part) for part in parts)
            return datetime.date(year, month, day)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


# --- Eligibility -------------------------------------------------------------------------


class Situation:
    """The answers to "which of these describes you?"; the last two cannot take part."""

    OUT = "out"
    PLANNING = "planning"
    PLANNING_NO_FORM = "planning_no_form"
    NEITHER = "neither"
    # The public health network's question.
    PUBLIC_HEALTH = "public_health"

    CHOICES = [
        (OUT, "I am out of training now"),
        (
            PLANNING,
            "I am planning time out of training and have completed my absence planning form",
        ),
        (
            PLANNING_NO_FORM,
            "I am planning time out of training but have not completed my absence planning "
            "form yet",
        ),
        (NEITHER, "None of these"),
    ]
    NOT_ELIGIBLE = {PLANNING_NO_FORM, NEITHER}


class EligibilityForm(forms.Form):
    situation = forms.ChoiceField(
        label="Which of these describes you?",
        choices=Situation.CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the answer that describes you."},
    )
    absence_form_completed_on = DatePartsField(
        label="If you are planning time out: when did you complete your absence planning form?",
        help_text="For example, 15 3 2025. Leave this blank if you are out of training now.",
        required=False,
    )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("situation") != Situation.PLANNING:
            cleaned["absence_form_completed_on"] = None
            self.errors.pop("absence_form_completed_on", None)
            return cleaned
        completed_on = cleaned.get("absence_form_completed_on")
        if "absence_form_completed_on" in self.errors:
            return cleaned
        if completed_on is None:
            self.add_error(
                "absence_form_completed_on",
                "Enter the date you completed your absence planning form.",
            )
        elif completed_on > timezone.localdate():
            self.add_error(
                "absence_form_completed_on",
                "The date you completed your absence planning form must be today or in the past.",
            )
        return cleaned

    def date_values(self) -> dict[str, str]:
        """What is in the day, month and year boxes, to show them again."""
        value = self["absence_form_completed_on"].value()
        if not isinstance(value, list | tuple):
            value = DateParts().decompress(value)
        return dict(zip(("day", "month", "year"), (str(v or "") for v in value), strict=True))

    @property
    def is_eligible(self) -> bool:
        return self.cleaned_data["situation"] not in Situation.NOT_ELIGIBLE

    def eligibility(self) -> Eligibility:
        if self.cleaned_data["situation"] == Situation.OUT:
            return Eligibility(TrainingStatus.OUT_OF_TRAINING)
        return Eligibility(TrainingStatus.PLANNING, self.cleaned_data["absence_form_completed_on"])


class PublicHealthEligibilityForm(forms.Form):
    """The public health network profile's question: working in public health in the UK."""

    situation = forms.ChoiceField(
        label="Do you work in public health in England, Scotland, Wales or Northern Ireland?",
        choices=[
            (Situation.PUBLIC_HEALTH, "Yes, I work in public health in the UK"),
            (Situation.NEITHER, "No"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if you work in public health in the UK."},
    )

    @property
    def is_eligible(self) -> bool:
        return self.cleaned_data["situation"] == Situation.PUBLIC_HEALTH

    def eligibility(self) -> Eligibility:
        return Eligibility("", works_in_public_health=True)


def eligibility_form_class(profile: Profile) -> type[EligibilityForm | PublicHealthEligibilityForm]:
    """The eligibility questions the scheme's profile asks."""
    if profile.eligibility == EligibilityQuestions.PUBLIC_HEALTH_WORKFORCE:
        return PublicHealthEligibilityForm
    return EligibilityForm


# --- The mentee profile --------------------------------------------------------------------


class MenteeProfileForm(forms.Form):
    first_name = forms.CharField(
        label="First name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={"required": "Enter your first name."},
    )
    last_name = forms.CharField(
        label="Last name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={"required": "Enter your last name."},
    )
    pronouns = forms.CharField(
        label="Your pronouns",
        max_length=40,
        required=False,
        help_text="For example, she/her or they/them. Mentors will see these.",
    )
    grade = forms.ModelChoiceField(
        label="Grade",
        queryset=Grade.objects.active(),
        empty_label="Choose your grade",
        error_messages={"required": "Choose your grade."},
    )
    school = forms.ModelChoiceField(
        label="School",
        help_text="The specialty school you train in.",
        queryset=School.objects.active(),
        empty_label="Choose your school",
        error_messages={"required": "Choose your school."},
    )
    trust = forms.ModelChoiceField(
        label="Trust",
        help_text="The trust you work in, or will return to.",
        queryset=Trust.objects.active(),
        empty_label="Choose your trust",
        error_messages={"required": "Choose your trust."},
    )
    organisation = forms.CharField(
        label="Your organisation",
        max_length=200,
        help_text="For example, a local authority, a health board or UKHSA.",
        error_messages={"required": "Enter the organisation you work for."},
    )
    area_of_work = forms.CharField(
        label="Your area of work",
        max_length=200,
        help_text="For example, health protection or health improvement.",
        error_messages={"required": "Enter your area of work."},
    )
    nation = forms.ChoiceField(
        label="The UK nation you work in",
        choices=Nation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the UK nation you work in."},
    )
    privacy_consent = forms.BooleanField(
        label="I have read the privacy notice and agree to the scheme keeping my details "
        "as it describes",
        error_messages={
            "required": "Confirm that you have read the privacy notice and agree to it."
        },
    )

    def __init__(self, *args, profile: Profile | None = None, **kwargs):
        """profile: the scheme profile whose questions are asked (the scheme's own if None)."""
        super().__init__(*args, **kwargs)
        self.profile = profile or current_profile()
        for name in self.profile.hidden_mentee_fields:
            del self.fields[name]


# --- Changing the profile after sign-up -----------------------------------------------------


class _ProfileChange(MenteeProfileForm):
    """The sign-up details without the privacy consent, which was given at sign-up."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["privacy_consent"]


class MenteeProfileChangeForm(EligibilityForm, _ProfileChange):
    """The sign-up questions again, eligibility and details in one form: the same fields,
    the same checks."""


class PublicHealthProfileChangeForm(PublicHealthEligibilityForm, _ProfileChange):
    """The public health network's sign-up questions again."""


def profile_change_form_class(
    profile: Profile,
) -> type[MenteeProfileChangeForm | PublicHealthProfileChangeForm]:
    """Changing a mentee profile asks what signing up asked (scheme.profiles)."""
    if eligibility_form_class(profile) is PublicHealthEligibilityForm:
        return PublicHealthProfileChangeForm
    return MenteeProfileChangeForm


# --- allauth's forms, bounded ----------------------------------------------------------


class AddEmailForm(AllauthAddEmailForm):
    """Adding an address to an account: no longer than an address can be stored."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_email_field(self.fields["email"])
