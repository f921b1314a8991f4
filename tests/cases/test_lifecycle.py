"""The lifecycles are data; these tests hold the data to its promises."""

import pytest

from comity.cases.lifecycle import LifecycleError, lifecycles, parse_lifecycles
from comity.cases.models import RequestKind

pytestmark = pytest.mark.filterwarnings("ignore")


def test_every_request_kind_has_a_lifecycle():
    assert set(lifecycles()) == set(RequestKind.values)


@pytest.mark.parametrize("kind", RequestKind.values)
def test_every_state_is_reachable_from_a_start(kind):
    lc = lifecycles()[kind]
    reached = set(lc.initial.values())
    frontier = list(reached)
    while frontier:
        s = frontier.pop()
        for t in lc.transitions:
            if s in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(lc.states), f"unreachable in {kind}: {set(lc.states) - reached}"


@pytest.mark.parametrize("kind", RequestKind.values)
def test_terminal_states_have_no_way_out(kind):
    lc = lifecycles()[kind]
    for t in lc.transitions:
        assert not (t.sources & lc.terminal), f"{kind}.{t.name} leaves a terminal state"


def test_every_clock_has_a_citation_and_a_length():
    for lc in lifecycles().values():
        for c in lc.clocks.values():
            assert c.citation and (c.days or c.months)


def test_european_convention_clocks_are_18_and_40_days():
    clocks = lifecycles()["extradition"].clocks
    assert clocks["provisional_arrest_request_due"].days == 18
    assert clocks["provisional_arrest_release"].days == 40
    assert "Art 16" in clocks["provisional_arrest_release"].citation
    assert clocks["eaw_decision_due"].days == 60 and clocks["eaw_decision_after_consent_due"].days == 10


@pytest.mark.parametrize("bad, where", [
    ("x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: nope}\n", "initial.incoming"),
    ("x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: a}\n  transitions:\n"
     "    - {name: go, from: [a], to: b, roles: [caseworker]}\n", "transitions[0].to"),
    ("x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: a}\n  transitions:\n"
     "    - {name: go, from: [a], to: a, roles: [janitor]}\n", "transitions[0].roles"),
    ("x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: a}\n  clocks:\n    c: {days: 3, legal: false}\n",
     "clocks.c.citation"),
    ("x:\n  states: {a: A}\n  initial: {outgoing: a, incoming: a}\n  clocks:\n    c: {days: 3}\n", "clocks.c.rule"),
])
def test_inconsistent_lifecycle_data_is_refused_naming_the_field(bad, where):
    with pytest.raises(LifecycleError) as e:
        parse_lifecycles(bad)
    assert where in str(e.value)
