"""What the navigation bar may offer the signed-in user, from the access policy."""

from django.http import HttpRequest

from . import access
from .models import Position


def navigation(request: HttpRequest) -> dict[str, dict[str, bool]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "run_organisation": access.can_run_organisation(user),
            "team_pages": access.can_open_team_pages(user),
            "sells": access.can_sell(user),
            "researches": user.position == Position.MARKETING,
        }
    }
