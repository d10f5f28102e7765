"""`{% scorecard_row card %}`, `{% delivery_row card %}` and `{% forecast_row card %}`: the rows of the director's
team scorecards and forecasts (targets/_scorecard_table.html, targets/dashboard_director.html), built in Python in
the markup their templates gave them. Through the template language, some twenty variables, filters, `{% url %}`
and `{% widthratio %}` a row, the dashboard's 75 rows took about 6 ms, a fifth of the page.

`{% leaderboard_row card %}` is a row of a team's leaderboard (targets/dashboard_manager.html), with the two parts
it shares with the other dashboards: `{% score_parts parts %}`, how a score is made, and `{% last_coached person
rep_id %}`, a rep's latest coaching; each was an `{% include %}` in every row of the leaderboard."""

from decimal import Decimal
from typing import Any, cast

from django import template
from django.template.context import Context
from django.template.loader import get_template
from django.urls import reverse
from django.utils.formats import date_format, localize
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.pages import address_pattern, fill, joined, once_per_rendering
from accounts.templatetags.numbers import floatformat

from ..models import Scorecard

register = template.Library()

DASH = "—"


def _shared(context: Context) -> dict[str, Any]:
    """What every row of one page shares, worked out once per rendering: the cells' labels (a phone shows them)
    and the dashboards' addresses."""
    return once_per_rendering(context, "scorecard_rows", lambda: {
        "sales": _("Sales amount"), "of_target": _("of target"), "signed": _("Signed contracts"),
        "new": _("New customers"), "satisfaction": _("Satisfaction"), "win": _("Win rate"),
        "weighted_pipeline": _("Weighted pipeline of the period"), "score": _("Score"), "rank": _("Rank"),
        "delivered": _("Delivered (t)"), "claims": _("Cargo claims"), "cash": _("Cash collected"),
        "overdue": _("Overdue receivables"), "dso": _("DSO"),
        "signed_so_far": _("Signed so far"), "forecast": _("Forecast"), "target": _("Target"),
        "ratio": _("Forecast / target"), "undated": _("Undated or overdue"), "later": _("Later quarters"),
        "weighted": _("Weighted, this quarter"), "coverage": _("Coverage"), "reached": _("Target reached"),
        "team": address_pattern("dashboards:manager"), "rep": address_pattern("dashboards:rep"),
        # A team's leaderboard, and a rep's latest coaching wherever it is shown.
        "parts": _("How the score is made"), "visits": _("Visits"), "not_coached": _("not coached yet"),
        "all_notes": _("all notes"), "note": address_pattern("coaching:detail"), "notes": reverse("coaching:list"),
    })


def _percent_of(value: object, whole: object) -> str:
    """`{% widthratio value whole 100 %}`, as Django's tag writes it (a float rounded half to even)."""
    try:
        return str(round(float(value) / float(whole) * 100))  # type: ignore[arg-type]
    except ZeroDivisionError:
        return "0"
    except (ValueError, TypeError, OverflowError):
        return ""


def _name(card: Scorecard) -> object:
    return card.subject_object or card.subject_id


def _title(shared: dict[str, Any], card: Scorecard, *, reps: bool = True, strong: bool = False) -> SafeString:
    """The first cell: a team's or rep's name linked to their dashboard, anything else as it is."""
    if card.subject == "team" or (reps and card.subject == "rep"):
        return fill('<a href="{}">{}</a>', shared[card.subject].format(card.subject_id), _name(card))
    return fill("<strong>{}</strong>" if strong else "{}", _name(card))


@register.simple_tag(takes_context=True)
def scorecard_row(context: Context, card: Scorecard) -> SafeString:
    """A row of the sales table."""
    shared = _shared(context)
    amended = get_template("targets/_amended_badge.html").render({"card": card}) if card.amended_contracts else ""
    target = fill('<br><span class="small text-secondary">{}% {} {}</span>',
                  _percent_of(card.sales_amount, card.target_sales_amount), shared["of_target"],
                  floatformat(card.target_sales_amount, "0g")) if card.target_sales_amount else ""
    return fill(
        '<tr>\n    <td class="cell-title"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}{}{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><strong>{}</strong></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n  </tr>',
        _title(shared, card),
        shared["sales"], floatformat(card.sales_amount, "0g"), fill(" {}", amended) if amended else "", target,
        shared["signed"], localize(card.signed_contracts),
        f" / {localize(card.target_signed_contracts)}" if card.target_signed_contracts else "",
        shared["new"], localize(card.new_customers),
        f" / {localize(card.target_new_customers)}" if card.target_new_customers else "",
        shared["satisfaction"], floatformat(card.satisfaction, 2) or DASH,
        shared["win"], f"{_percent_of(card.win_rate, 1)}%" if card.win_rate is not None else DASH,
        shared["weighted_pipeline"], floatformat(card.weighted_pipeline, "0g"),
        shared["score"], floatformat(card.score, 2),
        shared["rank"], localize(card.rank_in_department) if card.rank_in_department else DASH,
    )


@register.simple_tag(takes_context=True)
def delivery_row(context: Context, card: Scorecard) -> SafeString:
    """A row of the delivery and collections table."""
    shared = _shared(context)
    overdue = fill('<span class="text-danger">{}</span>', floatformat(card.overdue_receivables, "0g")) \
        if card.overdue_receivables else "0"
    return fill(
        '<tr>\n    <td class="cell-title"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '    <td data-label="{}" class="text-end"><span>{}</span></td>\n  </tr>',
        _title(shared, card),
        shared["delivered"], floatformat(card.delivered_tonnage, "0g"),
        shared["claims"], floatformat(card.claims_value, "0g"),
        shared["cash"], floatformat(card.cash_collected, "0g"),
        shared["overdue"], overdue,
        shared["dso"], floatformat(card.dso, 1) if card.dso is not None else DASH,
    )


@register.simple_tag(takes_context=True)
def forecast_row(context: Context, card: Scorecard) -> SafeString:
    """A row of the forecast against target: the department's in bold on a light row, each team's linked."""
    shared = _shared(context)
    forecast: dict[str, Decimal | None] = card.forecast
    percent = forecast["percent"]
    if percent is None:
        ratio = DASH
    else:
        coverage = forecast["coverage"]
        ratio = fill('{}%<br><span class="small text-secondary text-nowrap">{}</span>', floatformat(percent, 1),
                     fill("{} {}%", shared["coverage"], floatformat(coverage, 1))
                     if coverage is not None else shared["reached"])
    return fill(
        '<tr{}>\n      <td class="cell-title"><span>{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><span class="text-nowrap">{}</span></td>\n'
        '      <td data-label="+ {}" class="text-end"><span class="text-nowrap">{}</span></td>\n'
        '      <td data-label="= {}" class="text-end"><strong class="text-nowrap">{}</strong></td>\n'
        '      <td data-label="{}" class="text-end"><span class="text-nowrap">{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><span>{}</span></td>\n'
        '      <td data-label="{}" class="text-end text-secondary"><span class="text-nowrap">{}</span></td>\n'
        '      <td data-label="{}" class="text-end text-secondary"><span class="text-nowrap">{}</span></td>\n'
        '    </tr>',
        fill(' class="{}"', "table-light") if card.subject == "department" else "",
        _title(shared, card, reps=False, strong=True),
        shared["signed_so_far"], floatformat(forecast["signed"], "0g"),
        shared["weighted"], floatformat(forecast["weighted"], "0g"),
        shared["forecast"], floatformat(forecast["forecast"], "0g"),
        shared["target"], floatformat(forecast["target"], "0g") if forecast["target"] is not None else DASH,
        shared["ratio"], ratio,
        shared["undated"], floatformat(forecast["undated"], "0g"),
        shared["later"], floatformat(forecast["later"], "0g"),
    )


@register.simple_tag
def score_parts(parts: list[dict[str, Any]]) -> SafeString:
    """How a composite score is made (targets.dashboards.score_parts_of): each part's weight × ratio = points."""
    return fill('<ul class="list-unstyled small mb-0">{}\n</ul>', joined(
        fill('\n  <li>{}: {} × {} = <strong>{}</strong></li>', part["label"], localize(part["weight"]),
             floatformat(part["ratio"], 3), floatformat(part["points"], 2)) for part in parts))


@register.simple_tag(takes_context=True)
def last_coached(context: Context, person: Any, rep_id: int) -> SafeString:
    """Under a rep's name on the team pages: their latest coaching note and open actions (`person` from
    targets.coaching.selectors.with_latest_coaching, None for a rep it did not list)."""
    shared = _shared(context)
    note_id = getattr(person, "last_coaching_id", None)
    if not note_id:
        return fill('<span class="d-block small text-secondary">{}</span>', shared["not_coached"])
    actions = person.open_coaching_actions
    return fill(
        '<span class="d-block small text-secondary"><a href="{}">{}</a>{} · <a href="{}?rep={}">{}</a></span>',
        shared["note"].format(note_id),
        _("last coached on %(day)s") % {"day": date_format(person.last_coached_on, "SHORT_DATE_FORMAT")},
        fill(" · {}", ngettext("%(counter)s open action", "%(counter)s open actions", actions) % {"counter": actions})
        if actions else "",
        shared["notes"], rep_id, shared["all_notes"])


def _of_target(shared: dict[str, Any], row: dict[str, Any] | None) -> SafeString | str:
    """Under a figure of the leaderboard: the share of its target reached, when it has one."""
    if not row:
        return ""
    return fill('<br><span class="small text-secondary">{}% {}</span>', floatformat(row["percent"], "0"),
                shared["of_target"])


@register.simple_tag(takes_context=True)
def leaderboard_row(context: Context, card: Scorecard) -> SafeString:
    """A rep's row of their team's leaderboard: `card` with `parts`, `attainment_rows` and `coaching` set by the
    view (targets.views.dashboards.manager)."""
    shared = _shared(context)
    targets = cast(dict[str, dict[str, Any]], card.attainment_rows)  # by figure, as the team dashboard sets them
    return fill(
        '<tr>\n      <td class="cell-title"><span>{}. <a href="{}">{}</a>{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><strong>{}</strong></td>\n'
        '      <td data-label="{}"><div>{}</div></td>\n'
        '      <td data-label="{}" class="text-end"><span>{}{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><span>{}{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><span>{}{}</span></td>\n'
        '      <td data-label="{}" class="text-end"><span>{}</span></td>\n    </tr>',
        localize(card.rank_in_team) if card.rank_in_team else DASH, shared["rep"].format(card.subject_id),
        _name(card), last_coached(context, card.coaching, card.subject_id),
        shared["score"], floatformat(card.score, 2),
        shared["parts"], score_parts(card.parts),
        shared["sales"], floatformat(card.sales_amount, "0g"), _of_target(shared, targets.get("sales_amount")),
        shared["signed"], localize(card.signed_contracts), _of_target(shared, targets.get("signed_contracts")),
        shared["new"], localize(card.new_customers), _of_target(shared, targets.get("new_customers")),
        shared["visits"], localize(card.visits),
    )
