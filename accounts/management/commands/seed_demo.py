"""Build the deterministic demo data: the organisation, and whatever later apps register."""

from django.core.management.base import BaseCommand

from accounts import demo
from accounts.models import User


class Command(BaseCommand):
    help = "Load the demo organisation (and the demo data of every app). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has users.")

    def handle(self, *args, if_empty: bool = False, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data: the database already has users; left as it is.")
        else:
            demo.seed_all()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, full_name, position in demo.demo_logins():
            self.stdout.write(f"  {username:<10} {full_name:<14} {position}")
