"""Company-wide settings that templates show."""

from django.conf import settings


def company(request):
    return {"BASE_CURRENCY": settings.BASE_CURRENCY}
