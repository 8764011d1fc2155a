from django.urls import path

from requests_app import application_views, partnership_views, views

app_name = "requests"
urlpatterns = [
    path("mentors/<int:mentor_id>/request/", views.send_request, name="send"),
    path("requests/", views.mentee_requests, name="mine"),
    path("requests/<int:pk>/", views.mentee_request_detail, name="mentee_detail"),
    path("requests/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "mentors/<int:mentor_id>/waiting-list/",
        views.join_waiting_list,
        name="waiting_list_join",
    ),
    path("waiting-list/<int:pk>/leave/", views.leave_waiting_list, name="waiting_list_leave"),
    path("mentor/requests/", views.mentor_requests, name="incoming"),
    path("mentor/requests/<int:pk>/", views.decide, name="decide"),
    path("mentor/requests/<int:pk>/accept/", views.accept, name="accept"),
    path("mentor/requests/<int:pk>/decline/", views.decline, name="decline"),
    path("r/<str:token>/", views.email_link, name="email_link"),
]

# Matching by the scheme team: applying, and answering a proposed match.
urlpatterns += [
    path("apply/", application_views.apply, name="apply"),
    path("apply/withdraw/", application_views.withdraw_application, name="application_withdraw"),
    path("proposals/<int:pk>/", application_views.proposal, name="proposal"),
    path("still-looking/", application_views.still_looking, name="still_looking"),
]

# Partnerships: both sides' pages, meetings, feedback and the mentor's notes.
urlpatterns += [
    path(
        "partnerships/<int:pk>/",
        partnership_views.partnership_detail,
        name="partnership",
    ),
    path(
        "partnerships/<int:pk>/agreement/",
        partnership_views.agreement,
        name="partnership_agreement",
    ),
    path(
        "partnerships/<int:pk>/arrangements/",
        partnership_views.arrangements,
        name="partnership_arrangements",
    ),
    path(
        "partnerships/<int:pk>/first-meeting/",
        partnership_views.first_meeting,
        name="partnership_first_meeting",
    ),
    path(
        "partnerships/<int:pk>/meetings/new/",
        partnership_views.plan_meeting,
        name="plan_meeting",
    ),
    path(
        "partnerships/<int:pk>/more-sessions/",
        partnership_views.request_extension,
        name="partnership_extension",
    ),
    path(
        "partnerships/<int:pk>/end/",
        partnership_views.end_partnership,
        name="partnership_end",
    ),
    path(
        "partnerships/<int:pk>/notes/",
        partnership_views.partnership_notes,
        name="partnership_notes",
    ),
    path("notes/<int:pk>/delete/", partnership_views.note_delete, name="note_delete"),
    path("meetings/<int:pk>/held/", partnership_views.meeting_held, name="meeting_held"),
    path("meetings/<int:pk>/cancel/", partnership_views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/agenda/", partnership_views.meeting_agenda, name="meeting_agenda"),
    path("meetings/<int:pk>/move/", partnership_views.meeting_move, name="meeting_move"),
    path(
        "meetings/<int:pk>/calendar.ics",
        partnership_views.meeting_calendar,
        name="meeting_calendar",
    ),
    path("feedback/<int:pk>/", partnership_views.feedback, name="feedback"),
]
