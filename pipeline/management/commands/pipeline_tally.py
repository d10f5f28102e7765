"""Report the groups (owner, stage, outcome) whose pipeline tally differs from their deals, and with --repair
write the tally again from the deals (pipeline/tally.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pipeline.tally import Drift, tally_drift, tally_rebuild

SHOWN = 20  # groups listed


def _listed(drifted: list[Drift]) -> str:
    lines = [f"  owner {owner}, {stage}, {outcome}: tally {kept[0]} deals {kept[1]}, deals {counted[0]} {counted[1]}"
             for (owner, stage, outcome), kept, counted in drifted[:SHOWN]]
    if len(drifted) > SHOWN:
        lines.append(f"  and {len(drifted) - SHOWN} more")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Check the board's tally of deals per owner, stage and outcome against the deals; --repair rebuilds it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="Write the tally again from the deals.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["repair"]:
            drifted = tally_drift()
            if drifted:
                raise CommandError(f"The tally differs from the deals in {len(drifted)} groups:\n{_listed(drifted)}\n"
                                   "Run with --repair to write it again from the deals.")
            self.stdout.write("The pipeline tally matches the deals.")
            return
        drifted = tally_rebuild()
        if drifted:
            self.stdout.write(f"Rebuilt the pipeline tally; {len(drifted)} groups had drifted:\n{_listed(drifted)}")
        else:
            self.stdout.write("The pipeline tally matched the deals; nothing to repair.")
