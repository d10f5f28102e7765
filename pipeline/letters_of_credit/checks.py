"""The checks of a letter of credit against its contract and the contract's shipments: pure functions of
Decimal figures and dates (no database), each problem found a Warning with a translated message that
the L/C's page and the deal's panel show as they are."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from pipeline.execution.pricing import tolerance_range

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Warning:  # noqa: A001 -- a warning on the page, not Python's
    code: str  # "coverage", "currency", "bl_late", "presentation_late", "partial", "documents", "discrepancy"
    message: str


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _day(value: date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def contract_value_range(quantity_tonnes: Decimal, tolerance_percent: Decimal,
                         price_per_tonne: Decimal) -> tuple[Decimal, Decimal]:
    """The least and most the contract may be worth: its quantity more or less its tolerance, at its price.

    60,000 t +/- 10 % at 95.80: 54,000 x 95.80 = 5,173,200.00 to 66,000 x 95.80 = 6,322,800.00."""
    least, most = tolerance_range(quantity_tonnes, tolerance_percent)
    return ((least * price_per_tonne).quantize(CENT, ROUND_HALF_UP),
            (most * price_per_tonne).quantize(CENT, ROUND_HALF_UP))


def usable_maximum(amount: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The most the bank pays under the L/C: its amount plus its tolerance (UCP 600 art. 30(a)).

    5,748,000.00 + 10 % = 6,322,800.00; + 5 % = 6,035,400.00."""
    return (amount * (HUNDRED + tolerance_percent) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Credit:
    """An L/C's figures for the coverage check."""

    number: str
    amount: Decimal
    tolerance_percent: Decimal
    currency: str


def currency_warning(*, number: str, currency: str, contract_currency: str) -> Warning | None:
    if currency == contract_currency:
        return None
    return Warning("currency", _(
        "L/C %(number)s is in %(lc_currency)s but the contract is in %(currency)s: its amount is not counted "
        "against the contract's value.") % {"number": number or "—", "lc_currency": currency,
                                             "currency": contract_currency})


def coverage_warning(*, contract_most: Decimal, contract_currency: str, credits: Iterable[Credit]) -> Warning | None:
    """Do the contract's L/Cs together cover the most the contract may be worth? Those in another
    currency are left out of the sum (currency_warning names them)."""
    counted = [credit for credit in credits if credit.currency == contract_currency]
    covered = sum((usable_maximum(credit.amount, credit.tolerance_percent) for credit in counted), Decimal(0))
    if not counted or covered >= contract_most:
        return None
    return Warning("coverage", _(
        "The L/C amount covers at most %(covered)s %(currency)s with its tolerance, but the contract may be worth "
        "up to %(most)s %(currency)s: %(short)s %(currency)s short.") % {
        "covered": money(covered), "most": money(contract_most), "short": money(contract_most - covered),
        "currency": contract_currency})


def bl_date_warning(*, latest_shipment_date: date | None, shipment_number: int, bl_date: date | None
                    ) -> Warning | None:
    """A B/L dated after the L/C's latest shipment date: the documents will be discrepant."""
    if latest_shipment_date is None or bl_date is None or bl_date <= latest_shipment_date:
        return None
    return Warning("bl_late", _(
        "Shipment %(number)s's B/L is dated %(bl_date)s, %(days)s days after the L/C's latest shipment date "
        "%(latest)s.") % {"number": shipment_number, "bl_date": _day(bl_date),
                           "days": (bl_date - latest_shipment_date).days, "latest": _day(latest_shipment_date)})


def presentation_deadline(*, bl_date: date | None, presentation_days: int, expiry_date: date | None
                          ) -> tuple[date, bool] | None:
    """The last day to present a shipment's documents, and whether the expiry is what sets it: the
    earlier of the B/L date plus the presentation period and the L/C's expiry (UCP 600 art. 14(c)).

    B/L 5 March, 21 days, expiry 31 March: 26 March (the period). Expiry 20 March: 20 March (the expiry)."""
    limits = []
    if bl_date is not None:
        limits.append((bl_date + timedelta(days=presentation_days), False))
    if expiry_date is not None:
        limits.append((expiry_date, True))
    if not limits:
        return None
    return min(limits, key=lambda limit: (limit[0], not limit[1]))


def presentation_warning(*, presented_on: date, shipment_number: int, bl_date: date | None, presentation_days: int,
                         expiry_date: date | None) -> Warning | None:
    """Documents presented after the last day for presenting them."""
    deadline = presentation_deadline(bl_date=bl_date, presentation_days=presentation_days, expiry_date=expiry_date)
    if deadline is None or presented_on <= deadline[0]:
        return None
    last_day, by_expiry = deadline
    if by_expiry:
        return Warning("presentation_late", _(
            "Shipment %(number)s's documents were presented on %(presented)s, after the L/C expired on "
            "%(expiry)s.") % {"number": shipment_number, "presented": _day(presented_on), "expiry": _day(last_day)})
    return Warning("presentation_late", _(
        "Shipment %(number)s's documents were presented on %(presented)s, past the %(days)s days after the B/L "
        "the L/C allows (last day %(last_day)s).") % {
        "number": shipment_number, "presented": _day(presented_on), "days": presentation_days,
        "last_day": _day(last_day)})


def partial_shipment_warning(*, partial_shipments_allowed: bool, liftings: int) -> Warning | None:
    if partial_shipments_allowed or liftings <= 1:
        return None
    return Warning("partial", _(
        "The contract is lifted in %(count)s shipments but the L/C does not allow partial shipments.")
        % {"count": liftings})


def missing_documents_warning(*, shipment_number: int, required: Iterable[str], presented: Iterable[str],
                              labels: dict[str, str]) -> Warning | None:
    """Documents the L/C calls for that a presentation did not include."""
    missing = [labels.get(value, value) for value in required if value not in set(presented)]
    if not missing:
        return None
    return Warning("documents", _("Shipment %(number)s's presentation lacks: %(documents)s.") % {
        "number": shipment_number, "documents": ", ".join(missing)})
