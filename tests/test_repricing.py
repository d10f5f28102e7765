"""A new exchange rate with more deals not yet signed to re-price than a request should hold
(REPRICE_IN_REQUEST): saved at once, the deals re-priced by the worker in batches, with a progress bar on the
rates page; run twice or after a worker died mid-way, the same amounts; the bar read by whoever reads the rates."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline import services, tasks
from pipeline.models import Deal, ExchangeRate, Repricing

from .factories import CustomerFactory, DealFactory

OK, NOT_FOUND = 200, 404


@pytest.fixture
def usd_deals(cast, settings):
    """Five open deals and a signed one in US dollars at 7.1 (55,000 t at 80 USD: 31,240,000.00), and a request
    that re-prices at most two."""
    settings.REPRICE_IN_REQUEST = 2
    customer = CustomerFactory(owner=cast.rep)
    unsigned = [DealFactory(customer=customer, stage="negotiation") for _ in range(5)]
    signed = DealFactory(customer=customer, stage="follow_up", outcome="won", contract_number="C-1",
                         signed_on=datetime.date(2026, 6, 1))
    return unsigned, signed


def amounts(deals) -> list[tuple[Decimal, Decimal]]:
    return [Deal.objects.values_list("rate_to_base", "amount_base").get(pk=deal.pk) for deal in deals]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rate_with_many_deals_to_reprice_is_saved_at_once_and_the_worker_reprices_them(
        client_as, cast, usd_deals, django_capture_on_commit_callbacks, language):
    unsigned, signed = usd_deals
    cast.director.language = language
    cast.director.save()
    client = client_as(cast.director)
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(reverse("pipeline_settings:rate_create"),
                               {"currency": "USD", "rate": "7.2", "valid_from": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert ExchangeRate.objects.filter(currency="USD", rate=Decimal("7.2")).exists()
    # Saved, not yet re-priced: the page says so and shows the bar at nought.
    assert amounts(unsigned) == [(Decimal("7.1"), Decimal("31240000.00"))] * 5
    run = Repricing.objects.get()
    assert (run.currency, run.total, run.done, run.requested_by, run.finished_at) == ("USD", 5, 0, cast.director, None)
    page = client.get(reverse("pipeline_settings:rates")).content.decode()
    said = {"en": ["5 deals not yet signed are being re-priced: the bar below shows how far they have got.",
                   "New USD rate: 5 deals not yet signed to re-price", 'aria-valuenow="0"'],
            "zh-hans": ["5 笔尚未签约的交易正在重新折算：下方进度条显示进展。",
                        "USD 新汇率：需重新折算 5 笔尚未签约的交易", 'aria-valuenow="0"']}[language]
    assert all(text in page for text in said), page
    assert 'hx-trigger="every 1s"' in page
    # The worker's turn (the task enqueued on commit, run here).
    [start] = enqueued
    start()
    assert amounts(unsigned) == [(Decimal("7.2"), Decimal("31680000.00"))] * 5
    assert amounts([signed]) == [(Decimal("7.1"), Decimal("31240000.00"))]
    run.refresh_from_db()
    assert (run.done, run.progress, run.error) == (5, 100, "") and run.finished_at is not None
    bar = client.get(reverse("pipeline_settings:repricing_progress", args=[run.pk])).content.decode()
    assert {"en": "5 deals re-priced at", "zh-hans": "已重新折算 5 笔交易"}[language] in bar
    assert "hx-trigger" not in bar  # finished: no more polling


def test_a_few_deals_are_repriced_in_the_request_as_before(client_as, cast, usd_deals, settings):
    settings.REPRICE_IN_REQUEST = 6
    unsigned, _signed = usd_deals
    response = client_as(cast.director).post(
        reverse("pipeline_settings:rate_create"),
        {"currency": "USD", "rate": "7.2", "valid_from": timezone.localdate().isoformat()}, follow=True)
    assert "5 deals not yet signed were re-priced." in response.content.decode()
    assert amounts(unsigned) == [(Decimal("7.2"), Decimal("31680000.00"))] * 5
    assert not Repricing.objects.exists()


def test_a_worker_killed_mid_way_loses_nothing_and_a_second_run_writes_the_same(cast, usd_deals, monkeypatch):
    unsigned, _signed = usd_deals
    saved = services.exchange_rate_save(rate=ExchangeRate(currency="USD", valid_from=timezone.localdate(),
                                                          rate=Decimal("7.2")), by=cast.director)
    assert saved.repriced == 5 and saved.run is not None
    real = services._reprice
    calls = []

    def dies_on_the_second_batch(deals, currency):
        calls.append(currency)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an error the run records: the process is gone
        return real(deals, currency)

    monkeypatch.setattr(services, "_reprice", dies_on_the_second_batch)
    with pytest.raises(SystemExit):
        services.repricing_run(run_id=saved.run.pk, batch=2)
    # The first batch committed, the second rolled back; the run is unfinished (its message is redelivered).
    assert amounts(unsigned) == [(Decimal("7.2"), Decimal("31680000.00"))] * 2 + [
        (Decimal("7.1"), Decimal("31240000.00"))] * 3
    run = Repricing.objects.get()
    assert (run.done, run.finished_at, run.progress) == (2, None, 40)
    monkeypatch.setattr(services, "_reprice", real)
    assert services.repricing_run(run_id=run.pk, batch=2) == 5
    assert amounts(unsigned) == [(Decimal("7.2"), Decimal("31680000.00"))] * 5
    assert services.repricing_run(run_id=run.pk, batch=2) == 0  # finished: not redone
    # Run again as a new re-pricing of the same rate: the same rows.
    before = list(Deal.objects.order_by("pk").values_list("pk", "rate_to_base", "amount_base", "version"))
    again = Repricing.objects.create(currency="USD", total=5)
    assert services.repricing_run(run_id=again.pk) == 5
    assert list(Deal.objects.order_by("pk").values_list("pk", "rate_to_base", "amount_base", "version")) == before


def test_a_failed_repricing_says_so_and_keeps_the_deals_it_did_not_reach(client_as, cast, usd_deals, monkeypatch):
    unsigned, _signed = usd_deals
    run = Repricing.objects.create(currency="USD", total=5, requested_by=cast.director)
    monkeypatch.setattr(services, "rate_for", lambda currency: (_ for _ in ()).throw(RuntimeError("no rate")))
    with pytest.raises(RuntimeError):
        services.repricing_run(run_id=run.pk)
    run.refresh_from_db()
    assert run.error == "RuntimeError: no rate" and run.finished_at is not None
    assert amounts(unsigned) == [(Decimal("7.1"), Decimal("31240000.00"))] * 5
    bar = client_as(cast.director).get(reverse("pipeline_settings:repricing_progress", args=[run.pk])).content.decode()
    assert "The re-pricing stopped with an error" in bar and "bg-danger" in bar


@pytest.mark.parametrize("role", ["director", "manager", "rep", "service", "marketing"])
def test_whoever_reads_the_rates_follows_a_repricing_and_an_unknown_one_is_not_found(client_as, cast, role):
    run = Repricing.objects.create(currency="USD", total=100, done=40, requested_by=cast.director)
    client = client_as(cast.by_role(role))
    response = client.get(reverse("pipeline_settings:repricing_progress", args=[run.pk]))
    assert response.status_code == OK and 'aria-valuenow="40"' in response.content.decode()
    assert client.get(reverse("pipeline_settings:repricing_progress", args=[run.pk + 1])).status_code == NOT_FOUND
    assert f'id="repricing-{run.pk}"' in client.get(reverse("pipeline_settings:rates")).content.decode()
    client_as(None)
    assert client.get(reverse("pipeline_settings:repricing_progress", args=[run.pk])).status_code == 302


def test_a_rate_from_a_later_day_changes_no_price_and_starts_no_repricing(client_as, cast, usd_deals):
    unsigned, _signed = usd_deals
    later = timezone.localdate() + datetime.timedelta(days=7)
    response = client_as(cast.director).post(reverse("pipeline_settings:rate_create"),
                                             {"currency": "USD", "rate": "7.5", "valid_from": later.isoformat()},
                                             follow=True)
    assert "5 deals not yet signed stay priced at today&#x27;s rate." in response.content.decode()
    assert not Repricing.objects.exists()
    assert amounts(unsigned) == [(Decimal("7.1"), Decimal("31240000.00"))] * 5


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_rate_scheduled_for_today_reprices_the_unsigned_deals_that_night_once(client_as, cast, usd_deals,
                                                                               language):
    """A rate saved for a later day changes no price then; the night its day comes, the job re-prices the deals
    not yet signed at it (in the worker, shown on the rates page), and a second run changes nothing."""
    unsigned, signed = usd_deals
    ExchangeRate.objects.create(currency="USD", valid_from=timezone.localdate(), rate=Decimal("7.3"))
    ExchangeRate.objects.create(currency="EUR", valid_from=timezone.localdate() + datetime.timedelta(days=3),
                                rate=Decimal("7.9"))  # not in force yet: nothing to do in euros
    assert tasks.reprice_at_rates_in_force.delay().get() == 1
    assert amounts(unsigned) == [(Decimal("7.3"), Decimal("32120000.00"))] * 5  # 55,000 t × 80 × 7.3
    assert amounts([signed]) == [(Decimal("7.1"), Decimal("31240000.00"))]
    run = Repricing.objects.get()
    assert (run.currency, run.scheduled, run.requested_by, run.done, run.progress) == ("USD", True, None, 5, 100)
    assert tasks.reprice_at_rates_in_force.delay().get() == 0
    assert Repricing.objects.count() == 1
    cast.rep.language = language
    cast.rep.save()
    page = client_as(cast.rep).get(reverse("pipeline_settings:rates")).content.decode()
    assert {"en": "started by the nightly job at", "zh-hans": "由每日任务于"}[language] in page
