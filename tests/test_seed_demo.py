"""`manage.py seed_demo`: the documented demo organisation, deterministic and safe to run twice."""

from django.core.management import call_command

from accounts import demo
from accounts.models import Attendance, Department, Position, Team, Training, User
from customers.models import Complaint, Contact, Customer, SatisfactionSurvey, TierChange
from pipeline.models import Activity, Deal, MarketResearch, Reminder, StageMove


def counts():
    models = (User, Department, Team, Training, Attendance, Customer, Contact, Complaint, SatisfactionSurvey, TierChange,
              Deal, StageMove, Activity, MarketResearch, Reminder)
    return [model.objects.count() for model in models]


def test_seed_demo_builds_the_organisation_the_readme_documents(db):
    call_command("seed_demo")
    assert User.objects.filter(position=Position.DIRECTOR).count() == 1
    assert Team.objects.count() == 3
    for team in Team.objects.all():
        assert team.manager.position == Position.MANAGER
        assert team.members.filter(position=Position.REP).count() == 4
    assert User.objects.filter(position=Position.ACCOUNT_MANAGER).count() == 3
    assert User.objects.filter(position=Position.CUSTOMER_SERVICE).count() == 2
    assert User.objects.filter(position=Position.MARKETING).count() == 1
    assert set(Department.objects.values_list("name_zh", flat=True)) == {"销售部", "市场部", "客户服务部", "业务拓展部"}


def test_seed_demo_adds_customers_in_china_and_abroad_with_complaints_in_every_state(db):
    call_command("seed_demo")
    assert Customer.objects.count() == 200
    assert Customer.objects.exclude(country="CN").count() == 20
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    assert set(Customer.objects.values_list("tier", flat=True)) == {"high", "general", "low"}
    assert set(Complaint.objects.values_list("status", flat=True)) == {"open", "investigating", "resolved", "closed"}
    assert SatisfactionSurvey.objects.count() > 100


def test_every_demo_login_signs_in_with_the_documented_password(client, db):
    call_command("seed_demo")
    for username, _name, _position in demo.demo_logins():
        response = client.post("/accounts/login/", {"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.logout()


def test_running_seed_demo_twice_adds_nothing(db):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first


def test_if_empty_leaves_a_database_with_users_alone(db, capsys):
    User.objects.create_user("someone", password="x-long-password-1")
    call_command("seed_demo", "--if-empty")
    assert User.objects.count() == 1
    assert "left as it is" in capsys.readouterr().out


def test_the_readme_lists_every_demo_login(settings):
    readme = (settings.BASE_DIR / "README.md").read_text()
    for username, _name, _position in demo.demo_logins():
        assert f"`{username}`" in readme, username
    assert demo.DEMO_PASSWORD in readme


def test_seed_demo_adds_a_living_pipeline(db):
    call_command("seed_demo")
    assert 300 <= Deal.objects.count() <= 400
    assert set(Deal.objects.values_list("stage", flat=True)) == {"research", "development", "negotiation", "follow_up"}
    assert set(Deal.objects.values_list("outcome", flat=True)) == {"open", "won", "lost"}
    won = Deal.objects.filter(outcome="won")
    assert not won.filter(contract_number="").exists() and not won.filter(signed_on__isnull=True).exists()
    assert StageMove.objects.filter(to_outcome="won").count() == won.count()
    assert Activity.objects.count() > 2000
    assert not Customer.objects.exclude(status="lost").filter(last_contacted_at__isnull=True).exists()
    assert MarketResearch.objects.count() == 40
    assert Reminder.objects.exists()
