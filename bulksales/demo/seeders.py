"""The seeders of `manage.py seed_demo`, in the order they run: each builds on the ones before it
(customers need the people, grades the commodities, deals the customers and grades, shipments the
signed deals, letters of credit the signed deals on L/C terms and their shipments, invoices and payments the
shipments, targets the signed deals and their shipments, the commission statements the targets and scorecards)."""

import time
from collections.abc import Callable

from django.db import connection, transaction

from bulksales.demo.coaching import seed_coaching
from bulksales.demo.customers import seed_customers
from bulksales.demo.incentives import seed_incentives
from bulksales.demo.large.customers import seed_customers_large
from bulksales.demo.large.incentives import seed_incentives_large
from bulksales.demo.large.letters_of_credit import seed_letters_of_credit_large
from bulksales.demo.large.organisation import seed_large_organisation
from bulksales.demo.large.pipeline import seed_pipeline_large, seed_reminders_large
from bulksales.demo.large.receivables import seed_receivables_large
from bulksales.demo.large.seed import LargeSeed, LargeSeeder
from bulksales.demo.large.shipments import seed_shipments_large
from bulksales.demo.large.targets import seed_targets_large
from bulksales.demo.letters_of_credit import seed_letters_of_credit
from bulksales.demo.organisation import seed_organisation
from bulksales.demo.pipeline import seed_pipeline
from bulksales.demo.receivables import seed_receivables
from bulksales.demo.shipments import seed_shipments
from bulksales.demo.specifications import seed_specifications
from bulksales.demo.targets import seed_targets
from customers.models import CustomerTally
from pipeline.models import ActivityTally, PipelineTally
from pipeline.receivables.models import OwedTally
from targets.models import ScorecardRefresh

SEEDERS: list[Callable[[], None]] = [seed_organisation, seed_customers, seed_specifications, seed_pipeline,
                                     seed_shipments, seed_letters_of_credit, seed_receivables, seed_targets,
                                     seed_incentives, seed_coaching]
LARGE_SEEDERS: list[LargeSeeder] = [seed_large_organisation, seed_customers_large, seed_pipeline_large,
                                    seed_shipments_large, seed_letters_of_credit_large, seed_receivables_large,
                                    seed_reminders_large, seed_targets_large, seed_incentives_large]


def seed_demo() -> None:
    """Build the small demo in one transaction; a second run adds nothing."""
    with transaction.atomic():
        for seed in SEEDERS:
            seed()
        _drop_refresh_requests()


def seed_large(*, scale: float = 1.0, out: Callable[[str], None] = print) -> LargeSeed:
    """Build the large data set in one transaction (all or nothing)."""
    seed = LargeSeed(scale=scale, out=out)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Foreign keys are checked after each statement rather than all at commit, which would
                # queue millions of checks in memory.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for seeder in LARGE_SEEDERS:
            seeder(seed)
        _drop_refresh_requests()
    # After the commit: in one transaction, no row version a load replaced could be reclaimed.
    seed.compact(PipelineTally, ActivityTally, CustomerTally, OwedTally)
    if connection.vendor == "postgresql":
        since = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seed.report("ANALYZE (all tables)", 0, since)
    return seed


def _drop_refresh_requests() -> None:
    """The seed's own signings and visits asked for scorecard refreshes (targets.scorecards.refresh_soon): the
    scorecards the demo shows were computed whole by the seed, the rest is the hourly job's, as before."""
    ScorecardRefresh.objects.all().delete()
