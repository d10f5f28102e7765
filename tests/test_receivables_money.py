"""The arithmetic of getting paid, worked by hand: due dates from the payment terms, what each invoice
of a shipment bills, FIFO allocation of a payment, what is still owed, ageing and DSO.

The worked example (README, "Invoices and payments"): coal 60,000 t at 95.80 USD/t, L/C at sight,
outturn basis, discharge assay final (the coal contract of tests/test_execution_services.py)."""

import datetime
from decimal import Decimal as D

import pytest

from pipeline.receivables import money
from pipeline.receivables.money import Allocation, Bucket, Kind, OpenItem

BL_DATE = datetime.date(2026, 3, 5)


# --- Due dates from the terms --------------------------------------------------------------------


def test_an_invoice_at_sight_is_due_on_issue():
    assert money.due_date(kind=Kind.PROVISIONAL, issued_on=datetime.date(2026, 3, 6), bl_date=BL_DATE,
                          payment_days=0) == datetime.date(2026, 3, 6)


def test_a_usance_invoice_is_due_n_days_after_the_bl():
    # B/L 5 March + 90 days = 3 June (26 days of March left, 30 of April, 31 of May: 87; +3 = 3 June).
    assert money.due_date(kind=Kind.PROVISIONAL, issued_on=datetime.date(2026, 3, 6), bl_date=BL_DATE,
                          payment_days=90) == datetime.date(2026, 6, 3)
    # The final invoice counts from the same B/L date, not from its own issue.
    assert money.due_date(kind=Kind.FINAL, issued_on=datetime.date(2026, 3, 20), bl_date=BL_DATE,
                          payment_days=30) == datetime.date(2026, 4, 4)


def test_an_invoice_is_never_due_before_it_is_issued():
    # 30 days after a B/L of 5 March is 4 April; a final invoice issued on 10 April is due that day.
    assert money.due_date(kind=Kind.FINAL, issued_on=datetime.date(2026, 4, 10), bl_date=BL_DATE,
                          payment_days=30) == datetime.date(2026, 4, 10)


def test_a_prepayment_is_due_by_the_laycan_or_on_issue_once_the_laycan_has_begun():
    assert money.due_date(kind=Kind.PREPAYMENT, issued_on=datetime.date(2026, 1, 20),
                          laycan_start=datetime.date(2026, 3, 1)) == datetime.date(2026, 3, 1)
    assert money.due_date(kind=Kind.PREPAYMENT, issued_on=datetime.date(2026, 3, 2),
                          laycan_start=datetime.date(2026, 3, 1)) == datetime.date(2026, 3, 2)


def test_a_credit_note_is_due_on_issue():
    assert money.due_date(kind=Kind.CREDIT_NOTE, issued_on=datetime.date(2026, 3, 25), bl_date=BL_DATE,
                          payment_days=60) == datetime.date(2026, 3, 25)


# --- What each invoice bills -----------------------------------------------------------------------


def test_the_provisional_invoice_bills_the_bl_tonnes_at_the_contract_price():
    # 60,000 t x 95.80 = 5,748,000.00 USD.
    assert money.cargo_value(D(60000), D("95.80")) == D("5748000.00")
    # Rounded half up at the end of the line: 1,000.005 t x 95.80 = 95,800.479 -> 95,800.48.
    assert money.cargo_value(D("1000.005"), D("95.80")) == D("95800.48")


def test_a_prepayment_is_its_share_of_the_contract_value():
    # 30 % of 60,000 t x 95.80 (5,748,000.00) = 1,724,400.00.
    assert money.prepayment_amount(D("5748000.00"), D(30)) == D("1724400.00")
    # 12.5 % of 1,000.01 = 125.00125 -> 125.00.
    assert money.prepayment_amount(D("1000.01"), D("12.5")) == D("125.00")


def test_a_prepayment_is_deducted_in_equal_shares_the_last_taking_the_rounding():
    # 1,724,400.00 over 3 shipments = 574,800.00 each.
    assert money.prepayment_shares(D("1724400.00"), 3) == [D("574800.00")] * 3
    # 100.00 over 3: 33.33, 33.33 and 33.34 (= 100.00 - 66.66).
    assert money.prepayment_shares(D("100.00"), 3) == [D("33.33"), D("33.33"), D("33.34")]


def test_the_final_invoice_bills_the_final_value_less_what_was_billed_before():
    # A prepayment share of 574,800.00 and a provisional invoice of 1,341,200.00, on a final value of
    # 1,900,000.00: the final invoice bills 1,900,000.00 - 574,800.00 - 1,341,200.00 = -16,000.00.
    assert money.balance(D("1900000.00"), [D("574800.00"), D("1341200.00")]) == D("-16000.00")
    assert money.balance(D("2000000.00"), [D("574800.00"), D("1341200.00")]) == D("84000.00")


# --- Settling the invoices -----------------------------------------------------------------------


def test_a_payment_settles_the_oldest_due_invoice_first_and_keeps_the_rest_on_account():
    items = [OpenItem(3, datetime.date(2026, 4, 30), D("200.00")),
             OpenItem(1, datetime.date(2026, 3, 31), D("500.00")),
             OpenItem(2, datetime.date(2026, 3, 31), D("400.00"))]
    # 1,000.00: invoice 1 (due 31 March, first issued) 500.00, invoice 2 (same day) 400.00, invoice 3 the
    # last 100.00 of its 200.00.
    assert money.allocate_fifo(D("1000.00"), items) == (
        [Allocation(1, D("500.00")), Allocation(2, D("400.00")), Allocation(3, D("100.00"))], D("0.00"))
    # 1,250.00 settles all three (1,100.00) and leaves 150.00 on account.
    assert money.allocate_fifo(D("1250.00"), items)[1] == D("150.00")


def test_fifo_skips_what_is_settled_or_in_credit():
    items = [OpenItem(1, datetime.date(2026, 3, 1), D(0)), OpenItem(2, datetime.date(2026, 3, 2), D("-50.00")),
             OpenItem(3, datetime.date(2026, 3, 3), D("80.00"))]
    assert money.allocate_fifo(D("100.00"), items) == ([Allocation(3, D("80.00"))], D("20.00"))


def test_open_amount_is_the_invoice_less_payments_and_credit_notes_against_it():
    # 5,748,000.00 - 5,000,000.00 paid - 5,748.00 credited = 742,252.00.
    assert money.open_amount(D("5748000.00"), D("5000000.00"), D("-5748.00")) == D("742252.00")


# --- The worked example, step by step ---------------------------------------------------------------


def test_the_coal_cargo_on_lc_at_sight_leaves_585488_36_outstanding():
    # 1. B/L 60,000 t on 5 March 2026: the provisional invoice bills 60,000 x 95.80 = 5,748,000.00 USD,
    #    due at sight (on issue).
    provisional = money.cargo_value(D(60000), D("95.80"))
    assert provisional == D("5748000.00")
    assert money.due_date(kind=Kind.PROVISIONAL, issued_on=BL_DATE, bl_date=BL_DATE) == BL_DATE
    # 2. A part payment of 5,000,000.00 leaves 5,748,000.00 - 5,000,000.00 = 748,000.00 outstanding.
    allocations, on_account = money.allocate_fifo(D("5000000.00"), [OpenItem(1, BL_DATE, provisional)])
    assert (allocations, on_account) == ([Allocation(1, D("5000000.00"))], D(0))
    outstanding = money.open_amount(provisional, D("5000000.00"))
    assert outstanding == D("748000.00")
    # 3. Final value on the B/L (the contract's quantity basis), discharge assay NAR 5,350 against 5,500:
    #    95.80 x 5,350 / 5,500 = 93.1872727... USD/t; 60,000 x 93.1872727... = 5,591,236.3636... = 5,591,236.36.
    final_value = money.cargo_value(D(60000), D("95.80") * D(5350) / D(5500))
    assert final_value == D("5591236.36")
    #    The final invoice bills 5,591,236.36 - 5,748,000.00 = -156,763.64: issued as a credit note.
    final_balance = money.balance(final_value, [provisional])
    assert final_balance == D("-156763.64")
    # 4. The short-landing claim (60 t beyond the 0.5 % allowance x 95.80) is settled by a credit note of
    #    -5,748.00. Outstanding = 748,000.00 - 156,763.64 - 5,748.00 = 585,488.36.
    credit_note = -money.cargo_value(D(60), D("95.80"))
    assert credit_note == D("-5748.00")
    assert money.open_amount(provisional, D("5000000.00"), final_balance + credit_note) == D("585488.36")


# --- Ageing and DSO ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("today", "late", "bucket"), [
    (datetime.date(2026, 3, 5), 0, Bucket.CURRENT),  # due today: not overdue yet
    (datetime.date(2026, 3, 6), 1, Bucket.DAYS_1_30),
    (datetime.date(2026, 4, 4), 30, Bucket.DAYS_1_30),  # 26 days of March + 4 of April
    (datetime.date(2026, 4, 5), 31, Bucket.DAYS_31_60),
    (datetime.date(2026, 5, 4), 60, Bucket.DAYS_31_60),
    (datetime.date(2026, 5, 5), 61, Bucket.DAYS_61_90),
    (datetime.date(2026, 6, 3), 90, Bucket.DAYS_61_90),
    (datetime.date(2026, 6, 4), 91, Bucket.OVER_90),
])
def test_an_overdue_amount_ages_in_buckets_of_30_days(today, late, bucket):
    assert money.days_overdue(BL_DATE, today) == late
    assert money.ageing_bucket(BL_DATE, today) == bucket


def test_dso_is_outstanding_over_credit_sales_times_the_days():
    # 1,000,000 outstanding on 3,000,000 invoiced in a 90-day quarter: 1/3 x 90 = 30.0 days.
    assert money.days_sales_outstanding(D(1000000), D(3000000), 90) == D("30.0")
    # The worked example over a 90-day period: invoiced net 5,748,000.00 - 156,763.64 - 5,748.00 =
    # 5,585,488.36; 585,488.36 / 5,585,488.36 x 90 = 9.434... = 9.4 days.
    assert money.days_sales_outstanding(D("585488.36"), D("5585488.36"), 90) == D("9.4")
    assert money.days_sales_outstanding(D(100), D(0), 90) is None


def test_a_balance_in_the_customers_favour_is_0_days_outstanding():
    # A provisional invoice of 26,020,188.32 paid in full, the final value 13,302.90 below it: the customer is owed
    # 13,302.90 (outstanding -13,302.90). -13,302.90 / 26,020,188.32 x 90 would be -0.046 days: 0.0, not fewer.
    assert money.days_sales_outstanding(D("-13302.90"), D("26020188.32"), 90) == D("0.0")
    assert money.days_sales_outstanding(D(0), D("26020188.32"), 90) == D("0.0")
    # Still None without sales in the period.
    assert money.days_sales_outstanding(D("-13302.90"), D(0), 90) is None
