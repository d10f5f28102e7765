"""htmx requests: telling them apart, and the Vary header every view that answers them differently needs."""

from django.http import HttpRequest
from django.views.decorators.vary import vary_on_headers

HEADER = "HX-Request"


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx sent the request, and so expects a fragment rather than the whole page."""
    return bool(request.headers.get(HEADER))


# For a view that answers an htmx request with a fragment and any other with the page (or a redirect):
# every response says `Vary: HX-Request`, so that a cache never serves one in place of the other.
vary_on_htmx = vary_on_headers(HEADER)
