"""The beat schedule: every job names a task the worker knows."""

from mentoring import celery_app


def test_every_scheduled_job_names_a_registered_task():
    celery_app.loader.import_default_modules()
    schedule = celery_app.conf.beat_schedule

    unknown = {name: entry["task"] for name, entry in schedule.items()}
    unknown = {name: task for name, task in unknown.items() if task not in celery_app.tasks}

    assert len(schedule) >= 7
    assert unknown == {}
