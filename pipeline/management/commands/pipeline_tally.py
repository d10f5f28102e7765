"""Report where the tallies the database keeps differ from what they count: the pipeline's groups (owner, stage,
outcome) against their deals, the activities' pairs (customer, author) against their activities, the customers'
groups (owner, tier, status) against their customers, what is owed per due date against the open invoices, and
what each shipment carries of its contract against the contract; with --repair write each that differs again from
what it counts (pipeline/tally.py `TALLIES`)."""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.tally import TALLIES, Drift

SHOWN = 20  # groups listed


def _listed(drifted: list[Drift], line: Callable[[Drift], str]) -> str:
    lines = [line(drift) for drift in drifted[:SHOWN]]
    if len(drifted) > SHOWN:
        lines.append(f"  and {len(drifted) - SHOWN} more")
    return "\n".join(lines)


class Command(BaseCommand):
    help = ("Check the tallies the database keeps (the board's deals per owner, stage and outcome; the activity "
            "list's activities per customer and author; the tier mix's customers per owner, tier and status; the "
            "ageing's open invoices per due date; each shipment's copy of its contract's sellers) against what they "
            "count; --repair rebuilds them.")

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
