"""Legal-basis finder: which instruments a practitioner would rely on between two states, in order.

Base rule: an instrument applies between the requesting and the requested state for a kind of cooperation
when its scope covers that kind and it is in force for both states on the date asked about.

Named exceptions, applied in this order (each one records why an instrument was left out):

1. EU replacement. Between Member States taking part, an EU act replaces the corresponding Council of
   Europe conventions (EAW FD Art 31; EIO Directive Art 34; FD 2008/909 Art 26) and bilateral treaties of
   the same kind; the EAW replaces all previous extradition instruments (FD recital 11). The EU-UK TCA Title VII likewise replaces the ECE between the UK and Member States.
2. Protocols and supplementing conventions apply only with the convention they supplement.
3. Agreements of the Union with a third state (EU-UK TCA, EU-US) apply only between that state and a
   Member State.
4. Conventions usable as a legal basis for extradition (UNTOC 16(4), UNCAC 44(5), 1988 Convention 6(3),
   Budapest 24(3)): a requested state that makes extradition conditional on a treaty must say whether it
   accepts the Convention as the legal basis (UNTOC 16(5), UNCAC 44(6)). Excluded when it has declared it does
   not; included when it has declared it does. When nothing is recorded for a treaty_only state, absence of a
   record is not a refusal: the requested state's statute decides where it is modelled (Canada's Act counts
   multilateral conventions as extradition agreements; the UK Act and 18 U.S.C. ch. 209 do not), and otherwise
   the Convention is listed last, unverified, with a caveat that acceptance is unknown. A requested state that
   needs no treaty treats Convention offences as extraditable only "between themselves" (UNTOC 16(6), UNCAC
   44(7), 1988 6(4), Budapest 24(4)), i.e. when the requesting state needs no treaty either.
5. Domestic statute of the requested state (UK Extradition Act 2003, Canada and New Zealand Extradition Acts
   1999, Australia Extradition Act 1988, Kenya, Singapore, Malaysia): applies to the states it designates,
   within the dates recorded for the designation; for others its case-by-case route (UK s 194, Canada s 10,
   NZ s 60, ...) is named in the exclusion and the reason.
6. Reciprocity: where the requested state's profile allows extradition without a treaty, and nothing
   else applies; not when the requested state needs reciprocity and the requesting state, needing a
   treaty itself (the US), cannot offer it.

Each rule is a function below, with the legal text it implements in its docstring: ``_base_rule``,
``_eu_replacement`` (1), ``_protocols_with_their_convention`` (2), ``_third_state_agreement_applies`` (3),
``_conventions_as_basis_for_extradition`` (4), ``_domestic_statute`` (5), ``_reciprocity`` (6);
``find_legal_basis`` applies them in that order.

Order: EU acts; EU agreements with third states; bilateral treaties (EU-US agreements right after them);
regional conventions (Council of Europe, OAS, ...), each followed by its protocols; the requested state's
statute (rank 4.8: its designation covers all extraditable offences); UN conventions (those whose acceptance
by a treaty_only requested state is unknown carry that caveat and are unverified); offence-specific regional
conventions (Budapest, rank 5.5: computer-related offences and e-evidence); reciprocity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import COOPERATION_KINDS, Instrument

if TYPE_CHECKING:
    from .loader import LawData

_TIER_RANK = {"eu": 1.0, "eu_third_country": 2.0, "bilateral": 3.0, "regional": 4.0, "un": 5.0, "domestic": 6.0}

#: Reservation effects worth showing as caveats, per kind of cooperation.
_CAVEAT_EFFECTS = {
    "extradition": ("refuses_nationals", "nationals_definition", "limits_scope"),
    "mla": ("search_seizure_conditions", "limits_scope"),
    "transfer": ("limits_scope",),
    "asset_recovery": ("search_seizure_conditions", "limits_scope"),
}


@dataclass(frozen=True, slots=True)
class BasisResult:
    """One instrument on which the request can rest, and why."""

    instrument: str
    title: str
    citation: str
    why: str
    tier: str
    instrument_kind: str
    verified: bool  # all facts used (instrument, both party records) are verified
    caveats: tuple[str, ...] = ()
    states: tuple[str, str] = ("", "")  # (requesting, requested): whose party rows or profile it rests on
    on: dt.date | None = None  # the date the answer is for (designations and facts are read on it)

    def rests_on(self) -> list[dict[str, Any]]:
        """The facts this answer used: the two party rows (or the designation, or the profile fact)."""
        from . import get_law
        from .provenance import fact_ref, party_ref, profile_ref

        law = get_law()
        requesting, requested = self.states
        inst = law.instruments.get(self.instrument)
        if inst is None:  # reciprocity: the requested state's profile
            prof = law.profiles.get(requested)
            fact = prof.fact("extradition_basis") if prof else None
            return [profile_ref(requested, "extradition_basis", fact)] if fact else []
        if inst.tier == "domestic":
            day = self.on or dt.datetime.now(dt.timezone.utc).date()
            source, verified = inst.category_sources.get((inst.designation(requesting, day) or ("",))[0],
                                                         (inst.source, inst.verified))
            return [fact_ref("designation", f"{inst.id}/{requesting}", f"{inst.short_title}: {requesting} designated",
                             value=self.citation, source=source, verified=verified, read=None)]
        return [party_ref(inst, inst.parties.get(s)) for s in self.states if s]

    def as_dict(self) -> dict[str, Any]:
        from .provenance import warning

        rests_on = self.rests_on()
        return {
            "instrument": self.instrument,
            "title": self.title,
            "citation": self.citation,
            "why": self.why,
            "tier": self.tier,
            "instrument_kind": self.instrument_kind,
            "verified": self.verified,
            "caveats": list(self.caveats),
            "rests_on": rests_on,
            "warning": warning(rests_on),
        }


class LegalBasis(list):
    """Ordered list of BasisResult, plus the overall ``reason`` and the instruments considered but excluded.

    An empty list means no legal basis was found; ``reason`` then says why.
    """

    def __init__(self, items: list[BasisResult], *, requesting: str, requested: str, kind: str,
                 on_date: dt.date, reason: str | Callable[[], str], excluded: list[dict[str, str]]):
        super().__init__(items)
        self.requesting = requesting
        self.requested = requested
        self.kind = kind
        self.on_date = on_date
        self._reason = reason  # text, or a function building it on first access (bulk queries skip it)
        self.excluded = excluded

    @property
    def reason(self) -> str:
        """Why these instruments apply, or why none does."""
        if callable(self._reason):
            self._reason = self._reason()
        return self._reason

    @property
    def found(self) -> bool:
        return bool(self)

    @property
    def instruments(self) -> list[str]:
        return [r.instrument for r in self]

    def as_dict(self) -> dict[str, Any]:
        return {
            "requesting": self.requesting,
            "requested": self.requested,
            "kind": self.kind,
            "date": self.on_date.isoformat(),
            "legal_basis": [r.as_dict() for r in self],
            "reason": self.reason,
            "excluded": list(self.excluded),
            "law_data": _law_data_version(),
        }


@dataclass
class _Candidate:
    inst: Instrument
    status: bool | None  # True in force for both; None: a date is not recorded
    why: str
    caveats: list[str] = field(default_factory=list)
    verified: bool = True
    conditional: bool = False  # usable only if the requested state accepts it (no notification recorded)


#: How the requested State's extradition basis reads in an answer (comity/data/vocabulary.yaml has the same).
_BASIS_WORDS = {"treaty_only": "only under a treaty", "treaty_or_reciprocity": "on reciprocity",
                "domestic_law": "under its own law"}


def _law_data_version() -> dict[str, Any]:
    from .api import law_data_version

    return law_data_version()


def _fmt(day: dt.date) -> str:
    return day.isoformat()


def _pair_status(inst: Instrument, a: str, b: str, on: dt.date, names: dict[str, str]) -> tuple[bool | None, str, bool]:
    """(status, explanation, verified) for instrument ``inst`` between ``a`` and ``b`` on ``on``."""
    pa, pb = inst.parties.get(a), inst.parties.get(b)
    if pa is None or pb is None:
        missing = a if pa is None else b
        return False, f"{names.get(missing, missing)} is not a party", True
    not_before = inst.entry_into_force or inst.adopted
    sa, sb = pa.in_force(on, not_before), pb.in_force(on, not_before)
    if sa is False or sb is False:
        p = pa if sa is False else pb
        if p.withdrawal is not None and on >= p.withdrawal:
            return False, f"ceased to apply to {p.state} on {_fmt(p.withdrawal)}", p.verified
        start = p.entry_into_force or not_before
        return False, f"not yet in force for {p.state} on {_fmt(on)} (from {_fmt(start) if start else 'unknown'})", p.verified
    verified = inst.verified and pa.verified and pb.verified
    if sa is None or sb is None:
        unknown = [p.state for p, s in ((pa, sa), (pb, sb)) if s is None]
        return None, "in force for both; date for " + ", ".join(unknown) + " not recorded", False
    since = max(d for d in (pa.entry_into_force, pb.entry_into_force) if d is not None)
    return True, f"in force between {a} and {b} since {_fmt(since)}", verified


def _statute(law: LawData, kind: str, state: str, on: dt.date) -> Instrument | None:
    """The requested state's own extradition statute in force on ``on``, if one is modelled."""
    for inst in law.by_kind.get(kind, ()):
        if inst.tier == "domestic" and inst.state == state:
            if inst.entry_into_force and on < inst.entry_into_force:
                continue
            return inst
    return None


@dataclass
class _Query:
    """One question asked of the law (who asks whom, for what, on which day) and the facts every rule reads."""

    law: LawData
    requesting: str
    requested: str
    kind: str
    on: dt.date
    excluded: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = self.law.state_names
        self.profile = self.law.profiles.get(self.requested)
        self.basis_value = self.profile.value("extradition_basis", on=self.on) if self.profile else None
        req_profile = self.law.profiles.get(self.requesting)
        self.requesting_basis = req_profile.value("extradition_basis", on=self.on) if req_profile else None
        self.statute = (_statute(self.law, self.kind, self.requested, self.on) if self.kind == "extradition"
                        else None)

    def exclude(self, instrument: str, why: str) -> None:
        self.excluded.append({"instrument": instrument, "why": why})


def find_legal_basis(law: LawData, requesting: str, requested: str, kind: str, on: dt.date) -> LegalBasis:
    """The instruments a request from ``requesting`` to ``requested`` can rest on, in the order a practitioner
    would use them: the base rule, then the six named exceptions (module docstring), each a function below."""
    q = _Query(law, requesting, requested, kind, on)
    cands = _base_rule(q)  # exception 3 (EU agreements with third States) filters its pool
    _eu_replacement(q, cands)  # exception 1
    _protocols_with_their_convention(q, cands)  # exception 2
    if kind == "extradition":
        _conventions_as_basis_for_extradition(q, cands)  # exception 4
    else:
        for cand in cands.values():
            if cand.inst.offence_scope:
                cand.caveats.append(f"only for {cand.inst.offence_scope}")
    _reservation_caveats(q, cands)

    ordered = sorted(cands.values(), key=lambda c: _sort_key(c.inst, cands))
    conditional_ids = {c.inst.id for c in ordered if c.conditional}
    results = [_result(q, c) for c in ordered]
    # The statute's designation covers all extraditable offences: it goes by its rank (4.8 in the data), after
    # bilateral and general regional treaties and before the offence-specific UN conventions and Budapest.
    statute_rank = _TIER_RANK["domestic"] if q.statute is None or q.statute.rank is None else q.statute.rank
    at = next((i for i, c in enumerate(ordered) if _sort_key(c.inst, cands)[0] >= statute_rank), len(ordered))
    results[at:at] = _domestic_statute(q)  # exception 5
    no_reciprocity = _reciprocity(q, results)  # exception 6

    excluded = q.excluded

    def reason() -> str:
        return _reason(law, results, requesting, requested, kind, on, q.basis_value, q.profile is not None,
                       excluded, no_reciprocity, conditional_ids)

    return LegalBasis(results, requesting=requesting, requested=requested, kind=kind, on_date=on,
                      reason=reason, excluded=excluded)


def _result(q: _Query, c: _Candidate) -> BasisResult:
    return BasisResult(
        instrument=c.inst.id,
        title=c.inst.title,
        citation=c.inst.citations.get(q.kind, c.inst.id),
        why=c.why,
        tier=c.inst.tier,
        instrument_kind=c.inst.kind,
        verified=c.verified and c.status is True,
        caveats=tuple(c.caveats),
        states=(q.requesting, q.requested), on=q.on,
    )


# ------------------------------------------------------------------------------------------- base rule


def _base_rule(q: _Query) -> dict[str, _Candidate]:
    """Base rule: an instrument applies between the requesting and the requested State for a kind of cooperation
    when its scope covers that kind and it is in force for both States on the date asked about (a party row
    without a date of entry into force is kept, with a caveat and unverified).

    Treaties bind only their parties, from the day they enter into force for them (Vienna Convention on the Law
    of Treaties 1969, Art 24 and Art 26 "Every treaty in force is binding upon the parties to it"), until a
    denunciation or withdrawal takes effect (Art 70). An instrument that is not in force for both is recorded as
    excluded, with the date that decides it.
    """
    law, kind, requesting, requested = q.law, q.kind, q.requesting, q.requested
    per_state = law.by_kind_state[kind]
    common = per_state.get(requesting, frozenset()) & per_state.get(requested, frozenset())
    pool: list[Instrument] = [i for i in law.by_kind[kind] if i.id in common]
    pair = (requesting, requested) if requesting < requested else (requested, requesting)
    pool += [i for i in law.bilateral.get(pair, ()) if kind in i.scope]

    cands: dict[str, _Candidate] = {}
    for inst in pool:
        if inst.tier == "domestic":  # the requested State's statute: exception 5
            continue
        if not _third_state_agreement_applies(q, inst):  # exception 3
            continue
        if requesting not in inst.parties or requested not in inst.parties:
            continue
        status, why, verified = _pair_status(inst, requesting, requested, q.on, q.names)
        if status is False:
            q.exclude(inst.id, why)
            continue
        cands[inst.id] = _Candidate(inst, status, why, verified=verified)
    return cands


# ------------------------------------------------------------------------------------ named exceptions


def _eu_replacement(q: _Query, cands: dict[str, _Candidate]) -> None:
    """Exception 1, replacement by EU acts (and the Union's agreements): between the States bound by an EU act,
    the act replaces the corresponding conventions and, where it says so, the bilateral treaties of the same
    kind. Only an instrument certainly in force for both States replaces anything, and a replaced one replaces
    nothing.

    - European arrest warrant, Framework Decision 2002/584/JHA Art 31(1): "this Framework Decision shall, from
      1 January 2004, replace the corresponding provisions of the following conventions applicable in the field
      of extradition in relations between the Member States", the European Convention on Extradition (ETS 024)
      and its protocols first among them; recital 11: "In relations between Member States, the European arrest
      warrant should replace all the previous instruments concerning extradition" (``replaces_all``).
    - European Investigation Order, Directive 2014/41/EU Art 34(1): it replaces the corresponding provisions of
      the 1959 Convention on Mutual Assistance (ETS 030), its protocols and the 2000 EU MLA Convention between
      the Member States bound by it.
    - Transfer of sentenced persons, Framework Decision 2008/909/JHA Art 26(1): it replaces the Transfer
      Convention (ETS 112) and its Additional Protocol between Member States.
    - The Union's agreements do the same between a Member State and the third State: the EU-UK Trade and
      Cooperation Agreement, Part Three Title VII (surrender), for the United Kingdom; the EU-Iceland/Norway
      Surrender Agreement (in force 1 November 2019) for Iceland and Norway. The Convention on a Nordic Arrest
      Warrant is the only extradition route between the Nordic States (``replaces_all``). Which article says so
      is recorded in each instrument's ``replaces_citation`` (for these three, marked unverified there).
    """
    kind = q.kind
    for cand in list(cands.values()):
        inst = cand.inst
        if cand.status is not True or inst.id not in cands:  # a replaced instrument replaces nothing
            continue
        replaced = set(inst.replaces.get(kind, ()))
        for other in list(cands.values()):
            oi = other.inst
            if oi.id == inst.id:
                continue
            if (oi.id in replaced or kind in inst.replaces_all
                    or (kind in inst.replaces_bilateral and oi.tier == "bilateral")):
                del cands[oi.id]
                q.exclude(oi.id, f"replaced by {inst.id} between these states: "
                                 f"{inst.replaces_citation or inst.citations.get(kind, inst.id)}")


def _protocols_with_their_convention(q: _Query, cands: dict[str, _Candidate]) -> None:
    """Exception 2, protocols apply only with the convention they supplement: the additional protocols to the
    European Convention on Extradition (CETS 086, 098, 209, 212) and to the European Convention on Mutual
    Assistance in Criminal Matters (CETS 099, 182) amend and supplement their convention between the States
    bound by both; none is a legal basis on its own (``supplements`` in the data)."""
    for cand in list(cands.values()):
        parent = cand.inst.supplements
        if parent and parent not in cands:
            del cands[cand.inst.id]
            q.exclude(cand.inst.id, f"supplements {parent}, which does not apply")


def _third_state_agreement_applies(q: _Query, inst: Instrument) -> bool:
    """Exception 3, agreements of the Union with a third State apply only between that State and a Member State
    (``third_states``), never between two Member States nor between two third States: the EU-UK Trade and
    Cooperation Agreement (Part Three, law enforcement and judicial cooperation in criminal matters), the
    EU-Iceland/Norway Surrender Agreement, and the EU-US Agreements on Extradition and on Mutual Legal
    Assistance of 25 June 2003. The EU-US agreements, Art 3 of each, are applied in relation to the bilateral
    treaties between the Member States and the United States (``supplements_bilateral``: they rank right after
    the bilateral treaty, see ``_sort_key``)."""
    if not inst.third_states:
        return True
    return (q.requesting in inst.third_states) != (q.requested in inst.third_states)


def _conventions_as_basis_for_extradition(q: _Query, cands: dict[str, _Candidate]) -> None:
    """Exception 4, conventions usable as a legal basis for extradition (UNTOC Art 16(4), UNCAC Art 44(5),
    1988 Convention Art 6(3), Budapest Convention Art 24(3)).

    UNTOC Art 16(4): "If a State Party that makes extradition conditional on the existence of a treaty receives
    a request for extradition from another State Party with which it has no extradition treaty, it may consider
    this Convention the legal basis for extradition in respect of any offence to which this article applies."
    Art 16(5)(a): such a State shall "inform the Secretary-General of the United Nations whether it will take
    this Convention as the legal basis for cooperation on extradition" (UNCAC Art 44(6)(a) likewise): a
    recorded notification decides (``legal_basis_for_extradition`` / ``not_legal_basis_for_extradition``).
    Art 16(6): "States Parties that do not make extradition conditional on the existence of a treaty shall
    recognize offences to which this article applies as extraditable offences between themselves" (UNCAC Art
    44(7), 1988 Art 6(4), Budapest Art 24(4)). Each convention covers only its own offences (``offence_scope``).
    """
    for cand in list(cands.values()):
        inst = cand.inst
        if not inst.extradition_basis_article:
            continue
        drop = _convention_basis_refused(q, cand)
        if drop:
            del cands[inst.id]
            q.exclude(inst.id, drop)
        elif inst.offence_scope:
            cand.caveats.append(f"only for {inst.offence_scope}")


def _convention_basis_refused(q: _Query, cand: _Candidate) -> str | None:
    """Why the convention cannot serve between these States (None: it can, with what ``cand`` now says)."""
    inst, requested, requesting = cand.inst, q.requested, q.requesting
    art = f"{inst.short_title} Art {inst.extradition_basis_article}"
    mutual = f"{inst.short_title} Art {inst.extradition_mutual_article or '?'}"
    party = inst.parties[requested]
    effects = party.effects()
    if "not_legal_basis_for_extradition" in effects:
        note = next(r for r in party.reservations if r.effect == "not_legal_basis_for_extradition")
        return (f"{requested} does not take the Convention as a legal basis for extradition "
                f"(Art {note.article}: {note.text})")
    if "legal_basis_for_extradition" in effects:
        cand.why += f"; {requested} accepts the Convention as a legal basis for extradition ({art})"
        return None
    if q.basis_value == "treaty_only":
        return _acceptance_not_recorded(q, cand, art)
    if q.basis_value is None:
        cand.caveats.append(f"no profile for {requested}: check whether it accepts the Convention as a legal "
                            f"basis for extradition ({art})")
        cand.verified = False
        return None
    if q.requesting_basis == "treaty_only":
        # Art 16(6) UNTOC and its analogues: offences are extraditable "between themselves" only among
        # states that do not make extradition conditional on a treaty.
        return (f"{requested} does not require a treaty, but {requesting} extradites only under a treaty: the "
                f"Convention makes its offences extraditable only between states that do not require a "
                f"treaty ({mutual}), and {art} helps only a requested state that requires one")
    cand.why += (f"; neither state requires a treaty, so the Convention's offences are extraditable "
                 f"between them ({mutual})")
    if q.requesting_basis is None:
        cand.caveats.append(f"no profile for {requesting}: check that it does not require a treaty")
        cand.verified = False
    return None


def _acceptance_not_recorded(q: _Query, cand: _Candidate, art: str) -> str | None:
    """A requested State that requires a treaty and has no Art 16(5)-type notification recorded. Absence of a
    record is not a refusal: the requested State's statute decides where it is modelled (Canada's Extradition
    Act, S.C. 1999 c. 18, s 2, counts multilateral conventions as extradition agreements; the UK Extradition Act
    2003, s 193, and 18 U.S.C. ch. 209 do not), and otherwise the convention stays, last, unverified, usable only
    if the requested State accepts it."""
    inst, requested, statute = cand.inst, q.requested, q.statute
    note_art = (f"{inst.short_title} Art {inst.extradition_notification_article}"
                if inst.extradition_notification_article else art)
    if statute is not None and statute.conventions_as_basis is False:
        return (f"{requested} makes extradition conditional on a treaty or a designation under its "
                f"statute ({statute.short_title}), which does not treat conventions as a basis by "
                f"themselves, and no acceptance of the Convention as a legal basis is recorded ({art})")
    if statute is not None and statute.conventions_as_basis is True:
        cand.why += (f"; {requested}'s statute treats multilateral conventions in force for it as "
                     f"extradition agreements ({statute.conventions_citation or statute.short_title})")
        cand.caveats.append(f"no notification by {requested} under {note_art} is recorded; the basis "
                            f"is its statute's treatment of conventions (unverified)"
                            if inst.extradition_notification_article else
                            "the basis is the requested state's statute's treatment of conventions "
                            "(unverified)")
        cand.verified = False
        return None
    where = ("the UN Treaty Collection depositary notifications" if inst.organisation == "UN"
             else f"the {inst.organisation or 'depositary'} declarations for this treaty")
    cand.why += (f"; usable only if {requested}, which requires a treaty, takes the Convention as "
                 f"the legal basis for extradition ({art})")
    if inst.extradition_notification_article:
        head = f"no notification by {requested} under {note_art} is recorded here"
    else:
        head = f"nothing is recorded here on whether {requested} uses the Convention ({art}) that way"
    cand.caveats.append(f"{head}: whether it takes the Convention as a legal basis is unknown, not "
                        f"refused; check {where} and its national practice")
    cand.verified = False
    cand.conditional = True
    return None


def _reservation_caveats(q: _Query, cands: dict[str, _Candidate]) -> None:
    """Caveats from the requested State's reservations and declarations that change how the instrument applies
    (a refusal to extradite nationals under ETS 024 Art 6(1)(a), conditions on search and seizure under ETS 030
    Art 5, ...), and from a party row whose date of entry into force is not recorded."""
    for cand in cands.values():
        party = cand.inst.parties[q.requested]
        for res in party.reservations:
            if res.effect in _CAVEAT_EFFECTS[q.kind]:
                cand.caveats.append(f"{res.kind} by {q.requested} (Art {res.article}): {res.text}")
        if cand.status is None:
            cand.caveats.append("a party's date of entry into force is not recorded; confirm it was bound on "
                                f"{_fmt(q.on)}")


def _domestic_statute(q: _Query) -> list[BasisResult]:
    """Exception 5, the requested State's own extradition statute applies to the States it designates, within the
    dates recorded for the designation: the UK Extradition Act 2003 (category 1 territories, s 1; category 2
    territories, s 69), Canada's Extradition Act 1999 (designated extradition partners, Schedule), New Zealand's
    Extradition Act 1999 (Part 3 extradition countries, s 14 "No treaty required for Commonwealth countries";
    Part 4, Australia and designated countries), Australia's Extradition Act 1988 (extradition countries declared
    by regulations), Kenya, Singapore and Malaysia. For a State it does not designate, the statute's
    case-by-case route (UK s 194 special extradition arrangements, Canada s 10 specific agreements, NZ s 60, ...)
    is named in the exclusion (``ad_hoc_route``). A statute modelled only for how it treats conventions (18
    U.S.C. ch. 209) has no designation list and is skipped here."""
    out: list[BasisResult] = []
    requesting, requested, on = q.requesting, q.requested, q.on
    for inst in q.law.by_kind[q.kind]:
        if inst.tier != "domestic" or inst.state != requested:
            continue
        if inst.entry_into_force and on < inst.entry_into_force:
            continue
        if not inst.categories:  # a statute modelled only for how it treats conventions (18 U.S.C. ch. 209)
            continue
        hit = inst.designation(requesting, on)
        if hit is None:
            listed = any(requesting in members for members in inst.categories.values())
            why = (f"{requesting} is listed under {inst.short_title} but not for {_fmt(on)}" if listed
                   else f"{requesting} is not designated under {inst.short_title}")
            if inst.ad_hoc_route:
                why += f" (a case-by-case route remains: {inst.ad_hoc_route})"
            q.exclude(inst.id, why)
            continue
        out.append(_designation_result(q, inst, hit))
    return out


def _designation_result(q: _Query, inst: Instrument, hit: tuple[str, dt.date | None, dt.date | None]
                        ) -> BasisResult:
    requesting, requested = q.requesting, q.requested
    part, start, end = hit
    label = inst.category_labels.get(part, part.replace("_", " "))
    cat_source, cat_verified = inst.category_sources.get(part, (inst.source, inst.verified))
    caveats = []
    if not cat_verified:
        caveats.append(f"designation list not checked against the current instrument ({cat_source})")
    if start or end:
        caveats.append(f"{requesting} is designated " + (f"from {_fmt(start)}" if start else "")
                       + (" " if start and end else "") + (f"until {_fmt(end)}" if end else ""))
    return BasisResult(
        instrument=inst.id, title=inst.title,
        citation=inst.citations.get(q.kind, inst.id) + f"; {requesting}: {label}",
        why=f"{requested}'s statute governs extradition from {requested}; {requesting} is designated as a {label}",
        tier="domestic", instrument_kind=inst.kind, verified=bool(inst.verified and cat_verified),
        caveats=tuple(caveats), states=(requesting, requested), on=q.on,
    )


def _reciprocity(q: _Query, results: list[BasisResult]) -> bool:
    """Exception 6, reciprocity: where the requested State's law allows extradition without a treaty
    (``extradition_basis``: treaty_or_reciprocity or domestic_law, each with the statute it rests on in the
    profile) and nothing else general applies, its domestic law is the basis, added last to ``results``.

    Conventions limited to particular offences (the UN suppression conventions, Budapest) do not cover every
    request, so reciprocity stays available after them. A requesting State that itself extradites only under a
    treaty (the United States, 18 U.S.C. § 3184) cannot offer reciprocity, so a requested State whose law asks
    for it has no basis (returns True: the reason says so); one that extradites under its own statute without
    that condition (domestic_law) still can."""
    requesting, requested, on, basis_value = q.requesting, q.requested, q.on, q.basis_value
    general = [r for r in results if r.tier != "un" and r.instrument != "CETS-185"]
    if q.kind != "extradition" or general or basis_value not in ("treaty_or_reciprocity", "domestic_law"):
        return False
    fact = q.profile.fact("extradition_basis", on) if q.profile else None
    caveats = ["subject to the requested state's domestic conditions"]
    if basis_value == "treaty_or_reciprocity" and q.requesting_basis == "treaty_only":
        q.exclude(f"reciprocity:{requested}", (
            f"{requested} extradites without a treaty only on reciprocity, which {requesting} cannot offer: "
            f"{requesting} requires a treaty for extradition"))
        return True
    if basis_value == "treaty_or_reciprocity":
        caveats.insert(0, f"needs an assurance of reciprocity from {requesting}")
    if q.requesting_basis is None:
        caveats.append(f"no profile for {requesting}: check that it can give an assurance of reciprocity")
    results.append(BasisResult(
        instrument=f"reciprocity:{requested}",
        title=f"Domestic law of {q.names.get(requested, requested)} (extradition without a treaty)",
        citation=(fact.source if fact and fact.source else f"domestic law of {requested}"),
        why=f"{requested} allows extradition without a treaty ({_BASIS_WORDS.get(basis_value, basis_value)}); "
            f"no treaty in force with "
            f"{requesting} on {_fmt(on)}" + (" other than conventions limited to particular offences"
                                            if results else ""),
        tier="reciprocity", instrument_kind="domestic_law",
        verified=bool(fact and fact.verified),
        caveats=tuple(caveats), states=(requesting, requested), on=q.on,
    ))
    return False


def _sort_key(inst: Instrument, cands: dict[str, _Candidate]) -> tuple[Any, ...]:
    def own(i: Instrument) -> tuple[Any, ...]:
        rank = _TIER_RANK[i.tier] if i.rank is None else i.rank
        if i.supplements_bilateral:
            rank = 3.5
        return (rank, i.order, i.id)

    if inst.supplements and inst.supplements in cands:
        return (*own(cands[inst.supplements].inst), 1, inst.order, inst.id)
    return (*own(inst), 0, 0, "")


def _reason(law: LawData, results: list[BasisResult], requesting: str, requested: str, kind: str,
            on: dt.date, basis_value: Any, has_profile: bool, excluded: list[dict[str, str]],
            no_reciprocity: bool = False, conditional_ids: set[str] | frozenset[str] = frozenset()) -> str:
    names = law.state_names
    rq, rd = names.get(requesting, requesting), names.get(requested, requested)
    label = {"extradition": "extradition", "mla": "mutual legal assistance", "transfer": "transfer of sentenced "
             "persons", "asset_recovery": "asset recovery"}[kind]
    if results and all(r.instrument in conditional_ids for r in results):
        return (f"No certain legal basis for {label} from {rd} to {rq} on {_fmt(on)}: {rd} requires a treaty "
                f"for extradition and no bilateral or regional treaty applies. "
                f"{', '.join(r.instrument for r in results)} can serve only if {rd} takes the Convention as a legal "
                f"basis for extradition, and no notification by {rd} saying whether it does is recorded here "
                f"(unknown, not refused); each then covers only its own offences.")
    if results:
        first = results[0]
        others = f"; then {', '.join(r.instrument for r in results[1:])}" if len(results) > 1 else ""
        return (f"{label.capitalize()} from {rd} to {rq} on {_fmt(on)}: {first.instrument} applies first "
                f"({first.why}){others}.")
    why_not = "; ".join(f"{e['instrument']}: {e['why']}" for e in excluded[:6])
    tail = f" Considered and excluded: {why_not}." if why_not else ""
    if kind == "extradition":
        return _no_extradition_basis(law, requesting, requested, on, basis_value, has_profile, no_reciprocity, tail)
    return (f"No legal basis found for {label}: no treaty or instrument between {rq} and {rd} in force on "
            f"{_fmt(on)} is recorded. Assistance may still be sought on the basis of {rd}'s domestic law "
            f"(letters rogatory, reciprocity), which is not modelled here.{tail}")



def _no_extradition_basis(law: LawData, requesting: str, requested: str, on: dt.date, basis_value: Any,
                          has_profile: bool, no_reciprocity: bool, tail: str) -> str:
    """Why nothing applies to an extradition request: the requested State needs a treaty (and its statute, if
    modelled, does not designate the requesting State), or it needs reciprocity the requesting State cannot
    offer, or nothing is recorded."""
    names = law.state_names
    rq, rd = names.get(requesting, requesting), names.get(requested, requested)
    if basis_value == "treaty_only":
        statute = _statute(law, "extradition", requested, on)
        extra = ""
        if statute is not None and statute.categories:
            extra = (f" {rd}'s statute ({statute.short_title}) allows extradition without a treaty only to the "
                     f"states it designates, and {rq} is not designated on {_fmt(on)}")
            extra += (f"; a case-by-case route remains: {statute.ad_hoc_route}." if statute.ad_hoc_route
                      else ".")
        elif statute is not None and statute.ad_hoc_route:
            extra = f" Outside a treaty, {rd}'s statute ({statute.short_title}) leaves only {statute.ad_hoc_route}."
        return (f"No legal basis: {rd} ({requested}) requires a treaty for extradition, "
                f"and no extradition treaty with {rq} ({requesting}) is in force on "
                f"{_fmt(on)} that {rd} accepts as a legal basis.{extra}{tail}")
    if no_reciprocity:
        return (f"No legal basis: no extradition treaty between {rq} ({requesting}) and {rd} ({requested}) is "
                f"in force on {_fmt(on)}; {rd} extradites without a treaty only on reciprocity, and {rq} "
                f"requires a treaty for extradition, so it cannot offer reciprocity.{tail}")
    if not has_profile:
        return (f"No legal basis found: no treaty between {rq} and {rd} in force on {_fmt(on)} is recorded, "
                f"and there is no country profile for {requested} to say whether it extradites without a "
                f"treaty.{tail}")
    return f"No legal basis found: no treaty between {rq} and {rd} in force on {_fmt(on)} is recorded.{tail}"


__all__ = ["COOPERATION_KINDS", "BasisResult", "LegalBasis", "find_legal_basis"]
