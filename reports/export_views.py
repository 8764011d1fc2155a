"""Downloads of the scheme's exports (reports.exports), for the scheme team only.

Each download is recorded (ExportRecord): who, when, which export and period, the admin
list's filters, and how many rows it held.
"""

from typing import cast

import tablib
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from accounts.models import User
from register.models import MentorProfile
from reports import exports
from reports.access import scheme_team_only
from reports.models import ExportFormat, ExportKind, ExportRecord
from reports.periods import Period, period_from_query, today
from requests_app.models import MentoringRequest, Partnership

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The admin lists that export their rows: the list's name in the URL, its model, and
# what the download is recorded as.
ADMIN_LISTS = {
    "mentors": (MentorProfile, ExportKind.MENTOR_LIST),
    "requests": (MentoringRequest, ExportKind.REQUEST_LIST),
    "partnerships": (Partnership, ExportKind.PARTNERSHIP_LIST),
}


def _file(data: tablib.Dataset, fmt: str, filename: str) -> HttpResponse:
    if fmt == ExportFormat.CSV:
        # With a byte order mark, so that Excel reads the names' accents right.
        content: bytes = data.export("csv").encode("utf-8-sig")
    else:
        content = data.export("xlsx")
    response = HttpResponse(content, content_type=CONTENT_TYPES[ExportFormat(fmt)])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _record(
    request: HttpRequest,
    *,
    kind: str,
    fmt: str,
    rows: int,
    period: Period | None = None,
    filters: str = "",
) -> None:
    who = cast(User, request.user)  # logged in: scheme_team_only saw to it
    ExportRecord.objects.create(
        who=who,
        who_label=f"user #{who.pk}",
        kind=kind,
        fmt=fmt,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        filters=filters,
        rows=rows,
    )


@scheme_team_only
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """One export for the period the query string asks for (reports.periods); the
    register is as it is today, whatever the period."""
    if kind not in exports.KINDS or fmt not in ExportFormat.values:
        raise Http404
    period, errors = period_from_query(request.GET)
    if errors:
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain")
    data = exports.dataset(kind, period)
    if kind == ExportKind.REGISTER:
        name, recorded_period = f"register-{today().isoformat()}", None
    else:
        name, recorded_period = f"{kind}-{period.slug}", period
    _record(request, kind=kind, fmt=fmt, rows=data.height, period=recorded_period)
    return _file(data, fmt, name)


@scheme_team_only
@require_GET
def admin_list_export(request: HttpRequest, list_name: str, fmt: str) -> HttpResponse:
    """The rows an admin list shows with its current filters, search and date drill-down
    (the query string it links here with), in the columns of the matching export."""
    if list_name not in ADMIN_LISTS or fmt not in ExportFormat.values:
        raise Http404
    model, kind = ADMIN_LISTS[list_name]
    model_admin = admin.site.get_model_admin(model)
    if not model_admin.has_view_permission(request):
        raise Http404
    try:
        shown = model_admin.get_changelist_instance(request).get_queryset(request)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest(
            "The list's filters are not valid.", content_type="text/plain"
        )
    if model is MentorProfile:
        data = exports.register_dataset(shown)
    elif model is MentoringRequest:
        data = exports.activity_dataset(requests=shown)
    else:
        data = exports.activity_dataset(partnerships=shown)
    _record(request, kind=kind, fmt=fmt, rows=data.height, filters=request.GET.urlencode())
    return _file(data, fmt, f"{list_name}-{today().isoformat()}")
