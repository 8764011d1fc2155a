from django import forms

from requests_app.models import DeclineReason, MeetingMode


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
