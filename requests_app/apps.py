from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "Requests and partnerships"

    def ready(self) -> None:
        from register import signals
        from requests_app import tasks, workflow  # noqa: F401 (tasks: registers them)

        def offer_freed_places(sender, mentor_ids, **kwargs) -> None:
            workflow.places_may_have_freed(mentor_ids)

        signals.places_may_have_freed.connect(
            offer_freed_places, dispatch_uid="requests_app.offer_freed_places", weak=False
        )
