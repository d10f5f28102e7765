"""Build the deterministic demo data: the organisation, its customers, pipeline and targets; or, with
`--size large`, two years of a 300-person sales department, for load tests and benchmarks."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from bulksales.demo.organisation import DEMO_PASSWORD, demo_logins
from bulksales.demo.seeders import seed_demo, seed_large
from customers.models import Customer


class Command(BaseCommand):
    help = ("Load the demo organisation (and the demo data of every app). Safe to run twice. "
            "--size large builds ~300 people, 20,000 customers, 200,000 deals and 1,000,000 activities "
            "over two years, into a database without customers.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has users.")
        parser.add_argument("--size", choices=["demo", "large"], default="demo",
                            help="demo (default): the small documented demo; large: a benchmark-sized data set.")
        parser.add_argument("--scale", type=float, default=None,
                            help="With --size large: multiply the number of records (not people), e.g. 0.01.")

    def handle(self, *args: Any, if_empty: bool = False, size: str = "demo", scale: float | None = None,
               **options: Any) -> None:
        if scale is not None and size != "large":
            raise CommandError("--scale goes with --size large.")
        if scale is not None and not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data: the database already has users; left as it is.")
        elif size == "large":
            self._seed_large(scale or 1.0)
        else:
            started = time.monotonic()
            seed_demo()
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f}s."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, full_name, position in demo_logins():
            self.stdout.write(f"  {username:<10} {full_name:<14} {position}")

    def _seed_large(self, scale: float) -> None:
        # The large set is generated with its ids in one go: it fills an empty pipeline, and is not
        # merged into existing customers (a second run would double everything).
        if Customer.objects.exists():
            raise CommandError("The database already has customers: the large data set is loaded into a database "
                               "without any (e.g. a new one, after migrate). Nothing was changed.")
        started = time.monotonic()
        self.stdout.write(f"Large data set (scale {scale:g}):")
        seed_large(scale=scale, out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Large data set loaded in {time.monotonic() - started:.1f}s."))
