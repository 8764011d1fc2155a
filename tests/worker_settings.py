"""Settings of Celery workers that tests start as processes of their own: the app's
settings, with the email backend a test names (see tests/email_backends.py)."""

import os

from mentoring.settings import *  # noqa: F403

EMAIL_BACKEND = os.environ["TEST_EMAIL_BACKEND"]
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
