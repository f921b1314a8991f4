"""Template context shared by every page."""

from __future__ import annotations


def law_data_version(request) -> dict:
    """The legal data's version and last refresh, shown on the law pages (only computed where used)."""
    if not request.path.startswith("/law"):
        return {}
    from comity.law.api import law_data_version as version

    return {"law_data_version": version()}
