"""Browser tests share the Playwright fixtures defined in tests/conftest.py."""
