"""The ethical framework every mentor confirms before using the mentor pages.

The wording is a scheme text (slug "ethical-framework") that admins can edit;
TITLE and BODY are our default, listed in scheme.texts.DEFAULT_TEXTS, written for a
SuppoRTT scheme. A profile may word it its own way (scheme.profiles: the public health
network's), and applying a profile puts that wording in place.
"""

SLUG = "ethical-framework"

TITLE = "Our ethical framework for peer mentors"

BODY = (
    "Peer mentoring works because mentees can trust it. As a mentor on this scheme "
    "you agree to the points below.\n\n"
    "- **You are trained and supported.** You have completed the scheme's mentor "
    "training, and you bring questions about your mentoring to supervision or to "
    "the scheme team.\n"
    "- **It is a professional activity.** Treat every conversation with the same "
    "care, honesty and reliability you bring to your clinical work.\n"
    "- **What is said stays private.** You keep what your mentee tells you to "
    "yourself. The only exception is a serious risk to their safety or someone "
    "else's: then you tell your mentee, if you can, and contact the scheme team.\n"
    "- **The agenda is your mentee's.** You listen and help them find their own "
    "way forward. You share your experience only where it helps them.\n"
    "- **You treat everyone with respect.** You value your mentee as they are, "
    "whatever their background, and you never judge their time away from training.\n"
    "- **You keep to clear boundaries.** You agree how and when you will be in "
    "touch, you do not assess or report on your mentee, and you say so if you "
    "have a conflict of interest.\n"
    "- **You raise concerns early.** If something worries you about a partnership, "
    "or you cannot continue, tell the scheme team."
)
