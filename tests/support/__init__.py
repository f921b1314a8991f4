"""Helpers shared by tests and benchmarks (importable as `tests.support` from the repository root)."""
