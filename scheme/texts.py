"""Texts the scheme owns, editable in admin, with our default wording as fallback."""

import re
from dataclasses import dataclass

from scheme import agreement_text, framework
from scheme.models import SchemeSettings, SchemeText


@dataclass(frozen=True)
class Text:
    title: str
    body: str


DEFAULT_TEXTS: dict[str, Text] = {
    "home": Text(
        title="Talk to a peer who has been there",
        body=(
            "Coming back to training after time away can feel like a lot to carry on your "
            "own. This scheme puts you in touch with a trained peer mentor: another doctor "
            "in training who understands what returning involves.\n\n"
            "A mentor listens, helps you think through what matters to you and shares what "
            "they have learned where it helps. What you talk about is up to you, and it "
            "stays between the two of you: nothing is fed back to your training programme.\n\n"
            "## Who can take part\n\n"
            "- doctors in training who are out of training now\n"
            "- doctors in training who plan to go out of training and have completed an "
            "absence planning form"
        ),
    ),
    "how-it-works": Text(
        title="How it works",
        body=(
            "1. Create an account and answer two short questions about your time out.\n"
            "2. Look through the register of peer mentors and choose someone who suits you.\n"
            "3. Send them a request. They answer within {answer_working_days} working days; "
            "if they cannot, you choose again.\n"
            "4. Agree how you will work together, then meet up to {sessions} times over "
            "{months} months."
        ),
    ),
    "privacy": Text(
        title="Privacy notice",
        body=(
            "This notice explains what the peer mentoring scheme holds about you and why.\n\n"
            "## What we hold\n\n"
            "- your name, email address, grade, school and trust\n"
            "- your answers about your time out of training\n"
            "- for mentors: the bio and photo you give us, and your contact details\n"
            "- the dates of requests, meetings and partnerships\n\n"
            "## What we never see\n\n"
            "The scheme team does not see what is said in mentoring. Mentors' private notes "
            "are encrypted and destroyed when a partnership ends.\n\n"
            "## How long we keep it\n\n"
            "Accounts that have not been used for {retention_months} months are anonymised. "
            "You can download "
            "what we hold about you, or delete your account, at any time.\n\n"
            "## Contact\n\n"
            "Write to the scheme team with any question about your data."
        ),
    ),
    "accessibility": Text(
        title="Accessibility statement",
        body=(
            "We want everyone who takes part in the scheme to be able to use this service. "
            "It follows the NHS.UK design system and aims to meet the Web Content "
            "Accessibility Guidelines (WCAG) 2.2 at level AA.\n\n"
            "## How we test\n\n"
            "Each time the service changes, automated tests open every page in a real "
            "browser: as someone who is not logged in, as a mentee, as a mentor and as a "
            "member of the scheme team. Each page is checked with axe-core against WCAG 2.2 "
            "levels A and AA and axe's good-practice rules. The same tests check that every "
            "image has a text description, that mentors' photos say whose photo they are, "
            "that each page has its own title, and that when a form has a mistake the page "
            'title starts with "Error" and a list of the errors comes before the form.\n\n'
            "We also test by keyboard alone. Using only the Tab, Enter and Space keys, the "
            "tests log in, go from the dashboard to a form and send it with a mistake. They "
            'check that "Skip to main content" is the first thing you reach on each page, '
            "that you can always see where you are on the page, and that after a mistake you "
            "are taken to the list of errors.\n\n"
            "Every page works without JavaScript.\n\n"
            "## What we have not tested yet\n\n"
            "We have not yet tested the service with people who use screen readers, screen "
            "magnifiers or voice control. We plan to.\n\n"
            "## Tell us about a problem\n\n"
            "If something does not work for you, contact the scheme team and we will help "
            "and fix it."
        ),
    ),
    "contact": Text(
        title="Contact the scheme team",
        body=(
            "For questions about the scheme, your account or your data, email the scheme "
            "team. We reply as soon as we can.\n\n"
            "If you need to cancel a meeting, tell your mentor or mentee first, then let "
            "the scheme team know."
        ),
    ),
    "cookies": Text(
        title="Cookies",
        body=(
            "This service only sets cookies it needs to work: one that keeps you logged in "
            "and one that protects forms from misuse. We do not use analytics or "
            "advertising cookies, so there is nothing to accept or reject."
        ),
    ),
    framework.SLUG: Text(title=framework.TITLE, body=framework.BODY),
    agreement_text.SLUG: Text(title=agreement_text.TITLE, body=agreement_text.BODY),
}

# Texts that are pages of their own, reachable without logging in.
PUBLIC_PAGES = ("privacy", "accessibility", "contact", "cookies")


# Figures a text may name: "{sessions}" in a text reads the scheme settings' value, so
# no text states a rule's figure that admins may change. SchemeText.body's help text
# lists them for admins.
PLACEHOLDERS = {
    "answer_working_days": "response_working_days",
    "reminder_working_days": "reminder_working_days_left",
    "sessions": "sessions_per_partnership",
    "months": "partnership_months",
    "extension_sessions": "extension_sessions",
    "notice_hours": "cancellation_notice_hours",
    "retention_months": "data_retention_months",
    "scheme_name": "scheme_name",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_placeholders(body: str, scheme: SchemeSettings) -> str:
    """Put the scheme's figures in place of "{sessions}" and the like; any other
    braces are left as the admin typed them."""

    def figure(match: re.Match) -> str:
        field = PLACEHOLDERS.get(match.group(1))
        return str(getattr(scheme, field)) if field else match.group(0)

    return _PLACEHOLDER.sub(figure, body)


def get_scheme_text(slug: str) -> Text:
    stored = SchemeText.objects.filter(slug=slug).only("title", "body").first()
    text = stored or DEFAULT_TEXTS[slug]
    return Text(title=text.title, body=fill_placeholders(text.body, SchemeSettings.load()))


def get_framework_text() -> Text:
    """The ethical framework every mentor confirms, in the admins' wording."""
    return get_scheme_text(framework.SLUG)


def get_agreement_text() -> Text:
    """The mentoring agreement both sides confirm, in the admins' wording."""
    return get_scheme_text(agreement_text.SLUG)


def ensure_default_texts() -> None:
    """Give admins a row to edit for every scheme text; never overwrite their wording."""
    existing = set(SchemeText.objects.values_list("slug", flat=True))
    SchemeText.objects.bulk_create(
        SchemeText(slug=slug, title=text.title, body=text.body)
        for slug, text in DEFAULT_TEXTS.items()
        if slug not in existing
    )
