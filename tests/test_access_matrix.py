"""Access control, proven over the whole URLconf.

Every URL pattern is found by walking the resolver, its parameters are filled
from the personas' own objects, and each persona (and an anonymous visitor)
asks for it. What each may get is ACCESS below: a row per URL name, with
defaults so a new URL is checked the day it lands:

- a URL whose parameter names an object (a request, partnership, meeting,
  note, mentor bio...) is "only its owner": a party to the object may get the
  page, everyone else gets 403 or 404, never 200;
- a public page (marked @login_not_required) is 200 for everyone;
- any other URL name that has no row fails, asking its author to add one.

A parameter that cannot be filled is reported (test_every_url_can_be_filled):
add a way to fill it in FILLERS or MODEL_WORDS. The catalogue here is also
what tests/test_accessibility_walk.py walks in a browser.
"""

import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import product

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from accounts.models import DataEvent
from accounts.rules import is_mentee, is_mentor, is_scheme_admin
from mentoring.outbox.models import Email
from register.invitations import invitation_token
from register.models import MentorProfile, MentorStatus
from reports.models import ExportRecord
from requests_app.models import (
    ExtensionRequest,
    Feedback,
    FeedbackStage,
    MatchApplication,
    Meeting,
    MentoringRequest,
    NonWorkingDay,
    Partnership,
    PartnershipState,
    RequestState,
    WaitingListEntry,
)
from requests_app.workflow import add_note, decision_link
from scheme.models import SchemeSettings
from scheme.texts import PUBLIC_PAGES, ensure_default_texts
from tests.factories import (
    MeetingFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    UserFactory,
    give_two_factor,
)
from tests.test_pages import give_photo

LOGIN_URL = "/accounts/login/"
ADMIN_LOGIN_URL = "/admin/login/"
PERSONAS = ("mentee", "other_mentee", "mentor", "other_mentor", "scheme_admin")
ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS, *PERSONAS)
OUR_APPS = ("accounts", "register", "requests_app", "outbox")
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


# --- The URLconf ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "requests:decide"; the pattern itself when the URL has no name
    pattern: str  # "mentor/requests/<int:pk>/"
    params: tuple[str, ...]
    callback: Callable = field(repr=False, compare=False)
    named: bool = True

    @property
    def is_public(self) -> bool:
        return getattr(self.callback, "login_required", True) is False

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def admin_model(self) -> type[models.Model] | None:
        """The model of a Django admin page (ModelAdmin URLs, and UserAdmin's own views)."""
        model_admin = getattr(self.callback, "model_admin", None) or getattr(
            getattr(self.callback, "__wrapped__", None), "__self__", None
        )
        return getattr(model_admin, "model", None)


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Route(name or pattern, pattern, _params(pattern), entry.callback, bool(name))


def _params(pattern: str) -> tuple[str, ...]:
    """The parameters of a whole pattern, includes' prefixes too: <int:pk> or (?P<key>...)."""
    return tuple(a or b for a, b in PARAM.findall(pattern))


def all_routes() -> list[Route]:
    """Every URL pattern of the project, first match first, duplicates of a name once."""
    seen: set[str] = set()
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.name in seen:
            continue
        seen.add(route.name)
        routes.append(route)
    return routes


# --- The personas' world ---------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, object]
    objects: dict[type[models.Model], list[models.Model]]

    def persona_of(self, user_pk: int | None) -> str | None:
        for name, user in self.users.items():
            if user.pk == user_pk:
                return name
        return None


def build_world(users: dict[str, object]) -> World:
    """Every kind of object, each owned by some personas and not by others.

    mentee and mentor: an accepted request, an active partnership (with the first-meeting
    checklist on) with a meeting and its agenda, a private note, an extension request
    and feedback from both sides; mentee and other_mentor: a match the scheme team
    proposed before, which mentee declined.
    other_mentee: a pending request to mentor, a declined one from other_mentor,
    a place on mentor's waiting list and an application waiting for a match. A draft
    bio no mentee may see, and an invited mentor who has not chosen a password yet.
    """
    from requests_app.models import MentorNote

    mentee, other_mentee = users["mentee"], users["other_mentee"]
    mentor = users["mentor"].mentor_profile
    other_mentor = users["other_mentor"].mentor_profile
    for profile in (mentor, other_mentor):
        give_photo(profile)
    accepted = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor,
        state=RequestState.ACCEPTED,
        message="I would like to talk about confidence",
        created_at=timezone.now() - datetime.timedelta(days=20),
    )
    partnership = PartnershipFactory(request=accepted, state=PartnershipState.ACTIVE)
    meeting = MeetingFactory(partnership=partnership, agenda="How to say no to extra work")
    pending = MentoringRequestFactory(mentee=other_mentee, mentor=mentor, message="Hello")
    declined = MentoringRequestFactory(
        mentee=other_mentee, mentor=other_mentor, state=RequestState.REJECTED
    )
    note = add_note(partnership_id=partnership.pk, mentor_user=users["mentor"], text="Tired today")
    extension = ExtensionRequest.objects.create(
        partnership=partnership, requested_by=mentee, reason="More sessions, please"
    )
    feedback = [
        Feedback.objects.create(
            partnership=partnership,
            respondent=person,
            respondent_role=role,
            stage=FeedbackStage.MIDPOINT,
        )
        for person, role in ((mentee, "mentee"), (users["mentor"], "mentor"))
    ]
    waiting = WaitingListEntry.objects.create(mentee=other_mentee, mentor=mentor)
    application = MatchApplication.objects.create(
        mentee=other_mentee, aims="To feel confident again", help_areas="Rotas"
    )
    # A match the scheme team proposed to mentee before, which mentee said no to.
    earlier = MatchApplication.objects.create(
        mentee=mentee, aims="Confidence", state="withdrawn", closed_at=timezone.now()
    )
    proposal = MentoringRequestFactory(
        mentee=mentee,
        mentor=other_mentor,
        application=earlier,
        state=RequestState.REJECTED,
        answered_by=mentee,
        decline_reason="not_now",
    )
    draft = MentorProfileFactory(status=MentorStatus.DRAFT, email="draft.bio@example.nhs.uk")
    invited_user = UserFactory(email="invited.mentor@example.nhs.uk", password=None)
    invited = MentorProfileFactory(
        user=invited_user, email=invited_user.email, invitation_nonce="first-invitation"
    )
    # One of everything else admins manage, so every admin page has an object to show.
    RecoveryCodes.activate(users["other_mentor"])
    # The scheme admin has set up two-factor authentication, as admin and the admin's
    # powers on the app's pages require (ADMIN_REQUIRE_MFA).
    give_two_factor(users["scheme_admin"])
    # The first meeting's checklist on, so the partnership page shows it to both.
    scheme = SchemeSettings.load()
    scheme.first_meeting_checklist = True
    scheme.save()
    ensure_default_texts()
    NonWorkingDay.objects.create(date=datetime.date(2026, 12, 29), description="Closure")
    DataEvent.objects.create(user=mentee, user_label=f"user #{mentee.pk}", kind="exported")
    export = ExportRecord.objects.create(
        who=users["scheme_admin"],
        who_label=f"user #{users['scheme_admin'].pk}",
        kind="register",
        fmt="csv",
        rows=2,
    )
    email = Email.objects.create(
        kind="meeting_cancelled",
        recipient=mentee.email,
        subject="A meeting was cancelled",
        body="Cancelled because of something said in mentoring",
        created_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    return World(
        users=users,
        objects={
            MentoringRequest: [accepted, pending, declined, proposal],
            Partnership: [partnership],
            Meeting: [meeting],
            MentorNote: [note],
            ExtensionRequest: [extension],
            Feedback: feedback,
            WaitingListEntry: [waiting],
            MatchApplication: [application],
            MentorProfile: [mentor, other_mentor, draft, invited],
            get_user_model(): [users[name] for name in PERSONAS],
            Email: [email],
            ExportRecord: [export],
        },
    )


def personas_world(request) -> World:
    """The world of the five personas (the fixtures of tests/conftest.py)."""
    return build_world({name: request.getfixturevalue(name) for name in PERSONAS})


@pytest.fixture
def world(request, db) -> World:
    return personas_world(request)


def user_of(obj) -> int | None:
    """The user behind a user or a mentor bio."""
    if isinstance(obj, MentorProfile):
        return obj.user_id
    return getattr(obj, "pk", None)


def side_of(obj: models.Model, side: str) -> int | None:
    """The user on one side ("mentee", "mentor", "respondent"...) of an object, following
    partnership or request links when the object has no such field itself."""
    if isinstance(obj, MentorProfile) and side == "mentor":
        return obj.user_id
    if hasattr(obj, f"{side}_id") or hasattr(obj, side):
        return user_of(getattr(obj, side))
    for link in ("partnership", "request"):
        if hasattr(obj, f"{link}_id"):
            return side_of(getattr(obj, link), side)
    return None


# Who the parties to each kind of object are. A new model falls back to every user
# it points to (directly, or through a bio, request or partnership).
PARTY_SIDES: dict[str, tuple[str, ...]] = {
    "MentorNote": ("mentor",),  # private: the mentee is not a party to the notes
    "Feedback": ("respondent",),
    "ExtensionRequest": ("mentee", "mentor"),
    "MentorProfile": ("mentor",),
}


def parties(obj: models.Model) -> set[int]:
    sides = PARTY_SIDES.get(type(obj).__name__)
    if sides is None:
        if isinstance(obj, get_user_model()):
            return {obj.pk}
        sides = ("mentee", "mentor", "user", "respondent")
    return {pk for side in sides if (pk := side_of(obj, side)) is not None}


# --- Filling URL parameters -------------------------------------------------------------------

# Words in a parameter, the path segment before it, or the URL name, and the model
# they name. Add a word here when a new URL names its object differently.
MODEL_WORDS: dict[str, str] = {
    "request": "requests_app.MentoringRequest",
    "requests": "requests_app.MentoringRequest",
    "partnership": "requests_app.Partnership",
    "partnerships": "requests_app.Partnership",
    "meeting": "requests_app.Meeting",
    "meetings": "requests_app.Meeting",
    "note": "requests_app.MentorNote",
    "notes": "requests_app.MentorNote",
    "extension": "requests_app.ExtensionRequest",
    "extensions": "requests_app.ExtensionRequest",
    "feedback": "requests_app.Feedback",
    "waiting": "requests_app.WaitingListEntry",
    "mentor": "register.MentorProfile",
    "mentors": "register.MentorProfile",
    "bio": "register.MentorProfile",
    "photos": "register.MentorProfile",
    "photo": "register.MentorProfile",
    "email": "outbox.Email",
}
GENERIC_PARAMS = {"pk", "id", "object_id"}


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def object_model(route: Route, param: str) -> type[models.Model] | None:
    """The model a parameter names: by its own name (partnership_id), else the path
    segment just before it (meetings/<int:pk>/), else a word of the URL name."""
    if route.is_admin and param in GENERIC_PARAMS | {"id"}:
        return route.admin_model
    word = param.removesuffix("_id").removesuffix("_pk")
    if param not in GENERIC_PARAMS:
        return _model(MODEL_WORDS[word]) if word in MODEL_WORDS else None
    segments = [s for s in route.pattern.split("/") if s]
    for index, segment in enumerate(segments):
        if param in segment and index > 0:
            previous = segments[index - 1].strip("^$")
            for piece in reversed(previous.replace("_", "-").split("-")):
                if piece in MODEL_WORDS:
                    return _model(MODEL_WORDS[piece])
    for piece in reversed(route.name.replace(":", "_").split("_")):
        if piece in MODEL_WORDS:
            return _model(MODEL_WORDS[piece])
    return None


def _confirm_email_key(world: World) -> list[str]:
    user = world.users["mentee"]
    address = EmailAddress.objects.get(user=user, email=user.email)
    return [EmailConfirmationHMAC(address).key]


def _admin_app_labels(world: World) -> list[str]:
    return ["accounts"]


def _invited_mentor(world: World) -> MentorProfile:
    return next(p for p in world.objects[MentorProfile] if p.invitation_nonce)


# Values for parameters that are not objects, by "url_name:param" or by "param".
# Each gives a list: every value becomes a URL of its own.
FILLERS: dict[str, Callable[[World], list[str]]] = {
    "scheme_page:slug": lambda world: list(PUBLIC_PAGES),
    "mentor_photo:size": lambda world: ["small", "large"],
    "mentor_invitation:token": lambda world: [invitation_token(_invited_mentor(world))],
    "requests:email_link:token": lambda world: [
        decision_link(world.objects[MentoringRequest][1]).rstrip("/").rsplit("/", 1)[-1]
    ],
    "account_confirm_email:key": _confirm_email_key,
    "account_reset_password_from_key:uidb36": lambda world: [
        user_pk_to_url_str(world.users["mentee"])
    ],
    "account_reset_password_from_key:key": lambda world: [
        default_token_generator.make_token(world.users["mentee"])
    ],
    "app_label": _admin_app_labels,
    "admin:view_on_site:content_type_id": lambda world: [
        str(ContentType.objects.get_for_model(MentorProfile).pk)
    ],
    "admin:view_on_site:object_id": lambda world: [str(world.objects[MentorProfile][0].pk)],
    "url": lambda world: ["no-such-page/"],  # admin's catch-all
    "reports:export:kind": lambda world: [
        "register",
        "activity",
        "meetings",
        "feedback",
        "figures",
    ],
    "reports:export:fmt": lambda world: ["csv", "xlsx"],
    "reports:admin_list_export:list_name": lambda world: ["mentors", "requests", "partnerships"],
    "reports:admin_list_export:fmt": lambda world: ["csv", "xlsx"],
}


@dataclass(frozen=True)
class Target:
    """One concrete URL: a route with its parameters filled."""

    route: Route
    url: str
    obj: models.Model | None = None  # the object the URL is about, if any

    @property
    def name(self) -> str:
        return self.route.name


def _related(obj: models.Model, model: type[models.Model]) -> models.Model | None:
    """The object of `model` that `obj` belongs to (a meeting's partnership...)."""
    if isinstance(obj, model):
        return obj
    for f in obj._meta.concrete_fields:
        if f.is_relation and f.related_model is model:
            return getattr(obj, f.name)
    for f in obj._meta.concrete_fields:
        if f.is_relation and f.related_model in (Partnership, MentoringRequest):
            found = _related(getattr(obj, f.name), model)
            if found is not None:
                return found
    return None


def fill(route: Route, world: World) -> tuple[list[Target], list[str]]:
    """The route's URLs, and the parameters that could not be filled."""
    if not route.params:
        url = reverse(route.name) if route.named else "/" + route.pattern
        return [Target(route, url)], []
    object_params = {p: m for p in route.params if (m := object_model(route, p)) is not None}
    # The object the URL is about: its last object parameter (meetings/<pk>/ in
    # partnerships/<partnership_id>/meetings/<pk>/); the others follow from it.
    main = next(reversed(object_params), None)
    choices: dict[str, list] = {}
    unfillable = []
    for param in route.params:
        if param in object_params:
            model = object_params[param]
            objects = world.objects.get(model) or list(model.objects.order_by("pk")[:3])
            # Django admin's pages: one object of each model is enough.
            choices[param] = [None] if param != main else objects[:1] if route.is_admin else objects
            continue
        filler = FILLERS.get(f"{route.name}:{param}") or FILLERS.get(param)
        if filler is None:
            unfillable.append(f"{route.name} ({route.pattern}): <{param}>")
            continue
        choices[param] = filler(world)
    if unfillable:
        return [], unfillable
    targets = []
    for combination in product(*choices.values()):
        values = dict(zip(choices, combination, strict=True))
        obj = values.get(main)
        kwargs = {}
        for param, value in values.items():
            if param in object_params:
                value = obj if param == main else _related(obj, object_params[param])
                if value is None:
                    break
                value = value.pk
            kwargs[param] = value
        else:
            url = _url(route, kwargs)
            if url is not None:
                targets.append(Target(route, url, obj))
    if not targets:
        return [], [f"{route.name} ({route.pattern}): no value makes a URL"]
    return targets, []


def _url(route: Route, kwargs: dict) -> str | None:
    """reverse() for a named URL; for an unnamed one (admin's redirects), the values put
    in its pattern, kept only if the result resolves back to the same view."""
    if route.named:
        try:
            return reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            return None
    url = "/" + re.sub(
        r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)",
        lambda m: str(kwargs[m[1] or m[2]]),
        route.pattern.replace("^", "").replace("$", ""),
    )
    try:
        return url if resolve(url).func is route.callback else None
    except Exception:
        return None


def catalogue(world: World, *, admin: bool = True) -> tuple[list[Target], list[str]]:
    targets, unfillable = [], []
    for route in all_routes():
        if route.is_admin and not admin:
            continue
        found, missing = fill(route, world)
        targets += found
        unfillable += missing
    return targets, unfillable


def logged_in_clients(world: World) -> dict[str, Client]:
    clients = {ANONYMOUS: Client()}
    for name in PERSONAS:
        clients[name] = Client()
        clients[name].force_login(world.users[name])
    return clients


# --- Who may get what -------------------------------------------------------------------------

Allowed = Callable[[World, str, Target], bool]


@dataclass(frozen=True)
class Rule:
    """What a URL answers each persona.

    `allowed` says who gets the page: they get a status in `ok`; every other
    logged-in persona gets one in `denied` (never the page). An anonymous visitor
    gets one in `anonymous`; on a page that is not public, 302 means "to the log-in
    page" and the test checks where it goes. GET on a POST-only URL answers 405,
    to everyone logged in, whatever the rule: the POST is what is checked then.
    """

    allowed: Allowed
    ok: frozenset[int] = frozenset({200})
    denied: frozenset[int] = frozenset({403, 404})
    anonymous: frozenset[int] = frozenset({302})
    public: bool = False
    # Object URLs under the default rule: some party must be able to reach the page.
    a_party_reaches_it: bool = False


def _user(world: World, persona: str):
    return world.users[persona]


def everyone(world: World, persona: str, target: Target) -> bool:
    return True


def role(*predicates: Callable) -> Allowed:
    return lambda world, persona, target: any(p(_user(world, persona)) for p in predicates)


def owner(side: str) -> Allowed:
    """Only the user on that side of the URL's object (a request's mentee...)."""
    return lambda world, persona, target: side_of(target.obj, side) == _user(world, persona).pk


def party(world: World, persona: str, target: Target) -> bool:
    return _user(world, persona).pk in parties(target.obj)


def bio_viewer(world: World, persona: str, target: Target) -> bool:
    """A bio: its mentor, the scheme team, and mentees once it is published."""
    user, profile = _user(world, persona), target.obj
    return (
        profile.user_id == user.pk
        or is_scheme_admin(user)
        or (is_mentee(user) and profile.status == MentorStatus.PUBLISHED)
    )


def photo_viewer(world: World, persona: str, target: Target) -> bool:
    return bool(target.obj.photo) and bio_viewer(world, persona, target)


def can_request(world: World, persona: str, target: Target) -> bool:
    user, profile = _user(world, persona), target.obj
    return (
        is_mentee(user) and profile.status == MentorStatus.PUBLISHED and profile.user_id != user.pk
    )


def not_yet_a_mentee(world: World, persona: str, target: Target) -> bool:
    return not is_mentee(_user(world, persona))


def nobody(world: World, persona: str, target: Target) -> bool:
    return False


PUBLIC = Rule(everyone, anonymous=frozenset({200}), public=True)
LOGGED_IN = Rule(everyone)
MENTEES = Rule(role(is_mentee))
MENTORS = Rule(role(is_mentor))
ONLY_THE_MENTEE = Rule(owner("mentee"))
ONLY_THE_MENTOR = Rule(owner("mentor"))
BOTH_PARTIES = Rule(party)
# The default for a URL about an object: its parties may get it (the other side of
# a request may be turned away too), nobody else ever does.
ONLY_THE_OWNER = Rule(party, ok=frozenset({200, 403, 404}), a_party_reaches_it=True)
# allauth's own account pages: any logged-in user; some redirect (to enter the
# password again) or 404 (two-factor pages before two-factor is set up).
ALLAUTH_ACCOUNT = Rule(everyone, ok=frozenset({200, 302, 404}))
REDIRECTS = frozenset({302})
# Django admin: staff only. Others are sent to the admin log-in (which sends a
# logged-in non-staff user away with 403), never shown a page.
ADMIN = Rule(
    role(is_scheme_admin),
    ok=frozenset({200, 302, 403, 404}),
    denied=frozenset({302, 403}),
)

ACCESS: dict[str, Rule] = {
    # Public pages.
    "home": PUBLIC,
    "scheme_page": PUBLIC,
    "submit_bio": PUBLIC,
    "become_a_mentor": PUBLIC,
    "help_now": PUBLIC,
    "submit_bio_done": PUBLIC,
    "mentor_invitation": PUBLIC,  # the signed link is the proof
    "mentee_eligibility": Rule(
        not_yet_a_mentee, denied=REDIRECTS, anonymous=frozenset({200}), public=True
    ),
    # Without an answer to the questions in the session, back to the questions.
    "mentee_not_eligible": Rule(everyone, ok=REDIRECTS, anonymous=REDIRECTS, public=True),
    "mentee_profile": Rule(everyone, ok=REDIRECTS),
    # A mentee changes what they told us at sign-up.
    "mentee_profile_edit": MENTEES,
    "account_login": Rule(nobody, denied=REDIRECTS, anonymous=frozenset({200}), public=True),
    # Sign-up comes after the eligibility questions: without an answer, back to them.
    "account_signup": Rule(nobody, denied=REDIRECTS, anonymous=frozenset({200, 302}), public=True),
    "account_logout": Rule(everyone, anonymous=REDIRECTS, public=True),
    "account_confirm_login_code": Rule(everyone, ok=REDIRECTS, anonymous=REDIRECTS, public=True),
    "mfa_authenticate": Rule(everyone, ok=REDIRECTS, anonymous=REDIRECTS, public=True),
    # Any logged-in user.
    "dashboard": LOGGED_IN,
    "my_data": LOGGED_IN,
    "my_data_download": LOGGED_IN,
    "delete_account": LOGGED_IN,
    "requests:email_link": Rule(everyone, ok=REDIRECTS),  # on to the decision page
    "account_email": ALLAUTH_ACCOUNT,
    "account_change_password": ALLAUTH_ACCOUNT,
    "account_set_password": ALLAUTH_ACCOUNT,
    "account_reauthenticate": ALLAUTH_ACCOUNT,
    "mfa_index": ALLAUTH_ACCOUNT,
    "mfa_reauthenticate": ALLAUTH_ACCOUNT,
    "mfa_activate_totp": ALLAUTH_ACCOUNT,
    "mfa_deactivate_totp": ALLAUTH_ACCOUNT,
    "mfa_view_recovery_codes": ALLAUTH_ACCOUNT,
    "mfa_generate_recovery_codes": ALLAUTH_ACCOUNT,
    "mfa_download_recovery_codes": ALLAUTH_ACCOUNT,
    # One role.
    "requests:mine": MENTEES,
    "mentor_search": Rule(role(is_mentee, is_scheme_admin)),
    "requests:incoming": MENTORS,
    "my_bio_edit": MENTORS,
    "my_bio_preview": MENTORS,
    "my_bio_pause": MENTORS,
    "my_bio_resume": MENTORS,
    "my_bio_capacity": MENTORS,
    "framework_confirm": MENTORS,
    "peer_mentor_role": MENTORS,
    # Objects.
    "mentor_profile": Rule(bio_viewer),
    "mentor_photo": Rule(photo_viewer),
    "requests:send": Rule(can_request),
    # A proposal's request page sends its people on to the proposal's page.
    "requests:mentee_detail": Rule(owner("mentee"), ok=frozenset({200, 302})),
    "requests:withdraw": ONLY_THE_MENTEE,
    "requests:waiting_list_join": Rule(can_request),
    "requests:waiting_list_leave": ONLY_THE_MENTEE,
    # Applying to be matched: while the scheme team does not propose matches, a mentee
    # without an open application is told so (404); one with an application may change it.
    "requests:apply": Rule(role(is_mentee), ok=frozenset({200, 404})),
    "requests:application_withdraw": MENTEES,
    # "Do you still want a mentor?": any mentee answers for themselves only.
    "requests:still_looking": MENTEES,
    # A proposal's page, for its two people; the requests that are not proposals have none.
    "requests:proposal": Rule(party, ok=frozenset({200, 404})),
    "requests:decide": Rule(owner("mentor"), ok=frozenset({200, 302})),
    "requests:accept": ONLY_THE_MENTOR,
    "requests:decline": ONLY_THE_MENTOR,
    # Partnerships: both sides share the pages; the notes are the mentor's alone and
    # the feedback form its respondent's.
    "requests:partnership": BOTH_PARTIES,
    "requests:partnership_agreement": BOTH_PARTIES,
    "requests:partnership_arrangements": BOTH_PARTIES,
    "requests:partnership_first_meeting": BOTH_PARTIES,
    "requests:plan_meeting": BOTH_PARTIES,
    "requests:partnership_extension": BOTH_PARTIES,
    "requests:partnership_end": BOTH_PARTIES,
    "requests:meeting_held": BOTH_PARTIES,
    "requests:meeting_cancel": BOTH_PARTIES,
    "requests:meeting_calendar": BOTH_PARTIES,
    # Moving a meeting: either side's page (in a mentee-only scheme, the mentor's page
    # says why they cannot).
    "requests:meeting_move": BOTH_PARTIES,
    # What the mentee would like to focus on: they write it; the mentor reads it on the
    # partnership page.
    "requests:meeting_agenda": ONLY_THE_MENTEE,
    "requests:partnership_notes": ONLY_THE_MENTOR,
    "requests:note_delete": ONLY_THE_MENTOR,
    "requests:feedback": Rule(owner("respondent")),
    # The scheme's figures: the scheme team (with two-factor); not advertised to anyone else.
    "reports:dashboard": Rule(role(is_scheme_admin), denied=frozenset({404})),
    # The scheme's exports: the scheme team (with two-factor); not advertised to anyone else.
    "reports:export": Rule(role(is_scheme_admin), denied=frozenset({404})),
    "reports:admin_list_export": Rule(role(is_scheme_admin), denied=frozenset({404})),
    # The kit for spreading the word (blurbs, poster, leaflet): the scheme team, as above.
    "kit:index": Rule(role(is_scheme_admin), denied=frozenset({404})),
    "kit:poster": Rule(role(is_scheme_admin), denied=frozenset({404})),
    "kit:leaflet": Rule(role(is_scheme_admin), denied=frozenset({404})),
    # Our admin log-in: it sends visitors to the log-in page and anyone logged in away.
    "admin/login/": Rule(nobody, denied=frozenset({403}), anonymous=REDIRECTS, public=True),
    "admin:login": Rule(nobody, denied=frozenset({403}), anonymous=REDIRECTS, public=True),
}


class UnknownURL(Exception):
    pass


def rule_for(target: Target) -> Rule:
    route = target.route
    if route.name in ACCESS:
        return ACCESS[route.name]
    if route.is_admin:
        return ADMIN
    if target.obj is not None:
        return ONLY_THE_OWNER
    if route.is_public:
        return PUBLIC
    raise UnknownURL(
        f"No access rule for the URL {route.name!r} ({route.pattern}). Add a row to ACCESS in "
        "tests/test_access_matrix.py saying who may see it (PUBLIC, LOGGED_IN, MENTEES, "
        "MENTORS, ONLY_THE_MENTEE...)."
    )


def login_pages_for(target: Target) -> tuple[str, ...]:
    """Our log-in page; admin's own log-in address sends people on to it."""
    return (LOGIN_URL, ADMIN_LOGIN_URL) if target.route.is_admin else (LOGIN_URL,)


# What a POST from the wrong person carries: enough for the change to go through if
# the view forgot to check who is asking. Extra fields are ignored by the forms.
POST_DATA = {
    "message": "Sent by someone who should not be able to",
    "reason": "other",
    "preferred_mode": "video",
    "capacity": "5",
    "confirm": "on",
    "post": "yes",  # admin's "are you sure?" pages
}


def database_snapshot() -> dict[str, list[dict]]:
    """Every row of our apps, allauth's addresses and authenticators, and the users."""
    from allauth.mfa.models import Authenticator

    snapshot = {}
    tables = [m for app in OUR_APPS for m in apps.get_app_config(app).get_models()]
    for model in [*tables, EmailAddress, Authenticator]:
        rows = model.objects.order_by("pk").values()
        snapshot[model._meta.label] = [
            {k: v for k, v in row.items() if k != "last_login"} for row in rows
        ]
    return snapshot


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# --- The tests ------------------------------------------------------------------------------


@dataclass
class Matrix:
    cells: int = 0
    posts: int = 0
    problems: list[str] = field(default_factory=list)


def check_get(matrix: Matrix, world: World, clients: dict, target: Target) -> bool:
    """GET the URL as everyone; returns whether it is POST-only."""
    rule = rule_for(target)
    responses = {persona: clients[persona].get(target.url) for persona in EVERYONE}
    post_only = any(
        r.status_code == 405 and "GET" not in r.get("Allow", "") for r in responses.values()
    )
    reached = False
    for persona, response in responses.items():
        matrix.cells += 1
        status = response.status_code
        if persona == ANONYMOUS:
            expected = rule.anonymous | ({405} if post_only and rule.public else set())
        elif rule.allowed(world, persona, target):
            expected = rule.ok | ({405} if post_only else set())
            reached = reached or status in {200, 405}
        else:
            expected = rule.denied | ({405} if post_only else set())
        problem = ""
        if status not in expected:
            problem = f"answered {status}, expected one of {sorted(expected)}"
        elif persona == ANONYMOUS and status == 302 and not rule.public:
            location = response["Location"]
            if not location.startswith(login_pages_for(target)):
                problem = f"redirected to {location}, not to the log-in page"
        if problem:
            matrix.problems.append(f"GET {target.url} ({target.name}) as {persona}: {problem}")
    if rule.a_party_reaches_it and not reached:
        matrix.problems.append(f"GET {target.url} ({target.name}): no party to the object got it")
    return post_only


def check_wrong_posts(matrix: Matrix, world: World, clients: dict, target: Target) -> None:
    """POST as everyone who may not have the page: turned away, and nothing changes."""
    rule = rule_for(target)
    before = database_snapshot()
    wrong = [p for p in PERSONAS if not rule.allowed(world, p, target)]
    if not rule.public:
        wrong.insert(0, ANONYMOUS)
    for persona in wrong:
        response = clients[persona].post(target.url, POST_DATA)
        matrix.posts += 1
        status = response.status_code
        expected = (
            {302} if persona == ANONYMOUS else rule.denied | {405}
        )  # 405: the URL takes no POST, which changes nothing either
        if status not in expected:
            matrix.problems.append(
                f"POST {target.url} ({target.name}) as {persona}: answered {status}, "
                f"expected one of {sorted(expected)}"
            )
        changed = changed_tables(before, database_snapshot())
        if changed:
            matrix.problems.append(
                f"POST {target.url} ({target.name}) as {persona} changed {', '.join(changed)}"
            )
            before = database_snapshot()


def run_matrix(world: World, targets: list[Target]) -> Matrix:
    clients = logged_in_clients(world)
    matrix = Matrix()
    for target in targets:
        check_get(matrix, world, clients, target)
        check_wrong_posts(matrix, world, clients, target)
    return matrix


def test_every_url_can_be_filled(world):
    _, unfillable = catalogue(world)

    assert unfillable == [], (
        "These URL parameters cannot be filled from the personas' objects. Add the word "
        "naming the object to MODEL_WORDS, or a way to fill the parameter to FILLERS, in "
        "tests/test_access_matrix.py:\n" + "\n".join(unfillable)
    )


def test_every_url_has_an_access_rule(world):
    targets, _ = catalogue(world)
    unknown = []
    for target in targets:
        try:
            rule_for(target)
        except UnknownURL as error:
            unknown.append(str(error))

    assert unknown == [], "\n".join(dict.fromkeys(unknown))


def test_every_rule_in_the_table_names_a_url_that_exists():
    names = {route.name for route in all_routes()}

    assert sorted(set(ACCESS) - names) == []


def test_each_url_answers_each_persona_as_its_rule_says(world, settings, capsys):
    settings.ADMIN_REQUIRE_MFA = False  # the scheme admin reaches admin's own checks
    targets, _ = catalogue(world, admin=False)

    matrix = run_matrix(world, targets)

    with capsys.disabled():
        print(
            f"\naccess matrix: {len(targets)} URLs x {len(EVERYONE)} visitors = {matrix.cells} "
            f"GETs, {matrix.posts} POSTs from the wrong person"
        )
    assert matrix.problems == [], "\n".join(matrix.problems)


def test_admin_pages_are_for_the_scheme_team_only(world, settings, capsys):
    settings.ADMIN_REQUIRE_MFA = False
    targets = [t for t in catalogue(world)[0] if t.route.is_admin]

    matrix = run_matrix(world, targets)

    with capsys.disabled():
        print(
            f"\nadmin matrix: {len(targets)} URLs x {len(EVERYONE)} visitors = {matrix.cells} "
            f"GETs, {matrix.posts} POSTs from the wrong person"
        )
    assert matrix.problems == [], "\n".join(matrix.problems)


# --- The checks can fail ------------------------------------------------------------------------


def test_the_matrix_catches_a_page_shown_to_the_wrong_person(world):
    """If requests:mentee_detail were every mentee's, the walk would say so."""
    target = next(t for t in catalogue(world)[0] if t.name == "requests:mentee_detail")
    matrix = Matrix()
    original = ACCESS[target.name]
    ACCESS[target.name] = Rule(nobody, denied=frozenset({403, 404}))
    try:
        check_get(matrix, world, logged_in_clients(world), target)
    finally:
        ACCESS[target.name] = original

    assert any("as mentee: answered 200" in p for p in matrix.problems)


def test_the_snapshot_sees_a_change_made_by_a_post(world):
    """The owner's withdrawal changes the database, so a wrong one would be seen."""
    pending = world.objects[MentoringRequest][1]
    client = logged_in_clients(world)["other_mentee"]
    before = database_snapshot()

    client.post(reverse("requests:withdraw", args=[pending.pk]))

    assert "requests_app.MentoringRequest" in changed_tables(before, database_snapshot())


def test_an_unknown_private_url_fails_loudly(world):
    route = Route("brand_new_page", "brand-new/", (), lambda request: None)

    with pytest.raises(UnknownURL, match="Add a row to ACCESS"):
        rule_for(Target(route, "/brand-new/"))


def test_a_new_object_url_gets_the_owner_rule_without_a_row(world):
    from requests_app.models import MentorNote

    nested = Route(
        "meeting_cancel",
        "partnerships/<int:partnership_id>/meetings/<int:pk>/cancel/",
        ("partnership_id", "pk"),
        lambda request: None,
    )
    notes = Route("note_edit", "notes/<int:pk>/edit/", ("pk",), lambda request: None)
    partnership = world.objects[Partnership][0]
    users = world.users

    assert object_model(nested, "pk") is Meeting
    assert object_model(nested, "partnership_id") is Partnership
    assert object_model(notes, "pk") is MentorNote
    assert rule_for(Target(nested, "/x/", world.objects[Meeting][0])) is ONLY_THE_OWNER
    assert parties(world.objects[Meeting][0]) == {users["mentee"].pk, users["mentor"].pk}
    assert parties(world.objects[MentorNote][0]) == {users["mentor"].pk}
    assert _related(world.objects[Meeting][0], Partnership) == partnership
