"""Email backends for tests that count what a provider received, across processes.

Each message a provider accepts becomes one file in EMAIL_FILE_PATH, so a test can
count exactly who got what, whichever process sent it.
"""

import datetime
import json
import os
import signal
import time
import uuid
from pathlib import Path

from anymail.exceptions import AnymailAPIError
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


def received(folder: Path) -> list[dict]:
    """Every message accepted so far: {"to": [...], "subject": ..., "message_id": ...}."""
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]


class FileBackend(BaseEmailBackend):
    """Accepts every message: one JSON file each."""

    def send_messages(self, messages) -> int:
        for message in messages:
            self.before_accepting(message)
            folder = Path(settings.EMAIL_FILE_PATH)
            temporary = folder / f".{uuid.uuid4().hex}.tmp"
            temporary.write_text(
                json.dumps(
                    {
                        "to": message.to,
                        "subject": message.subject,
                        "message_id": message.extra_headers.get("Message-ID", ""),
                    }
                )
            )
            temporary.rename(folder / f"{uuid.uuid4().hex}.json")
        return len(messages)

    def before_accepting(self, message) -> None:
        pass


class KillOnSendBackend(FileBackend):
    """The process dies (SIGKILL, no clean-up) the moment it tries to send."""

    def before_accepting(self, message) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


class SlowBackend(FileBackend):
    """A provider that takes a while to answer each message (so a test can kill the
    worker between two messages of a batch)."""

    def before_accepting(self, message) -> None:
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0.5")))


class FlakyProviderBackend(FileBackend):
    """Answers as Amazon SES does when throttling, for the first FAILURES calls."""

    calls = 0
    failures = 2

    def before_accepting(self, message) -> None:
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise AnymailAPIError("Maximum sending rate exceeded. (Throttling, status 400)")


class SlowClockBackend(FileBackend):
    """A provider that takes `minutes` of the test's controllable clock per message."""

    clock = None  # a time_machine traveller's coordinates
    minutes = 9
    claim_left: list[datetime.timedelta] = []  # of the sender's claim, at each message

    def before_accepting(self, message) -> None:
        from django.utils import timezone

        from mentoring.outbox.models import Email

        pk = int(message.extra_headers["Message-ID"].split(".")[0].removeprefix("<email-"))
        claimed_until = Email.objects.get(pk=pk).claimed_until
        type(self).claim_left.append(claimed_until - timezone.now())
        type(self).clock.shift(datetime.timedelta(minutes=type(self).minutes))
