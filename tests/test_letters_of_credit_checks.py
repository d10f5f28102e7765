"""The pure checks of an L/C against its contract, with figures worked out by hand: the contract's value
range, the L/C's usable maximum and the shortfall, the B/L date against the latest shipment date, the
last day for presenting documents (UCP 600 art. 14(c)), partial shipments, and SWIFT/BIC codes."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from pipeline.letters_of_credit import checks
from pipeline.letters_of_credit.models import validate_bic
from pipeline.letters_of_credit.reminders import threshold_reached


def test_the_contracts_value_range_is_its_tolerance_at_its_price():
    # 60,000 t +/- 10 %: 54,000 t x 95.80 = 5,173,200.00; 66,000 t x 95.80 = 6,322,800.00.
    assert checks.contract_value_range(D(60000), D(10), D("95.80")) == (D("5173200.00"), D("6322800.00"))


def test_the_lcs_usable_maximum_is_its_amount_plus_its_tolerance():
    # 5,748,000.00 x 1.10 = 6,322,800.00; x 1.05 = 6,035,400.00; x 1.00 = 5,748,000.00.
    assert checks.usable_maximum(D("5748000.00"), D(10)) == D("6322800.00")
    assert checks.usable_maximum(D("5748000.00"), D(5)) == D("6035400.00")
    assert checks.usable_maximum(D("5748000.00"), D(0)) == D("5748000.00")
    # 1,000,000.01 x 1.025 = 1,025,000.01025 -> 1,025,000.01 (rounded to the cent, half up).
    assert checks.usable_maximum(D("1000000.01"), D("2.5")) == D("1025000.01")


def credit(amount, tolerance, currency="USD", number="LC-1"):
    return checks.Credit(number, D(amount), D(tolerance), currency)


def test_an_lc_of_the_contracts_amount_plus_ten_percent_covers_its_maximum_exactly():
    assert checks.coverage_warning(contract_most=D("6322800.00"), contract_currency="USD",
                                   credits=[credit("5748000.00", 10)]) is None


def test_an_lc_with_five_percent_falls_short_by_the_difference():
    # 6,322,800.00 - 6,035,400.00 = 287,400.00 short.
    warning = checks.coverage_warning(contract_most=D("6322800.00"), contract_currency="USD",
                                      credits=[credit("5748000.00", 5)])
    assert warning == checks.Warning("coverage", (
        "The L/C amount covers at most 6,035,400.00 USD with its tolerance, but the contract may be worth up to "
        "6,322,800.00 USD: 287,400.00 USD short."))


def test_two_lcs_cover_the_contract_together_and_one_in_another_currency_does_not_count():
    # Two L/Cs of 2,874,000.00 + 10 % = 3,161,400.00 each: 6,322,800.00 together, the contract's maximum.
    assert checks.coverage_warning(contract_most=D("6322800.00"), contract_currency="USD",
                                   credits=[credit("2874000.00", 10), credit("2874000.00", 10)]) is None
    warning = checks.coverage_warning(contract_most=D("6322800.00"), contract_currency="USD",
                                      credits=[credit("2874000.00", 10), credit("2874000.00", 10, "EUR")])
    assert warning is not None and "3,161,400.00 USD short" in warning.message
    assert checks.currency_warning(number="LC-2", currency="EUR", contract_currency="USD") == checks.Warning(
        "currency", "L/C LC-2 is in EUR but the contract is in USD: its amount is not counted against the "
        "contract's value.")
    assert checks.currency_warning(number="LC-2", currency="USD", contract_currency="USD") is None


def test_a_bl_dated_after_the_latest_shipment_date_is_flagged_with_the_days():
    latest = datetime.date(2026, 3, 10)
    assert checks.bl_date_warning(latest_shipment_date=latest, shipment_number=1,
                                  bl_date=datetime.date(2026, 3, 10)) is None
    warning = checks.bl_date_warning(latest_shipment_date=latest, shipment_number=1,
                                     bl_date=datetime.date(2026, 3, 12))
    assert warning is not None and warning.message == (
        "Shipment 1's B/L is dated 2026-03-12, 2 days after the L/C's latest shipment date 2026-03-10.")
    assert checks.bl_date_warning(latest_shipment_date=latest, shipment_number=1, bl_date=None) is None


def test_the_last_day_to_present_is_the_earlier_of_the_period_and_the_expiry():
    bl = datetime.date(2026, 3, 5)
    # 5 March + 21 days = 26 March, before the 31 March expiry: the period sets it.
    assert checks.presentation_deadline(bl_date=bl, presentation_days=21, expiry_date=datetime.date(2026, 3, 31)) \
        == (datetime.date(2026, 3, 26), False)
    # Expiry 20 March comes first.
    assert checks.presentation_deadline(bl_date=bl, presentation_days=21, expiry_date=datetime.date(2026, 3, 20)) \
        == (datetime.date(2026, 3, 20), True)
    # Both on 26 March: the expiry is named.
    assert checks.presentation_deadline(bl_date=bl, presentation_days=21, expiry_date=datetime.date(2026, 3, 26)) \
        == (datetime.date(2026, 3, 26), True)
    assert checks.presentation_deadline(bl_date=None, presentation_days=21, expiry_date=None) is None


def test_a_late_presentation_says_which_limit_it_missed():
    bl = datetime.date(2026, 3, 5)
    on_time = checks.presentation_warning(presented_on=datetime.date(2026, 3, 26), shipment_number=1, bl_date=bl,
                                          presentation_days=21, expiry_date=datetime.date(2026, 3, 31))
    assert on_time is None
    past_period = checks.presentation_warning(presented_on=datetime.date(2026, 3, 27), shipment_number=1,
                                              bl_date=bl, presentation_days=21,
                                              expiry_date=datetime.date(2026, 3, 31))
    assert past_period is not None and past_period.message == (
        "Shipment 1's documents were presented on 2026-03-27, past the 21 days after the B/L the L/C allows "
        "(last day 2026-03-26).")
    after_expiry = checks.presentation_warning(presented_on=datetime.date(2026, 3, 21), shipment_number=1,
                                               bl_date=bl, presentation_days=21,
                                               expiry_date=datetime.date(2026, 3, 20))
    assert after_expiry is not None and after_expiry.message == (
        "Shipment 1's documents were presented on 2026-03-21, after the L/C expired on 2026-03-20.")


def test_partial_shipments_must_be_allowed_for_a_contract_of_several_liftings():
    assert checks.partial_shipment_warning(partial_shipments_allowed=False, liftings=1) is None
    assert checks.partial_shipment_warning(partial_shipments_allowed=True, liftings=2) is None
    warning = checks.partial_shipment_warning(partial_shipments_allowed=False, liftings=2)
    assert warning is not None and warning.message == (
        "The contract is lifted in 2 shipments but the L/C does not allow partial shipments.")


def test_documents_required_but_not_presented_are_named():
    labels = {"invoice": "Commercial invoice", "origin": "Certificate of origin"}
    assert checks.missing_documents_warning(shipment_number=2, required=["invoice", "origin"],
                                            presented=["invoice"], labels=labels) == checks.Warning(
        "documents", "Shipment 2's presentation lacks: Certificate of origin.")
    assert checks.missing_documents_warning(shipment_number=2, required=["invoice"], presented=["invoice", "bl"],
                                            labels=labels) is None


@pytest.mark.parametrize("code", ["BKCHCNBJ", "BKCHCNBJ300", "scblsgsg", "DEUTDEFF500", "ABCDXK12"])
def test_a_well_formed_bic_passes(code):
    validate_bic(code)


@pytest.mark.parametrize(("code", "message"), [
    ("BKCHCNB", "8 or 11 characters"),  # 7 characters
    ("BKCHCNBJ30", "8 or 11 characters"),  # 10
    ("BKC1CNBJ", "8 or 11 characters"),  # a digit in the bank's letters
    ("BKCHQQBJ", "QQ in this SWIFT/BIC code is no country's code."),
])
def test_a_malformed_bic_is_refused_with_a_clear_message(code, message):
    with pytest.raises(ValidationError, match=message):
        validate_bic(code)


@pytest.mark.parametrize(("days", "threshold"), [(20, None), (15, None), (14, 14), (8, 14), (7, 7), (4, 7), (3, 3),
                                                  (0, 3)])
def test_the_expiry_reminder_threshold_reached(days, threshold):
    assert threshold_reached(days) == threshold
