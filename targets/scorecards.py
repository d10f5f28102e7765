"""Recomputing scorecards (hourly, after a change, and a quarter on demand as a ScorecardRun with its
progress), and the weekly digest of each manager's teams' scorecards."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial, reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.digests import digests_send
from accounts.models import Position, Team, User
from accounts.services import RuleError

from .computation_runs import claim_run
from .kpis import compute_scorecards, one_run, periods_to_compute
from .models import Scorecard, ScorecardRefresh, ScorecardRun, ScorecardTotals
from .periods import month_bounds, period_bounds, quarter_bounds, quarter_label, quarter_of, quarter_start
from .selectors import can_recompute


def periods_of_run(run: ScorecardRun, today: date) -> list[tuple[str, date]]:
    """The quarter itself first (what the dashboards show), then each of its months that has begun."""
    start, end = quarter_bounds(*quarter_of(run.period_start))
    periods: list[tuple[str, date]] = [(Scorecard.Period.QUARTER, start)]
    month = start
    while month <= min(end, today):
        periods.append((Scorecard.Period.MONTH, month))
        month = month_bounds(month)[1] + timedelta(days=1)
    return periods


@transaction.atomic
def recompute_request(*, period_start: date, by: User) -> ScorecardRun:
    """Claim the recomputation of the quarter containing `period_start` and enqueue it on commit.
    While one runs for that quarter, a second request returns the running one instead of starting
    another: the partial unique constraint on unfinished runs makes the claim."""
    if not can_recompute(by):
        raise RuleError(_("Only managers and the director recompute scorecards."))
    start = quarter_start(period_start)
    if start > timezone.localdate():
        raise RuleError(_("That quarter has not begun."))
    from .tasks import recompute_scorecards

    return claim_run(ScorecardRun, period_start=start, by=by, start=recompute_scorecards.delay,
                     busy=_("The scorecards are busy; try again in a moment."))


def recompute_run(*, run_id: int) -> int:
    """Do a claimed run: each period in its own transaction, the progress saved between them, so the
    progress bar (another connection) sees it move. A failure is recorded on the run and re-raised.
    Returns the number of scorecards written; a run already finished (a redelivered message) does nothing."""
    run = ScorecardRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return 0
    today = timezone.localdate()
    periods = periods_of_run(run, today)
    written = 0
    try:
        with one_run(periods, today):
            for step, (period, start) in enumerate(periods, start=1):
                written += compute_scorecards(period=period, start=start)
                ScorecardRun.objects.filter(pk=run.pk).update(progress=int(100 * step / len(periods)))
    except Exception as error:
        ScorecardRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000])
        raise
    ScorecardRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=timezone.now(), progress=100)
    return written


def compute_running() -> int:
    """The hourly job: the running and previous month and quarter, then any refresh asked for whose run
    never came (its message lost). Idempotent (rows are upserted)."""
    today = timezone.localdate()
    periods = periods_to_compute(today)
    with one_run(periods, today):
        written = sum(compute_scorecards(period=period, start=start) for period, start in periods)
    return written + refresh_left_over()


# --- Refreshing after a change ----------------------------------------------------------------------

# How long a claimed refresh holds back another for the same period, should its message be lost (the
# hourly job is the safety net).
REFRESH_CLAIM_SECONDS = 300


def refresh_key(period: str, start: date) -> str:
    return f"scorecard-refresh:{period}:{start.isoformat()}"


def periods_touched(days: Iterable[date], today: date) -> list[tuple[str, date]]:
    """The months and quarters holding `days` and today (the running ones, whose pipeline moved), oldest
    first; a day still to come touches nothing."""
    periods = {(period, period_bounds(period, day)[0]) for day in {*days, today} if day <= today
               for period in (Scorecard.Period.MONTH, Scorecard.Period.QUARTER)}
    return sorted(periods, key=lambda item: (item[1], item[0]))


def refresh_soon(*, days: Iterable[date] = (), people: Iterable[int] = ()) -> None:
    """Listener of accounts.changes: ask, in the change's own transaction, for `people`'s scorecards of the
    periods it touched to be refreshed, and once it commits, enqueue a run of those periods. The run counts
    only the people asked for, and makes their teams' and departments' figures from everyone's stored
    totals (`kpis.one_run`)."""
    people = list(people)
    if not people:
        return
    periods = periods_touched(days, timezone.localdate())
    request_refresh(periods, people)
    transaction.on_commit(partial(enqueue_refresh, periods))


def request_refresh(periods: list[tuple[str, date]], people: Iterable[int]) -> None:
    """Note `people` as waiting for the refresh of `periods`; asked again, a request is renewed (a new token),
    so that a run that read the former one leaves it for the next."""
    now = timezone.now()
    ScorecardRefresh.objects.bulk_create(
        [ScorecardRefresh(period=period, period_start=start, person_id=person, requested_at=now)
         for period, start in periods for person in sorted(set(people))],
        update_conflicts=True, unique_fields=["period", "period_start", "person"],
        update_fields=["token", "requested_at"])


def enqueue_refresh(periods: list[tuple[str, date]]) -> bool:
    """Enqueue a refresh of the periods not already waiting for one; True if a task was sent. The cache
    key claims each period until the task starts, so a burst of changes makes one run."""
    waiting = [(period, start) for period, start in periods
               if cache.add(refresh_key(period, start), True, REFRESH_CLAIM_SECONDS)]
    if not waiting:
        return False
    from .tasks import refresh_scorecards

    refresh_scorecards.apply_async(args=[[[period, start.isoformat()] for period, start in waiting]],
                                   countdown=settings.SCORECARD_REFRESH_DELAY)
    return True


def refresh_run(periods: list[list[str]]) -> int:
    """Refresh the scorecards of the people waiting in the given periods; returns the scorecards written.
    The claims are released first, so a change committed while this runs enqueues a refresh of its own;
    the requests read are removed at the end, unless renewed meanwhile, so a worker killed midway leaves
    them for the redelivered message (or the hourly job). A period never computed yet is computed whole."""
    parsed = [(period, date.fromisoformat(start)) for period, start in periods]
    if not parsed:
        return 0
    cache.delete_many([refresh_key(period, start) for period, start in parsed])
    of_periods = reduce(or_, (Q(period=period, period_start=start) for period, start in parsed))
    requests = list(ScorecardRefresh.objects.filter(of_periods).values_list("period", "period_start", "person_id",
                                                                            "token"))
    asked = {(period, start) for period, start, _person, _token in requests}
    counted = set(ScorecardTotals.objects.filter(of_periods).values_list("period", "period_start").distinct())
    today, written = timezone.localdate(), 0
    if whole := [item for item in parsed if item in asked and item not in counted]:
        with one_run(whole, today):
            written += sum(compute_scorecards(period=period, start=start) for period, start in whole)
    if scoped := [item for item in parsed if item in asked and item in counted]:
        with one_run(scoped, today, people={person for _period, _start, person, _token in requests}):
            written += sum(compute_scorecards(period=period, start=start) for period, start in scoped)
    if requests:
        ScorecardRefresh.objects.filter(of_periods, token__in=[token for *_rest, token in requests]).delete()
    return written


def refresh_left_over() -> int:
    """Refresh the periods with requests older than a claim (their run never came: a lost message); returns
    the scorecards written."""
    since = timezone.now() - timedelta(seconds=REFRESH_CLAIM_SECONDS)
    left = (ScorecardRefresh.objects.filter(requested_at__lt=since).values_list("period", "period_start")
            .distinct().order_by("period_start", "period"))
    return refresh_run([[period, start.isoformat()] for period, start in left])


# --- The weekly digest -----------------------------------------------------------------------------


def percent(ratio: Decimal | None) -> int | None:
    return None if ratio is None else int((ratio * 100).to_integral_value())


@dataclass
class Row:
    person: User
    card: Scorecard

    @property
    def sales_attainment(self) -> int | None:
        return percent(self.card.attainment("sales_amount"))


@dataclass
class TeamTable:
    """One team's quarter scorecards: the team's own figures, then its reps' rows by rank."""

    team: Team
    card: Scorecard | None
    rows: list[Row] = field(default_factory=list)

    @property
    def sales_attainment(self) -> int | None:
        return percent(self.card.attainment("sales_amount")) if self.card else None


def team_scorecard_digests(today: date) -> dict[User, list[TeamTable]]:
    """Each active manager's teams with their quarter scorecards, for the quarter containing `today`.
    Managers whose teams have no scorecard yet are left out. Four queries, whatever the size."""
    start = quarter_start(today)
    teams = list(Team.objects.filter(manager__is_active=True, manager__position=Position.MANAGER)
                 .select_related("manager").order_by("manager_id", "name"))
    cards = (Scorecard.objects.filter(period=Scorecard.Period.QUARTER, period_start=start,
                                      subject__in=[Scorecard.Subject.REP, Scorecard.Subject.TEAM])
             .order_by("rank_in_team", "-score", "subject_id"))
    team_cards, rep_cards = {}, []
    for card in cards:
        if card.subject == Scorecard.Subject.TEAM:
            team_cards[card.subject_id] = card
        else:
            rep_cards.append(card)
    reps = User.objects.in_bulk([card.subject_id for card in rep_cards])
    tables = {team.pk: TeamTable(team=team, card=team_cards.get(team.pk)) for team in teams}
    for card in rep_cards:
        if card.team_id_at_time in tables and card.subject_id in reps:
            tables[card.team_id_at_time].rows.append(Row(person=reps[card.subject_id], card=card))
    digests: dict[User, list[TeamTable]] = {}
    for team in teams:
        table = tables[team.pk]
        if table.card is not None or table.rows:
            digests.setdefault(team.manager, []).append(table)
    return digests


DIGEST_KIND = "targets.scorecards"


def team_scorecard_digest_email(manager: User, tables: list[TeamTable], today: date) -> tuple[str, str]:
    """The subject and body of a manager's weekly email, in their language."""
    year, quarter = quarter_of(today)
    with translation.override(manager.language or settings.LANGUAGE_CODE):
        subject = _("Your teams' scorecards for %(quarter)s") % {"quarter": quarter_label(year, quarter)}
        body = render_to_string("targets/scorecard_digest_email.txt", {
            "person": manager, "tables": tables, "year": year, "quarter": quarter, "today": today,
            "currency": settings.BASE_CURRENCY,
        })
    return subject, body


def team_scorecard_digests_send(*, today: date | None = None) -> int:
    """Email each active manager their teams' quarter scorecards, in their language; returns how many were
    sent. Once per manager and week (accounts.digests): a rerun the same week sends only what is missing."""
    today = today or timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    return digests_send(kind=DIGEST_KIND, period_start=week_start, digests=(
        (manager, partial(team_scorecard_digest_email, manager, tables, today))
        for manager, tables in team_scorecard_digests(today).items()
    ))
