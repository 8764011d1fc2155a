"""Texts the scheme owns, editable in admin, with our default wording as fallback."""

from dataclasses import dataclass

from requests_app.models import SchemeText


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
            "3. Send them a request. They answer within 5 working days; if they cannot, you "
            "choose again.\n"
            "4. Agree how you will work together, then meet up to 4 times over 6 months."
        ),
    ),
}


def get_scheme_text(slug: str) -> Text:
    stored = SchemeText.objects.filter(slug=slug).only("title", "body").first()
    if stored is not None:
        return Text(title=stored.title, body=stored.body)
    return DEFAULT_TEXTS[slug]


def ensure_default_texts() -> None:
    """Give admins a row to edit for every scheme text; never overwrite their wording."""
    existing = set(SchemeText.objects.values_list("slug", flat=True))
    SchemeText.objects.bulk_create(
        SchemeText(slug=slug, title=text.title, body=text.body)
        for slug, text in DEFAULT_TEXTS.items()
        if slug not in existing
    )
