"""The API's JSON bodies: every write takes an object of fields. A list, a string, a number or null is refused
as a bad request in the user's language, before any view reads its fields (it was a server error)."""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JsonObjectParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError(_('Send the fields as one JSON object, e.g. {"name": "…"}.'))
        return data
