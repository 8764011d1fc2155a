"""Demo data for `manage.py seed_demo`: reference lists, mentor bios and headshots.

Everything here is deterministic. Mentor number n always gets the same bio,
because its pieces are drawn from random.Random(n), and the same headshot file
names, so running the seed again updates rows in place and overwrites nothing.
"""

from __future__ import annotations

import datetime
import io
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from random import Random

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from register.models import (
    Gender,
    MentorProfile,
    MentorStatus,
    SupervisionArrangement,
    SupervisionFrequency,
    TimeOfDay,
    TrainingRecord,
    VirtualPlatform,
    Weekday,
)
from scheme.models import Grade, School, Trust

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (printed for demo logins; never in production)
MENTEE_EMAIL = "mentee@example.nhs.uk"
MENTOR_EMAIL = "mentor@example.nhs.uk"
ADMIN_EMAIL = "admin@example.nhs.uk"
MAX_MENTORS = 20_000
BATCH_SIZE = 500

# --- Reference data -----------------------------------------------------------

GRADES = [
    "FY1", "FY2", "CT1", "CT2", "CT3",
    "ST1", "ST2", "ST3", "ST4", "ST5", "ST6", "ST7", "ST8",
    "Specialty registrar",
]  # fmt: skip

SCHOOLS = [
    "School of Medicine",
    "School of Surgery",
    "School of Anaesthesia",
    "School of Paediatrics",
    "School of Psychiatry",
    "School of General Practice",
    "School of Obstetrics and Gynaecology",
    "School of Emergency Medicine",
    "School of Radiology",
    "School of Pathology",
    "School of Public Health",
    "Foundation School",
]

# Grades a mentor in each school plausibly holds (mentors have returned already).
SCHOOL_GRADES = {
    "Foundation School": ["FY1", "FY2"],
    "School of General Practice": ["ST1", "ST2", "ST3"],
    "School of Psychiatry": ["CT2", "CT3", "ST4", "ST5", "ST6"],
    "School of Public Health": ["ST2", "ST3", "ST4", "ST5"],
}
DEFAULT_SCHOOL_GRADES = [
    "CT1", "CT2", "CT3", "ST3", "ST4", "ST5", "ST6", "ST7", "ST8", "Specialty registrar",
]  # fmt: skip


@dataclass(frozen=True)
class TrustSeed:
    name: str
    region: str
    sites: tuple[str, ...]
    kind: str = "acute"  # or "mental_health", "children"


TRUSTS = [
    TrustSeed(
        "Leeds Teaching Hospitals NHS Trust",
        "West Yorkshire",
        ("St James's University Hospital, Leeds", "Leeds General Infirmary"),
    ),
    TrustSeed(
        "Bradford Teaching Hospitals NHS Foundation Trust",
        "West Yorkshire",
        ("Bradford Royal Infirmary",),
    ),
    TrustSeed(
        "Mid Yorkshire Teaching NHS Trust",
        "West Yorkshire",
        ("Pinderfields Hospital, Wakefield", "Dewsbury and District Hospital"),
    ),
    TrustSeed(
        "Calderdale and Huddersfield NHS Foundation Trust",
        "West Yorkshire",
        ("Huddersfield Royal Infirmary", "Calderdale Royal Hospital, Halifax"),
    ),
    TrustSeed(
        "Airedale NHS Foundation Trust", "West Yorkshire", ("Airedale General Hospital, Keighley",)
    ),
    TrustSeed(
        "Leeds and York Partnership NHS Foundation Trust",
        "West Yorkshire",
        ("Leeds city centre", "York city centre"),
        "mental_health",
    ),
    TrustSeed(
        "Sheffield Teaching Hospitals NHS Foundation Trust",
        "South Yorkshire",
        ("Northern General Hospital, Sheffield", "Royal Hallamshire Hospital, Sheffield"),
    ),
    TrustSeed(
        "Sheffield Children's NHS Foundation Trust",
        "South Yorkshire",
        ("Sheffield Children's Hospital",),
        "children",
    ),
    TrustSeed(
        "Doncaster and Bassetlaw Teaching Hospitals NHS Foundation Trust",
        "South Yorkshire",
        ("Doncaster Royal Infirmary", "Bassetlaw Hospital, Worksop"),
    ),
    TrustSeed("Barnsley Hospital NHS Foundation Trust", "South Yorkshire", ("Barnsley Hospital",)),
    TrustSeed(
        "The Rotherham NHS Foundation Trust", "South Yorkshire", ("Rotherham General Hospital",)
    ),
    TrustSeed(
        "South West Yorkshire Partnership NHS Foundation Trust",
        "South Yorkshire",
        ("Fieldhead Hospital, Wakefield", "Kendray Hospital, Barnsley"),
        "mental_health",
    ),
    TrustSeed(
        "York and Scarborough Teaching Hospitals NHS Foundation Trust",
        "North Yorkshire",
        ("York Hospital", "Scarborough Hospital"),
    ),
    TrustSeed(
        "Harrogate and District NHS Foundation Trust",
        "North Yorkshire",
        ("Harrogate District Hospital",),
    ),
    TrustSeed(
        "Hull University Teaching Hospitals NHS Trust",
        "Humber",
        ("Hull Royal Infirmary", "Castle Hill Hospital, Cottingham"),
    ),
    TrustSeed(
        "Northern Lincolnshire and Goole NHS Foundation Trust",
        "Humber",
        ("Scunthorpe General Hospital", "Diana, Princess of Wales Hospital, Grimsby"),
    ),
]

PLATFORMS = ["Microsoft Teams", "Zoom", "Google Meet", "Phone"]


@dataclass
class Reference:
    grades: dict[str, Grade]
    schools: dict[str, School]
    trusts: dict[str, Trust]
    platforms: dict[str, VirtualPlatform]


def _ensure(model, names: Iterable[str], extra: dict[str, dict] | None = None) -> dict:
    """get_or_create each name; fill in (never overwrite) the extra fields given."""
    extra = extra or {}
    objects = {}
    for position, name in enumerate(names):
        obj, created = model.objects.get_or_create(
            name=name, defaults={"position": position, **extra.get(name, {})}
        )
        if not created:
            missing = {k: v for k, v in extra.get(name, {}).items() if not getattr(obj, k)}
            if missing:
                for key, value in missing.items():
                    setattr(obj, key, value)
                obj.save(update_fields=list(missing))
        objects[name] = obj
    return objects


def ensure_reference_data() -> Reference:
    return Reference(
        grades=_ensure(Grade, GRADES),
        schools=_ensure(School, SCHOOLS),
        trusts=_ensure(
            Trust, [t.name for t in TRUSTS], {t.name: {"region": t.region} for t in TRUSTS}
        ),
        platforms=_ensure(VirtualPlatform, PLATFORMS),
    )


# --- Names ----------------------------------------------------------------------

WOMEN = [
    "Aisha", "Amelia", "Ananya", "Bethan", "Chiamaka", "Chloe", "Claire", "Deepa", "Eilidh",
    "Eleanor", "Fatima", "Grace", "Hannah", "Ifeoma", "Isla", "Jasmine", "Joanna", "Katarzyna",
    "Laura", "Leila", "Maryam", "Mei", "Niamh", "Nkechi", "Olivia", "Priya", "Rachel", "Rhiannon",
    "Roisin", "Ruth", "Sadia", "Sarah", "Sophie", "Tamsin", "Yasmin", "Zainab", "Zoe", "Harpreet",
    "Ewa", "Keisha",
]  # fmt: skip
MEN = [
    "Adam", "Ahmed", "Alistair", "Arjun", "Ben", "Callum", "Chinedu", "Daniel", "David", "Dylan",
    "Emeka", "Ewan", "Farhan", "Gareth", "Hamza", "Harry", "Imran", "Jack", "James", "Jonathan",
    "Kwame", "Liam", "Luca", "Marcus", "Mohammed", "Nathan", "Oliver", "Owen", "Pawel", "Rahul",
    "Rhys", "Samuel", "Sanjay", "Tariq", "Thomas", "Tom", "Wei", "Yusuf", "Kofi", "Hiroshi",
]  # fmt: skip
ANY_GENDER = [
    "Alex", "Ash", "Charlie", "Jamie", "Jordan", "Kai", "Morgan", "Riley", "Robin", "Rowan",
    "Sam", "Sasha",
]  # fmt: skip
SURNAMES = [
    "Abara", "Adeyemi", "Ahmed", "Ali", "Anderson", "Bailey", "Banerjee", "Begum", "Bennett",
    "Bhatt", "Brown", "Campbell", "Chen", "Chowdhury", "Clarke", "Collins", "Davies", "Desai",
    "Edwards", "Evans", "Fernandes", "Fraser", "Ghosh", "Gill", "Green", "Hall", "Haque", "Hughes",
    "Hussain", "Iqbal", "Jackson", "Jones", "Kaur", "Kelly", "Khan", "Kowalski", "Kumar", "Lee",
    "Lewis", "Li", "Lloyd", "MacDonald", "Malik", "Martin", "McCarthy", "Mensah", "Mistry",
    "Morgan", "Murphy", "Nair", "Nowak", "Nwosu", "O'Brien", "O'Connor", "Okafor", "Okonkwo",
    "Osei", "Owusu", "Patel", "Phillips", "Price", "Qureshi", "Rahman", "Reid", "Roberts",
    "Robinson", "Saeed", "Sharma", "Shah", "Singh", "Smith", "Stewart", "Tanaka", "Taylor",
    "Thomas", "Thompson", "Walker", "Wang", "Watson", "Williams", "Wilson", "Wong", "Wright",
    "Yilmaz", "Zhang",
]  # fmt: skip

# --- Bio pieces -------------------------------------------------------------------

DURATIONS = {
    4: "four months", 6: "six months", 8: "eight months", 9: "nine months", 10: "ten months",
    12: "a year", 14: "fourteen months", 15: "fifteen months", 18: "eighteen months",
    24: "two years", 30: "two and a half years", 36: "three years",
}  # fmt: skip


@dataclass(frozen=True)
class Reason:
    key: str
    months: tuple[int, ...]
    away_as: str  # completes "I was away for {away} ..."
    openers: tuple[str, ...]


REASONS = [
    Reason(
        "parental",
        (6, 9, 10, 12, 14, 18),
        "on {leave}",
        (
            "I took {away} of {leave} when our {child} arrived, and came back {pattern}.",
            "I went on {leave} to be at home with our {child}. After {away} I came back "
            "{pattern}, tired, proud and more than a little rusty.",
            "I've had two periods of {leave}, the longer one {away}, so I know how different "
            "each return can feel.",
        ),
    ),
    Reason(
        "ill_health",
        (4, 6, 8, 9, 12, 18),
        "on sick leave",
        (
            "I was off for {away} after a serious illness and came back on a phased return "
            "with adjusted duties.",
            "A long spell of ill health took me out of training for {away}. Coming back, I "
            "worried I had forgotten everything. I hadn't, but it took a few weeks to believe it.",
            "I had {away} off with my mental health. I'm open about it because I know how "
            "isolating it can feel, and how much it helps to talk to someone who gets it.",
        ),
    ),
    Reason(
        "research",
        (18, 24, 30, 36),
        "out of programme doing research",
        (
            "I spent {away} out of programme doing {degree} on {topic}, and came back to clinical "
            "work feeling like a stranger on the wards.",
            "After {away} in research ({degree} on {topic}) I had to rebuild my clinical "
            "confidence almost from scratch, and I learned a lot about myself doing it.",
        ),
    ),
    Reason(
        "caring",
        (6, 8, 12, 15, 18),
        "caring for family",
        (
            "I stepped out of training for {away} to care for {relative} through a difficult "
            "illness.",
            "Caring for {relative} took me away from training for {away}. Balancing that with "
            "a return to work taught me a lot about asking for what I need.",
        ),
    ),
    Reason(
        "oope",
        (12, 18, 24),
        "out of programme",
        (
            "I took {away} out of programme to work {abroad}. It was a wonderful experience, "
            "but the return was harder than I expected.",
            "I spent {away} {abroad} before coming back into training. Settling back into NHS "
            "systems and a new rotation at the same time was a lot.",
        ),
    ),
    Reason(
        "bereavement",
        (4, 6, 8),
        "on compassionate leave",
        (
            "After a bereavement in my family I took {away} away from training. When I came "
            "back, small kindnesses from colleagues meant more than I can say.",
        ),
    ),
    Reason(
        "career_break",
        (6, 12, 18),
        "on a career break",
        (
            "I took a career break of {away} to rest and think about what I wanted from "
            "medicine, and came back knowing why I do it.",
            "Burnout caught up with me, so I took {away} out of programme to recover. Returning "
            "was daunting, and it turned out to be the right decision.",
        ),
    ),
    Reason(
        "sport",
        (6, 9, 12),
        "out of programme competing",
        (
            "I took {away} out of programme to train and compete in {sport} at international "
            "level, then had to remember how to do a ward round.",
        ),
    ),
]
REASON_WEIGHTS = [30, 18, 14, 10, 12, 5, 8, 3]

LEAVE: dict[str, list[str]] = {
    Gender.WOMAN: ["maternity leave", "maternity leave", "adoption leave", "shared parental leave"],
    Gender.MAN: ["paternity and shared parental leave", "shared parental leave", "adoption leave"],
}
OTHER_LEAVE = ["parental leave", "shared parental leave", "adoption leave"]
CHILDREN = ["daughter", "son", "first baby", "second child", "twins", "third child"]
PATTERNS = [
    "less than full time",
    "at 80% less than full time",
    "at 60% less than full time",
    "full time",
    "full time after a few keeping-in-touch days",
]
DEGREES = ["a PhD", "an MD", "a research fellowship", "a clinical research fellowship"]
TOPICS = [
    "sepsis outcomes", "childhood asthma", "perioperative medicine", "early psychosis",
    "health inequalities", "stroke imaging", "antimicrobial resistance", "maternal health",
    "heart failure", "frailty in older people", "medical education",
]  # fmt: skip
RELATIVES = ["my mum", "my dad", "my partner", "my grandmother", "my younger brother", "my son"]
ABROAD = [
    "in an emergency department in New Zealand",
    "with a global health charity in Malawi",
    "as a clinical teaching fellow",
    "as a leadership fellow with the regional team",
    "in a rural hospital in Australia",
    "as a clinical fellow in a national patient safety team",
    "with a humanitarian medical charity",
]
SPORTS = ["rowing", "hockey", "athletics", "triathlon", "netball", "fencing"]

SUPPORT = [
    "My return-to-training meeting with my educational supervisor helped me set realistic goals "
    "for the first few weeks.",
    "The SuppoRTT team arranged two weeks of supernumerary shifts, which took the pressure off "
    "while I found my feet.",
    "I used keeping-in-touch days to stay connected with my department, and I'd recommend them "
    "to anyone who can take them.",
    "A simulation course before my first on-call gave me back a lot of confidence.",
    "Coming back less than full time made the transition far more manageable.",
    "I had a phased return over {weeks} weeks, building my hours up gradually.",
    "Enhanced supervision in my first month meant there was always someone to check things with.",
    "Coaching through SuppoRTT helped me work out what I needed, rather than what I thought I "
    "ought to need.",
    "I didn't know about half the support available until I was already back. I'd like you to "
    "know sooner than I did.",
    "A returners' study day was a good way to refresh my skills and meet others in the same "
    "position.",
    "Shadowing for a few days before going back on the rota helped me learn the new systems "
    "without worrying about them.",
]
REFLECTIONS = [
    "Looking back, the first month was the hardest, and it did get easier.",
    "It wasn't a straight line, but I got there.",
    "I learned that asking for help early is a strength, not a weakness.",
    "Feeling rusty was normal, and it passed much faster than I feared.",
    "Everyone's return is different, and there is no right way to do it.",
    "",
]
# How the time away felt; each line fits only the reasons listed (None: any reason).
FEELINGS: list[tuple[str, set[str] | None]] = [
    (
        "I loved the time away but worried about losing my clinical skills.",
        {"parental", "research", "oope", "sport", "career_break"},
    ),
    (
        "Towards the end I felt anxious about prescribing and about how much guidance had changed.",
        None,
    ),
    ("The hardest part was feeling disconnected from my colleagues and my rotation.", None),
    ("It gave me a perspective on being a patient that I still use every day.", {"ill_health"}),
    ("I found it hard to switch off from training at first, then hard to switch back on.", None),
    (
        "I kept up with some e-learning, but honestly, rest was the most useful thing I did.",
        {"parental", "ill_health", "career_break", "caring"},
    ),
    (
        "Fitting childcare around on-call rotas was a puzzle that took a while to solve.",
        {"parental"},
    ),
    ("Keeping in touch with a few friends from work made coming back feel less daunting.", None),
    ("I worried about how my portfolio and ARCP would look with a gap in it. It was fine.", None),
    (
        "I felt guilty about being away, which I now know is very common and not deserved.",
        {"parental", "ill_health", "caring", "bereavement", "career_break"},
    ),
    (
        "Money was tight for a while, so I understand the practical pressures as well as the "
        "emotional ones.",
        {"parental", "ill_health", "caring", "career_break"},
    ),
    (
        "Research taught me patience, but it did nothing for my cannulation skills.",
        {"research"},
    ),
    (
        "I came back with new ideas and a lot of energy, and then ran straight into a busy winter.",
        {"oope", "research", "sport"},
    ),
]
MOTIVATIONS = [
    "When I came back, a peer who had been through the same thing made a huge difference, and "
    "I'd like to do that for someone else.",
    "I know how lonely returning can feel, and I want to be the person I wished I'd had.",
    "I enjoy listening and helping people find their own answers, so mentoring feels like a "
    "natural fit.",
    "I think returning trainees deserve a space to talk that has nothing to do with assessment.",
    "I had a tough return and learned a lot from it. If my experience makes someone else's a bit "
    "easier, that's worth it.",
    "Supporting colleagues is one of the parts of medicine I value most.",
    "I was lucky to have good support, and I know not everyone is. Mentoring is my way of "
    "passing it on.",
    "I'm interested in how we look after each other as doctors, and peer support is a big part "
    "of that.",
    "I'd like returners to know that feeling rusty is normal and temporary.",
    "Training as a peer mentor has made me a better supervisor and colleague, too.",
    "I'm happy to talk about the practical side, like rotas, less than full time applications "
    "and ARCPs, as well as how things feel.",
    "I want to help make returning to training feel like a normal part of a career, not a setback.",
]
INTERESTS = [
    "running", "wild swimming", "baking bread", "climbing", "cycling in the Dales",
    "hill walking", "gardening", "crime novels", "playing the violin",
    "singing in a community choir", "board games", "photography", "yoga",
    "football (watching more than playing these days)", "cooking", "pottery", "learning Spanish",
    "knitting", "parkrun", "birdwatching", "podcasts", "rugby", "cricket", "painting",
    "camping with my family", "building Lego with my children", "salsa dancing", "tennis",
    "chess", "paddleboarding", "volunteering at a food bank", "travelling", "old films",
    "the theatre", "cryptic crosswords", "my allotment", "sea swimming", "bouldering",
]  # fmt: skip
INTEREST_TEMPLATES = [
    "Outside work I enjoy {a}, {b} and {c}.",
    "I love {a} and {b}, and I'm always up for a chat about {c}.",
    "{A} keeps me sane. I also enjoy {b}.",
    "In my spare time: {a}, {b} and {c}.",
    "{A} and {b}, mostly, and I'm always happy to talk about either.",
    "When I'm not at work you'll usually find me enjoying {a} or {b}.",
]
# Restrictions on availability; each fits only when the test on (days, times) holds.
_WEEKDAYS = 31  # Monday to Friday
_WEEKEND = 96
AVAILABILITY_NOTES: list[tuple[str, Callable[[int, int], object] | None]] = [
    ("I work less than full time, so {day}s are usually easiest.", lambda d, t: d & _WEEKDAYS),
    (
        "I'm on a rota with nights, so now and then I may need to move a meeting. I'll always "
        "give plenty of notice.",
        None,
    ),
    (
        "Evenings after 7.30pm work best once the children are in bed.",
        lambda d, t: t & TimeOfDay.EVENING,
    ),
    ("I can't do school pick-up times (3pm to 4pm).", lambda d, t: t & TimeOfDay.AFTERNOON),
    ("I'm happy to fit around your shifts if you tell me your rota.", None),
    ("I'm away for a few weeks each summer but otherwise flexible.", None),
    (
        "A short call at lunchtime can work on weekdays.",
        lambda d, t: d & _WEEKDAYS and t & (TimeOfDay.MORNING | TimeOfDay.AFTERNOON),
    ),
    (
        "At weekends, mornings suit me best.",
        lambda d, t: d & _WEEKEND and t & TimeOfDay.MORNING,
    ),
    ("My rota changes in August and February, so we may need to rearrange then.", None),
    ("", None),
    ("", None),
    ("", None),
]
CONTACT_NOTES = [
    "Email is best. I usually reply within two working days.",
    "Please text first, then we can find a time to call.",
    "Email to start with, then whatever suits you.",
    "I'm happy to be phoned in the evenings.",
    "A message any time; I'll reply when I'm off the ward.",
    "",
]
F2F_SUFFIXES = ["", "", " or a café nearby", " (happy to travel a little)", " or near the station"]

GENDER_WEIGHTS = [
    (Gender.WOMAN, 54),
    (Gender.MAN, 36),
    (Gender.NON_BINARY, 5),
    (Gender.NOT_SAID, 3),
    (Gender.OTHER, 2),
]

# NHS identity colours dark enough for white text (contrast of at least 4.5:1).
PALETTE = [
    (0x00, 0x5E, 0xB8),  # NHS blue
    (0x00, 0x30, 0x87),  # NHS dark blue
    (0x33, 0x00, 0x72),  # NHS purple
    (0x7C, 0x28, 0x55),  # NHS dark pink
    (0x00, 0x67, 0x47),  # NHS dark green
    (0x42, 0x55, 0x63),  # NHS dark grey
    (0x8A, 0x15, 0x38),  # NHS dark red
    (0x00, 0x5E, 0x5D),  # dark teal
]


@dataclass
class MentorSeed:
    """Everything about demo mentor n, before it meets the database."""

    n: int
    email: str
    fields: dict[str, object]
    grade: str
    school: str
    trust: str
    platforms: list[str]
    colour: tuple[int, int, int]
    initials: str
    photo_names: tuple[str, str]


def mentor_email(n: int) -> str:
    """The first demo mentor shares its address with the demo mentor login."""
    return MENTOR_EMAIL if n == 1 else f"mentor{n}@example.nhs.uk"


def photo_names(n: int) -> tuple[str, str]:
    return f"mentors/mentor-{n:05d}-480.jpg", f"mentors/mentor-{n:05d}-160.jpg"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _weighted(rng: Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _pronouns(rng: Random, gender: str) -> str:
    if gender == Gender.WOMAN:
        return rng.choice(["she/her", "she/her", "she/her", ""])
    if gender == Gender.MAN:
        return rng.choice(["he/him", "he/him", "he/him", ""])
    if gender == Gender.NON_BINARY:
        return "they/them"
    if gender == Gender.OTHER:
        return rng.choice(["they/them", "she/they", "he/they"])
    return ""


def _first_name(rng: Random, gender: str) -> str:
    if gender == Gender.WOMAN:
        return rng.choice(WOMEN)
    if gender == Gender.MAN:
        return rng.choice(MEN)
    if gender == Gender.NON_BINARY:
        return rng.choice(ANY_GENDER)
    return rng.choice(WOMEN + MEN + ANY_GENDER)


def _flags(rng: Random, choices, chance: float) -> int:
    value = 0
    for bit, _label in choices:
        if rng.random() < chance:
            value |= bit
    return value or rng.choice(choices)[0]  # always at least one


def _experience(rng: Random, gender: str) -> tuple[str, str]:
    reason = rng.choices(REASONS, weights=REASON_WEIGHTS)[0]
    away = DURATIONS[rng.choice(reason.months)]
    leave = rng.choice(LEAVE.get(gender, OTHER_LEAVE))
    words = {
        "away": away,
        "leave": leave,
        "child": rng.choice(CHILDREN),
        "pattern": rng.choice(PATTERNS),
        "degree": rng.choice(DEGREES),
        "topic": rng.choice(TOPICS),
        "relative": rng.choice(RELATIVES),
        "abroad": rng.choice(ABROAD),
        "sport": rng.choice(SPORTS),
        "weeks": rng.choice(["three", "four", "six", "eight"]),
    }
    parts = [rng.choice(reason.openers)]
    parts += rng.sample(SUPPORT, rng.randint(1, 2))
    parts.append(rng.choice(REFLECTIONS))
    supportt = " ".join(p.format(**words) for p in parts if p)

    away_as = reason.away_as.format(**words)
    first = rng.choice(
        [
            f"I was away for {away}, {away_as}.",
            f"{away[0].upper()}{away[1:]} {away_as}, in the end.",
            f"My time out was {away}, {away_as}.",
        ]
    )
    fitting = [text for text, reasons in FEELINGS if reasons is None or reason.key in reasons]
    feelings = rng.sample(fitting, rng.randint(1, 2))
    return supportt, " ".join([first, *feelings])


def _interests(rng: Random) -> str:
    a, b, c = rng.sample(INTERESTS, 3)
    template = rng.choice(INTEREST_TEMPLATES)
    return template.format(a=a, b=b, c=c, A=a[0].upper() + a[1:])


def _availability_note(rng: Random, days: int, times: int) -> str:
    fitting = [text for text, test in AVAILABILITY_NOTES if test is None or test(days, times)]
    note = rng.choice(fitting)
    if "{day}" in note:
        weekdays = [label for bit, label in Weekday.choices if days & bit & _WEEKDAYS]
        note = note.format(day=rng.choice(weekdays))
    return note


def build_mentor(n: int) -> MentorSeed:
    """The demo bio of mentor number n: the same every time."""
    rng = Random(n)  # noqa: S311 (repeatable demo text, not a secret)
    gender = _weighted(rng, GENDER_WEIGHTS)
    first = _first_name(rng, gender)
    last = rng.choice(SURNAMES)
    school = rng.choice(SCHOOLS)
    grade = rng.choice(SCHOOL_GRADES.get(school, DEFAULT_SCHOOL_GRADES))
    if school == "School of Psychiatry":
        trusts = [t for t in TRUSTS if t.kind == "mental_health"]
    elif school == "School of Paediatrics":
        trusts = [t for t in TRUSTS if t.kind in ("acute", "children")]
    else:
        trusts = [t for t in TRUSTS if t.kind == "acute"]
    trust = rng.choice(trusts)
    supportt, time_away = _experience(rng, gender)

    days = _flags(rng, Weekday.choices, 0.35)
    times = 0
    for bit, chance in (
        (TimeOfDay.MORNING, 0.3),
        (TimeOfDay.AFTERNOON, 0.3),
        (TimeOfDay.EVENING, 0.65),
    ):
        if rng.random() < chance:
            times |= bit
    times = times or TimeOfDay.EVENING
    virtual = rng.random() < 0.88
    face_to_face = rng.random() < 0.4 or not virtual
    platforms = rng.sample(PLATFORMS, rng.randint(1, 3)) if virtual else []
    location = rng.choice(trust.sites) + rng.choice(F2F_SUFFIXES) if face_to_face else ""
    contact_email = f"{_slug(first)}.{_slug(last)}{n}@example.nhs.uk" if rng.random() < 0.3 else ""
    email = mentor_email(n)
    names = photo_names(n)
    fields = {
        "status": MentorStatus.PUBLISHED,
        "first_name": first,
        "last_name": last,
        "gender": gender,
        "pronouns": _pronouns(rng, gender),
        "supportt_experience": supportt,
        "time_away_experience": time_away,
        "motivation": " ".join(rng.sample(MOTIVATIONS, 2)),
        "interests": _interests(rng),
        "available_days": days,
        "available_times": times,
        "availability_notes": _availability_note(rng, days, times),
        "meets_face_to_face": face_to_face,
        "face_to_face_location": location,
        "meets_virtually": virtual,
        "contact_email": contact_email,
        "contact_phone": f"07700 900{n % 1000:03d}" if rng.random() < 0.7 else "",
        "contact_notes": rng.choice(CONTACT_NOTES),
        "capacity": rng.choice([1, 2, 2, 2, 3]),
        "is_paused": n % 10 == 0,
        "photo": names[0],
        "photo_thumbnail": names[1],
    }
    return MentorSeed(
        n=n,
        email=email,
        fields=fields,
        grade=grade,
        school=school,
        trust=trust.name,
        platforms=platforms,
        colour=rng.choice(PALETTE),
        initials=(first[0] + last[0]).upper(),
        photo_names=names,
    )


# --- Headshots ----------------------------------------------------------------------

PHOTO_SIZE = 480
THUMBNAIL_SIZE = 160


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=190)  # Pillow's bundled FreeType font (Aileron)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise RuntimeError("The demo photos need Pillow built with FreeType.")
    return font


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)  # a new image carries no EXIF
    return buffer.getvalue()


@lru_cache(maxsize=64)
def render_headshot(initials: str, colour: tuple[int, int, int]) -> tuple[bytes, bytes]:
    """A plain avatar: white initials on a dark NHS colour. JPEG at 480 and 160 pixels."""
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), colour)
    draw = ImageDraw.Draw(image)
    # A slightly lighter disc; white on it still has a contrast of at least 5:1.
    lighter = tuple(min(255, c + 18) for c in colour)
    draw.ellipse((40, 40, PHOTO_SIZE - 40, PHOTO_SIZE - 40), fill=lighter)
    centre = PHOTO_SIZE // 2
    draw.text((centre, centre), initials, font=_font(), fill=(255, 255, 255), anchor="mm")
    thumbnail = image.reduce(PHOTO_SIZE // THUMBNAIL_SIZE)
    return _jpeg(image), _jpeg(thumbnail)


@dataclass
class PhotoResult:
    written: int = 0
    skipped: int = 0


def write_headshots(seeds: list[MentorSeed], storage: Storage | None = None) -> PhotoResult:
    """Write each mentor's two JPEGs under their fixed names, unless the file exists.

    Mentors are taken in order of (initials, colour), so each avatar is drawn once
    and reused from the cache for everyone who shares it. One thread: drawing
    holds the GIL, and with threads the run was measured twice as slow.
    """
    storage = storage or default_storage
    result = PhotoResult()
    for seed in sorted(seeds, key=lambda s: (s.initials, s.colour)):
        for name, index in zip(seed.photo_names, (0, 1), strict=True):
            if storage.exists(name):
                result.skipped += 1
                continue
            content = render_headshot(seed.initials, seed.colour)[index]
            saved = storage.save(name, ContentFile(content))
            if saved != name:  # written meanwhile by another run: keep only one copy
                storage.delete(saved)
            result.written += 1
    return result


# --- Writing mentors ------------------------------------------------------------------


@dataclass
class MentorResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    first: MentorProfile | None = None


def _chunks(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _row_values(seed: MentorSeed, ref: Reference) -> dict[str, object]:
    return {
        **seed.fields,
        "email": seed.email,
        "grade_id": ref.grades[seed.grade].pk,
        "school_id": ref.schools[seed.school].pk,
        "trust_id": ref.trusts[seed.trust].pk,
    }


def _current(obj: MentorProfile, key: str):
    value = getattr(obj, key)
    return value.name if key in ("photo", "photo_thumbnail") else value


def upsert_mentors(seeds: list[MentorSeed], ref: Reference, mentor_user=None) -> MentorResult:
    """Create or update each demo mentor by email, in bulk, with its virtual platforms."""
    now = timezone.now()
    result = MentorResult()
    existing: dict[str, MentorProfile] = {}
    for chunk in _chunks([s.email for s in seeds], 2000):
        for found in MentorProfile.objects.alias(email_lower=Lower("email")).filter(
            email_lower__in=chunk
        ):
            existing[found.email.lower()] = found

    to_create: list[MentorProfile] = []
    to_update: list[MentorProfile] = []
    changed_fields: set[str] = set()
    for seed in seeds:
        values = _row_values(seed, ref)
        if seed.n == 1 and mentor_user is not None:
            values["user_id"] = mentor_user.pk
        obj = existing.get(seed.email)
        if obj is None:
            obj = MentorProfile(**values, register_consent_at=now, published_at=now)
            if "user_id" in values:
                obj.framework_confirmed_at = now
            to_create.append(obj)
            continue
        diff = [key for key, value in values.items() if _current(obj, key) != value]
        for key in ("register_consent_at", "published_at"):
            if getattr(obj, key) is None:
                diff.append(key)
                values[key] = now
        if "user_id" in values and obj.framework_confirmed_at is None:
            diff.append("framework_confirmed_at")
            values["framework_confirmed_at"] = now
        if diff:
            for key in diff:
                setattr(obj, key, values[key])
            obj.updated_at = now
            changed_fields.update(diff)
            to_update.append(obj)

    MentorProfile.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    if to_update:
        fields = sorted({f.removesuffix("_id") for f in changed_fields} | {"updated_at"})
        MentorProfile.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)

    by_email = {obj.email: obj for obj in to_create} | existing
    platform_changed = _sync_platforms(seeds, by_email, ref)
    updated_ids = {obj.pk for obj in to_update} | (platform_changed - {o.pk for o in to_create})
    result.created = len(to_create)
    result.updated = len(updated_ids)
    result.unchanged = len(seeds) - result.created - result.updated
    result.first = by_email.get(mentor_email(1))
    return result


def _sync_platforms(
    seeds: list[MentorSeed], by_email: dict[str, MentorProfile], ref: Reference
) -> set[int]:
    """Make each demo mentor's platforms exactly the seed's; return the mentor ids changed."""
    through = MentorProfile.virtual_platforms.through
    wanted = {(by_email[s.email].pk, ref.platforms[name].pk) for s in seeds for name in s.platforms}
    ids = [by_email[s.email].pk for s in seeds]
    have: set[tuple[int, int]] = set()
    for chunk in _chunks(ids, 2000):
        have.update(
            through.objects.filter(mentorprofile_id__in=chunk).values_list(
                "mentorprofile_id", "virtualplatform_id"
            )
        )
    extra = have - wanted
    missing = wanted - have
    for mentor_id, platform_id in extra:
        through.objects.filter(mentorprofile_id=mentor_id, virtualplatform_id=platform_id).delete()
    through.objects.bulk_create(
        [through(mentorprofile_id=m, virtualplatform_id=p) for m, p in sorted(missing)],
        batch_size=BATCH_SIZE,
    )
    return {m for m, _ in extra | missing}


# --- Logins ------------------------------------------------------------------------------


@dataclass
class Login:
    role: str
    email: str
    created: bool


def ensure_login(email: str, *, first_name: str, last_name: str, staff: bool = False):
    """A user who can log in straight away: demo password, verified primary address."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name, is_staff=staff)
        user.set_password(DEMO_PASSWORD)
        user.save()
    else:
        changed = []
        wanted = {
            "first_name": first_name,
            "last_name": last_name,
            "is_staff": staff,
            "is_superuser": False,
            "is_active": True,
        }
        for key, value in wanted.items():
            if getattr(user, key) != value:
                setattr(user, key, value)
                changed.append(key)
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)

    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None or not (address.verified and address.primary):
        EmailAddress.objects.filter(user=user, primary=True).exclude(
            pk=getattr(address, "pk", None)
        ).update(primary=False)
        if address is None:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        else:
            address.verified = address.primary = True
            address.save(update_fields=["verified", "primary"])
    return user, created


def ensure_mentee_profile(user, ref: Reference, **extra):
    """A demo mentee's profile: out of training, ST4 in the School of Medicine in Leeds."""
    from accounts.models import MenteeProfile, TrainingStatus

    profile, _ = MenteeProfile.objects.get_or_create(
        user=user,
        defaults={
            "training_status": TrainingStatus.OUT_OF_TRAINING,
            "grade": ref.grades["ST4"],
            "school": ref.schools["School of Medicine"],
            "trust": ref.trusts["Leeds Teaching Hospitals NHS Trust"],
            "privacy_consent_at": timezone.now(),
            **extra,
        },
    )
    return profile


def ensure_mentee(ref: Reference):
    user, created = ensure_login(MENTEE_EMAIL, first_name="Jess", last_name="Okoro")
    profile = ensure_mentee_profile(user, ref, pronouns="she/her")
    if profile.privacy_consent_at is None:
        profile.privacy_consent_at = timezone.now()
        profile.save(update_fields=["privacy_consent_at", "updated_at"])
    return user, created


def ensure_admin():
    from accounts.roles import ensure_scheme_admin_group

    user, created = ensure_login(ADMIN_EMAIL, first_name="Sam", last_name="Admin", staff=True)
    group = ensure_scheme_admin_group()
    if not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)
    return user, created


FULL_MENTEE_EMAIL = "mentee.in.a.partnership@example.nhs.uk"


def the_full_mentor(seeds: list[MentorSeed]) -> MentorSeed | None:
    """The demo mentor with one place, which the demo's partnership takes, so the demo
    shows a mentor who is full and whose waiting list is open (the partnership itself is
    made through the workflow, by the seed_demo command)."""
    return next(
        (s for s in seeds[1:] if s.fields["capacity"] == 1 and not s.fields["is_paused"]),
        None,
    )


def ensure_demo_user(email: str, *, first_name: str, last_name: str):
    """A demo person who cannot log in, with a verified address (the workflow asks for
    one before a mentee sends a request)."""
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
    if not EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return user


# --- The whole seed ------------------------------------------------------------------------


@dataclass
class SeedResult:
    mentors: MentorResult
    photos: PhotoResult
    logins: list[Login]
    seconds: float


def ensure_training(profile: MentorProfile) -> None:
    """The demo mentor's training and supervision, as the scheme team records them."""
    today = timezone.localdate()
    TrainingRecord.objects.get_or_create(
        mentor=profile,
        course="Peer mentor training (two days)",
        defaults={"completed_on": today - datetime.timedelta(days=120)},
    )
    SupervisionArrangement.objects.get_or_create(
        mentor=profile,
        supervisor="Peer mentors' supervision group",
        defaults={
            "frequency": SupervisionFrequency.SIX_WEEKLY,
            "starts_on": today - datetime.timedelta(days=90),
        },
    )


def seed(
    count: int,
    storage: Storage | None = None,
    *,
    then: Callable[[list[MentorSeed], Reference], None] | None = None,
) -> SeedResult:
    """Reference data, `count` published mentors with headshots, and three demo logins;
    `then(seeds, ref)` adds more in the same transaction (the apps above this one add
    their demo rows through it)."""
    if not 1 <= count <= MAX_MENTORS:
        raise ValueError(f"The number of mentors must be between 1 and {MAX_MENTORS}.")
    started = time.perf_counter()
    seeds = [build_mentor(n) for n in range(1, count + 1)]
    # Files first: they cannot roll back, and their names are fixed, so a failed
    # run leaves nothing that the next run would not write the same way.
    photos = write_headshots(seeds, storage)
    with transaction.atomic():
        ref = ensure_reference_data()
        first = seeds[0]
        mentor_user, mentor_created = ensure_login(
            MENTOR_EMAIL,
            first_name=str(first.fields["first_name"]),
            last_name=str(first.fields["last_name"]),
        )
        # Free the login if an older run linked it to another bio.
        MentorProfile.objects.filter(user=mentor_user).exclude(email__iexact=MENTOR_EMAIL).update(
            user=None
        )
        mentors = upsert_mentors(seeds, ref, mentor_user)
        if mentors.first is not None:
            ensure_training(mentors.first)
        _, mentee_created = ensure_mentee(ref)
        _, admin_created = ensure_admin()
        if then is not None:
            then(seeds, ref)
    return SeedResult(
        mentors=mentors,
        photos=photos,
        logins=[
            Login("mentee", MENTEE_EMAIL, mentee_created),
            Login("mentor", MENTOR_EMAIL, mentor_created),
            Login("admin", ADMIN_EMAIL, admin_created),
        ],
        seconds=time.perf_counter() - started,
    )
