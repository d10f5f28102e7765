"""What the accounts pages share: the page size of a list and the one page of a form."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

PAGE_SIZE = 50


def form_page(request, form, title: str, *, back: str, submit: str | None = None, intro: str = "") -> HttpResponse:
    return render(
        request,
        "accounts/form.html",
        {"form": form, "title": title, "back": back, "submit": submit or _("Save"), "intro": intro},
    )
