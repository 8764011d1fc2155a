"""The kinds of scheme (SchemeSettings.profile): what each asks people and how it runs.

A profile names:

- its preset of settings and its own wording of the texts that differ between schemes
  (applied together by scheme.services.apply_profile, the admin's "Apply a scheme
  profile");
- the bio fields a mentor fills in, and the fields and eligibility questions a mentee
  answers, out of those that differ between schemes. A field a profile does not use
  is hidden on every page, form, export and bulk-upload template.

The profile in use is read through current_profile(), from the settings the cache keeps,
so that the pages that hide fields pay no query for it.
"""

from dataclasses import dataclass, field
from typing import Any

from scheme.models import MatchingMode, MeetingPlanner, SchemeProfile, SchemeSettings

# Bio fields that differ between schemes; every other bio field is asked by all.
PROFILE_BIO_FIELDS = (
    "grade",
    "school",
    "trust",
    "organisation",
    "expertise",
    "nation",
    "supportt_experience",
    "time_away_experience",
)
# The mentee's fields that differ between schemes (the eligibility answer aside).
PROFILE_MENTEE_FIELDS = ("grade", "school", "trust", "organisation", "area_of_work", "nation")
# How admins' pages name them.
FIELD_LABELS = {
    "grade": "Grade",
    "school": "Specialty school",
    "trust": "Trust",
    "organisation": "Organisation",
    "expertise": "Area of expertise",
    "area_of_work": "Area of work",
    "nation": "UK nation",
    "supportt_experience": "Experience of returning to training",
    "time_away_experience": "Experience of time away from training",
}
# Texts whose wording differs between schemes: applying a profile replaces them.
PROFILE_TEXT_SLUGS = (
    "home",
    "how-it-works",
    "privacy",
    "agreement",
    # The ethical framework every mentor confirms (scheme.framework).
    "ethical-framework",
    # The kit for spreading the word (scheme.texts.KIT_BLURBS, KIT_POSTER, KIT_LEAFLET).
    "kit-website",
    "kit-newsletter",
    "kit-champions",
    "kit-heads-of-school",
    "kit-poster",
    "kit-leaflet",
    # The public pages about the scheme (scheme.texts.PUBLIC_PAGES, BECOMING_A_MENTOR,
    # GET_HELP).
    "peer-mentoring",
    "who-can-have-a-mentor",
    "confidentiality",
    "questions",
    "becoming-a-mentor",
    "get-help",
)


class EligibilityQuestions:
    """Which questions decide whether someone can take part as a mentee."""

    RETURNING_TRAINEE = "returning_trainee"  # out of training, or planning with the form
    PUBLIC_HEALTH_WORKFORCE = "public_health_workforce"  # works in public health in the UK


@dataclass(frozen=True)
class ProfileText:
    title: str
    body: str


@dataclass(frozen=True)
class Profile:
    key: str  # a SchemeProfile
    settings: dict[str, Any]  # SchemeSettings field: value
    bio_fields: tuple[str, ...]  # of PROFILE_BIO_FIELDS
    mentee_fields: tuple[str, ...]  # of PROFILE_MENTEE_FIELDS
    eligibility: str  # an EligibilityQuestions
    who_can_take_part: str  # one sentence, for the log-in and sign-up pages
    # The profile's own wording of texts in PROFILE_TEXT_SLUGS; a slug left out takes
    # the service's default wording (scheme.texts.DEFAULT_TEXTS).
    texts: dict[str, ProfileText] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return SchemeProfile(self.key).label

    def uses(self, name: str) -> bool:
        """Whether a bio field is asked (fields the same in every scheme always are)."""
        return name not in PROFILE_BIO_FIELDS or name in self.bio_fields

    def uses_mentee_field(self, name: str) -> bool:
        return name not in PROFILE_MENTEE_FIELDS or name in self.mentee_fields

    @property
    def hidden_bio_fields(self) -> frozenset[str]:
        return frozenset(PROFILE_BIO_FIELDS) - set(self.bio_fields)

    @property
    def hidden_mentee_fields(self) -> frozenset[str]:
        return frozenset(PROFILE_MENTEE_FIELDS) - set(self.mentee_fields)

    @property
    def asks_training_status(self) -> bool:
        return self.eligibility == EligibilityQuestions.RETURNING_TRAINEE


SUPPORTT = Profile(
    key=SchemeProfile.SUPPORTT,
    settings={
        "scheme_name": "SuppoRTT peer mentoring",
        "matching_mode": MatchingMode.SELF_SELECT,
        "register_open_to_mentees": True,
        "response_working_days": 5,
        "reminder_working_days_left": 2,
        "sessions_per_partnership": 4,
        "partnership_months": 6,
        "extensions_allowed": True,
        "first_meeting_checklist": False,
        "extension_sessions": 4,
        "cancellation_notice_hours": 24,
        "meetings_planned_by": MeetingPlanner.EITHER,
        "default_mentor_capacity": 2,
        "feedback_midpoint": True,
        "feedback_end": True,
    },
    bio_fields=("grade", "school", "trust", "supportt_experience", "time_away_experience"),
    mentee_fields=("grade", "school", "trust"),
    eligibility=EligibilityQuestions.RETURNING_TRAINEE,
    who_can_take_part=(
        "The peer mentoring scheme is for doctors in training who are returning to training "
        "after time away."
    ),
)

_PUBLIC_HEALTH_AGREEMENT = ProfileText(
    title="Our mentoring agreement",
    body=(
        "Talk these points through together, in your own words, before you confirm. "
        "When you have both confirmed, the agreement goes to the scheme team and you can "
        "plan your first meeting.\n\n"
        "## Confidentiality\n\n"
        "- What we talk about stays between us. Neither of us reports on the other to an "
        "employer, a manager or the scheme team.\n"
        "- There is one exception: if what is shared raises a worry about someone's "
        "safety, we talk about getting the right help, together where we can.\n"
        "- We talk about confidentiality explicitly at our first meeting.\n\n"
        "## Working as peers\n\n"
        "- We may bring different expertise, but neither of us is senior in this "
        "partnership. We learn from each other.\n"
        "- The mentor listens, asks questions and offers other ways of seeing things, "
        "rather than giving solutions.\n\n"
        "## Our meetings\n\n"
        "- The mentee sets up each meeting and says what they would like to focus on.\n"
        "- We meet at a time and in a way that suits us both: usually about an hour, "
        "monthly, up to {sessions} times over {months} months.\n"
        "- If one of us cannot make a meeting, we tell the other as early as we can, at "
        "least {notice_hours} hours before where possible.\n"
        "- Notes are optional. Any we keep are brief, secure and identify nobody.\n\n"
        "## Feedback and ending\n\n"
        "- The scheme team asks us both for feedback half-way through and at the end.\n"
        "- If it is not working, we talk about it first. Either of us can end the "
        "partnership, and the scheme team is told.\n"
        "- After our last meeting the scheme's part ends. Anything we choose to "
        "continue is our own arrangement."
    ),
)

# The ethical framework in a public health network's words: peers across organisations
# and the four nations, a coaching way of working, and the agreement's own caveat.
_PUBLIC_HEALTH_FRAMEWORK = ProfileText(
    title="Our ethical framework for peer mentors",
    body=(
        "Peer mentoring works because mentees can trust it. As a mentor in the "
        "{scheme_name} scheme you agree to the points below.\n\n"
        "- **You mentor as a peer.** Your mentee works in public health, perhaps in "
        "another organisation or another of the four UK nations. You may bring different "
        "knowledge and expertise, but no seniority comes with the role of mentor, even if "
        "you work at a higher grade: you learn from each other.\n"
        "- **You work more like a coach.** You seek to understand rather than to "
        "influence, offer other ways of seeing things rather than solutions, and ask open "
        "questions that help your mentee decide on their own course of action. You share "
        "your experience where it helps them.\n"
        "- **The agenda is your mentee's.** They set up each meeting and say what they "
        "would like to focus on.\n"
        "- **You use what the scheme gives you.** You read the scheme's guidance, the "
        "roles and responsibilities and the mentoring agreement, take up any training the "
        "scheme offers if it helps you, and bring questions about your mentoring to the "
        "scheme team.\n"
        "- **It is a professional commitment.** You treat every conversation with care, "
        "honesty and reliability, keep to the times you agree, and tell your mentee as "
        "early as you can if you cannot make a meeting.\n"
        "- **What is said stays between you.** You do not report on your mentee to their "
        "manager, their employer or the scheme team, and you talk about confidentiality "
        "openly at your first meeting, as your mentoring agreement describes. Its one "
        "caveat: if what is shared raises a worry about someone's safety, you talk about "
        "getting the right help, together where you can. If you need to involve someone "
        "else, you tell your mentee first whenever you can.\n"
        "- **Notes are optional.** If you keep any, you keep them brief and secure, leave "
        "out anything that could identify someone, follow data protection law (UK GDPR), "
        "and destroy them when your mentoring ends.\n"
        "- **You treat everyone with respect.** You value your mentee as they are, "
        "whatever their background, organisation, role or grade.\n"
        "- **You keep to clear boundaries.** Mentoring is separate from line management "
        "and appraisal: you do not assess your mentee, and you say so if you have a "
        "conflict of interest.\n"
        "- **You raise concerns early.** If a partnership is not working, you talk about "
        "it together first. If it cannot be put right, or you cannot continue, you tell "
        "the scheme team."
    ),
)

# The kit for spreading the word, in a public health network's words.
_PUBLIC_HEALTH_KIT = {
    "kit-website": ProfileText(
        title="Would you value a peer mentor?",
        body=(
            "{scheme_name} helps people working in public health develop their careers, "
            "and connects the public health community across England, Scotland, Wales and "
            "Northern Ireland.\n\n"
            "The scheme team matches you with a peer mentor, meeting as many of your "
            "wishes as they can. You meet about an hour a month, up to {sessions} times "
            "over {months} months, and you decide what each meeting is about.\n\n"
            "Mentoring here is between peers: your mentor may bring different expertise, "
            "but neither of you is senior, and what you discuss is confidential.\n\n"
            "[Sign up and apply to be matched]({signup_url})"
        ),
    ),
    "kit-newsletter": ProfileText(
        title="Peer mentoring across public health",
        body=(
            "Would you value time to think about your career with a peer from another "
            "part of public health? {scheme_name} matches you with a mentor for up to "
            "{sessions} meetings over {months} months.\n\n"
            "[Find out more and sign up]({signup_url})"
        ),
    ),
    "kit-champions": ProfileText(
        title="Peer mentoring: please pass this on",
        body=(
            "Thank you for championing the scheme. Anyone working in public health in "
            "England, Scotland, Wales or Northern Ireland can apply to {scheme_name}.\n\n"
            "- up to {sessions} meetings, over {months} months\n"
            "- a mentor matched by the scheme team\n"
            "- between peers, and confidential\n\n"
            "Please share this link in your networks, at your events and in your emails: "
            "{signup_url}"
        ),
    ),
    "kit-heads-of-school": ProfileText(
        title="Peer mentoring for your teams",
        body=(
            "{scheme_name} offers peer mentoring to anyone working in public health across "
            "the UK. We would be grateful if you could tell your teams about it.\n\n"
            "The scheme team matches each mentee with a mentor, for up to {sessions} "
            "meetings over {months} months. Mentoring is confidential and separate from "
            "line management and appraisal.\n\n"
            "People can sign up here: {signup_url}"
        ),
    ),
    "kit-poster": ProfileText(
        title="Would you value a peer mentor?",
        body=(
            "- up to {sessions} meetings with a peer from across public health\n"
            "- over {months} months, about an hour a month\n"
            "- matched to you by the scheme team\n"
            "- confidential, and between equals"
        ),
    ),
    "kit-leaflet": ProfileText(
        title="Peer mentoring across the UK's public health community",
        body=(
            "{scheme_name} helps people working in public health develop their careers, "
            "and connects the public health community across England, Scotland, Wales and "
            "Northern Ireland.\n\n"
            "## What is peer mentoring?\n\n"
            "Mentoring between equals. Your mentor may bring different expertise, but "
            "neither of you is senior: you learn from each other. A mentor listens, asks "
            "questions that help you think and offers other ways of seeing things, rather "
            "than telling you what to do.\n\n"
            "## Who can take part\n\n"
            "- anyone working in public health in England, Scotland, Wales or Northern "
            "Ireland\n\n"
            "## How it works\n\n"
            "1. Sign up and apply: say what you would like from mentoring.\n"
            "2. The scheme team matches you with a mentor.\n"
            "3. After an informal conversation, you each say whether to go ahead.\n"
            "4. Meet about an hour a month, up to {sessions} times over {months} "
            "months.\n\n"
            "## Confidential\n\n"
            "What you discuss stays between you and your mentor."
        ),
    ),
}

# The public pages about the scheme, in a public health network's words: peers across
# organisations and the four nations, matched by the scheme team.
_PUBLIC_HEALTH_PAGES = {
    "peer-mentoring": ProfileText(
        title="What peer mentoring is",
        body=(
            "Many people think of mentoring as a more senior colleague guiding a more "
            "junior one. Peer mentoring is different. Your mentor is a peer from another "
            "part of public health: they may bring different knowledge and expertise, "
            "but neither of you is senior in the partnership, and you may both learn "
            "from each other. The scheme helps people develop their careers, connects the "
            "public health community across England, Scotland, Wales and Northern "
            "Ireland, and builds a culture of sharing knowledge between organisations.\n\n"
            "## What it is\n\n"
            "- **Led by you.** You set up each meeting and say at the start what you would "
            "like to focus on. Your mentor follows your agenda.\n"
            "- **Between equals.** Even if your mentor works at a higher grade, there is "
            "no hierarchy. Your mentor works more like a coach: they seek to understand "
            "rather than to influence, and offer other ways of seeing things rather than "
            "solutions.\n"
            "- **Your own way forward.** Your mentor listens, asks open questions that help "
            "you think, and shares their own experience where it helps, so that you decide "
            "what suits your work and your context.\n"
            "- **Agreed together.** You start with an informal conversation about what you "
            "each hope for, and if you go ahead you both sign a mentoring agreement.\n"
            "- **Confidential.** What you say stays between the two of you, with one "
            "caveat that the [confidentiality page](/about/confidentiality/) explains.\n"
            "- **Time-limited.** Meetings are usually about an hour, monthly: up to "
            "{sessions} of them, within {months} months. After that the scheme's part "
            "ends, so your mentor is free to support someone else and you can look for "
            "other perspectives.\n\n"
            "## What it is not\n\n"
            "- It is not line management or appraisal. Your mentor does not assess you, "
            "and nothing is reported to your manager or your employer.\n"
            "- It is not counselling or therapy. If you need that, your mentor can help "
            "you think about where to find it.\n"
            "- It is not a senior telling you what to do. Even when you ask for a "
            "solution, your mentor helps you find your own.\n"
            "- It is not an emergency service. If you are worried about your safety or "
            "someone else's, [get help now](/get-help-now/)."
        ),
    ),
    "who-can-have-a-mentor": ProfileText(
        title="Who can have a peer mentor",
        body=(
            "You can have a peer mentor if you work in public health in England, "
            "Scotland, Wales or Northern Ireland, in any organisation and at any stage of "
            "your career.\n\n"
            "You might want a mentor for any number of reasons: to think about your "
            "career, a new role or a new area of work, or to learn how things are done in "
            "another organisation or another nation. Whatever your reason, you and your "
            "mentor agree at the start what mentoring will offer and what it will not.\n\n"
            "## What you can have\n\n"
            "Up to {sessions} meetings with your mentor, within {months} months: usually "
            "about an hour, monthly, at times and in a way that suit you both, in person, "
            "by phone or online.\n\n"
            "## How to start\n\n"
            "Create an account, tell us about your work and apply to be matched, saying "
            "what you would like from mentoring. The scheme team matches you with a mentor, "
            "meeting as many of your wishes as they can. If you are not sure whether you "
            "can take part, contact the scheme team."
        ),
    ),
    "confidentiality": ProfileText(
        title="Confidentiality",
        body=(
            "What you say to your peer mentor stays between the two of you. Your mentor "
            "has no part in your line management or appraisal, and nothing you talk about "
            "is passed to your manager, your employer or the scheme team. You talk about "
            "confidentiality openly at your first meeting, as your mentoring agreement "
            "describes.\n\n"
            "## What the scheme team sees\n\n"
            "Only what it needs to run the scheme: who is matched with whom, the mentoring "
            "agreement you sign and the dates of your meetings. It never sees what you "
            "talk about or the agenda of your meetings. A mentor's private notes are "
            "encrypted, only the mentor can read them, and they are deleted when the "
            "partnership ends.\n\n"
            "## The one caveat\n\n"
            "If something you say makes your mentor worried about your safety, or about "
            "someone else's, you will talk about getting the right help, together where you "
            "can. If your mentor needs to involve someone else, they will tell you first "
            "whenever they can.\n\n"
            "## Notes\n\n"
            "Neither of you has to keep notes. If either of you does, keep them brief and "
            "secure, leave out anything that could identify someone, follow data "
            "protection law (UK GDPR), and destroy them when your mentoring ends.\n\n"
            "If you are worried about your own safety or someone else's now, "
            "[get help now](/get-help-now/)."
        ),
    ),
    "questions": ProfileText(
        title="Questions and answers",
        body=(
            "## Will my manager or employer know what we talk about?\n\n"
            "No. Peer mentoring is separate from line management and appraisal, and "
            "nothing you talk about is reported to anyone. The one caveat is explained on "
            "the [confidentiality page](/about/confidentiality/).\n\n"
            "## How do I find a mentor?\n\n"
            "Apply to be matched, saying what you would like from mentoring. The scheme "
            "team suggests a mentor, meeting as many of your wishes and theirs as they "
            "can.\n\n"
            "## What happens once a mentor is suggested?\n\n"
            "You have an informal conversation about what you each hope for and whether "
            "the match is likely to work, then each of you says within "
            "{answer_working_days} working days whether you would like to go ahead. If "
            "you both do, you both sign the mentoring agreement and the scheme team is "
            "told. If either of you says not this time, nobody is told why, and the "
            "scheme team suggests someone else.\n\n"
            "## How many meetings can we have?\n\n"
            "Up to {sessions}, within {months} months: usually about an hour, monthly. You "
            "set up the meetings and say what you would like to focus on. After that, "
            "anything you both choose to continue is your own arrangement, outside the "
            "scheme.\n\n"
            "## What if it is not working?\n\n"
            "It happens, and it is nobody's fault. Talk about it together first to see "
            "whether it can be put right. If not, either of you can end the partnership, "
            "and the scheme team is told.\n\n"
            "## What if I cannot make a meeting?\n\n"
            "Tell the other person as early as you can, at least {notice_hours} hours "
            "before if possible. Cancelling through the service lets the scheme team know "
            "too.\n\n"
            "## Will I be asked for feedback?\n\n"
            "Yes. The scheme team asks you both for feedback half-way through and at the "
            "end, to keep improving the scheme.\n\n"
            "## Is peer mentoring counselling?\n\n"
            "No. Your mentor is a peer, not a counsellor. If you need more help than "
            "mentoring gives, see [where to get help now](/get-help-now/).\n\n"
            "## What happens to my data?\n\n"
            "We keep only what the scheme needs, and you can download it or delete your "
            "account at any time. Accounts not used for {retention_months} months are "
            "anonymised. The [privacy notice](/about/privacy/) has the details.\n\n"
            "## I would like to be a mentor. What do I do?\n\n"
            "Read about [becoming a peer mentor](/become-a-mentor/)."
        ),
    ),
    "becoming-a-mentor": ProfileText(
        title="Becoming a peer mentor",
        body=(
            "Peer mentors are people working in public health, in any organisation across "
            "England, Scotland, Wales and Northern Ireland, who would like to support a "
            "peer. You do not need to be senior: in this scheme no seniority is implied "
            "by the role of mentor, even if you work at a higher grade than your mentee. "
            "What you bring is your knowledge, your experience and your time.\n\n"
            "## A different way of mentoring\n\n"
            "Because you and your mentee are equals, you work more like a coach than a "
            "traditional mentor. You seek to understand rather than to influence, offer "
            "other perspectives rather than solutions, and ask open questions that help "
            "your mentee decide on their own course of action. When asked for a solution, "
            "you start by helping them find their own.\n\n"
            "## What the scheme gives you\n\n"
            "The scheme team gives you what you need to mentor well: the scheme's "
            "guidance on peer mentoring, the first meeting checklist, the roles and "
            "responsibilities and the mentoring agreement, and any training the scheme "
            "offers. The scheme team is there for anything about a partnership that "
            "worries you.\n\n"
            "## What you agree to\n\n"
            "Every mentor agrees to the scheme's "
            "[ethical framework](/about/ethical-framework/). When the scheme team suggests "
            "a mentee for you, you have an informal conversation about whether the match "
            "is likely to work, then each of you says within {answer_working_days} "
            "working days whether you would like to go ahead. If you both do, you both "
            "sign the mentoring agreement. Your "
            "mentee sets up the meetings: usually about an hour, monthly, up to "
            "{sessions} times within {months} months. After that the scheme's part ends "
            "and you are free to support someone else. You say how many mentees you can "
            "take on at a time, and you can pause when life gets busy.\n\n"
            "## Your bio\n\n"
            "Your bio helps the scheme team match you with a mentee, and a mentee they "
            "suggest to you reads it before your informal conversation. Write it in your "
            "own words and include:\n\n"
            "- your name, organisation and the UK nation you work in, and your pronouns if "
            "you would like to share them\n"
            "- your areas of expertise, and what you could help a peer think about\n"
            "- why you would like to be a peer mentor\n"
            "- when you are free: days, times of day, and anything that limits them\n"
            "- how you could meet: in person and where, by phone, or which video "
            "platforms you use\n"
            "- any interests or hobbies you are happy to share\n"
            "- a clear, recent photo of your face\n\n"
            "Your contact details are shown only to a mentee the scheme team suggests to "
            "you, so that the two of you can have your informal conversation."
        ),
    ),
    "get-help": ProfileText(
        title="Get help now",
        body=(
            "Peer mentoring is not an emergency service, and your mentor is not on call. "
            "If you are worried about your own safety or someone else's, do not wait for "
            "your next meeting: contact someone now, wherever in the UK you are.\n\n"
            "## In an emergency\n\n"
            "If someone's life is at risk, or they are badly hurt or seriously ill, call "
            "999 or go to an emergency department (A&E) now.\n\n"
            "## If something said in mentoring worries you\n\n"
            "Your mentoring agreement says what happens when what is shared raises a worry "
            "about someone's safety: you talk about getting the right help, together "
            "where you can. Then contact the scheme team. You will not be in trouble for "
            "raising a concern."
        ),
    ),
}

PUBLIC_HEALTH = Profile(
    key=SchemeProfile.PUBLIC_HEALTH,
    settings={
        "scheme_name": "UK Public Health Network mentoring",
        "matching_mode": MatchingMode.ADMIN_PROPOSES,
        "register_open_to_mentees": False,
        "response_working_days": 5,
        "reminder_working_days_left": 2,
        # About an hour, monthly, for up to six months.
        "sessions_per_partnership": 6,
        "partnership_months": 6,
        # Anything after the six meetings is the pair's own arrangement.
        "extensions_allowed": False,
        "first_meeting_checklist": True,
        "extension_sessions": 0,
        "cancellation_notice_hours": 24,
        # The mentee sets up the meetings and their agenda.
        "meetings_planned_by": MeetingPlanner.MENTEE,
        # A mentor who has agreed a match is marked as taken.
        "default_mentor_capacity": 1,
        "feedback_midpoint": True,
        "feedback_end": True,
    },
    bio_fields=("organisation", "expertise", "nation"),
    mentee_fields=("organisation", "area_of_work", "nation"),
    eligibility=EligibilityQuestions.PUBLIC_HEALTH_WORKFORCE,
    who_can_take_part=(
        "The peer mentoring scheme is for people working in public health in England, "
        "Scotland, Wales or Northern Ireland."
    ),
    texts={
        "home": ProfileText(
            title="Peer mentoring across the UK's public health community",
            body=(
                "The {scheme_name} scheme helps people working in public health develop "
                "their careers, connects the public health community across England, "
                "Scotland, Wales and Northern Ireland, and builds a culture of sharing "
                "knowledge between organisations.\n\n"
                "Mentoring here is between peers. Your mentor may bring different "
                "expertise, but neither of you is senior in the partnership: you learn "
                "from each other. A mentor listens, asks questions that help you think and "
                "offers other ways of seeing things, rather than telling you what to do.\n\n"
                "## Who can take part\n\n"
                "- anyone working in public health in England, Scotland, Wales or "
                "Northern Ireland"
            ),
        ),
        "how-it-works": ProfileText(
            title="How it works",
            body=(
                "1. Create an account and tell us a little about your work.\n"
                "2. Apply to be matched: say what you would like from mentoring and what "
                "kind of mentor would suit you.\n"
                "3. The scheme team matches you with a mentor, meeting as many of your "
                "wishes and theirs as they can.\n"
                "4. You and your mentor have an informal conversation, then each say "
                "whether you would like to go ahead.\n"
                "5. If you both do, you both sign the mentoring agreement and the scheme "
                "team is told.\n"
                "6. You set up the meetings and say what you would like to focus on: "
                "usually about an hour a month, up to {sessions} times over {months} "
                "months.\n\n"
                "After that, anything you both choose to continue is your own arrangement."
            ),
        ),
        "privacy": ProfileText(
            title="Privacy notice",
            body=(
                "This notice explains what the {scheme_name} scheme holds about you and "
                "why.\n\n"
                "## What we hold\n\n"
                "- your name, email address, organisation, area of work and the UK nation "
                "you work in\n"
                "- what you tell us you would like from mentoring, to find you a match\n"
                "- for mentors: the bio and photo you give us, and your contact details\n"
                "- the dates of matches, meetings and partnerships, and the mentoring "
                "agreement you sign\n\n"
                "## What we never see\n\n"
                "The scheme team does not see what is said in mentoring or the agenda of "
                "your meetings. Mentors' private notes are encrypted and destroyed when a "
                "partnership ends.\n\n"
                "## How long we keep it\n\n"
                "Accounts that have not been used for {retention_months} months are "
                "anonymised. You can download what we hold about you, or delete your "
                "account, at any time.\n\n"
                "## Contact\n\n"
                "Write to the scheme team with any question about your data."
            ),
        ),
        "agreement": _PUBLIC_HEALTH_AGREEMENT,
        "ethical-framework": _PUBLIC_HEALTH_FRAMEWORK,
        **_PUBLIC_HEALTH_KIT,
        **_PUBLIC_HEALTH_PAGES,
    },
)

PROFILES: dict[str, Profile] = {profile.key: profile for profile in (SUPPORTT, PUBLIC_HEALTH)}


def profile_of(scheme: SchemeSettings) -> Profile:
    return PROFILES.get(scheme.profile, SUPPORTT)


def current_profile() -> Profile:
    """The scheme's profile, from the settings as the cache keeps them
    (SchemeSettings.cached: a query at most once a minute, and again after a change)."""
    return profile_of(SchemeSettings.cached())
