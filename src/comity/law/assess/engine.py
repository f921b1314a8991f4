"""The assessment engine: on these facts, may or must the requested state refuse?

``assess(facts) -> dict`` validates the facts, finds the legal basis (``comity.law.legal_basis``), applies the
rule set of the primary instrument, the requested state's domestic bars and the human-rights overlay, merges
the findings per ground, and derives the outcome and the legal clocks. Advisory, never a verdict.

Merging: several layers may engage the same ground (e.g. the death penalty under ECE Art 11 (optional), ECHR
Art 3 (mandatory) and an abolitionist constitution). A ground ``applies`` if any layer still applies after the
assurances given, and is ``cured`` only if every layer is cured; its effect is the strongest among the layers
that apply (or, if cured, among all). Its citation lists every layer.
"""

from __future__ import annotations

from typing import Any

from .. import clocks as law_clocks
from .. import provenance
from ..api import law_data_version
from ...vocabulary import label
from .. import get_law, legal_basis
from .. import LawError
from .extradition import assess_extradition
from .extradition import family_of as extradition_family
from .facts import Facts, validate_facts
from .human_rights import extradition_overlay
from .mla import assess_mla
from .mla import family_of as mla_family
from .notices import assess_red_notice
from .rules import MANDATORY, OPTIONAL, Cite, Context, Finding, unverified_note
from .transfer import assess_transfer
from .rules import rules_version

ADVISORY = ("Advisory assessment on the facts given, not a decision: the competent authority or court decides. "
            "Citations marked verified: false have not been checked against the official text.")

INTERPOL_BASIS = {
    "instrument": "INTERPOL",
    "title": "Constitution of the ICPO-INTERPOL and Rules on the Processing of Data",
    "citation": "INTERPOL Constitution Arts 2-3; Rules on the Processing of Data Arts 82-83",
}
NOT_MEMBER = Cite("INTERPOL Constitution Art 4 (membership); RPD Art 82 (Red Notices are requested by National "
                  "Central Bureaus)", verified=False)

_NOTE = unverified_note(Cite("", verified=False))

#: Clock rules per kind: (clock kind in comity.law, instruments whose clocks are computed when in the basis).
_CLOCK_PROTOCOLS = {"CETS-024": ("CETS-209",)}


def assess(facts: Any) -> dict[str, Any]:
    """Assess a request on ``facts`` (a JSON-like dict; see facts.py). Raises ``InvalidFacts`` on bad input."""
    return assess_facts(validate_facts(facts))


def assess_facts(facts: Facts) -> dict[str, Any]:
    law = get_law()
    notes: list[str] = []
    basis_out: list[dict[str, Any]]
    if facts.kind == "red_notice":
        basis_ids = ["INTERPOL"]
        basis_out = [dict(INTERPOL_BASIS)]
    else:
        if facts.kind == "transfer":
            requesting, requested = facts.administering_state, facts.sentencing_state
        else:
            requesting, requested = facts.requesting_state, facts.requested_state
        found = legal_basis(requesting, requested, facts.kind, facts.date)
        basis_ids = [r.instrument for r in found]
        basis_out = [{"instrument": r.instrument, "title": r.title, "citation": r.citation} for r in found]
        if not found:
            notes.append(found.reason)
    primary = select_primary(facts, basis_ids, notes)
    if facts.kind != "red_notice" and primary is not None:
        # The legal-basis finder's caveats for the instrument applied (scope, reservations, unrecorded dates).
        notes.extend(f"{primary}: {c}" for r in found if r.instrument == primary
                     for c in getattr(r, "caveats", ()))

    deciding, receiving = facts.deciding_state, facts.receiving_state
    ctx = Context(facts=facts, basis=basis_ids, primary=primary,
                  deciding_profile=law.profiles.get(deciding) if deciding else None,
                  receiving_profile=law.profiles.get(receiving) if receiving else None)
    if deciding and ctx.deciding_profile is None:
        notes.append(f"No country profile for {deciding}: its domestic bars and human-rights obligations are not "
                     "assessed.")

    if facts.kind == "extradition":
        _petruhhin_note(facts, ctx, notes)
        if primary is None:
            extradition_overlay(ctx, eaw=False)  # human-rights bars hold whatever the basis
        else:
            assess_extradition(ctx)
            if extradition_family(primary) in ("treaty", "domestic") and not apply_treaty_grounds(ctx, notes):
                notes.append(f"{primary}: the instrument's own text is not encoded; grounds follow the UN Model "
                             "Treaty on Extradition and the requested state's profile. Check the instrument.")
    elif facts.kind == "mla":
        if primary is not None:
            assess_mla(ctx)
            if mla_family(primary) == "treaty" and not apply_treaty_grounds(ctx, notes):
                notes.append(f"{primary}: the instrument's own text is not encoded; grounds follow the UN Model "
                             "Treaty on Mutual Assistance. Check the instrument.")
        if "bank_records" in facts.measures:
            notes.append("Bank secrecy is never a ground for refusal (UNTOC Art 18(8), UNCAC Art 46(8), ETS 099 and "
                         "the EU Protocol of 2001; paragraph numbers unverified).")
    elif facts.kind == "red_notice":
        members = set((getattr(law, "interpol_members", None) or {}).get("members", ()))
        if members and facts.requesting_state not in members:
            ctx.add("not_interpol_member", MANDATORY, NOT_MEMBER,
                    f"{facts.requesting_state} is not recorded as an INTERPOL member country and cannot request a "
                    "Red Notice (membership list unverified).")
        assess_red_notice(ctx)
    elif facts.kind == "transfer" and primary is not None:
        assess_transfer(ctx)

    notes.extend(ctx.notes)
    grounds = merge(ctx.findings, facts.assurances, _instrument_facts(facts, primary))
    clocks = _clocks(facts, basis_ids, primary)
    rests_on = provenance.dedupe([r for g in grounds for r in g["rests_on"]]
                                 + [r for c in clocks for r in c.get("rests_on", [])]
                                 + _instrument_facts(facts, primary))
    verification = provenance.summary(rests_on)
    result_outcome = outcome(facts.kind, primary, grounds)
    for g in grounds:
        g["label"] = label("ground", g["code"])
        g["effect_label"] = label("effect", g["effect"])
        g["status_label"] = label("ground_status", g["status"])
    return {
        "kind": facts.kind,
        "date": facts.date.isoformat(),
        "legal_basis": basis_out,
        "instrument_applied": primary,
        "grounds": grounds,
        "outcome": result_outcome,
        "outcome_label": label("outcome", result_outcome),
        "clocks": clocks,
        "notes": notes,
        "rests_on": rests_on,
        "verification": verification,
        "law_data": law_data_version(),
        "advisory": ADVISORY,
        "rules_version": rules_version(),
    }


_MODEL_PREFIX = "UN Model Treaty"


def apply_treaty_grounds(ctx: Context, notes: list[str]) -> bool:
    """Where a bilateral treaty's own refusal grounds are encoded (``grounds`` in its data), they replace the UN
    Model Treaty's: a ground the treaty states takes the treaty's effect, article and words; a ground the treaty
    excludes (``not_a_ground``, e.g. nationality under the US-UK treaty of 2003) is dropped; where the treaty's
    grounds are complete, a Model ground the treaty does not have is dropped too. Returns False when nothing of
    the treaty is encoded (the caller then says the Model Treaty was used)."""
    law = get_law()
    inst = law.instruments.get(ctx.primary or "")
    if inst is None:
        return False
    # An agreement that supplements the bilateral treaty (the EU-US agreements) overrides its grounds.
    supplements = [law.instruments[i] for i in ctx.basis
                   if i in law.instruments and law.instruments[i].supplements_bilateral and law.instruments[i].grounds]
    grounds = dict(inst.grounds)
    source_of = {code: inst for code in grounds}
    for sup in supplements:
        for code, g in sup.grounds.items():
            grounds[code], source_of[code] = g, sup
    if not grounds:
        return False
    kept: list[Finding] = []
    dropped: list[str] = []
    for f in ctx.findings:
        if not f.cite.text.startswith(_MODEL_PREFIX):
            kept.append(f)
            continue
        g = grounds.get(f.code)
        if g is None:
            if inst.grounds_complete:
                dropped.append(f"{f.code} (not a ground under {inst.short_title})")
            else:
                kept.append(f)
            continue
        src = source_of[f.code]
        if g.effect == "not_a_ground":
            dropped.append(f"{f.code} ({src.short_title} {g.article}: {g.text})")
            continue
        ref = provenance.fact_ref("treaty_ground", f"{src.id}#{g.code}", f"{src.short_title} {g.article}",
                                  value=g.effect, source=src.source, verified=g.verified, read=src.read)
        cite = Cite(f"{src.short_title} {g.article}", g.verified, (ref,))
        why = f.explanation.split(" The text of this treaty is not encoded")[0]
        why = why.replace(unverified_note(f.cite), "")
        kept.append(Finding(f.code, g.effect, cite, f"{why} {src.short_title} {g.article}: {g.text}"
                            + unverified_note(cite), g.cured_by or f.cured_by, f.offences))
    ctx.findings[:] = kept
    if dropped:
        notes.append(f"{inst.short_title}: the treaty's own grounds replace the UN Model Treaty's; set aside: "
                     + "; ".join(dropped) + ".")
    if not inst.grounds_complete:
        notes.append(f"{inst.short_title}: the grounds {', '.join(sorted(grounds))} are read from the treaty"
                     + (" and the agreements that supplement it" if supplements else "")
                     + "; the others follow the UN Model Treaty by analogy. Check the treaty.")
    return True


#: Conventions limited to particular offences: the EAW/EIO list categories that fall within them.
_OFFENCE_SCOPED = {
    "CETS-185": ("computer_related_crime",),
    "UNCAC": ("corruption", "laundering_of_proceeds_of_crime"),
    "UN-1988": ("illicit_trafficking_in_narcotic_drugs", "laundering_of_proceeds_of_crime"),
}


def select_primary(facts: Facts, basis_ids: list[str], notes: list[str]) -> str | None:
    """The instrument whose rules decide: the first of the legal basis, except that
    - a convention limited to particular offences (Budapest Convention: cybercrime; UNCAC: corruption; 1988
      Convention: drug trafficking) is passed over when no offence is shown to fall within it and a later
      instrument of general scope is available;
    - a bilateral treaty between parties to the ECE (extradition) or ETS 030 (MLA) is read with the convention,
      whose refusal grounds govern;
    - for MLA, an agreement that supplements the 1959 Convention (EU-UK TCA Title VIII, EU MLA Convention 2000)
      is applied through CETS-030, whose refusal grounds it keeps."""
    if not basis_ids:
        return None
    cats = {o.list_category for o in facts.offences if o.list_category}
    chosen = basis_ids[0]
    for inst in basis_ids:
        scope = _OFFENCE_SCOPED.get(inst)
        if scope is None or cats & set(scope):
            chosen = inst
            break
    else:
        chosen = basis_ids[0]
    if chosen != basis_ids[0]:
        skipped = basis_ids[:basis_ids.index(chosen)]
        notes.append(f"{', '.join(skipped)} passed over: no offence is shown to fall within its scope; the rules of "
                     f"{chosen} are applied.")
    # Between parties to the Council of Europe conventions, bilateral treaties may only supplement them (ECE
    # Art 28(1)-(2); ETS 030 Art 26(1)-(3); article numbers unverified): the convention's grounds govern.
    if chosen.startswith("bilateral:"):
        parent = {"extradition": "CETS-024", "mla": "CETS-030"}.get(facts.kind)
        if parent in basis_ids:
            notes.append(f"{chosen} is read with {parent}, which supersedes bilateral treaties between its parties "
                         "except as they supplement it (ECE Art 28 / ETS 030 Art 26; unverified): the convention's "
                         "grounds are applied.")
            chosen = parent
    if (facts.kind == "mla" and chosen in ("EU-UK-TCA", "EU-MLA-2000", "CETS-099", "CETS-182")
            and "CETS-030" in basis_ids):
        notes.append(f"{chosen} supplements the European Convention on Mutual Assistance (ETS 030); its refusal "
                     "grounds (Art 2) are applied.")
        chosen = "CETS-030"
    return chosen


def _petruhhin_note(facts: Facts, ctx: Context, notes: list[str]) -> None:
    """Petruhhin (CJEU GC 6 September 2016, C-182/15): a Member State asked by a third state to extradite a
    citizen of another Member State must first inform that state, which may ask for surrender under an EAW."""
    law = get_law()
    if not ctx.profile_value("deciding", "eu_member") or ctx.profile_value("receiving", "eu_member"):
        return
    others = [s for s in facts.person.nationalities if s != facts.requested_state
              and (p := law.profiles.get(s)) is not None and p.value("eu_member")]
    if others:
        notes.append(f"The person is a citizen of {', '.join(others)} (EU): under Petruhhin (C-182/15) "
                     f"{facts.requested_state} should inform that Member State, which may prefer to seek surrender "
                     "under a European arrest warrant (unverified citation).")


def _instrument_facts(facts: Facts, primary: str | None) -> list[dict[str, Any]]:
    """The party rows of the two states in the instrument applied: every treaty ground rests on them."""
    inst = get_law().instruments.get(primary or "")
    if inst is None:
        return []
    if facts.kind == "transfer":
        states = (facts.sentencing_state, facts.administering_state)
    else:
        states = (facts.requesting_state, facts.requested_state)
    return [provenance.party_ref(inst, inst.parties.get(s)) for s in states if s and s in inst.parties]


def merge(findings: list[Finding], assurances: frozenset[str],
          instrument_facts: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    by_code: dict[str, list[Finding]] = {}
    for fnd in findings:
        by_code.setdefault(fnd.code, []).append(fnd)
    out = []
    for code, layers in by_code.items():
        applying = [f for f in layers if f.cured_by is None or f.cured_by not in assurances]
        status = "applies" if applying else "cured"
        pool = applying or layers
        effect = MANDATORY if any(f.effect == MANDATORY for f in pool) else OPTIONAL
        cites = list(dict.fromkeys(f.cite.text for f in layers))
        explanations = list(dict.fromkeys(f.explanation.replace(_NOTE, "") for f in layers))
        cures = sorted({f.cured_by for f in layers if f.cured_by})
        explanation = " ".join(explanations)
        if not all(f.cite.verified for f in layers):
            explanation += _NOTE
        if status == "cured":
            explanation += " Cured: the assurance given (" + ", ".join(c for c in cures if c in assurances) + \
                ") answers this ground, if the requested state finds it sufficient and reliable."
        elif cures and any(f.cured_by is None for f in applying):
            pass
        elif cures:
            explanation += " An assurance (" + ", ".join(cures) + ") would cure it."
        out.append({
            "code": code,
            "effect": effect,
            "status": status,
            "citation": "; ".join(cites),
            "explanation": explanation,
            "verified": all(f.cite.verified for f in layers),
            "cured_by": cures[0] if len(cures) == 1 else (cures or None),
            "offences": sorted({i for f in layers for i in f.offences}),
            "rests_on": provenance.dedupe([r for f in layers for r in f.cite.facts] + (instrument_facts or [])),
        })
        out[-1]["warning"] = provenance.warning(out[-1]["rests_on"])
    return out


def outcome(kind: str, primary: str | None, grounds: list[dict[str, Any]]) -> str:
    applying = [g for g in grounds if g["status"] == "applies"]
    if kind == "red_notice":
        return "non_compliant" if any(g["effect"] == MANDATORY for g in applying) else "compliant"
    if primary is None:
        return "no_legal_basis"
    if any(g["effect"] == MANDATORY for g in applying):
        return "mandatory_bar"
    if applying:
        return "optional_bar"
    return "no_bar"


def _clocks(facts: Facts, basis_ids: list[str], primary: str | None) -> list[dict[str, Any]]:
    if not facts.events:
        return []
    events = dict(facts.events)
    if facts.kind == "red_notice":
        kind, instruments = "notices", ["INTERPOL-CCF"]
    elif primary is None:
        return []
    else:
        kind = facts.kind
        instruments = [primary] + [p for p in _CLOCK_PROTOCOLS.get(primary, ()) if p in basis_ids]
    out = []
    for inst in instruments:
        try:
            found = law_clocks(kind, inst, events, facts.deciding_state)
        except LawError:
            continue
        for c in found:
            full = c.as_dict()
            item = {"code": full["code"], "due": full["due"], "citation": full["citation"]}
            # Extra detail as comity.law gives it (instrument, start event, working-day adjustment, verified, note).
            item.update({k: v for k, v in full.items() if k not in item and k not in ("start", "period", "day_type")})
            out.append(item)
    return out
