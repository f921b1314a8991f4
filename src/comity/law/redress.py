"""Redress clocks: the day a decision on a data subject's request (access, correction or deletion) is due.

Pure Python. Each regime's period is read from the law as a dated, cited parameter: the Commission for the
Control of INTERPOL's Files through its clock rules (data/clocks.yaml, Statute of the CCF Art 40), the EU Law
Enforcement Directive and national law through ``redress.*`` parameters (data/parameters/redress.yaml). The
value used is the one in force on the day the request was received.

    >>> import datetime as dt
    >>> redress_clock("EU-LED", "access", dt.date(2026, 1, 31)).due
    datetime.date(2026, 2, 28)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .clocks import compute_clocks
from .dates import add_months
from .errors import InvalidInput, field_error
from .loader import LawData

KINDS = ("access", "correction", "deletion")


@dataclass(frozen=True, slots=True)
class Regime:
    """Where the law keeps a regime's period: clock rules by kind of request (``clock_rules``, counted from
    ``request_received``), or a period parameter with an optional extension parameter (months)."""

    clock_instrument: str | None = None
    clock_rules: tuple[tuple[str, str], ...] = ()  # (kind of request, clock rule code)
    period: str | None = None
    extension: str | None = None


REGIMES: dict[str, Regime] = {
    "INTERPOL-CCF": Regime(clock_instrument="INTERPOL-CCF",
                           clock_rules=(("access", "ccf_access_decision_due"),
                                        ("correction", "ccf_correction_decision_due"),
                                        ("deletion", "ccf_correction_decision_due"))),
    "EU-LED": Regime(period="redress.eu_led.decision_months", extension="redress.eu_led.extension_months"),
    "national": Regime(period="redress.national.decision_months", extension="redress.national.extension_months"),
}


class NoPeriod(InvalidInput):
    """The regime's period did not yet apply on the day the request was received (named on ``received``)."""

    code = "no_period"

    def __init__(self, regime: str, received: dt.date, applies_from: dt.date | None):
        self.regime, self.received, self.applies_from = regime, received, applies_from
        since = f"; it applies to requests received from {applies_from.isoformat()}" if applies_from else ""
        reason = f"the law gives no {regime} period for a request received on {received.isoformat()}{since}"
        super().__init__(f"received: {reason}", [{"field": "received", "reason": reason,
                                                   "value": received.isoformat()}])


@dataclass(frozen=True)
class RedressClock:
    due: dt.date
    citation: str
    verified: bool
    extension_months: int
    extended_due: dt.date | None = None


def redress_clock(regime: str, kind: str, received: dt.date, law: LawData | None = None) -> RedressClock:
    """The date a decision is due under the regime, with the rule it comes from. A request received before the
    regime's period applied is refused naming ``received``."""
    if law is None:
        from .api import get_law

        law = get_law()
    spec = REGIMES.get(regime)
    if spec is None:
        raise field_error("regime", f"must be one of {', '.join(REGIMES)}", regime)
    if kind not in KINDS:
        raise field_error("kind", f"must be one of {', '.join(KINDS)}", kind)
    if spec.clock_instrument:
        code = dict(spec.clock_rules)[kind]
        found = [c for c in compute_clocks(law, "notices", spec.clock_instrument, {"request_received": received},
                                           None) if c.code == code]
        if not found:
            first = min((law.parameters[r.parameter].values[0][0] for r in law.clock_rules
                         if r.instrument == spec.clock_instrument and r.code == code), default=None)
            raise NoPeriod(regime, received, first)
        c = found[0]
        return RedressClock(c.due, c.citation, bool(c.verified), 0)
    param = law.parameters[spec.period]
    period = param.at(received)
    if period is None:
        raise NoPeriod(regime, received, param.values[0][0])
    extension = law.parameters[spec.extension].at(received) if spec.extension else None
    months = int(period.value)
    extra = int(extension.value) if extension is not None else 0
    return RedressClock(add_months(received, months), period.reference, bool(period.verified), extra,
                        add_months(received, months + extra) if extra else None)


__all__ = ["KINDS", "REGIMES", "NoPeriod", "RedressClock", "Regime", "redress_clock"]
