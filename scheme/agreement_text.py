"""The mentoring agreement: the points a mentor and mentee talk through and confirm.

The wording is a scheme text (slug "agreement") that admins can edit; TITLE and
BODY are our default, listed in scheme.texts.DEFAULT_TEXTS.
"""

SLUG = "agreement"

TITLE = "Our mentoring agreement"

BODY = (
    "Before your first proper conversation, talk these points through together, in "
    "your own words. When you have both confirmed them, you can start planning meetings.\n\n"
    "## What we talk about stays between us\n\n"
    "- Your mentor has no part in your training programme and writes no reports about "
    "you. Nothing you say goes back to your school, your trust or the deanery.\n"
    "- There is one exception. If what you share makes your mentor worried about your "
    "safety, or someone else's, they will talk with you about getting the right help. "
    "Where they can, they will do this with you, not behind your back.\n\n"
    "## Anything that matters to you\n\n"
    "- The conversations are not only about training. You can bring anything that "
    "affects you and your work: health, family, confidence, money, whatever is on your "
    "mind. You are a whole person, and work is one part of your life.\n\n"
    "## We take it seriously\n\n"
    "- Peer mentoring is a professional activity. We both turn up, and on time.\n"
    "- If one of us cannot make a meeting, we tell the other as early as we can, and "
    "the scheme team too. Try to give at least {notice_hours} hours' notice. Illness "
    "and the unexpected happen, and that is fine.\n"
    "- Your mentor will mostly listen. That is not a lack of interest: the time is "
    "yours. They share their own experience where it may help you.\n"
    "- Your mentor may keep brief private notes to remember what matters to you. Only "
    "they can read them, and they are deleted for good when your mentoring ends.\n\n"
    "## How many sessions, and for how long\n\n"
    "- You have a set number of sessions, taken within a time window. Both are shown on "
    "your partnership page. Some people need one or two conversations, others use them "
    "all: either is fine.\n"
    "- Meet as often as suits you, weekly or spread out over the months.\n"
    "- If you need more sessions when they are used up, you can ask the scheme team.\n\n"
    "## If it does not feel right\n\n"
    "- Sometimes two people just do not click. That is no one's fault. Either of you "
    "can end the partnership at any time, and the mentee can then choose another "
    "mentor straight away.\n\n"
    "## Our ethical framework\n\n"
    "- Every mentor has been trained, has supervision, and has agreed to the scheme's "
    "ethical framework: what you share is confidential, your experience matters, and "
    "these conversations are important. You can read it on the "
    "[ethical framework page](/about/ethical-framework/), and ask your mentor or the "
    "scheme team about it at any time."
)
