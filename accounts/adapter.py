from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from accounts.signup import EligibilityRequiredSignupMixin
from mentoring.outbox.services import queue_email


class AccountAdapter(EligibilityRequiredSignupMixin, DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Enter the email address and password you registered with.",
        "too_many_login_attempts": (
            "You have tried to log in too many times. Wait a few minutes, then try again."
        ),
    }

    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's messages (verification, password reset) go through our queue too."""
        message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mime in getattr(message, "alternatives", [])
                if mime == "text/html"
            ),
            "",
        )
        queue_email(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            html=html,
            kind=template_prefix.rsplit("/", 1)[-1],
        )
