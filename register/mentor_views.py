"""A mentor's own pages (bio, photo, pausing, the ethical framework) and the public
bio submission form. The pages that show requests, partnerships or the waiting list
(a mentor's profile, its preview, capacity) are requests_app.mentor_views.
"""

from http import HTTPStatus

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mentoring.outbox.services import queue_templated_email
from register.access import (
    get_own_mentor_profile,
    mentor_page,
)
from register.forms import (
    MentorBioForm,
    SelfSubmissionForm,
    delete_files_after_commit,
)
from register.models import MentorProfile, MentorStatus
from register.services import (
    BioChangeRefused,
    confirm_framework,
    pause_bio,
    record_submission,
    resume_bio,
    submit_bio_for_review,
)
from scheme.models import SchemeSettings
from scheme.texts import BECOMING_A_MENTOR, get_framework_text, get_scheme_text

HONEYPOT_FIELD = "website"  # hidden from people; bots fill it in
SUBMIT_BIO_LIMIT = "submit_bio"  # its rate is in ACCOUNT_RATE_LIMITS, with allauth's


def _admin_link(profile: MentorProfile) -> str:
    return settings.SITE_URL + reverse("admin:register_mentorprofile_change", args=[profile.pk])


# --- The ethical framework ------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def framework_confirm(request: HttpRequest) -> HttpResponse:
    """Shows the framework; a POST records that the mentor has read it and will follow it."""
    profile = get_own_mentor_profile(request.user)
    if request.method == "POST":
        confirm_framework(bio=profile, by=request.user)
        messages.success(request, "Thank you for confirming the ethical framework.")
        return redirect("dashboard")
    return render(
        request,
        "register/mentor_framework.jinja",
        {"text": get_framework_text(), "profile": profile},
    )


# --- The mentor's own bio ----------------------------------------------------------


def _save_mentor_edits(form: MentorBioForm, profile: MentorProfile, *, review: bool) -> bool:
    """Save the mentor's edits; returns True if the bio went back for review.

    Only the form's own columns are written, so a pause or a capacity change made
    at the same moment is not overwritten.
    """
    changed = [str(form.fields[name].label) for name in form.changed_data]
    profile = form.save(commit=False)
    replaced = form.attach_photo(profile)
    with transaction.atomic():
        profile.save(update_fields=form.changed_columns())
        form.save_m2m()
        sent_for_review = (
            review and bool(changed) and submit_bio_for_review(bio=profile, by=profile.user)
        )
        delete_files_after_commit(profile.photo.storage, replaced)
        if sent_for_review:
            queue_templated_email(
                to=[SchemeSettings.load().inbox_email],
                template="bio_changes_for_review_team",
                context={"mentor": profile, "changed": changed, "link": _admin_link(profile)},
            )
    return sent_for_review


@require_http_methods(["GET", "HEAD", "POST"])
@mentor_page
def my_bio_edit(request: HttpRequest, profile: MentorProfile) -> HttpResponse:
    scheme = SchemeSettings.load()
    review = scheme.bio_changes_need_review and profile.status == MentorStatus.PUBLISHED
    status_label = profile.get_status_display()  # before the form touches the instance
    if request.method == "POST":
        form = MentorBioForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            if not form.has_changed():
                messages.info(request, "You did not change anything, so your bio is as it was.")
            elif _save_mentor_edits(form, profile, review=review):
                messages.success(
                    request,
                    "Your changes are saved and sent to the scheme team. Your bio is off the "
                    "register until they publish it again.",
                )
            else:
                messages.success(request, "Your bio is saved.")
            return redirect("my_bio_preview")
    else:
        form = MentorBioForm(instance=profile)
    return render(
        request,
        "register/mentor_edit.jinja",
        {
            "form": form,
            "review": review,
            "status_label": status_label,
            "thumbnail_url": profile.photo_url("small"),
        },
    )


def _set_paused(request: HttpRequest, profile: MentorProfile, *, paused: bool) -> HttpResponse:
    """Pause or resume taking requests: one function for both directions."""
    try:
        (pause_bio if paused else resume_bio)(bio=profile, by=request.user)
    except BioChangeRefused:
        messages.info(
            request,
            "You had already paused taking requests."
            if paused
            else "You were already taking requests.",
        )
        return redirect("dashboard")
    messages.success(
        request,
        "You have paused taking requests. Mentees can still read your bio, but they "
        "cannot send you a request until you resume."
        if paused
        else "You are taking requests again.",
    )
    return redirect("dashboard")


@require_POST
@mentor_page
def my_bio_pause(request: HttpRequest, profile: MentorProfile) -> HttpResponse:
    return _set_paused(request, profile, paused=True)


@require_POST
@mentor_page
def my_bio_resume(request: HttpRequest, profile: MentorProfile) -> HttpResponse:
    return _set_paused(request, profile, paused=False)


# --- The public submission form ---------------------------------------------------


def _limit_window() -> tuple[str, str]:
    """The form's rate-limit period in words: "20/h/ip" gives ("hour", "an hour")."""
    period = settings.ACCOUNT_RATE_LIMITS[SUBMIT_BIO_LIMIT].split(",")[0].split("/")[1]
    number, unit = period[:-1], {"s": "second", "m": "minute", "h": "hour", "d": "day"}[period[-1]]
    if number in ("", "1"):
        return unit, f"{'an' if unit == 'hour' else 'a'} {unit}"
    return f"{number} {unit}s", f"{number} {unit}s"


def _save_submission(form: SelfSubmissionForm, scheme: SchemeSettings) -> MentorProfile | None:
    """Create the bio as submitted for review; None if the email was taken meanwhile."""
    now = timezone.now()
    profile = form.save(commit=False)
    profile.status = MentorStatus.SUBMITTED
    profile.submitted_at = now
    profile.register_consent_at = now
    profile.capacity = scheme.default_mentor_capacity
    form.attach_photo(profile)
    try:
        with transaction.atomic():
            profile.save()
            form.save_m2m()
            record_submission(bio=profile, now=now)
            # Written with the bio: both are sent once it is saved, and never without it.
            queue_templated_email(
                to=[scheme.inbox_email],
                template="bio_submitted_team",
                context={
                    "mentor": profile,
                    "link": _admin_link(profile),
                    # Grade, school and trust, or organisation, expertise and nation.
                    "training_details": form.profile.uses("school"),
                },
            )
            queue_templated_email(
                to=[profile.email],
                template="bio_submitted",
                context={"mentor": profile, "inbox": scheme.inbox_email},
            )
    except IntegrityError:
        # The same email sent twice at the same moment: the unique constraint decided.
        profile.photo.storage.delete(profile.photo.name)
        profile.photo.storage.delete(profile.photo_thumbnail.name)
        form.add_error("email", form.duplicate_message())
        return None
    return profile


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def submit_bio(request: HttpRequest) -> HttpResponse:
    """Until the scheme's deadline, if it has one, a trained mentor sends in their bio
    for review."""
    scheme = SchemeSettings.load()
    if not scheme.bio_submissions_open(timezone.localdate()):
        return render(
            request,
            "register/submit_closed.jinja",
            {"deadline": scheme.bio_submission_deadline, "inbox": scheme.inbox_email},
        )
    if request.method == "POST" and not ratelimit.consume(request, action=SUBMIT_BIO_LIMIT):
        # Counted before anything is read: every POST, a refused one too, may carry a
        # photo to decode. Kept in the cache like allauth's own limits, per client
        # address as the scheme's trusted proxies give it.
        window, wait = _limit_window()
        return render(
            request,
            "register/submit_too_many.jinja",
            {"window": window, "wait": wait, "inbox": scheme.inbox_email},
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
    status = 200
    if request.method == "POST":
        form = SelfSubmissionForm(request.POST, request.FILES, inbox=scheme.inbox_email)
        if request.POST.get(HONEYPOT_FIELD):
            form = SelfSubmissionForm(inbox=scheme.inbox_email)
            messages.error(
                request,
                "We could not accept this form. If you filled it in yourself, please email "
                f"the scheme team at {scheme.inbox_email}.",
            )
            status = 400
        elif form.is_valid() and _save_submission(form, scheme) is not None:
            return redirect("submit_bio_done")
    else:
        form = SelfSubmissionForm(inbox=scheme.inbox_email)
    return render(
        request,
        "register/submit_form.jinja",
        {
            "form": form,
            "deadline": scheme.bio_submission_deadline,
            "honeypot": HONEYPOT_FIELD,
            "rejected": status == 400,
        },
        status=status,
    )


@login_not_required
@require_safe
def become_a_mentor(request: HttpRequest) -> HttpResponse:
    """What being a peer mentor involves, what to put in a bio, and the form while open."""
    scheme = SchemeSettings.cached()
    return render(
        request,
        "register/become_a_mentor.jinja",
        {
            "text": get_scheme_text(BECOMING_A_MENTOR),
            "submissions_open": scheme.bio_submissions_open(timezone.localdate()),
            "deadline": scheme.bio_submission_deadline,
            "inbox": scheme.inbox_email,
            "training_required": scheme.training_required_to_publish,
        },
    )


@login_not_required
@require_safe
def submit_bio_done(request: HttpRequest) -> HttpResponse:
    return render(request, "register/submit_done.jinja")
