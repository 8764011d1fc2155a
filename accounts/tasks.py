from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from mentoring.retries import RETRY_ON_DATABASE_ERRORS


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str = "",
    from_email: str | None = None,
    attachments: list[list[str]] | None = None,
) -> None:
    """Send one message through the configured backend (anymail in production)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    for name, content, mimetype in attachments or []:
        message.attach(name, content, mimetype)
    message.send()


@shared_task(**RETRY_ON_DATABASE_ERRORS)
def anonymise_inactive_accounts() -> None:
    """The retention job (daily beat): anonymise inactive accounts, clear old free text."""
    from django.utils import timezone

    from accounts.personal_data import anonymise_inactive_accounts as run

    run(now=timezone.now())
