"""Held to what Django REST framework writes: an API page written by our serializers' `to_representation`
(bulksales/api/representation.py) and the same page written by DRF's own, field for field."""

from typing import Any

from rest_framework import serializers
from rest_framework.test import APIClient

from bulksales.api import representation


def assert_written_as_drf_writes(client: APIClient, url: str, monkeypatch: Any) -> None:
    ours = client.get(url)
    assert ours.status_code == 200
    with monkeypatch.context() as drf_only:
        drf_only.setattr(representation.ModelSerializer, "to_representation",
                         serializers.ModelSerializer.to_representation)
        theirs = client.get(url)
    assert ours.json()["results"], f"{url} lists nothing: the comparison would prove nothing"
    assert ours.json() == theirs.json()
