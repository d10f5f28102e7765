"""Report where the tallies the database keeps differ from what they count: the pipeline's groups (owner, stage,
outcome) against their deals, the activities' pairs (customer, author) against their activities; with --repair
write each that differs again from what it counts (pipeline/tally.py)."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.tally import Drift, activity_tally_drift, activity_tally_rebuild, tally_drift, tally_rebuild

SHOWN = 20  # groups listed


def _deal_group(drift: Drift) -> str:
    (owner, stage, outcome), kept, counted = drift
    return f"  owner {owner}, {stage}, {outcome}: tally {kept[0]} deals {kept[1]}, deals {counted[0]} {counted[1]}"


def _activity_pair(drift: Drift) -> str:
    (customer, author), kept, counted = drift
    return f"  customer {customer}, author {author}: tally {kept[0]}, activities {counted[0]}"


# Each tally: its name, what it counts, how to check it, how to rebuild it, how to list a drifted group.
TALLIES: list[tuple[str, str, Callable[[], list[Drift]], Callable[[], list[Drift]], Callable[[Drift], str]]] = [
    ("pipeline tally", "deals", tally_drift, tally_rebuild, _deal_group),
    ("activity tally", "activities", activity_tally_drift, activity_tally_rebuild, _activity_pair),
]


def _listed(drifted: list[Drift], line: Callable[[Drift], str]) -> str:
    lines = [line(drift) for drift in drifted[:SHOWN]]
    if len(drifted) > SHOWN:
        lines.append(f"  and {len(drifted) - SHOWN} more")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Check the tallies the database keeps (the board's deals per owner, stage and outcome; the activity "
            "list's activities per customer and author) against what they count; --repair rebuilds them.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Write each tally again from what it counts.")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        for name, counted, drift, rebuild, line in TALLIES:
            if not options["repair"]:
                drifted = drift()
                if drifted:
                    problems.append(f"The {name} differs from the {counted} in {len(drifted)} groups:\n"
                                    f"{_listed(drifted, line)}")
                else:
                    self.stdout.write(f"The {name} matches the {counted}.")
                continue
            drifted = rebuild()
            if drifted:
                self.stdout.write(f"Rebuilt the {name}; {len(drifted)} groups had drifted:\n{_listed(drifted, line)}")
            else:
                self.stdout.write(f"The {name} matched the {counted}; nothing to repair.")
        if problems:
            raise CommandError("\n".join(problems) + "\nRun with --repair to write it again from what it counts.")
