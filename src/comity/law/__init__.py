"""Computable law for cross-border criminal-justice cooperation (pure Python; never imports Django).

Legal facts are data with citations (``data/``: instruments, parties with dates, reservations, dated
parameters, offence taxonomy, country profiles); legal logic is small pure functions that name the rule
they apply.

    >>> from comity.law import legal_basis
    >>> [r.instrument for r in legal_basis("FR", "DE", "extradition", "2024-01-01")]
    ['EU-EAW']
"""

from .api import (
    check_date,
    check_kind,
    check_state,
    clocks,
    country_profile,
    coverage,
    get_law,
    iccs,
    instrument,
    instruments,
    legal_basis,
    offence_categories,
    offence_category,
    parameter,
    use_law,
)
from .basis import BasisResult, LegalBasis
from .clocks import EVENTS, Clock
from .errors import DataError, InvalidInput, LawError, UnknownInstrument, UnknownParameter, UnknownState
from .loader import LawData, compile_law, load_law
from .model import (
    COOPERATION_KINDS,
    Article,
    CountryProfile,
    Fact,
    Instrument,
    OffenceCategory,
    ParameterValue,
    Party,
    Reservation,
)

__all__ = [
    "Article",
    "BasisResult",
    "COOPERATION_KINDS",
    "Clock",
    "CountryProfile",
    "DataError",
    "EVENTS",
    "Fact",
    "Instrument",
    "InvalidInput",
    "LawData",
    "LawError",
    "LegalBasis",
    "OffenceCategory",
    "ParameterValue",
    "Party",
    "Reservation",
    "UnknownInstrument",
    "UnknownParameter",
    "UnknownState",
    "check_date",
    "check_kind",
    "check_state",
    "clocks",
    "compile_law",
    "country_profile",
    "coverage",
    "get_law",
    "iccs",
    "instrument",
    "instruments",
    "legal_basis",
    "load_law",
    "offence_categories",
    "offence_category",
    "parameter",
    "use_law",
]
