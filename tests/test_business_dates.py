"""Every date and time a user enters lies in the business range, 2000-01-01 to 2100-12-31
(accounts.bounds): the forms say so in the reader's language, the services refuse it, and the
database refuses it by any other door, so that no saved value can break a page. (Year 1 in
Asia/Shanghai is before year 1 in UTC: once saved, every page that read it answered 500.)"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts import bounds, services
from accounts.models import Training
from accounts.services import RuleError
from customers import complaints
from customers import services as customer_services
from customers.models import Complaint, SatisfactionSurvey
from pipeline import activities, research
from pipeline import services as pipeline_services
from pipeline.models import Activity, Deal, ExchangeRate, MarketResearch

from .factories import (
    ActivityFactory,
    ComplaintFactory,
    CustomerFactory,
    DealFactory,
    ExchangeRateFactory,
    MarketResearchFactory,
    SurveyFactory,
    TrainingFactory,
)
from .test_hostile_input import (
    BOUNDED,
    activity_create,
    complaint_create,
    deal_create,
    deal_sign,
    post_and_check,
    survey_create,
    training_create,
)
from .test_research import research_form

YEAR_ONE_MOMENT = "0001-01-01T00:00"
YEAR_ONE_DAY = "0001-01-01"
MESSAGE = "Enter a date between 2000-01-01 and 2100-12-31."
MESSAGE_ZH = "请输入 2000-01-01 至 2100-12-31 之间的日期。"
OUT_OF_RANGE = [YEAR_ONE_DAY, "1999-12-31", "2101-01-01", "9999-12-31"]

# (the form, the field, a value outside the range)
FORM_FIELDS = [
    (complaint_create, "received_at", YEAR_ONE_MOMENT),
    (activity_create, "happened_at", YEAR_ONE_MOMENT),
    (activity_create, "next_step_due", "2101-01-01"),
    (deal_create, "laycan_start", YEAR_ONE_DAY),
    (deal_create, "laycan_end", "9999-12-31"),
    (deal_create, "expected_signing_date", YEAR_ONE_DAY),
    (deal_sign, "signed_on", YEAR_ONE_DAY),
    (survey_create, "surveyed_on", YEAR_ONE_DAY),
    (training_create, "starts_on", YEAR_ONE_DAY),
]
FORM_IDS = [f"{make.__name__}-{name}" for make, name, _ in FORM_FIELDS]


def form_errors(response, name: str) -> list[str]:
    return list(response.context["form"].errors.get(name, []))


@pytest.mark.parametrize("make_case,name,value", FORM_FIELDS, ids=FORM_IDS)
def test_a_date_outside_the_business_range_is_a_form_error_and_stores_nothing(client_as, cast, make_case, name,
                                                                                 value):
    case = make_case(cast)
    response, _ = post_and_check(client_as(case.user), case, case.data | {name: value})
    assert response.status_code == 200
    assert MESSAGE in form_errors(response, name)


@pytest.mark.parametrize("make_case,name,value", FORM_FIELDS, ids=FORM_IDS)
def test_the_form_error_is_in_chinese_for_a_chinese_reader(client_as, cast, make_case, name, value):
    case = make_case(cast)
    case.user.language = "zh-hans"
    case.user.save(update_fields=["language"])
    response, _ = post_and_check(client_as(case.user), case, case.data | {name: value})
    assert response.status_code == 200
    assert MESSAGE_ZH in form_errors(response, name)


def test_research_and_exchange_rate_forms_refuse_year_one(client_as, cast):
    response = client_as(cast.marketing).post(reverse("research:create"), research_form(researched_on=YEAR_ONE_DAY))
    assert response.status_code == 200 and MESSAGE in form_errors(response, "researched_on")
    response = client_as(cast.director).post(reverse("pipeline_settings:rate_create"),
                                             {"currency": "EUR", "rate": "7.8", "valid_from": YEAR_ONE_DAY})
    assert response.status_code == 200 and MESSAGE in form_errors(response, "valid_from")
    assert not MarketResearch.objects.exists() and not ExchangeRate.objects.filter(currency="EUR").exists()


@pytest.mark.parametrize("make_case,name,value", [
    (complaint_create, "received_at", "2000-01-01T00:00"),
    (deal_create, "laycan_end", "2100-12-31"),
], ids=["first-moment", "last-day"])
def test_the_first_and_last_business_days_are_accepted(client_as, cast, make_case, name, value):
    case = make_case(cast)
    response, _ = post_and_check(client_as(case.user), case, case.data | {name: value})
    assert response.status_code == 302


# --- The services refuse them too ------------------------------------------------------------------------

def year_one_moment() -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(1, 1, 1))  # what the form makes of 0001-01-01T00:00


def test_recording_a_complaint_received_in_year_one_is_refused(cast):
    customer = CustomerFactory(owner=cast.rep)
    with pytest.raises(RuleError, match="2000-01-01"):
        complaints.complaint_record(
            customer=customer, contact=None, category=Complaint.Category.QUALITY, severity=Complaint.Severity.LOW,
            channel=Complaint.Channel.PHONE, description="Ash", contract_number="", claimed_amount=None,
            claimed_currency="", assignee=cast.service, received_at=year_one_moment(), by=cast.service)
    assert not Complaint.objects.exists()


def test_logging_a_visit_in_year_one_is_refused(cast):
    activity = Activity(customer=CustomerFactory(owner=cast.rep), owner=cast.rep, kind=Activity.Kind.VISIT,
                        happened_at=year_one_moment(), summary="Met them")
    with pytest.raises(RuleError, match="2000-01-01"):
        activities.activity_log(activity=activity, contacts=[], by=cast.rep)
    assert not Activity.objects.exists()


def test_a_deal_with_a_laycan_in_year_9999_is_refused(cast):
    deal = DealFactory.build(customer=CustomerFactory(owner=cast.rep), laycan_start=datetime.date(9999, 12, 1),
                             laycan_end=datetime.date(9999, 12, 31))
    deal.commodity.save()
    deal.discharge_port.save()
    deal.commodity_id, deal.discharge_port_id = deal.commodity.pk, deal.discharge_port.pk
    with pytest.raises(RuleError, match="2100-12-31"):
        pipeline_services.deal_save(deal=deal, by=cast.rep)
    assert not Deal.objects.exists()


def test_signing_in_year_one_is_refused(cast):
    deal = DealFactory(customer=CustomerFactory(owner=cast.rep))
    with pytest.raises(RuleError, match="2000-01-01"):
        pipeline_services.deal_sign(deal=deal, terms=Deal.objects.get(pk=deal.pk), contract_number="BS-1",
                                    signed_on=datetime.date(1, 1, 1), by=cast.rep, expected_version=deal.version)
    assert Deal.objects.get(pk=deal.pk).signed_on is None


def test_research_rates_surveys_and_trainings_in_year_one_are_refused(cast):
    day = datetime.date(1, 1, 1)
    with pytest.raises(RuleError):
        research.research_save(research=MarketResearchFactory.build(author=cast.marketing, researched_on=day,
                                                                     commodity=DealFactory().commodity),
                               by=cast.marketing)
    with pytest.raises(RuleError):
        pipeline_services.exchange_rate_save(rate=ExchangeRate(currency="EUR", valid_from=day, rate=Decimal("7.8")))
    customer = CustomerFactory(owner=cast.rep)
    with pytest.raises(RuleError):
        customer_services.survey_record(survey=SatisfactionSurvey(
            customer=customer, surveyed_on=day, method="visit", product_quality=4, delivery=4, service=4,
            recommend=8), by=cast.rep)
    with pytest.raises(RuleError):
        services.training_save(training=Training(title="Laytime", starts_on=day, ends_on=datetime.date(2026, 1, 1),
                                                 trainer="张伟", created_by=cast.manager),
                               attendees=[], by=cast.manager)
    assert not MarketResearch.objects.exists() and not SatisfactionSurvey.objects.exists()
    assert not Training.objects.exists() and not ExchangeRate.objects.filter(currency="EUR").exists()


# --- The database refuses them by any other door ---------------------------------------------------------

YEAR_ONE_UTC = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
DAY_ONE = datetime.date(1, 1, 1)
COLUMNS = [
    (ComplaintFactory, Complaint, "received_at", YEAR_ONE_UTC),
    (ActivityFactory, Activity, "happened_at", YEAR_ONE_UTC),
    (ActivityFactory, Activity, "next_step_due", datetime.date(2101, 1, 1)),
    (DealFactory, Deal, "laycan_start", DAY_ONE),
    (DealFactory, Deal, "laycan_end", datetime.date(9999, 12, 31)),
    (DealFactory, Deal, "expected_signing_date", DAY_ONE),
    (ExchangeRateFactory, ExchangeRate, "valid_from", DAY_ONE),
    (MarketResearchFactory, MarketResearch, "researched_on", DAY_ONE),
    (SurveyFactory, SatisfactionSurvey, "surveyed_on", DAY_ONE),
    (TrainingFactory, Training, "starts_on", DAY_ONE),
]


@pytest.mark.parametrize("factory,model,name,value", COLUMNS, ids=[f"{m.__name__}.{n}" for _, m, n, _ in COLUMNS])
def test_the_database_refuses_a_date_outside_the_business_range(cast, factory, model, name, value):
    record = factory()
    if name == "starts_on":
        value_fields = {"starts_on": value}  # ends_on after starts_on holds
    else:
        value_fields = {name: value}
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(**value_fields)


def test_the_database_keeps_a_days_margin_for_every_time_zone(cast):
    complaint = ComplaintFactory()
    # 2000-01-01 00:00 in UTC+14 is 1999-12-31 10:00 UTC: a business moment somewhere.
    Complaint.objects.filter(pk=complaint.pk).update(
        received_at=datetime.datetime(1999, 12, 31, 10, tzinfo=datetime.UTC))
    assert Complaint.objects.get(pk=complaint.pk).received_at.year == 1999


# --- Property: whatever date a form's date field receives, never a 500, never a value outside -------------

date_text = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.datetimes().map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from([YEAR_ONE_MOMENT, YEAR_ONE_DAY, "9999-12-31T23:59", "1999-12-31T23:59", "2100-12-31T23:59"]),
)


@pytest.mark.parametrize("make_case,name,value", FORM_FIELDS, ids=FORM_IDS)
@BOUNDED
@given(text=date_text)
def test_no_date_in_a_form_breaks_it_or_is_stored_outside_the_range(client_as, cast, make_case, name, value, text):
    case = make_case(cast)
    response, page = post_and_check(client_as(case.user), case, case.data | {name: text})
    if response.status_code == 302:
        assert all(bounds.in_business_range(getattr(record, name))
                   for model in (Complaint, Activity, Deal, SatisfactionSurvey, Training)
                   if name in {field.name for field in model._meta.fields}
                   for record in model.objects.exclude(**{f"{name}__isnull": True}))


# --- Rows already outside the range are reported, not changed --------------------------------------------

def test_the_migration_check_names_each_row_outside_the_range_and_changes_nothing(cast):
    from django.apps import apps
    from django.db import connection

    # Plant rows as they could be from before the constraints: SQLite can ignore checks; on PostgreSQL
    # the two checks are dropped inside the test's transaction (before any row is written: PostgreSQL
    # alters no table with foreign-key checks pending), which rolls the drop back.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:
            for table, constraint in (("pipeline_deal", "deal_laycan_start_in_business_range"),
                                      ("customers_satisfactionsurvey", "survey_surveyed_on_in_business_range")):
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
        try:
            deal = DealFactory(laycan_start=datetime.date(2026, 12, 1))
            survey = SurveyFactory()
            Deal.objects.filter(pk=deal.pk).update(laycan_start=DAY_ONE)
            SatisfactionSurvey.objects.filter(pk=survey.pk).update(surveyed_on=datetime.date(2101, 1, 1))
        finally:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    check = bounds.refuse_out_of_range(
        ("pipeline", "Deal", {"laycan_start": {"nullable": True}, "signed_on": {"nullable": True}}),
        ("customers", "SatisfactionSurvey", {"surveyed_on": {}}),
    )
    with pytest.raises(RuntimeError) as refused:
        check(apps, None)
    assert f"pipeline_deal id={deal.pk} laycan_start=0001-01-01" in str(refused.value)
    assert f"customers_satisfactionsurvey id={survey.pk} surveyed_on=2101-01-01" in str(refused.value)
    assert "2 saved value(s)" in str(refused.value)
    assert Deal.objects.filter(pk=deal.pk, laycan_start=DAY_ONE).exists()  # reported, not changed
