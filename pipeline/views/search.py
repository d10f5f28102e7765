"""The search box's results page: each kind of record the user may open that matches, grouped and counted."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.pages import AuthenticatedRequest

from .. import search as found


@login_required
def results(request: AuthenticatedRequest) -> HttpResponse:
    typed = request.GET.get("q", "")
    text = found.cleaned(typed)
    groups = found.search(request.user, text)
    return render(request, "pipeline/search_results.html", {
        "q": text,
        "search_q": text,
        "cut": len(typed.strip()) > found.MAX_QUERY_LENGTH,
        "groups": groups,
        "total": found.found_count(groups),
        "capped": any(group.capped for group in groups),
        "max_length": found.MAX_QUERY_LENGTH,
    })
