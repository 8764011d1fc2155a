"""Changing the scheme's own settings as a whole: applying a scheme profile."""

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from scheme.models import SchemeSettings, SchemeText
from scheme.profiles import PROFILE_TEXT_SLUGS, PROFILES
from scheme.texts import default_text


@transaction.atomic
def apply_profile(*, key: str, by: AbstractBaseUser) -> SchemeSettings:
    """Make the scheme one of the kinds in scheme.profiles: its preset of settings, and
    its wording of the texts that differ between schemes (replacing the admins' own
    wording of those texts). Settings outside the preset, and other texts, stay.

    Recorded in the admin's history of the settings row.
    """
    profile = PROFILES[key]
    SchemeSettings.load()  # the row exists before it is locked
    scheme = SchemeSettings.objects.select_for_update().get(pk=1)
    scheme.profile = profile.key
    for name, value in profile.settings.items():
        setattr(scheme, name, value)
    scheme.full_clean()
    scheme.save()
    for slug in PROFILE_TEXT_SLUGS:
        text = default_text(slug, profile)
        SchemeText.objects.update_or_create(
            slug=slug, defaults={"title": text.title, "body": text.body}
        )
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[scheme],
        action_flag=CHANGE,
        change_message=(
            f"Applied the scheme profile “{profile.label}”: its settings, and its wording "
            f"of these texts: {', '.join(PROFILE_TEXT_SLUGS)}."
        ),
        single_object=True,
    )
    return scheme
