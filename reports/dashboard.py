"""The scheme's figures page: the period chooser, the figures and the links to the exports."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from mentoring.formatting import long_date
from mentoring.pagination import paginate, pagination_links

from .access import scheme_team_only
from .charts import Chart, bar_chart
from .figures import (
    FIGURES_CACHE_SECONDS,
    MENTOR_SORTS,
    SchemeFigures,
    feedback_comments,
    recent_scheme_figures,
)
from .periods import PERIOD_CHOICES, Period, period_from_query, period_query

EXPORT_KINDS = (
    ("figures", "The period's figures"),
    ("register", "The register of mentors"),
    ("activity", "Requests and partnerships"),
    ("meetings", "Meetings"),
    ("feedback", "Feedback, without names"),
)
EXPORT_FORMATS = (("xlsx", "Excel spreadsheet (XLSX)"), ("csv", "CSV"))
MENTORS_PER_PAGE = 25  # the per-mentor table, a page at a time (?mentors=2)
COMMENTS_PER_PAGE = 25  # feedback comments, a page at a time (?comments=2)


@dataclass(frozen=True)
class ExportLink:
    label: str
    links: list[tuple[str, str]]  # (format label, address)


def export_links(period: Period) -> list[ExportLink]:
    """The exports for the period, each in both formats."""
    return [
        ExportLink(
            label,
            [
                (
                    fmt_label,
                    reverse("reports:export", kwargs={"kind": kind, "fmt": fmt})
                    + f"?{period_query(period)}",
                )
                for fmt, fmt_label in EXPORT_FORMATS
            ],
        )
        for kind, label in EXPORT_KINDS
    ]


def sort_links(period: Period, sort: str) -> dict[str, dict]:
    """The per-mentor table's column headings: each a link that sorts by it."""
    base = reverse("reports:dashboard")
    return {
        name: {
            "href": f"{base}?{period_query(period)}&sort={name}#responsiveness",
            "sort": ("ascending" if name == "name" else "descending") if name == sort else "none",
        }
        for name in MENTOR_SORTS
    }


def charts(figures: SchemeFigures) -> dict[str, Chart | None]:
    """The period's charts, each drawn with the same figures in a table below it."""
    months = [m.label for m in figures.monthly]
    ratings = ["Overall", "Felt heard", "Would recommend"]
    return {
        "requests": bar_chart(
            "Requests and their outcomes, month by month",
            months,
            [
                ("Requests sent", [m.requests_sent for m in figures.monthly]),
                ("Accepted", [m.accepted for m in figures.monthly]),
                ("Declined", [m.declined for m in figures.monthly]),
                ("Not answered in time", [m.expired for m in figures.monthly]),
            ],
        ),
        "sessions": bar_chart(
            "Sessions held, month by month",
            months,
            [("Sessions held", [m.sessions_held for m in figures.monthly])],
        ),
        "answer_times": bar_chart(
            "Working days mentors took to answer",
            [label for label, _ in figures.answer_times],
            [("Requests answered", [n for _, n in figures.answer_times])],
            label_heading="Working days",
        ),
        # Only the averages of 5 answers or more: none, no chart.
        "feedback": bar_chart(
            "Average ratings, out of 5",
            ratings,
            [
                (f"{f.stage}, {f.role}", list(f.ratings.values()))
                for f in figures.feedback
                if f.shown
            ],
            maximum=5,
            label_heading="Rating",
        )
        if any(f.shown for f in figures.feedback)
        else None,
    }


def fresh_query(request: HttpRequest) -> str:
    """The page's query asking for the figures to be worked out again."""
    query = request.GET.copy()
    query["fresh"] = "1"
    return query.urlencode()


@require_safe
@scheme_team_only
def dashboard(request: HttpRequest) -> HttpResponse:
    period, errors = period_from_query(request.GET)
    sort = request.GET.get("sort", "name")
    if sort not in MENTOR_SORTS:
        sort = "name"
    if "fresh" in request.GET:
        # Work the figures out now, then show the same page without asking again on
        # every later page of its tables.
        recent_scheme_figures(period, fresh=True)
        kept = request.GET.copy()
        del kept["fresh"]
        return HttpResponseRedirect(f"{request.path}?{kept.urlencode()}", status=303)
    figures: SchemeFigures = recent_scheme_figures(period)
    mentors = paginate(
        request, figures.mentors_sorted(sort), param="mentors", per_page=MENTORS_PER_PAGE
    )
    comments = paginate(
        request, feedback_comments(period), param="comments", per_page=COMMENTS_PER_PAGE
    )
    chosen = request.GET.get("period", "") or ("range" if request.GET.get("from") else "quarter")
    return render(
        request,
        "reports/dashboard.jinja",
        {
            "figures": figures,
            "period": period,
            "errors": errors,
            "chosen": chosen if chosen in dict(PERIOD_CHOICES) else "quarter",
            "period_choices": PERIOD_CHOICES,
            "from_value": request.GET.get("from", "") if errors else period.start.isoformat(),
            "to_value": request.GET.get("to", "") if errors else period.end.isoformat(),
            "sort": sort,
            "mentor_rows": mentors.object_list,
            "mentor_pages": pagination_links(request, mentors, param="mentors"),
            "comments": comments,
            "comment_pages": pagination_links(request, comments, param="comments"),
            "sort_links": sort_links(period, sort),
            "exports": export_links(period),
            "charts": charts(figures),
            "fresh_href": f"{request.path}?{fresh_query(request)}",
            "kept_minutes": FIGURES_CACHE_SECONDS // 60,
            "worked_out": f"{timezone.localtime(figures.now):%H:%M} on {long_date(figures.now)}",
        },
    )
