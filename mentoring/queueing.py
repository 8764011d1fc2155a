"""Queue a Celery task from a web request without letting the broker fail the page.

Use it only for work that a beat job catches up on anyway (the outbox sweeper
for emails, the waiting-list job for offers): if the broker cannot be reached,
the message is skipped with a warning and the work waits for that job.

A service names the task (its Celery name) rather than importing it: the tasks
module imports the service it adapts, so importing it back would make a circle.
An app whose tasks are queued by name imports them in ready(), so every process has them.
"""

import logging
from typing import Any

from celery import Task, current_app
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Task | str, *args: Any, **kwargs: Any) -> bool:
    """Publish `task(*args, **kwargs)` once, without retrying; False if the
    broker could not take it (see CELERY_BROKER_TRANSPORT_OPTIONS for how
    quickly that is known). `task` is a task or its name."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except OperationalError as error:
        logger.warning("Could not queue %s (%s); its periodic job will do it.", task.name, error)
        return False
    return True
