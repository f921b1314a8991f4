"""Decision support: explained assessments of extradition, MLA, Red Notice and transfer requests.

    >>> from comity.law.assess import assess
    >>> result = assess({"kind": "extradition", "requesting_state": "US", "requested_state": "GB",
    ...                  "date": "2024-01-01", "purpose": "prosecution",
    ...                  "offences": [{"description": "murder", "max_penalty_months": 1200,
    ...                                "criminal_in_requested": True, "death_penalty_possible": True}]})
    >>> result["outcome"], [g["code"] for g in result["grounds"]]
    ('mandatory_bar', ['death_penalty'])

Pure Python (no Django). Advisory, never a verdict.
"""

from .engine import assess, assess_facts, merge, outcome
from .facts import Facts, InvalidFacts, Offence, Person, validate_facts
from .rules import RULES_VERSION
from .vocabulary import GROUNDS, vocabulary

__all__ = [
    "GROUNDS",
    "Facts",
    "InvalidFacts",
    "Offence",
    "Person",
    "RULES_VERSION",
    "assess",
    "assess_facts",
    "merge",
    "outcome",
    "validate_facts",
    "vocabulary",
]
