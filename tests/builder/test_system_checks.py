"""A missing font, template or data file is an error at start-up, not a broken document."""

from __future__ import annotations

from comity.builder import checks, system_checks


def _ids(errors):
    return [e.id for e in errors]


def test_installed_system_passes():
    assert system_checks.check_documents() == []


def test_missing_font_is_a_startup_error(monkeypatch):
    monkeypatch.setattr(system_checks, "installed_font_families", lambda: {"Noto Sans", "DejaVu Sans"})
    errors = system_checks.check_documents()
    assert _ids(errors) == ["builder.E003", "builder.E003"]
    assert "Noto Naskh Arabic" in errors[0].msg and "setup-system.sh --documents" in errors[0].hint


def test_missing_fontconfig_is_a_startup_error(monkeypatch):
    monkeypatch.setattr(system_checks, "installed_font_families", lambda: None)
    assert _ids(system_checks.check_documents()) == ["builder.E002"]


def test_missing_template_is_a_startup_error(monkeypatch):
    monkeypatch.setattr(system_checks, "REQUIRED_TEMPLATES", ("builder/doc/nowhere.html",))
    errors = system_checks.check_documents()
    assert _ids(errors) == ["builder.E001"] and "nowhere.html" in errors[0].msg


def test_broken_data_is_a_startup_error(monkeypatch):
    def broken(name):
        raise checks.DataError(f"{name}.yaml: purpose: unexpected keys")
    monkeypatch.setattr(checks, "load", broken)
    errors = system_checks.check_documents()
    assert set(_ids(errors)) == {"builder.E004"} and "unexpected keys" in errors[0].msg


def test_stray_comma_in_data_is_caught():
    import pytest

    with pytest.raises(checks.DataError, match="unexpected keys"):
        checks._validate("fields", {"fields": {"purpose": {"label": "Purpose of the evidence", "type": "text",
                                                           "max": 10, "information or measure": None}}})


def test_the_check_is_registered_with_django():
    from django.core import checks as dj_checks

    assert system_checks.check_documents in dj_checks.registry.registry.get_checks()
