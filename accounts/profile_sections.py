"""Sections that apps built on accounts add to one's own profile page (e.g. the calendar feed),
without accounts importing them: each registers a function that renders its card, in a fixed
number of queries, or "" when it has nothing to show."""

from collections.abc import Callable

from .pages import AuthenticatedRequest

ProfileSection = Callable[[AuthenticatedRequest], str]
_sections: list[ProfileSection] = []


def register_profile_section(section: ProfileSection) -> None:
    if section not in _sections:
        _sections.append(section)


def profile_sections(request: AuthenticatedRequest) -> list[str]:
    return [html for section in _sections if (html := section(request))]
