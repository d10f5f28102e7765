"""Company-wide settings that templates show."""

from django.conf import settings
from django.http import HttpRequest


def company(request: HttpRequest) -> dict[str, str]:
    return {"BASE_CURRENCY": settings.BASE_CURRENCY}
