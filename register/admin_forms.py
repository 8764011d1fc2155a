"""Forms for the mentor pages of Django admin: the bio with one photo upload, and bulk upload."""

import secrets

from django import forms
from django.core.exceptions import ValidationError

from register import bulk_import
from register.models import MentorProfile
from register.photos import ProcessedPhoto, process_photo

PHOTO_TYPES = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
REQUIRED_WHEN_ASKED = ("grade", "school", "trust", "organisation", "nation")
BIOS_FILE_TYPES = (
    ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)


class MentorProfileAdminForm(forms.ModelForm):
    """The bio form. One upload field replaces the two stored photo fields.

    The upload goes through register.photos.process_photo (checked by decoding,
    turned upright, stripped of metadata, cut square); the form keeps the two
    results and the admin stores them when it saves the bio.
    """

    photo_upload = forms.FileField(
        label="New photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
        help_text=(
            "A JPEG, PNG or WebP headshot, up to 10 MB, at least 160 pixels on each side. "
            "It is cut square; location and camera details are removed."
        ),
    )
    remove_photo = forms.BooleanField(
        label="Remove the current photo", required=False, help_text="Ignored if you upload one."
    )

    # The pause and capacity as the form showed them: the admin changes only what its
    # user changed, and a change made by someone else meanwhile is not overwritten.
    shown_paused = forms.CharField(widget=forms.HiddenInput, required=False)
    shown_capacity = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The reference lists and short answers the scheme's profile asks are needed, as
        # on the mentor's own form; the admin shows only those (MentorProfileAdmin).
        for name in REQUIRED_WHEN_ASKED:
            if name in self.fields:
                self.fields[name].required = True
        if self.instance.pk:
            self.fields["shown_paused"].initial = "yes" if self.instance.is_paused else "no"
            self.fields["shown_capacity"].initial = self.instance.capacity

    def shown(self) -> tuple[bool, int]:
        """(paused, capacity) when the form was shown; the saved values if not posted."""
        paused = self.cleaned_data.get("shown_paused")
        capacity = self.cleaned_data.get("shown_capacity")
        return (
            self.initial["is_paused"] if paused not in ("yes", "no") else paused == "yes",
            self.initial["capacity"] if capacity is None else capacity,
        )

    class Meta:
        model = MentorProfile
        # The stored photos and the invitation nonce are never edited by hand.
        fields = [
            "first_name",
            "last_name",
            "email",
            "grade",
            "school",
            "trust",
            "organisation",
            "nation",
            "gender",
            "pronouns",
            "expertise",
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
            "capacity",
            "is_paused",
            "user",
        ]

    def clean_photo_upload(self) -> ProcessedPhoto | None:
        upload = self.cleaned_data.get("photo_upload")
        if not upload:
            return None
        try:
            return process_photo(upload, stem=f"mentor-{secrets.token_hex(6)}")
        except ValidationError as error:
            raise ValidationError(
                [f"{upload.name}: {message}" for message in error.messages],
                code="invalid_photo",
            ) from None


class BulkUploadForm(forms.Form):
    csv_file = forms.FileField(
        label="Bios (Excel workbook or CSV file)",
        widget=forms.FileInput(attrs={"accept": BIOS_FILE_TYPES}),
        help_text=(
            "An Excel workbook (.xlsx) or a CSV file saved as 'CSV UTF-8': one bio a row, "
            "with the column names from the template in the first row."
        ),
    )
    photos_zip = forms.FileField(
        label="Photos (ZIP file)",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".zip,application/zip"}),
        help_text="Optional. Each row's photo_file column names a file in this ZIP.",
    )

    def clean_csv_file(self):
        upload = self.cleaned_data["csv_file"]
        if upload.size > bulk_import.MAX_CSV_BYTES:
            raise ValidationError(
                f"The bios file is larger than {bulk_import.MAX_CSV_BYTES // 1_000_000} MB. "
                "Split it into smaller files."
            )
        return upload

    def clean_photos_zip(self):
        upload = self.cleaned_data.get("photos_zip")
        if upload and upload.size > bulk_import.MAX_ZIP_BYTES:
            raise ValidationError(
                f"The ZIP file is larger than {bulk_import.MAX_ZIP_BYTES // 1_000_000} MB. "
                "Split the bios and photos into smaller batches."
            )
        return upload
