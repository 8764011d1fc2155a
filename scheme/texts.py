"""Texts the scheme owns, editable in admin, with our default wording as fallback."""

import re
from dataclasses import dataclass

from scheme import agreement_text, framework
from scheme.models import SchemeSettings, SchemeText
from scheme.profiles import Profile, profile_of


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
    # The public pages about the scheme (register.views.scheme_page, and the pages for
    # becoming a mentor and getting help now), each linked from every page's footer.
    "peer-mentoring": Text(
        title="What peer mentoring is",
        body=(
            "Peer mentoring is time with a trained peer: another doctor in training who "
            "has chosen to support colleagues coming back to work. It gives you a safe "
            "space, free of judgement, to think about what you need and what matters to "
            "you as you return, where you are listened to and valued, with practical help "
            "when you want it.\n\n"
            "## What it is\n\n"
            "- **Led by you.** You decide what each conversation is about, and your mentor "
            "follows your agenda.\n"
            "- **About the whole of you.** Work is one part of your life. You can talk "
            "about anything that affects you and your return, not only your training.\n"
            "- **Between equals.** Your mentor listens more than they talk, asks questions "
            "that help you think, and shares their own experience only where it helps.\n"
            "- **Agreed together.** At the start you agree how long and how often you "
            "will meet, and how you will keep in touch between meetings.\n"
            "- **Confidential.** What you say stays between the two of you, with one "
            "caveat that the [confidentiality page](/about/confidentiality/) explains.\n"
            "- **Short.** You can have up to {sessions} sessions, within {months} months. "
            "Some people find one or two are enough; others use them all.\n\n"
            "## What it is not\n\n"
            "- It is not part of your training programme. Your mentor does not assess "
            "you, and nothing is reported to your supervisor, your employer or the "
            "deanery.\n"
            "- It is not counselling, therapy or medical care. If you need that, your "
            "mentor can help you think about where to find it.\n"
            "- It is not a senior telling you what to do. Your mentor may be at a "
            "different grade, but neither of you is in charge.\n"
            "- It is not an emergency service. If you are worried about your safety or "
            "someone else's, [get help now](/get-help-now/)."
        ),
    ),
    "who-can-have-a-mentor": Text(
        title="Who can have a peer mentor",
        body=(
            "You can have a peer mentor if you are a doctor in training and:\n\n"
            "- you are out of training now, for any reason, such as parental leave, "
            "illness, caring for someone, research or time out of programme\n"
            "- or you plan to go out of training and have completed an absence planning "
            "form\n\n"
            "You do not need to be struggling to ask for a mentor. Many people simply "
            "value talking to someone who has been through a return themselves.\n\n"
            "## What you can have\n\n"
            "Up to {sessions} sessions with your mentor, within {months} months, at times "
            "that suit you both, in person or online.\n\n"
            "## How to start\n\n"
            "Create an account. We ask a couple of short questions to check that the "
            "scheme is for you, and then you can find a mentor. If you are not sure "
            "whether you can take part, contact the scheme team."
        ),
    ),
    "confidentiality": Text(
        title="Confidentiality",
        body=(
            "What you say to your peer mentor stays between the two of you. Your mentor "
            "has no part in your training pathway, and nothing you talk about is passed "
            "to your training programme, your employer, the deanery or the scheme team.\n\n"
            "## What the scheme team sees\n\n"
            "Only what it needs to run the scheme: who is paired with whom, and the dates "
            "of requests and meetings. It never sees what you talk about. A mentor's "
            "private notes are encrypted, only the mentor can read them, and they are "
            "deleted when the partnership ends.\n\n"
            "## The one caveat\n\n"
            "If something you say makes your mentor worried about your safety, or about "
            "someone else's, you will have a different conversation: about how to keep "
            "you or them safe and how to get you the support you need. If your mentor "
            "needs to involve someone else, they will tell you first whenever they can.\n\n"
            "## Notes\n\n"
            "Neither of you has to keep notes. If either of you does, keep them secure, "
            "leave out anything that could identify someone, and destroy them when your "
            "mentoring ends.\n\n"
            "If you are worried about your own safety or someone else's now, "
            "[get help now](/get-help-now/)."
        ),
    ),
    "becoming-a-mentor": Text(
        title="Becoming a peer mentor",
        body=(
            "Peer mentors are doctors in training who have done the scheme's peer mentor "
            "training and want to support colleagues coming back to work. You do not need "
            "to be senior: what you bring is your own experience and your time.\n\n"
            "## Training\n\n"
            "Before your bio goes on the register you complete the scheme's peer mentor "
            "training. It covers listening, asking open questions, following your "
            "mentee's agenda, confidentiality and its limits, and the first conversation, "
            "in which you agree together how you will work.\n\n"
            "## Supervision and support\n\n"
            "As a mentor you have supervision: a regular, confidential place to talk "
            "through your mentoring and to look after yourself. The scheme team is there "
            "for anything about a partnership that worries you.\n\n"
            "## What you agree to\n\n"
            "Every mentor agrees to the scheme's "
            "[ethical framework](/about/ethical-framework/). You answer each request "
            "within {answer_working_days} working days, and each partnership is up to "
            "{sessions} sessions within {months} months. You choose how many mentees you "
            "take on at a time, and you can pause when life gets busy.\n\n"
            "## Your bio\n\n"
            "Your bio is how a mentee decides whether to talk to you, so think of what you "
            "would want to see if you were the one choosing. Write it in your own words "
            "and include:\n\n"
            "- your name, grade, specialty school and trust, and your pronouns if you "
            "would like to share them\n"
            "- your own experience of time away from training and of coming back\n"
            "- why you chose to become a peer mentor\n"
            "- when you are free: days, times of day, and anything that limits them\n"
            "- where you could meet in person, or which video platforms you use\n"
            "- any interests or hobbies you are happy to share\n"
            "- a clear, recent photo of your face\n\n"
            "Your contact details are shown to a mentee only once you accept their "
            "request."
        ),
    ),
    "questions": Text(
        title="Questions and answers",
        body=(
            "## Will my training programme know that I have a mentor?\n\n"
            "No. Peer mentoring is independent of your training pathway, and nothing you "
            "talk about is reported to anyone. The one caveat is explained on the "
            "[confidentiality page](/about/confidentiality/).\n\n"
            "## How many sessions can I have?\n\n"
            "Up to {sessions}, within {months} months. Use as many as help you: one or two "
            "is fine.\n\n"
            "## How soon will I hear back from a mentor?\n\n"
            "A mentor answers within {answer_working_days} working days. If they cannot "
            "take you on, or do not answer in time, we tell you and you can find someone "
            "else.\n\n"
            "## What if we do not get on?\n\n"
            "It happens, and it is nobody's fault. Either of you can end the partnership "
            "at any time, and you can then find another mentor.\n\n"
            "## What if I cannot make a meeting?\n\n"
            "Tell the other person as early as you can, at least {notice_hours} hours "
            "before if possible. Cancelling through the service lets the scheme team know "
            "too.\n\n"
            "## Is peer mentoring counselling?\n\n"
            "No. Your mentor is a trained peer, not a counsellor or a doctor treating you. "
            "If you need more help than mentoring gives, see [where to get help "
            "now](/get-help-now/).\n\n"
            "## What happens to my data?\n\n"
            "We keep only what the scheme needs, and you can download it or delete your "
            "account at any time. Accounts not used for {retention_months} months are "
            "anonymised. The [privacy notice](/about/privacy/) has the details.\n\n"
            "## I would like to be a mentor. What do I do?\n\n"
            "Read about [becoming a peer mentor](/become-a-mentor/)."
        ),
    ),
    "get-help": Text(
        title="Get help now",
        body=(
            "Peer mentoring is not an emergency service, and your mentor is not on call. "
            "If you are worried about your own safety or someone else's, do not wait for "
            "your next meeting: contact someone now.\n\n"
            "## In an emergency\n\n"
            "If someone's life is at risk, or they are badly hurt or seriously ill, call "
            "999 or go to an emergency department (A&E) now.\n\n"
            "## If something said in mentoring worries you\n\n"
            "Talk about it with the other person if you can, then contact the scheme team. "
            "You will not be in trouble for raising a concern."
        ),
    ),
    # The first meeting: what to talk through, shown to both sides on the partnership
    # page until both have said that they discussed confidentiality.
    "first-meeting": Text(
        title="Your first meeting: what to talk through",
        body=(
            "Use your first meeting to get to know each other and to agree how you will "
            "work together. You do not need to follow this list in order.\n\n"
            "- What you each hope to get from mentoring, and what mentoring will not offer.\n"
            "- Confidentiality: what stays between you, and the rare times it might not, "
            "as your agreement describes. Talk about it openly, then each tick that you "
            "have.\n"
            "- How and when you will meet, and how you will get in touch between meetings.\n"
            "- Who sets up the meetings and how the mentee will share what they would like "
            "to focus on.\n"
            "- How you will let each other know if a meeting has to move.\n"
            "- Notes: neither of you has to write anything down. If you keep your own "
            "notes, keep them secure and leave out anything that could identify someone.\n"
            "- How you will know mentoring is helping, and how you will talk about it if "
            "it is not.\n"
            "- How it ends: after your last session the scheme's part is over."
        ),
    ),
    "roles": Text(
        title="Roles and responsibilities",
        body=(
            "## The mentee\n\n"
            "- sets up the meetings, at times that suit you both\n"
            "- decides what each meeting is about, and says so at the start\n"
            "- does the thinking and chooses what to do next\n"
            "- tells the mentor early if a meeting cannot go ahead\n\n"
            "## The mentor\n\n"
            "- makes time, turns up and listens\n"
            "- asks questions that help the mentee think, and shares experience where it "
            "helps\n"
            "- keeps what is said confidential, as the agreement describes\n"
            "- is honest if the partnership does not seem to be working\n\n"
            "## Both of you\n\n"
            "- treat each other as equals: being a mentor does not make anyone senior\n"
            "- keep to what you agreed, or agree something new together\n"
            "- tell the scheme team if you decide to end the partnership early"
        ),
    ),
    # For mentors: how a peer mentor works, linked from their dashboard and the first
    # meeting.
    "peer-mentor-role": Text(
        title="How a peer mentor works",
        body=(
            "In peer mentoring, the two of you are equals. You may have a different job, "
            "a different grade or more years behind you, but nobody is in charge. Each of "
            "you brings what you know, and each may learn from the other. This asks for "
            "a way of working closer to coaching than to teaching.\n\n"
            "## What this looks like in practice\n\n"
            "- Try to understand the situation as your mentee sees it before you think "
            "about changing it.\n"
            "- Offer other ways of looking at things, not answers.\n"
            "- Listen more than you speak, and help your mentee make sense of what they "
            "notice, rather than deciding what the problem is.\n"
            "- Share what happened to you when it might help, as one experience among "
            "many, not as the right way.\n"
            "- Keep an open mind about where the conversation goes; there is rarely one "
            "route.\n"
            '- Ask open questions, such as "what would help most?" or "what have you '
            'tried?", so your mentee finds a way forward that fits their own work and '
            "life.\n"
            "- Help your mentee reflect on how things went and judge it for themselves, "
            "rather than telling them how they did.\n\n"
            "## When you are asked for a solution\n\n"
            "- It is tempting to say what you would do. Start with questions instead: what "
            "has your mentee already thought of, and what do they think would work?\n"
            "- Build on their ideas, so their confidence and motivation grow.\n"
            "- If it helps, work out a plan together with small steps they can manage, "
            "without setting it for them.\n"
            "- Together, look at what gets in their way and how they might get round it.\n"
            "- Where a topic is new to them, you can point to information, advice or "
            "people who could help.\n\n"
            "## Everyday learning\n\n"
            "- Ordinary moments at work are full of things to learn from. Help your mentee "
            "notice them and draw out what they mean for them."
        ),
    ),
    # The kit for spreading the word (reports.kit): blurbs the scheme team pastes into a
    # website, a newsletter and emails, and the wording of the poster and the leaflet.
    # "{signup_url}" is the sign-up page's full address (KIT_PLACEHOLDER).
    "kit-website": Text(
        title="Would you like to talk to a peer?",
        body=(
            "Many doctors returning to training tell us they would value talking to "
            "someone who has been there. {scheme_name} puts you in touch with a trained "
            "peer mentor.\n\n"
            "You can have up to {sessions} sessions with a peer mentor, over {months} "
            "months, if you are out of training now, or plan to go out of training and "
            "have completed an absence planning form.\n\n"
            "Peer mentors are doctors in training who have done peer mentoring training "
            "and want to support others. What you talk about is confidential and "
            "completely independent of your training pathway.\n\n"
            "## What is peer mentoring?\n\n"
            "Peer mentoring is a safe, non-judgemental space to talk about your needs and "
            "priorities as you return to work, where you feel valued and heard, with "
            "practical support where you need it. It follows your agenda: you can talk "
            "about anything that matters to you, not only your training.\n\n"
            "[Sign up and choose your peer mentor]({signup_url})"
        ),
    ),
    "kit-newsletter": Text(
        title="Peer mentoring for doctors returning to training",
        body=(
            "Coming back to training after time away? {scheme_name} offers up to "
            "{sessions} confidential sessions, over {months} months, with a trained peer "
            "mentor: another doctor in training who understands what returning "
            "involves.\n\n"
            "You choose what to talk about. Nothing is fed back to your training "
            "programme.\n\n"
            "[Find out more and sign up]({signup_url})"
        ),
    ),
    "kit-champions": Text(
        title="Peer mentoring: please pass this on",
        body=(
            "Thank you for championing the scheme. Trainees who are out of training, or "
            "who plan to go out of training and have completed an absence planning form, "
            "can now talk to a trained peer mentor through {scheme_name}.\n\n"
            "- up to {sessions} sessions, over {months} months\n"
            "- confidential, and independent of the training pathway\n"
            "- mentees sign up online and choose a mentor who suits them\n\n"
            "Please share this link with anyone it could help, at your events, in your "
            "emails and on your noticeboards: {signup_url}"
        ),
    ),
    "kit-heads-of-school": Text(
        title="Peer mentoring for your returning trainees",
        body=(
            "Trainees returning to training can now talk to a trained peer mentor through "
            "{scheme_name}. We would be grateful if you could tell the trainees in your "
            "school or trust about it, and pass this on to your training programme "
            "directors.\n\n"
            "Each mentee can have up to {sessions} sessions over {months} months. Peer "
            "mentors are doctors in training who have done peer mentoring training. "
            "Mentoring is confidential: nothing is fed back to the deanery or to the "
            "trainee's educational supervisor, except where someone's safety is at "
            "risk.\n\n"
            "Trainees can sign up here: {signup_url}"
        ),
    ),
    "kit-poster": Text(
        title="Coming back to training? Talk to a peer who has been there",
        body=(
            "- up to {sessions} sessions with a trained peer mentor\n"
            "- over {months} months, at times that suit you\n"
            "- confidential, and independent of your training pathway\n"
            "- for doctors out of training now, or planning time out"
        ),
    ),
    "kit-leaflet": Text(
        title="Peer mentoring for doctors returning to training",
        body=(
            "Many doctors returning to training tell us they would value talking to "
            "someone who has been there. {scheme_name} puts you in touch with a trained "
            "peer mentor: another doctor in training who understands what returning "
            "involves.\n\n"
            "## What is peer mentoring?\n\n"
            "A safe, non-judgemental space to talk about your needs and priorities as "
            "you return to work, where you feel valued and heard, with practical support "
            "where you need it. It follows your agenda, and you can talk about anything "
            "that matters to you.\n\n"
            "## Who can take part\n\n"
            "- doctors in training who are out of training now\n"
            "- doctors in training who plan to go out of training and have completed an "
            "absence planning form\n\n"
            "## How it works\n\n"
            "1. Sign up and answer two short questions about your time out.\n"
            "2. Look through the register of peer mentors and choose someone who suits "
            "you.\n"
            "3. Send them a request: they answer within {answer_working_days} working "
            "days.\n"
            "4. Meet up to {sessions} times over {months} months, in person or online.\n\n"
            "## Confidential\n\n"
            "What you talk about stays between you and your mentor: nothing is fed back "
            "to your training programme."
        ),
    ),
}

# The first meeting's texts, read together.
FIRST_MEETING_TEXTS = ("first-meeting", "roles")
PEER_MENTOR_ROLE = "peer-mentor-role"

# The kit's blurbs, in the order the kit page shows them, and its print pieces.
KIT_BLURBS = ("kit-website", "kit-newsletter", "kit-champions", "kit-heads-of-school")
KIT_POSTER = "kit-poster"
KIT_LEAFLET = "kit-leaflet"
# The kit's texts may also name the sign-up page's full address.
KIT_PLACEHOLDER = "{signup_url}"

# Texts that are pages of their own, reachable without logging in (about/<slug>/).
PUBLIC_PAGES = (
    "privacy",
    "accessibility",
    "contact",
    "cookies",
    "peer-mentoring",
    "who-can-have-a-mentor",
    framework.SLUG,
    "confidentiality",
    "questions",
)
# Texts of the public pages that have more than a text (register.views).
BECOMING_A_MENTOR = "becoming-a-mentor"
GET_HELP = "get-help"


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


def default_text(slug: str, profile: Profile) -> Text:
    """Our wording of a text for a kind of scheme: the profile's own, or the service's."""
    own = profile.texts.get(slug)
    return Text(title=own.title, body=own.body) if own else DEFAULT_TEXTS[slug]


def get_scheme_text(slug: str) -> Text:
    stored = SchemeText.objects.filter(slug=slug).only("title", "body").first()
    scheme = SchemeSettings.load()
    text = stored or default_text(slug, profile_of(scheme))
    return Text(title=text.title, body=fill_placeholders(text.body, scheme))


def get_scheme_texts(slugs: tuple[str, ...], scheme: SchemeSettings) -> list[Text]:
    """Several texts in one read, in the order asked, with the scheme's figures filled."""
    stored = {
        text.slug: text
        for text in SchemeText.objects.filter(slug__in=slugs).only("slug", "title", "body")
    }
    profile = profile_of(scheme)
    return [
        Text(title=text.title, body=fill_placeholders(text.body, scheme))
        for text in (stored.get(slug) or default_text(slug, profile) for slug in slugs)
    ]


def get_framework_text() -> Text:
    """The ethical framework every mentor confirms, in the admins' wording."""
    return get_scheme_text(framework.SLUG)


def get_agreement_text() -> Text:
    """The mentoring agreement both sides confirm, in the admins' wording."""
    return get_scheme_text(agreement_text.SLUG)


def ensure_default_texts() -> None:
    """Give admins a row to edit for every scheme text; never overwrite their wording."""
    existing = set(SchemeText.objects.values_list("slug", flat=True))
    missing = [slug for slug in DEFAULT_TEXTS if slug not in existing]
    if not missing:
        return
    # The settings' row, if there is one yet (this runs after migrations too).
    profile = profile_of(SchemeSettings.objects.filter(pk=1).first() or SchemeSettings())
    SchemeText.objects.bulk_create(
        SchemeText(slug=slug, title=text.title, body=text.body)
        for slug in missing
        for text in [default_text(slug, profile)]
    )
