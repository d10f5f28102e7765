"""The one way the access tests say what each position gets from a page or a post: a table of the
answer per role, in which an anonymous visitor is sent to sign in, and the check of a response
against that table."""

import pytest
from django.urls import reverse

from .conftest import ROLES

LOGIN = "login"  # what an anonymous visitor gets: a redirect to the sign-in page
# A record of team A's rep's customer is not found by team A's account manager nor by team B.
OUT_OF_SCOPE = {"account_manager": 404, "other_manager": 404, "other_rep": 404}


def expect(table: dict | None = None, /, **overrides) -> dict:
    """The answer per role: `table` with `overrides`, and the sign-in page for the anonymous visitor."""
    return dict(table or {}) | overrides | {"anonymous": LOGIN}


def assert_answers(response, expected, what: str) -> None:
    """The response is the `expected` status, or, for LOGIN, a redirect to the sign-in page."""
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected, what


def each_role_and(argnames: str, cases: list[tuple]):
    """Parametrize a test by every case of `cases` (each named by its first item) and every role."""

    def parametrize(test):
        test = pytest.mark.parametrize(argnames, cases, ids=[case[0] for case in cases])(test)
        return pytest.mark.parametrize("role", ROLES)(test)

    return parametrize
