from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from accounts.email import queue_email


class AccountAdapter(DefaultAccountAdapter):
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
        queue_email(to=list(message.to), subject=message.subject, body=message.body, html=html)
