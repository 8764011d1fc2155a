"""Forms for a mentor's bio: edited by the mentor, or sent in through the public form.

The model's own validators run (these are ModelForms); the photo goes through
register/photos.py, the one photo pipeline, while the form is cleaned, so a bad
file is a form error and nothing is stored.
"""

import uuid
from typing import Any, cast

from django import forms
from django.core.files.storage import Storage
from django.core.validators import MaxLengthValidator
from django.db import transaction
from django.db.models import Q

from register.models import Gender, MentorProfile, VirtualPlatform
from register.photos import ProcessedPhoto, process_photo
from scheme.models import Grade, Nation, School, Trust
from scheme.profiles import Profile, current_profile

LONG_TEXT_MAX = 2000  # characters in any free-text answer

BIO_FIELDS = [
    "first_name",
    "last_name",
    "pronouns",
    "gender",
    "grade",
    "school",
    "trust",
    "organisation",
    "expertise",
    "nation",
    "supportt_experience",
    "time_away_experience",
    "motivation",
    "interests",
    "available_days",
    "available_times",
    "availability_notes",
    "meets_face_to_face",
    "face_to_face_location",
    "meets_virtually",
    "virtual_platforms",
    "contact_email",
    "contact_phone",
    "contact_notes",
]
LONG_TEXT_FIELDS = [
    "expertise",
    "supportt_experience",
    "time_away_experience",
    "motivation",
    "interests",
    "availability_notes",
]
PHOTO_HINT = (
    "A clear photo of your face, taken in good light. JPEG, PNG or WebP, under 10 MB "
    "and at least 160 pixels on each side. We crop it to a square."
)


def _active_or_chosen(model, chosen: Q):
    """Active choices, plus any already chosen even if an admin has since retired it."""
    return model.objects.filter(Q(is_active=True) | chosen).distinct()


class MentorBioForm(forms.ModelForm):
    """A mentor's bio as the mentor writes it. Status, email and dates are the scheme's."""

    photo = forms.FileField(
        label="Your photo",
        required=False,
        help_text=PHOTO_HINT,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = MentorProfile
        fields = BIO_FIELDS
        labels = {
            "first_name": "First name",
            "last_name": "Last name",
            "pronouns": "Pronouns",
            "gender": "Gender",
            "grade": "Grade",
            "school": "Specialty school",
            "trust": "Trust",
            "organisation": "Your organisation",
            "expertise": "Your area of expertise",
            "nation": "The UK nation you work in",
            "supportt_experience": "Your experience of returning to training",
            "time_away_experience": "Your time away from training",
            "motivation": "Why you became a peer mentor",
            "interests": "Interests and hobbies",
            "available_days": "Days you can usually meet",
            "available_times": "Times of day you can usually meet",
            "availability_notes": "Anything else about when you can meet",
            "meets_face_to_face": "I can meet face to face",
            "face_to_face_location": "Where you can meet face to face",
            "meets_virtually": "I can meet online",
            "virtual_platforms": "Online platforms you can use",
            "contact_email": "Email address for your mentees",
            "contact_phone": "Phone number for your mentees",
            "contact_notes": "How you prefer to be contacted",
        }
        help_texts = {
            "first_name": "",
            "pronouns": "For example, she/her, he/him or they/them.",
            "gender": "",
            "organisation": "For example, a local authority, a health board or UKHSA.",
            "expertise": (
                "For example, health protection, health improvement or public health "
                "intelligence, and what you could help a mentee with."
            ),
            "nation": "",
            "supportt_experience": (
                "What helped when you came back, and what you wish you had known."
            ),
            "time_away_experience": (
                "Why you were away and for how long. Share only what you are happy for "
                "mentees to read."
            ),
            "motivation": "A few sentences that help a mentee decide whether to choose you.",
            "interests": "Things a mentee might have in common with you.",
            "available_days": "",
            "available_times": "",
            "availability_notes": "For example, not during on-call weeks.",
            "meets_face_to_face": "",
            "face_to_face_location": "A town, city or hospital.",
            "meets_virtually": "",
            "virtual_platforms": "",
            "contact_email": (
                "Leave blank to use the email address the scheme has for you. "
                "Mentees see your contact details only after you accept their request."
            ),
            "contact_phone": "",
            "contact_notes": "For example, email first, or text after 6pm.",
        }
        widgets = {
            "gender": forms.RadioSelect,
            "nation": forms.RadioSelect,
            "virtual_platforms": forms.CheckboxSelectMultiple,
            **{name: forms.Textarea(attrs={"rows": 5}) for name in LONG_TEXT_FIELDS},
        }
        error_messages = {
            "first_name": {"required": "Enter your first name."},
            "last_name": {"required": "Enter your last name."},
            "grade": {"required": "Choose your grade."},
            "school": {"required": "Choose your specialty school."},
            "trust": {"required": "Choose your trust."},
            "organisation": {"required": "Enter the organisation you work for."},
            "expertise": {"required": "Describe your area of expertise."},
            "nation": {"required": "Choose the UK nation you work in."},
            "contact_email": {"invalid": "Enter an email address like name@example.nhs.uk."},
        }

    def __init__(self, *args, profile: Profile | None = None, **kwargs):
        """profile: the scheme profile whose fields the form asks (the scheme's own if None);
        the fields it does not use are left out, the ones it uses are required."""
        super().__init__(*args, **kwargs)
        self.profile = profile or current_profile()
        for name in self.profile.hidden_bio_fields:
            self.fields.pop(name, None)
        for name in self.profile.bio_fields:
            if name in self.fields and name not in ("supportt_experience", "time_away_experience"):
                self.fields[name].required = True
        self.processed_photo: ProcessedPhoto | None = None
        instance = self.instance
        for name, model in (("grade", Grade), ("school", School), ("trust", Trust)):
            if name in self.fields:
                chosen = Q(pk=getattr(instance, f"{name}_id"))
                self._model_choice(name).queryset = _active_or_chosen(model, chosen)
                self._model_choice(name).empty_label = "Choose one"
        if "virtual_platforms" in self.fields:
            self._model_choice("virtual_platforms").queryset = _active_or_chosen(
                VirtualPlatform, Q(mentorprofile=instance) if instance.pk else Q(pk__in=[])
            )
        cast(forms.ChoiceField, self.fields["gender"]).choices = Gender.choices
        if "nation" in self.fields:
            cast(forms.ChoiceField, self.fields["nation"]).choices = Nation.choices
        for name in LONG_TEXT_FIELDS:
            if name in self.fields:
                cast(forms.CharField, self.fields[name]).max_length = LONG_TEXT_MAX
                self.fields[name].validators.append(MaxLengthValidator(LONG_TEXT_MAX))
        self.fields["motivation"].required = True
        self.fields["motivation"].error_messages["required"] = (
            "Tell mentees why you became a peer mentor."
        )
        self.fields["available_days"].required = True
        self.fields["available_days"].error_messages["required"] = (
            "Choose at least one day you can usually meet."
        )
        self.fields["available_times"].required = True
        self.fields["available_times"].error_messages["required"] = (
            "Choose at least one time of day you can usually meet."
        )

    def _model_choice(self, name: str) -> "forms.ModelChoiceField[Any]":
        """A field the model form made for a foreign key or many-to-many field."""
        return cast("forms.ModelChoiceField[Any]", self.fields[name])

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return upload
        # A new name each time, so a browser never shows an old cached photo.
        self.processed_photo = process_photo(upload, stem=f"mentor-{uuid.uuid4().hex}")
        return upload

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        face_to_face = cleaned.get("meets_face_to_face")
        virtually = cleaned.get("meets_virtually")
        if not face_to_face and not virtually:
            self.add_error(
                "meets_face_to_face", "Choose at least one way to meet: face to face or online."
            )
        if face_to_face and not cleaned.get("face_to_face_location", "").strip():
            self.add_error(
                "face_to_face_location",
                "Say where you can meet face to face, or untick face to face.",
            )
        if virtually and "virtual_platforms" in cleaned and not cleaned["virtual_platforms"]:
            self.add_error(
                "virtual_platforms", "Choose at least one online platform, or untick online."
            )
        return cleaned

    def attach_photo(self, profile: MentorProfile) -> list[str]:
        """Store the processed photo's two files and point the bio at them.

        Returns the names of the files they replace, to delete once the bio is saved.
        """
        if self.processed_photo is None:
            return []
        old = [name for name in (profile.photo.name, profile.photo_thumbnail.name) if name]
        large, small = self.processed_photo.large, self.processed_photo.thumbnail
        profile.photo.save(large.name or "", large, save=False)
        profile.photo_thumbnail.save(small.name or "", small, save=False)
        return old

    def changed_columns(self) -> list[str]:
        """The bio's own columns, for save(update_fields=...): never capacity or status."""
        columns = [
            name for name in BIO_FIELDS if name in self.fields and name != "virtual_platforms"
        ]
        if self.processed_photo is not None:
            columns += ["photo", "photo_thumbnail"]
        return [*columns, "updated_at"]


def delete_files_after_commit(storage: Storage, names: list[str]) -> None:
    """Remove replaced photo files once the new ones are safely recorded."""
    if names:
        transaction.on_commit(lambda: _delete_files(storage, names))


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


class SelfSubmissionForm(MentorBioForm):
    """The public form: a trained mentor without a login sends in their bio for review."""

    email = forms.EmailField(
        label="Email address",
        help_text="We write to you here about your bio and, once it is published, your login.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.nhs.uk.",
        },
    )
    register_consent = forms.BooleanField(
        label=(
            "I agree to my bio and photo appearing on the register, where mentees who "
            "have logged in can read them"
        ),
        help_text="Your contact details are shown only to a mentee whose request you accept.",
        error_messages={"required": "Tick the box to agree to appear on the register."},
    )

    field_order = ["first_name", "last_name", "email"]

    class Meta(MentorBioForm.Meta):
        fields = [*BIO_FIELDS, "email"]

    def __init__(self, *args, inbox: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.inbox = inbox
        self.fields["photo"].required = True
        self.fields["photo"].error_messages["required"] = "Choose a photo of yourself to upload."
        self.fields["contact_email"].help_text = (
            "Leave blank to use the email address above. Mentees see your contact details "
            "only after you accept their request."
        )

    def duplicate_message(self) -> str:
        return (
            "We already have a bio for this email address, so we have not changed it. "
            f"To update your bio, email the scheme team at {self.inbox}."
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if MentorProfile.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(self.duplicate_message(), code="duplicate")
        return email


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label="How many mentees can you support at once?",
        help_text="Between 0 and 10. When you reach this number, mentees cannot send you "
        "new requests.",
        min_value=0,
        max_value=10,
        error_messages={
            "required": "Enter how many mentees you can support at once.",
            "invalid": "Enter a whole number, like 2.",
            "min_value": "Enter a number from 0 to 10.",
            "max_value": "Enter a number from 0 to 10.",
        },
    )
