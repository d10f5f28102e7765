"""What a person sees of their inbox without opening it: the number on the bell."""

import re

from django.urls import reverse

BADGE = re.compile(r'id="reminder-count"[^>]*>(\d+)<')


def bell_count(client) -> int:
    """The number on the bell, as the navigation bar polls it (0 when it shows none)."""
    found = BADGE.search(client.get(reverse("reminders:bell"), HTTP_HX_REQUEST="true").text)
    return int(found[1]) if found else 0
