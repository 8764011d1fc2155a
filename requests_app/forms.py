import datetime

from django import forms
from django.utils import timezone

from mentoring.formatting import long_date
from requests_app.models import DeclineReason, EndReason, MeetingMode, ProposalDeclineReason


def _exists_in_uk_time(naive: datetime.datetime) -> bool:
    """False for a wall-clock time in the hour skipped when the clocks go forward:
    such a time does not survive a round trip through UTC."""
    uk = timezone.get_current_timezone()
    via_utc = naive.replace(tzinfo=uk).astimezone(datetime.UTC).astimezone(uk)
    return via_utc.replace(tzinfo=None) == naive


class SendRequestForm(forms.Form):
    message = forms.CharField(
        label="What would you like to talk about?",
        help_text="A few lines help your mentor prepare. Only they will read it.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        required=False,
    )
    preferred_mode = forms.ChoiceField(
        label="How would you prefer to meet?",
        choices=[("", "No preference"), *MeetingMode.choices],
        widget=forms.RadioSelect,
        required=False,
    )


class AcceptForm(forms.Form):
    message = forms.CharField(
        label="A note to your new mentee",
        help_text="For example, when you are usually free to talk.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why can you not take this request?",
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason for declining"},
    )
    message = forms.CharField(
        label="A note to the mentee",
        help_text="Kind words help. They will be asked to choose another mentor.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


class CancelForm(forms.Form):
    """Used by the admin action that closes requests."""

    reason = forms.CharField(
        label="Reason (both sides are told)", max_length=200, widget=forms.Textarea
    )


# --- Partnerships -------------------------------------------------------------------

LENGTH_CHOICES = [(30, "30 minutes"), (45, "45 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")  # what a date input reads and sends


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class ArrangementsForm(forms.Form):
    usual_length_minutes = forms.TypedChoiceField(
        label="How long will your meetings usually last?",
        choices=[("", "Choose a length"), *LENGTH_CHOICES],
        coerce=int,
        error_messages={"required": "Choose how long your meetings will usually last"},
    )
    frequency = forms.CharField(
        label="How often do you plan to meet?",
        help_text="For example: every 2 weeks, or once a month.",
        max_length=80,
        error_messages={"required": "Say how often you plan to meet"},
    )
    usual_mode = forms.ChoiceField(
        label="How will you usually meet?",
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you will usually meet"},
    )
    contact_boundaries = forms.CharField(
        label="How and when you will be in touch between meetings",
        help_text="For example: email only, on weekdays, and a reply within 2 days is fine.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


class AgreementForm(ArrangementsForm):
    confirm = forms.BooleanField(
        label="We have talked these points through and I agree to them",
        error_messages={"required": "Tick the box to confirm the agreement"},
    )


class PlanMeetingForm(forms.Form):
    date = forms.DateField(
        label="Date",
        help_text="For example: 2027-03-15. Your browser may offer a calendar.",
        widget=DateInput,
        error_messages={
            "required": "Enter the date of the meeting",
            "invalid": "Enter a real date, for example 2027-03-15",
        },
    )
    time = forms.TimeField(
        label="Start time (UK time)",
        help_text="For example: 18:30.",
        widget=TimeInput,
        error_messages={
            "required": "Enter the time the meeting starts",
            "invalid": "Enter a time, for example 18:30",
        },
    )
    duration_minutes = forms.TypedChoiceField(
        label="Length",
        choices=LENGTH_CHOICES,
        coerce=int,
        initial=60,
    )
    mode = forms.ChoiceField(
        label="How will you meet?",
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you will meet"},
    )
    agenda = forms.CharField(
        label="What would you like to focus on? (optional)",
        help_text=(
            "Your mentor sees this on your partnership page. You can change it before "
            "the meeting. The scheme team never sees it."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, with_agenda: bool = False, **kwargs):
        """Only the mentee writes the agenda: the mentor's form has no such field."""
        super().__init__(*args, **kwargs)
        if not with_agenda:
            del self.fields["agenda"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date") and cleaned.get("time") and not _exists_in_uk_time(self._naive()):
            self.add_error(
                "time",
                f"{cleaned['time']:%H:%M} does not exist in UK time on "
                f"{long_date(cleaned['date'])}, when the clocks go forward from 01:00 to 02:00. "
                "Choose another time",
            )
        return cleaned

    def _naive(self) -> datetime.datetime:
        return datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])

    def starts_at(self) -> datetime.datetime:
        """The start in UK time, from the date and time given.

        When the clocks go back, the hour from 01:00 happens twice: a time in it is the
        first of the two, still British Summer Time (the earlier moment, so nobody
        turns up an hour late). A time in the hour the clocks skip is refused by clean().
        """
        return self._naive().replace(tzinfo=timezone.get_current_timezone(), fold=0)


class AgendaForm(forms.Form):
    agenda = forms.CharField(
        label="What would you like to focus on?",
        help_text=(
            "Your mentor sees this on your partnership page. Leave it empty to remove it. "
            "The scheme team never sees it."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=2000,
        required=False,
    )


class ConfidentialityForm(forms.Form):
    discussed = forms.BooleanField(
        label="We talked about confidentiality, as our agreement describes",
        error_messages={
            "required": "Tick the box to say you talked about confidentiality",
        },
    )


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(
        label="Why are you cancelling?",
        help_text="Only the other person sees this. The scheme team is told the date only.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        required=False,
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label="Why would you like more sessions?",
        help_text="A sentence or two is enough. The scheme team reads this to decide.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": "Say briefly why you would like more sessions"},
    )


class EndPartnershipForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why are you ending the partnership?",
        choices=EndReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are ending the partnership"},
    )
    note = forms.CharField(
        label="Anything the scheme team should know",
        help_text="Only the scheme team reads this. The other person is not told why.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


RATING_CHOICES = [
    (1, "1 – not at all"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5 – very much"),
]


def _rating(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 1 to 5"},
    )


class FeedbackForm(forms.Form):
    rating_overall = _rating("How useful has peer mentoring been for you?")
    rating_felt_heard = _rating("How well did you feel listened to?")
    rating_would_recommend = _rating("Would you recommend the scheme to a colleague?")
    comment = forms.CharField(
        label="Anything else you would like the scheme team to know",
        help_text=(
            "Leave out names, yours and other people's, so that no one can be recognised "
            "from what you write."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, role: str = "mentee", **kwargs):
        super().__init__(*args, **kwargs)
        if role == "mentor":
            self.fields[
                "rating_felt_heard"
            ].label = "How well did the scheme support you as a mentor?"


class NoteForm(forms.Form):
    text = forms.CharField(
        label="New note",
        help_text=(
            "Only you can read your notes. They are encrypted, the scheme team and your "
            "mentee never see them, they are not in any data download, and they are "
            "deleted for good when the partnership ends."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Write something to save a note"},
    )


# --- Matching by the scheme team ------------------------------------------------------


class ApplicationForm(forms.Form):
    """What a mentee asks for when they apply to be matched (workflow.Wishes)."""

    aims = forms.CharField(
        label="What would you like from mentoring?",
        help_text="For example, where you would like to be in six months' time.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        error_messages={"required": "Say what you would like from mentoring"},
    )
    help_areas = forms.CharField(
        label="Which areas would you like help with?",
        help_text="For example: a career decision, leadership, confidence, a new role.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    preferred_mode = forms.ChoiceField(
        label="How would you like to meet?",
        choices=[("", "No preference"), *MeetingMode.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    availability = forms.CharField(
        label="When are you usually free?",
        help_text="For example: Tuesday afternoons, or evenings after 6pm.",
        max_length=300,
        required=False,
    )
    mentor_wishes = forms.CharField(
        label="What kind of mentor would suit you?",
        help_text="For example, someone with experience of a particular field or route.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )
    avoid_own_workplace = forms.BooleanField(
        label="Do not suggest someone from my own organisation",
        required=False,
        initial=True,
    )
    avoid = forms.CharField(
        label="Is there anything else we should avoid?",
        help_text="For example, someone you work with closely. Only the scheme team reads this.",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        required=False,
    )


class ProposalAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label="Would you like to go ahead?",
        choices=[
            ("go_ahead", "Yes, let's go ahead"),
            ("not_now", "No, not this time"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you would like to go ahead"},
    )
    reason = forms.ChoiceField(
        label="If not this time, what is the main reason?",
        help_text="Only the scheme team sees this. The other person is not told.",
        choices=ProposalDeclineReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("answer") == "not_now" and not cleaned.get("reason"):
            self.add_error("reason", "Choose the reason that fits best")
        return cleaned
