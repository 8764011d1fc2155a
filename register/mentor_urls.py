"""Mentor bios: a mentor's own pages and the public submission form.

The bare path "mentors/" is the register's search page (requests_app/search_urls.py);
the profile page, its preview and the capacity page are requests_app/mentor_urls.py.
"""

from django.urls import path

from register import guidance_views, mentor_views

urlpatterns = [
    path("my-bio/edit/", mentor_views.my_bio_edit, name="my_bio_edit"),
    path("my-bio/pause/", mentor_views.my_bio_pause, name="my_bio_pause"),
    path("my-bio/resume/", mentor_views.my_bio_resume, name="my_bio_resume"),
    path("my-bio/ethical-framework/", mentor_views.framework_confirm, name="framework_confirm"),
    path(
        "my-bio/how-a-peer-mentor-works/",
        guidance_views.peer_mentor_role,
        name="peer_mentor_role",
    ),
    path("become-a-mentor/", mentor_views.become_a_mentor, name="become_a_mentor"),
    path("become-a-mentor/submit/", mentor_views.submit_bio, name="submit_bio"),
    path("become-a-mentor/submitted/", mentor_views.submit_bio_done, name="submit_bio_done"),
]
