"""Fixtures for the oversight tests: a case holding a named person, with reads by its members."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def petrov_case(case, supervisor):
    from comity.cases import actions

    actions.do_add_entity(case, schema="Person", properties={"name": "Ivan Petrov"}, role="suspect",
                          acting_user=supervisor)
    return case


@pytest.fixture
def other_case(make_user):
    from comity.cases import actions

    owner = make_user("supervisor", "sup2")
    c = actions.do_create_case(title="Unrelated", acting_user=owner)
    actions.do_add_entity(c, schema="Person", properties={"name": "Maria Lopez"}, acting_user=owner)
    actions.do_record_access(c, acting_user=owner, what="case_view", purpose="case work (member of the case)", obj=c)
    return c
