"""Signals register sends to the layers above it, which it does not import.

places_may_have_freed is sent inside the transaction that changed the bios, with
`mentor_ids`: a bio was published, resumed or given more places, so its waiting
list may be offered a place once the change is committed. requests_app connects
to it when it starts (RequestsAppConfig.ready).
"""

from django.dispatch import Signal

places_may_have_freed = Signal()
