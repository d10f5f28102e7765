"""The bench's breakdown of a request (tests/bench/measure.py `Breakdown`), which the before/after notes of
docs/benchmark.md read to see where a page's time goes: its SQL, compiling querysets into SQL, rendering."""

import time

from django.db.models.sql.compiler import SQLAggregateCompiler, SQLCompiler
from django.template.base import Template
from django.urls import reverse

from tests.bench.measure import Breakdown


def test_a_pages_time_is_split_into_sql_compiling_and_rendering_and_django_is_left_as_it_was(client_as, cast,
                                                                                             customer):
    compile_sql, count_sql, render = SQLCompiler.as_sql, SQLAggregateCompiler.as_sql, Template.render
    client = client_as(cast.rep)
    client.get(reverse("customers:detail", args=[customer.pk]))  # warm: templates loaded, content types read

    with Breakdown() as breakdown:
        began = time.perf_counter()
        response = client.get(reverse("customers:detail", args=[customer.pk]))
        took = time.perf_counter() - began

    assert response.status_code == 200 and customer.name in response.text
    assert breakdown.sql.seconds > 0 and breakdown.compiling > 0 and breakdown.rendering > 0
    # Rendering excludes the SQL and compiling a template sets off: no part counts another's time.
    assert breakdown.sql.seconds + breakdown.compiling + breakdown.rendering <= took
    assert SQLCompiler.as_sql is compile_sql and Template.render is render
    assert SQLAggregateCompiler.as_sql is count_sql
