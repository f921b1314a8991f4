"""Retention of a case's data: the day it is due for review or erasure.

Pure Python. The default period of each kind of request is a dated parameter of the law
(``retention.<kind>.years``, data/parameters/retention.yaml: the instance's policy under Directive (EU)
2016/680 Art 5), counted from the end of the proceedings; the value used is the one in force on that day.
Undertakings given about the data (a date set by the providing State, disposal some months after the
proceedings) can only bring the day forward: the earliest date applies.

An undertaking is anything with ``kind`` ("by_date", "after_proceedings" or "use_limitation"), ``text``,
``dispose_by`` and ``months_after_proceedings`` (the oversight app passes its RetentionUndertaking rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .dates import add_months
from .loader import LawData

PREFIX, SUFFIX = "retention.", ".years"
FALLBACK = "none"  # a case without any request, and a kind without its own period

BY_DATE, AFTER_PROCEEDINGS, USE_LIMITATION = "by_date", "after_proceedings", "use_limitation"


@dataclass(frozen=True)
class Retention:
    proceedings_ended: dt.date | None
    due: dt.date | None
    basis: list  # [(date or None, explanation)]

    def expired(self, today: dt.date) -> bool:
        return self.due is not None and self.due <= today


def _default(law: LawData, kind: str, on: dt.date | None):
    """The kind's default period (a ParameterValue) in force on ``on``, or the latest when ``on`` is None."""
    param = law.parameters.get(f"{PREFIX}{kind}{SUFFIX}") or law.parameters[f"{PREFIX}{FALLBACK}{SUFFIX}"]
    first = param.at(param.values[0][0])
    if on is None:
        return param.at(param.values[-1][0])
    return param.at(on) or first


def compute_retention(*, kinds: Iterable[str], undertakings: Iterable[Any], proceedings_ended: dt.date | None,
                      law: LawData | None = None) -> Retention:
    """The day a case's data is due for review: the default period of its longest-kept kind of request,
    counted from the end of the proceedings, or an earlier date an undertaking sets."""
    if law is None:
        from .api import get_law

        law = get_law()
    kinds = sorted(set(kinds)) or [FALLBACK]
    longest = max(kinds, key=lambda k: int(_default(law, k, proceedings_ended).value))
    period = _default(law, longest, proceedings_ended)
    years = int(period.value)
    basis = "policy" if period.reference.lower().startswith("policy") else period.reference
    text = (f"{years} years after the end of the proceedings for {longest.replace('_', ' ')} "
            f"({basis}; {period.description})")
    candidates: list[tuple[dt.date | None, str]] = [
        (add_months(proceedings_ended, 12 * years) if proceedings_ended else None, text)]
    for u in undertakings:
        if u.kind == BY_DATE and u.dispose_by:
            candidates.append((u.dispose_by, f"undertaking: dispose by {u.dispose_by.isoformat()} ({u.text})"))
        elif u.kind == AFTER_PROCEEDINGS and u.months_after_proceedings is not None:
            d = add_months(proceedings_ended, u.months_after_proceedings) if proceedings_ended else None
            candidates.append((d, (f"undertaking: dispose {u.months_after_proceedings} months after the "
                                   f"proceedings ({u.text})")))
        elif u.kind == USE_LIMITATION:
            candidates.append((None, f"undertaking: use limited ({u.text})"))
    dates = [d for d, _ in candidates if d]
    return Retention(proceedings_ended, min(dates) if dates else None, candidates)


__all__ = ["AFTER_PROCEEDINGS", "BY_DATE", "USE_LIMITATION", "Retention", "compute_retention"]
