"""Markup drawn once per set of values, kept per process and bounded by count.

Some parts of a page go through the NHS.UK macros again and again with the same values:
a select of every trust, a mentor's card in the search results. Drawn through Jinja
macros they cost more than anything else on the page, yet the same values draw the same
markup. So the last SIZE drawings are kept, keyed by those values (never by the address
asked for), and the least recently used goes first.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

SIZE = 1024


class Drawings:
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    def get_or_draw(self, key: Hashable, draw: Callable[[], Markup]) -> Markup:
        """What `draw` (a macro's body, already escaped) gives for `key`."""
        with self._lock:
            if (html := self._kept.get(key)) is not None:
                self._kept.move_to_end(key)
                return html
        html = draw()
        with self._lock:
            self._kept[key] = html
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return html


drawings = Drawings(SIZE)


def drawn(key: Hashable, caller: Callable[[], Markup]) -> Markup:
    """{% call drawn(key) %}...{% endcall %}: the body, drawn once per `key` (every value
    the body shows must be in the key)."""
    return drawings.get_or_draw(key, caller)
