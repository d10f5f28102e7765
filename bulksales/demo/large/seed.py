"""What every seeder of the large data set shares: the clock, the scale and the progress output."""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, models
from django.utils import timezone

from bulksales.demo.bulk import insert_rows

HISTORY_DAYS = 730  # two years


@dataclass
class LargeSeed:
    """What every large seeder shares: the clock, the scale, the random seed and the progress output."""

    scale: float = 1.0
    now: datetime = field(default_factory=timezone.now)
    out: Callable[[str], None] = print
    started: float = field(default_factory=time.monotonic)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    @property
    def history_start(self) -> datetime:
        return self.now - timedelta(days=HISTORY_DAYS)

    def count(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.scale))

    def report(self, what: str, rows: int, since: float) -> None:
        self.out(f"  {what:<32} {rows:>10,} rows {time.monotonic() - since:7.1f}s "
                 f"(total {time.monotonic() - self.started:6.1f}s)")

    def insert(self, model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
        since = time.monotonic()
        written = insert_rows(model, fields, rows)
        self.report(model._meta.label, written, since)
        return written

    def analyze(self, *tables: type[models.Model]) -> None:
        """Fresh planner statistics, so that the set-based steps that follow use the indexes."""
        if connection.vendor != "postgresql":
            return
        since = time.monotonic()
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.report("ANALYZE", len(tables), since)


LargeSeeder = Callable[[LargeSeed], None]
