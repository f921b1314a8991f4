"""Fixtures for case work: units, colleagues in them, and a request the builder finds ready to approve."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 takes half a second per account by design; these tests create many accounts and sign none in
    with a password, so a fast hasher keeps them quick (tests/accounts covers the real one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def unit(db):
    from comity.accounts.actions import do_create_unit

    return do_create_unit(name="Central Authority, International Cooperation Unit")


@pytest.fixture
def other_unit(db):
    from comity.accounts.actions import do_create_unit

    return do_create_unit(name="Public Prosecution Service, Economic Crime")


@pytest.fixture
def in_unit(make_user):
    """A user of a given role in a given unit."""
    from comity.accounts.actions import do_set_unit

    def make(role, unit, username=None):
        user = make_user(role, username)
        return do_set_unit(user, unit=unit)

    return make


@pytest.fixture
def ready_draft(supervisor):
    """Write a complete draft of `req` in the request builder, with no translation outstanding."""
    from comity.builder import actions as builder
    from comity.builder import checks
    from tests.builder.conftest import GOOD

    def make(req, measure="extradition", acting_user=None, languages=()):
        user = acting_user or supervisor
        draft = builder.do_start_draft(req, measure=measure, acting_user=user)
        content = {f: GOOD[f] for f in checks.fields_for(measure) if f in GOOD}
        draft = builder.do_save_draft(draft, changes=content, acting_user=user)
        return builder.do_set_required_languages(draft, languages=list(languages), acting_user=user)

    return make
