"""Email is always sent by a Celery task, queued after the transaction commits.

A failed send is retried by the task and never rolls back the change that
caused it.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from accounts.tasks import send_email

Attachment = tuple[str, str, str]  # file name, text content, MIME type


def queue_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    attachments: list[Attachment] | None = None,
) -> None:
    kwargs = {
        "to": to,
        "subject": subject,
        "body": body,
        "html": html,
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "attachments": [list(a) for a in attachments or []],
    }
    transaction.on_commit(lambda: send_email.delay(**kwargs))


def queue_templated_email(
    *,
    to: list[str],
    template: str,
    context: dict,
    attachments: list[Attachment] | None = None,
) -> None:
    """Render emails/<template>_subject.txt, .txt and .html, then queue them."""
    context = {"SERVICE_NAME": settings.SERVICE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    body = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    queue_email(to=to, subject=subject, body=body, html=html, attachments=attachments)
