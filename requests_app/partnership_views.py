"""Partnerships, meetings, feedback and private notes: the pages of both sides.

Every object is loaded through requests_app.access (scoped to the person asking,
404 otherwise) and every change goes through requests_app.workflow.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from requests_app import feedback_summary, ics, notes, workflow
from requests_app.access import (
    get_feedback_for_respondent,
    get_meeting_for_mentee,
    get_meeting_for_user,
    get_note_for_mentor,
    get_partnership_for_user,
)
from requests_app.forms import (
    AgendaForm,
    AgreementForm,
    ArrangementsForm,
    CancelMeetingForm,
    ConfidentialityForm,
    EndPartnershipForm,
    ExtensionForm,
    FeedbackForm,
    NoteForm,
    PlanMeetingForm,
)
from requests_app.models import (
    OPEN_PARTNERSHIP_STATES,
    ExtensionState,
    Feedback,
    MeetingState,
    NotesKey,
    Partnership,
    PartnershipState,
)
from requests_app.partnership_summary import (
    Summary,
    feedback_due,
    other_name,
    summarise,
    when,
)
from scheme.models import SchemeSettings
from scheme.texts import FIRST_MEETING_TEXTS, get_agreement_text, get_scheme_texts

GET_OR_POST = ["GET", "HEAD", "POST"]


def _url(name: str, *args) -> str:
    return reverse(f"requests:{name}", args=args)


def _summary_for(request: HttpRequest, partnership: Partnership) -> Summary:
    return summarise(
        partnership,
        request.user,
        meetings=list(partnership.meetings.all()),
        feedback_due=[f for f in feedback_due(request.user) if f.partnership_id == partnership.pk],
        now=timezone.now(),
        scheme=SchemeSettings.cached(),
    )


def _contact(summary: Summary) -> list[tuple[str, str]]:
    """The other side's contact details (both sides agreed to share them)."""
    partnership = summary.partnership
    if summary.role == "mentee":
        mentor = partnership.mentor
        return [
            ("Email", mentor.contact_email or mentor.email),
            ("Phone", mentor.contact_phone),
            ("Prefers", mentor.contact_notes),
        ]
    return [("Name", summary.other_name), ("Email", partnership.mentee.email)]


def _arrangements(form) -> workflow.Arrangements:
    data = form.cleaned_data
    return workflow.Arrangements(
        usual_length_minutes=data["usual_length_minutes"],
        frequency=data["frequency"],
        usual_mode=data["usual_mode"],
        contact_boundaries=data["contact_boundaries"],
    )


def _arrangements_initial(partnership: Partnership) -> dict:
    return {
        "usual_length_minutes": partnership.usual_length_minutes,
        "frequency": partnership.frequency,
        "usual_mode": partnership.usual_mode,
        "contact_boundaries": partnership.contact_boundaries,
    }


def _page(request: HttpRequest, template: str, summary: Summary, **context) -> HttpResponse:
    """A partnership page: the summary, the partnership, and how to show a meeting's time."""
    return render(
        request,
        f"partnerships/{template}.jinja",
        {"s": summary, "p": summary.partnership, "when": when, **context},
    )


def _back(partnership: Partnership, anchor: str = "") -> HttpResponse:
    return redirect(_url("partnership", partnership.pk) + anchor)


def _bound(request: HttpRequest, form_class, **kwargs):
    """The form, bound to the posted data on a POST."""
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What the workflow returned when a submitted form went through."""

    value: T


def _submit(request: HttpRequest, form, act: Callable[[dict], T]) -> Done[T] | None:
    """On a valid POST, call `act` with the form's data. A workflow refusal becomes the
    form's error, shown at the top of the page; None means nothing was done."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Done(act(form.cleaned_data))
    except workflow.WorkflowError as error:
        form.add_error(None, str(error))
        return None


# --- The partnership ------------------------------------------------------------------


@require_safe
def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    extensions = list(partnership.extension_requests.order_by("created_at"))
    return _page(
        request,
        "detail",
        summary,
        contact=_contact(summary) if summary.is_open else [],
        extensions=extensions,
        extension_pending=any(e.state == ExtensionState.PENDING for e in extensions),
        first_meeting_texts=(
            get_scheme_texts(FIRST_MEETING_TEXTS, summary.scheme)
            if summary.first_meeting_checklist
            else []
        ),
        confidentiality_form=ConfidentialityForm(),
    )


@require_http_methods(GET_OR_POST)
def first_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """The first meeting's checklist and roles, and each side's tick that they talked
    about confidentiality."""
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(request, ConfidentialityForm)
    done = _submit(
        request,
        form,
        lambda data: workflow.confirm_confidentiality_discussed(
            partnership_id=partnership.pk, user=request.user
        ),
    )
    if done:
        if done.value.mentee_confidentiality_at and done.value.mentor_confidentiality_at:
            text = "Thank you. You have both ticked that you talked about confidentiality."
        else:
            text = (
                f"Thank you. Once {summary.other_name} has ticked it too, "
                "your next meeting can be planned."
            )
        messages.success(request, text)
        return _back(partnership)
    return _page(
        request,
        "first_meeting",
        summary,
        texts=get_scheme_texts(FIRST_MEETING_TEXTS, summary.scheme),
        form=form,
    )


@require_http_methods(GET_OR_POST)
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(request, AgreementForm, initial=_arrangements_initial(partnership))
    done = _submit(
        request,
        form,
        lambda data: workflow.confirm_agreement(
            partnership_id=partnership.pk, user=request.user, arrangements=_arrangements(form)
        ),
    )
    if done:
        if done.value.state == PartnershipState.ACTIVE:
            messages.success(
                request, "You have both confirmed the agreement. You can now plan meetings."
            )
        else:
            messages.success(
                request,
                f"Thank you. We have asked {summary.other_name} to confirm the agreement too.",
            )
        return _back(partnership)
    return _page(
        request,
        "agreement",
        summary,
        text=get_agreement_text(),
        form=form,
        scheme=SchemeSettings.load(),
    )


@require_http_methods(GET_OR_POST)
def arrangements(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(request, ArrangementsForm, initial=_arrangements_initial(partnership))
    if _submit(
        request,
        form,
        lambda data: workflow.change_arrangements(
            partnership_id=partnership.pk, user=request.user, arrangements=_arrangements(form)
        ),
    ):
        messages.success(request, f"Arrangements saved. We have let {summary.other_name} know.")
        return _back(partnership)
    return _page(request, "arrangements", summary, form=form)


@require_http_methods(GET_OR_POST)
def plan_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(
        request,
        PlanMeetingForm,
        initial={
            "duration_minutes": partnership.usual_length_minutes or 60,
            "mode": partnership.usual_mode,
        },
        with_agenda=summary.role == "mentee",
    )
    done = _submit(
        request,
        form,
        lambda data: workflow.plan_meeting(
            partnership_id=partnership.pk,
            user=request.user,
            starts_at=form.starts_at(),
            duration_minutes=data["duration_minutes"],
            mode=data["mode"],
            agenda=data.get("agenda", ""),
        ),
    )
    if done:
        when = timezone.localtime(done.value.starts_at)
        messages.success(
            request,
            f"Meeting planned for {when:%A} {when.day} {when:%B at %H:%M}. "
            f"We have emailed {summary.other_name} with a calendar invitation.",
        )
        return _back(partnership, "#meetings")
    return _page(request, "plan_meeting", summary, form=form)


@require_http_methods(GET_OR_POST)
def request_extension(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(request, ExtensionForm)
    if _submit(
        request,
        form,
        lambda data: workflow.request_extension(
            partnership_id=partnership.pk, user=request.user, reason=data["reason"]
        ),
    ):
        messages.success(
            request, "Thank you. The scheme team will look at your request and email you both."
        )
        return _back(partnership)
    extensions = list(partnership.extension_requests.order_by("created_at"))
    return _page(
        request,
        "extension",
        summary,
        form=form,
        pending=next((e for e in extensions if e.state == ExtensionState.PENDING), None),
        scheme=summary.scheme,
    )


@require_http_methods(GET_OR_POST)
def end_partnership(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_partnership_for_user(request.user, pk)
    summary = _summary_for(request, partnership)
    form = _bound(request, EndPartnershipForm)
    if _submit(
        request,
        form,
        lambda data: workflow.end_partnership_early(
            partnership_id=partnership.pk,
            user=request.user,
            reason=data["reason"],
            note=data["note"],
        ),
    ):
        text = f"Your partnership with {summary.other_name} has ended. We have let them know."
        if summary.role == "mentee" and summary.scheme.mentees_choose:
            text += " You can choose another mentor whenever you are ready."
        elif summary.role == "mentee":
            text += " You can apply to be matched again whenever you are ready."
        messages.success(request, text)
        return _back(partnership)
    return _page(request, "end", summary, form=form)


# --- Meetings -----------------------------------------------------------------------


@require_POST
def meeting_held(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    try:
        workflow.mark_meeting_held(meeting_id=meeting.pk, user=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        partnership = Partnership.objects.get(pk=meeting.partnership_id)
        if partnership.state == PartnershipState.COMPLETED:
            messages.success(
                request,
                "Meeting recorded. That was your last session, so your mentoring is complete.",
            )
        else:
            messages.success(request, "Meeting recorded as held.")
    return _back(meeting.partnership, "#meetings")


@require_http_methods(GET_OR_POST)
def meeting_agenda(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentee writes or changes what they would like to focus on at a planned
    meeting. The mentor reads it on the partnership page: this page is a 404 to them."""
    meeting = get_meeting_for_mentee(request.user, pk)
    partnership = meeting.partnership
    summary = _summary_for(request, partnership)
    form = _bound(request, AgendaForm, initial={"agenda": meeting.agenda})
    if _submit(
        request,
        form,
        lambda data: workflow.set_meeting_agenda(
            meeting_id=meeting.pk, mentee=request.user, agenda=data["agenda"]
        ),
    ):
        messages.success(
            request, f"Saved. {summary.other_name} can read it on your partnership page."
        )
        return _back(partnership, "#meetings")
    return _page(
        request,
        "meeting_agenda",
        summary,
        meeting=meeting,
        form=form,
        can_change=summary.is_open and meeting.state == MeetingState.PLANNED,
    )


@require_http_methods(GET_OR_POST)
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request.user, pk)
    partnership = meeting.partnership
    summary = _summary_for(request, partnership)
    form = _bound(request, CancelMeetingForm)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = workflow.cancel_meeting(
                meeting_id=meeting.pk, user=request.user, reason=form.cleaned_data["reason"]
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            text = f"Meeting cancelled. We have let {summary.other_name} and the scheme team know."
            if cancelled.cancelled_late:
                text += " It was at short notice, so it is recorded as a late cancellation."
            messages.success(request, text)
        return _back(partnership, "#meetings")
    notice = SchemeSettings.load().cancellation_notice_hours
    return _page(
        request,
        "cancel_meeting",
        summary,
        meeting=meeting,
        form=form,
        notice_hours=notice,
        past=meeting.starts_at <= summary.now,
        late=meeting.starts_at - summary.now < datetime.timedelta(hours=notice),
    )


@require_http_methods(GET_OR_POST)
def meeting_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Either side (or the mentee only, as the scheme says) changes a planned meeting's
    date, time, length or way of meeting; the other side gets the updated invitation."""
    meeting = get_meeting_for_user(request.user, pk)
    partnership = meeting.partnership
    summary = _summary_for(request, partnership)
    local = timezone.localtime(meeting.starts_at)
    form = _bound(
        request,
        PlanMeetingForm,
        initial={
            "date": local.date(),
            "time": local.time(),
            "duration_minutes": meeting.duration_minutes,
            "mode": meeting.mode,
        },
    )
    done = _submit(
        request,
        form,
        lambda data: workflow.move_meeting(
            meeting_id=meeting.pk,
            user=request.user,
            starts_at=form.starts_at(),
            duration_minutes=data["duration_minutes"],
            mode=data["mode"],
        ),
    )
    if done:
        messages.success(
            request,
            f"Meeting changed to {when(done.value)}. We have emailed you and "
            f"{summary.other_name} the updated calendar invitation.",
        )
        return _back(partnership, "#meetings")
    return _page(
        request,
        "move_meeting",
        summary,
        meeting=meeting,
        form=form,
        why=_why_not_move(summary, meeting),
    )


def _why_not_move(summary: Summary, meeting) -> str:
    """Why this person cannot move this meeting now; empty when they can."""
    if summary.partnership.state != PartnershipState.ACTIVE:
        return "This partnership has ended."
    if meeting.state == MeetingState.CANCELLED:
        return "This meeting was cancelled. You can plan a new one instead."
    if meeting.state == MeetingState.HELD:
        return "This meeting is marked as held."
    if summary.mentee_plans:
        return (
            f"In this scheme {summary.other_name} sets up the meetings. Ask them to move it, "
            "or cancel it if you cannot make it."
        )
    if meeting.starts_at <= summary.now:
        return (
            "This meeting's time has passed. Record whether it took place, or say it did "
            "not happen and plan a new one."
        )
    return ""


@require_safe
def meeting_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as a calendar file, to add it to one's own calendar."""
    meeting = get_meeting_for_user(request.user, pk)
    if meeting.state != MeetingState.PLANNED:
        raise Http404("Only planned meetings can be added to a calendar.")
    role = workflow.party_role(meeting.partnership, request.user)
    body = workflow.meeting_calendar_file(meeting, role, now=timezone.now())
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    when = timezone.localtime(meeting.starts_at)
    response["Content-Disposition"] = f'attachment; filename="mentoring-{when:%Y-%m-%d}.ics"'
    return response


# --- Feedback -------------------------------------------------------------------------


@require_http_methods(GET_OR_POST)
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_feedback_for_respondent(request.user, pk)
    role = survey.respondent_role
    if request.method == "POST" and survey.submitted_at is not None:
        messages.info(request, "You have already sent this feedback. Thank you.")
        return redirect(_url("feedback", survey.pk))
    closed = (
        survey.submitted_at is None
        and not Feedback.objects.awaiting_answer().filter(pk=survey.pk).exists()
    )
    if request.method == "POST" and closed:
        messages.info(request, workflow.MIDPOINT_SURVEY_CLOSED)
        return redirect(_url("feedback", survey.pk))
    form = _bound(request, FeedbackForm, role=role)
    if _submit(
        request,
        form,
        lambda data: workflow.submit_feedback(feedback_id=survey.pk, user=request.user, **data),
    ):
        messages.success(request, "Thank you. Your feedback has gone to the scheme team.")
        return redirect(_url("feedback", survey.pk))
    return render(
        request,
        "partnerships/feedback.jinja",
        {
            "feedback": survey,
            "closed": closed,
            "form": form,
            "other_name": other_name(survey.partnership, role),
            "min_responses": feedback_summary.MIN_RESPONSES,
            "inbox": SchemeSettings.load().inbox_email,
        },
    )


# --- Private notes ----------------------------------------------------------------------


@require_http_methods(GET_OR_POST)
def partnership_notes(request: HttpRequest, pk: int) -> HttpResponse:
    """The mentor's own notes. The mentee gets a 404: they are not a party to the notes."""
    partnership = get_partnership_for_user(request.user, pk)
    if partnership.mentor.user_id != request.user.pk:
        raise Http404("Only the mentor keeps notes.")
    form = _bound(request, NoteForm)
    if _submit(
        request,
        form,
        lambda data: workflow.add_note(
            partnership_id=partnership.pk, mentor_user=request.user, text=data["text"]
        ),
    ):
        messages.success(request, "Note saved. Only you can read it.")
        return redirect(_url("partnership_notes", partnership.pk))
    data_key = notes.unwrap(
        NotesKey.objects.filter(partnership=partnership)
        .values_list("wrapped_key", flat=True)
        .first()
    )
    entries = [
        {"note": note, "text": notes.decrypt(note.ciphertext, data_key)}
        for note in partnership.notes.all()
    ]
    return render(
        request,
        "partnerships/notes.jinja",
        {
            "p": partnership,
            "other_name": other_name(partnership, "mentor"),
            "entries": entries,
            "form": form,
            "is_open": partnership.state in OPEN_PARTNERSHIP_STATES,
        },
    )


@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_note_for_mentor(request.user, pk)
    try:
        workflow.delete_note(note_id=note.pk, mentor_user=request.user)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Note deleted.")
    return redirect(_url("partnership_notes", note.partnership_id))
