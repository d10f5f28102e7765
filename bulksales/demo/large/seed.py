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

    def compact(self, *tables: type[models.Model]) -> None:
        """Rewrite tables kept by triggers (the pipeline's and the activities' tallies) in their live rows only. A
        bulk load updates each row once per statement of the load, years of writes in one transaction, where a
        database in use is vacuumed as it goes: without this the activities' 19,000 rows filled 57 MB (row by row
        triggers; 4.5 MB by statement), read whole by the director's visits list. Outside a transaction only."""
        if not connection.in_atomic_block:
            self._each_table("VACUUM FULL", tables)

    def analyze(self, *tables: type[models.Model]) -> None:
        """Fresh planner statistics, so that the set-based steps that follow use the indexes."""
        self._each_table("ANALYZE", tables)

    def _each_table(self, command: str, tables: tuple[type[models.Model], ...]) -> None:
        """A maintenance command of PostgreSQL's run on each table, reported (none elsewhere)."""
        if connection.vendor != "postgresql":
            return
        since = time.monotonic()
        with connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
        self.report(command, len(tables), since)


LargeSeeder = Callable[[LargeSeed], None]
