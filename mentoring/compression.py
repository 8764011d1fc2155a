"""Pages are sent compressed to browsers that accept gzip (most of their weight is HTML).

BREACH, the attack on compressed pages that hold a secret next to text an attacker
chooses (the search page repeats its query string and holds a CSRF token), does not
reach these pages: Django masks the CSRF token anew in every response, so it never
repeats from one response to the next; Django's GZipMiddleware pads every response by a
random length; and the session cookie is SameSite=Lax, so another site cannot make a
logged-in browser fetch a page for it to measure. Static files are compressed ahead of
time by WhiteNoise (collectstatic), which sits above this and answers them itself.
"""

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# Compressing a JPEG photo only costs time, and streaming it compressed drops its length.
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text responses only."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
