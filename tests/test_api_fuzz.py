"""Every operation of the API's schema, fuzzed by schemathesis from the schema itself: whatever a script sends
(bodies, path ids, query parameters, in and out of the schema's shapes), the answer is never a server error.
Run against a running server, the same fuzzing (`st run .../api/schema/`) had found three: a body that was a JSON
list, a field sent as a list or an object, and a filter's number past 64 bits on SQLite."""

import os
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from bulksales.api import tokens

from .factories import ActivityFactory, ComplaintFactory, ContactFactory, CustomerFactory, DealFactory

# Hypothesis keeps its examples under the run's var/ (git-ignored); CI draws the same examples every run.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(settings.VAR_DIR / "hypothesis"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@pytest.fixture
def scripts(cast):
    """A rep's and the director's tokens, with records for the ids the fuzzing reaches (1, 2, ... in a new
    database): customers, contacts, deals, activities, complaints."""
    for owner in (cast.rep, cast.other_rep):
        customer = CustomerFactory(owner=owner)
        ContactFactory(customer=customer)
        DealFactory(customer=customer)
        ActivityFactory(customer=customer, owner=owner)
        ComplaintFactory(customer=customer)
    clients = []
    for user in (cast.rep, cast.director):
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.token_create(user=user, name='fuzz')[1]}")
        clients.append(client)
    return clients


@schema.parametrize()
@hypothesis_settings(max_examples=20, deadline=None, derandomize=os.environ.get("CI") == "true",
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.filter_too_much])
def test_no_request_a_script_can_send_is_a_server_error(case, scripts):
    # Each operation's examples (two scripts, 20 each) stay within the throttle: every test has its own cache.
    # The request as a script would send it (requests writes the JSON, form or multipart body and its type),
    # handed to Django in-process, in the test's transaction.
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    sent = requests.Request(method=kwargs["method"], url=kwargs["url"], params=kwargs.get("params"),
                            json=kwargs.get("json"), data=kwargs.get("data"), files=kwargs.get("files")).prepare()
    address = urlsplit(sent.url)
    for client in scripts:
        response = client.generic(sent.method, address.path, data=sent.body or b"", QUERY_STRING=address.query,
                                  content_type=sent.headers.get("Content-Type", "application/octet-stream"))
        assert response.status_code < 500, (case.as_curl_command(), response.content[:500])
