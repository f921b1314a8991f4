"""Every operation of the API with the five callers of tests/api/matrix (README.md), through Django's test client,
on the database of the run (SQLite, then PostgreSQL in the second pass of `make test`)."""

from __future__ import annotations

import json

import pytest


@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_each_caller_as_its_compartment_scope_and_token_say(client):
    from tests.api.matrix.runner import TestClientTransport, run
    from tests.api.matrix.world import build

    world = build()
    mismatches, calls = run(world, TestClientTransport(client))
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(json.dumps(m) for m in mismatches)
    assert calls > 100
