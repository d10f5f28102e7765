"""Print a new personal API token for a user (for scripts and tests)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import RuleError
from bulksales.api import tokens


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, shown on the profile page.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"{user.username} is deactivated: their tokens would not work.")
        try:
            _token, key = tokens.token_create(user=user, name=options["name"])
        except RuleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(key)
