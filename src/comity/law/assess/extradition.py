"""Refusal grounds for extradition and surrender, per instrument family.

The instrument selected as legal basis (the first that ``comity.law.legal_basis`` gives) decides which grounds
exist and their effect. Each family is a table: ground -> (effect, citation, cure), written beside the article
it applies; the exceptions of each family are named in code next to the rule they qualify. The human-rights
overlay (``human_rights.py``) and the requested state's domestic bars (country profile) are added on top.

Families:
- ``ece``: European Convention on Extradition (ETS 024) and the protocols in force between the two states
  (ETS 086 first, ETS 098 second, CETS 212 fourth Additional Protocol).
- ``eaw``: Framework Decision 2002/584/JHA (European arrest warrant).
- ``convention``: UN suppression conventions used as a legal basis (UNTOC Art 16, UNCAC Art 44, 1988 Convention
  Art 6, Budapest Convention Art 24): the requested state's domestic conditions apply (UNTOC 16(7)).
- ``treaty``: a bilateral or regional treaty whose text is not encoded: the UN Model Treaty on Extradition
  (GA res 45/116, 1990), which most modern treaties follow, is used as the generic model and every finding
  says so.
- ``domestic``: the requested state's statute or extradition without a treaty (reciprocity).
"""

from __future__ import annotations

from .facts import Offence
from .human_rights import extradition_overlay
from .rules import MANDATORY, OPTIONAL, Cite, Context, labels, param, unverified_note
from .vocabulary import ages_of_responsibility

# ------------------------------------------------------------------------------------------ citations

ECE = "European Convention on Extradition (ETS 024)"
ECE_2_1 = Cite(f"{ECE} Art 2(1)")
ECE_2_2 = Cite(f"{ECE} Art 2(2) (accessory extradition)")
ECE_3_1 = Cite(f"{ECE} Art 3(1)")
ECE_3_2 = Cite(f"{ECE} Art 3(2)")
ECE_AP1_1 = Cite("Additional Protocol to the ECE (ETS 086) Art 1 (genocide, grave breaches and comparable war "
                 "crimes are not political)")
ECE_4 = Cite(f"{ECE} Art 4")
ECE_5 = Cite(f"{ECE} Art 5")
ECE_AP2_2 = Cite("Second Additional Protocol to the ECE (ETS 098) Art 2 (replaces ECE Art 5)")
ECE_6 = Cite(f"{ECE} Art 6(1)(a); if refused, Art 6(2) (aut dedere aut judicare)")
ECE_7 = Cite(f"{ECE} Art 7")
ECE_8 = Cite(f"{ECE} Art 8")
ECE_9 = Cite(f"{ECE} Art 9")
ECE_10 = Cite(f"{ECE} Art 10")
ECE_AP4_1 = Cite("Fourth Additional Protocol to the ECE (CETS 212) Art 1 (replaces ECE Art 10)")
ECE_11 = Cite(f"{ECE} Art 11")
ECE_AP2_3 = Cite("Second Additional Protocol to the ECE (ETS 098) Art 3 (judgments in absentia)")

FD = "Framework Decision 2002/584/JHA (EAW)"
EAW_2_1 = Cite(f"{FD} Art 2(1)")
EAW_2_2 = Cite(f"{FD} Art 2(2) (32 categories without verification of double criminality)")
EAW_4_1 = Cite(f"{FD} Arts 2(4) and 4(1)", verified=False)
EAW_3_2 = Cite(f"{FD} Art 3(2)", verified=False)
EAW_3_3 = Cite(f"{FD} Art 3(3); Piotrowski, CJEU GC 23 January 2018, C-367/16")
EAW_4_2 = Cite(f"{FD} Art 4(2)", verified=False)
EAW_4_4 = Cite(f"{FD} Art 4(4)", verified=False)
EAW_4_6 = Cite(f"{FD} Art 4(6); Wolzenburg, CJEU GC 6 October 2009, C-123/08")
EAW_5_3 = Cite(f"{FD} Art 5(3) (return of nationals and residents to serve the sentence)", verified=False)
EAW_4_7 = Cite(f"{FD} Art 4(7)", verified=False)
EAW_4A = Cite(f"{FD} Art 4a (as inserted by FD 2009/299/JHA); Art 4a(1)(d): right to a retrial", verified=False)
EAW_5_2 = Cite(f"{FD} Art 5(2) (review of a life sentence)", verified=False)
EAW_REC12 = Cite(f"{FD} recital 12 and Art 1(3)", verified=False)

MODEL = "UN Model Treaty on Extradition (GA res 45/116, 1990)"
_MODEL_NOTE = (" The text of this treaty is not encoded: the ground follows the UN Model Treaty on Extradition, "
               "which most modern treaties track; check the treaty itself.")
M_2_1 = Cite(f"{MODEL} Art 2(1)", verified=False)
M_2_3 = Cite(f"{MODEL} Art 2(3) (fiscal offences)", verified=False)
M_3A = Cite(f"{MODEL} Art 3(a)", verified=False)
M_3B = Cite(f"{MODEL} Art 3(b)", verified=False)
M_3C = Cite(f"{MODEL} Art 3(c)", verified=False)
M_3D = Cite(f"{MODEL} Art 3(d)", verified=False)
M_3E = Cite(f"{MODEL} Art 3(e)", verified=False)
M_3F = Cite(f"{MODEL} Art 3(f)", verified=False)
M_3G = Cite(f"{MODEL} Art 3(g)", verified=False)
M_4A = Cite(f"{MODEL} Art 4(a)", verified=False)
M_4B = Cite(f"{MODEL} Art 4(b)", verified=False)
M_4D = Cite(f"{MODEL} Art 4(d)", verified=False)
M_4EF = Cite(f"{MODEL} Art 4(e)-(f)", verified=False)

# UN suppression conventions: paragraph numbers tagged [U] in the reference.
UN_ART = {"UNTOC": ("UNTOC", "16"), "UNCAC": ("UNCAC", "44"), "UN-1988": ("1988 Convention", "6"),
          "CETS-185": ("Budapest Convention (ETS 185)", "24")}


def _un(primary: str, para: str, text: str = "") -> Cite:
    name, art = UN_ART.get(primary, (primary, "?"))
    # Paragraph maps: UNTOC 16 / UNCAC 44 numbering from the reference ([U]).
    mapped = {
        ("UNTOC", "dual"): "16(1)", ("UNCAC", "dual"): "44(1)-(2)",
        ("UNTOC", "conditions"): "16(7)", ("UNCAC", "conditions"): "44(8)",
        ("UNTOC", "nationals"): "16(10)-(11)", ("UNCAC", "nationals"): "44(11)-(12)",
        ("UNTOC", "discrimination"): "16(14)", ("UNCAC", "discrimination"): "44(15)",
        ("UNTOC", "fiscal"): "16(15)", ("UNCAC", "fiscal"): "44(16)",
        ("UNCAC", "political"): "44(4)",
    }.get((primary, para))
    where = f"{name} Art {mapped}" if mapped else f"{name} Art {art} (conditions of the requested state's law apply)"
    return Cite(where + (f" {text}" if text else ""), verified=False)


# ------------------------------------------------------------------------------------------ entry point


def family_of(instrument_id: str | None) -> str | None:
    if instrument_id is None:
        return None
    if instrument_id == "EU-EAW":
        return "eaw"
    if instrument_id == "CETS-024":
        return "ece"
    if instrument_id in UN_ART:
        return "convention"
    if instrument_id.startswith("reciprocity:"):
        return "domestic"
    from .. import get_law

    inst = get_law().instruments.get(instrument_id)
    if inst is not None and inst.tier == "domestic":
        return "domestic"
    return "treaty"


def assess_extradition(ctx: Context) -> None:
    family = family_of(ctx.primary)
    if family is None:
        return
    f = ctx.facts
    _thresholds(ctx, family)
    _dual_criminality(ctx, family)
    _age(ctx, family)
    for off in f.offences:
        _per_offence(ctx, family, off)
    _persecution(ctx, family)
    _own_national(ctx, family)
    _in_absentia(ctx, family)
    _treaty_death_penalty(ctx, family)
    if family == "eaw":
        life = [o for o in f.offences if o.irreducible_life_possible]
        if life:
            # EAW Art 5(2): the executing state may make surrender subject to a review of a life sentence.
            ctx.add("irreducible_life_sentence", OPTIONAL, EAW_5_2,
                    f"{labels(life)} may lead to life imprisonment without review; the executing state may make "
                    "surrender conditional on a guarantee of review at the latest after 20 years."
                    + unverified_note(EAW_5_2), cured_by="life_sentence_review", offences=[o.index for o in life])
    if family == "treaty":
        # Model Art 3(f): torture or cruel treatment, or a trial without the minimum guarantees of ICCPR Art 14.
        if "flagrant_denial_of_justice" in f.risks:
            ctx.add("flagrant_denial_of_justice", MANDATORY, M_3F,
                    "The person would not receive the minimum guarantees of a fair trial (ICCPR Art 14): extradition "
                    "shall not be granted." + _MODEL_NOTE)
        if "torture_or_inhuman_treatment" in f.risks:
            ctx.add("torture_risk", MANDATORY, M_3F,
                    "The person would be subjected to torture or cruel, inhuman or degrading treatment or punishment: "
                    "extradition shall not be granted." + _MODEL_NOTE)
    extradition_overlay(ctx, eaw=(family == "eaw"))


# ------------------------------------------------------------------------------------------ rules


def _is_enforcement(ctx: Context, off: Offence) -> bool:
    p = ctx.facts.purpose
    return p == "enforcement" or (p is None and off.sentence_months is not None)


def _thresholds(ctx: Context, family: str) -> None:
    """Base rule: an extraditable offence carries a maximum of at least 12 months (both laws under the ECE and
    treaties; the issuing state's law under the EAW); for enforcement the sentence is at least 4 months.
    Exception (ECE Art 2(2)): below-threshold offences may be added to an extraditable one (accessory
    extradition), so the ground becomes optional when another offence qualifies."""
    f = ctx.facts
    if family == "eaw":
        max_p, max_ok = param("extradition.eaw.min_max_penalty_months", ctx.on, 12)
        sent_p, sent_ok = param("extradition.eaw.min_sentence_months", ctx.on, 4)
        cite, both = EAW_2_1, False
    elif family == "ece":
        max_p, max_ok = param("extradition.cets024.min_max_penalty_months", ctx.on, 12)
        sent_p, sent_ok = param("extradition.cets024.min_sentence_months", ctx.on, 4)
        cite, both = ECE_2_1, True
    elif family == "convention":
        max_p, sent_p, max_ok, sent_ok = 12, 4, False, False
        cite, both = _un(ctx.primary, "conditions", "(domestic minimum penalties; 12/4 months assumed)"), True
    else:
        max_p, sent_p, max_ok, sent_ok = 12, 4, False, False
        cite, both = M_2_1, True
    failing, passing = [], []
    for off in f.offences:
        if _is_enforcement(ctx, off):
            if off.sentence_months is None:
                continue
            (failing if off.sentence_months < sent_p else passing).append(off)
        else:
            values = [off.max_penalty_months] + ([off.max_penalty_months_requested] if both else [])
            known = [v for v in values if v is not None]
            if any(v < max_p for v in known):
                failing.append(off)
            elif off.max_penalty_months is not None:
                passing.append(off)
    if not failing:
        return
    law = "under the law of both states" if both else "under the issuing state's law"
    text = (f"{labels(failing)} is below the threshold: a maximum penalty of at least {max_p} months {law} for "
            f"prosecution, or a sentence of at least {sent_p} months for enforcement.")
    cite = Cite(cite.text, cite.verified and max_ok and sent_ok)
    if family == "ece" and passing:
        ctx.add("penalty_threshold", OPTIONAL, ECE_2_2,
                text + " Because another offence in the request is extraditable, the requested state may also grant "
                "extradition for it (accessory extradition).", offences=[o.index for o in failing])
        return
    extra = _MODEL_NOTE if family == "treaty" else ""
    ctx.add("penalty_threshold", MANDATORY, cite, text + " The offence is not extraditable." + extra
            + unverified_note(cite), offences=[o.index for o in failing])


def _dual_criminality(ctx: Context, family: str) -> None:
    """Base rule: the conduct must be an offence under the requested state's law.
    Exception (EAW Art 2(2)): a list category punishable in the issuing state by at least 3 years is surrendered
    without verification; other offences give only an optional ground (Art 4(1)).
    Exception (UNCAC Art 44(2)): extradition without dual criminality is permitted where domestic law allows."""
    f = ctx.facts
    failing = [o for o in f.offences if o.criminal_in_requested is False]
    if not failing:
        return
    if family == "eaw":
        list_min, _ = param("extradition.eaw.list_offence_min_max_penalty_months", ctx.on, 36)
        checked = [o for o in failing if not (o.list_category and o.max_penalty_months is not None
                                              and o.max_penalty_months >= list_min)]
        if not checked:
            return
        ctx.add("dual_criminality", OPTIONAL, EAW_4_1,
                f"{labels(checked)} is not an offence under the executing state's law and is not a list offence "
                f"punishable by at least {list_min} months in the issuing state (Art 2(2)); the executing authority "
                "may refuse. For taxes, customs and exchange, refusal may not rest on the executing state not "
                "having the same kind of tax." + unverified_note(EAW_4_1), offences=[o.index for o in checked])
        return
    idx = [o.index for o in failing]
    if family == "ece":
        ctx.add("dual_criminality", MANDATORY, ECE_2_1,
                f"{labels(failing)} is not punishable under the law of the requested state; only offences punishable "
                "under both laws are extraditable.", offences=idx)
    elif family == "convention":
        effect = OPTIONAL if ctx.primary == "UNCAC" else MANDATORY
        cite = _un(ctx.primary, "dual")
        ctx.add("dual_criminality", effect, cite,
                f"{labels(failing)} is not an offence in the requested state."
                + (" UNCAC allows (but does not oblige) extradition without dual criminality where domestic law "
                   "permits it." if effect == OPTIONAL else " The Convention applies only where the offence is "
                   "punishable under both laws.") + unverified_note(cite), offences=idx)
    else:
        cite = M_2_1 if family == "treaty" else Cite("Domestic extradition law of the requested state (dual "
                                                     "criminality)", verified=False)
        ctx.add("dual_criminality", MANDATORY, cite,
                f"{labels(failing)} is not an offence in the requested state; extradition requires dual criminality."
                + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite), offences=idx)


def _age(ctx: Context, family: str) -> None:
    """EAW Art 3(3): mandatory refusal where the person could not, owing to age, be held criminally responsible
    under the executing state's law. Elsewhere the same follows from dual criminality in concreto."""
    f = ctx.facts
    age = f.person.age_at_offence
    if age is None:
        return
    table = ages_of_responsibility()
    entry = table["ages"].get(f.deciding_state)
    if entry is None or age >= entry[0]:
        return
    minimum, note = entry
    data = Cite(f"minimum age of criminal responsibility in {f.deciding_state}: {minimum} "
                f"({table['reference']})", verified=False)
    base = {"eaw": EAW_3_3, "ece": ECE_2_1, "treaty": M_2_1}.get(family) or (
        _un(ctx.primary, "dual") if family == "convention"
        else Cite("Domestic extradition law of the requested state (dual criminality in concreto)", verified=False))
    cite = Cite(f"{base.text}; {data.text}", verified=False)
    ctx.add("age_of_responsibility", MANDATORY, cite,
            f"The person was {age} at the time of the offence, under {f.deciding_state}'s age of criminal "
            f"responsibility ({minimum}{'; ' + note if note else ''}), so the conduct is not punishable there in "
            "the person's case." + unverified_note(cite))


def _per_offence(ctx: Context, family: str, off: Offence) -> None:
    f = ctx.facts
    idx = [off.index]
    model = _MODEL_NOTE if family == "treaty" else ""

    # Political offence. Base rule: ECE Art 3(1), Model Art 3(a) mandatory.
    # Exceptions: EAW has no political-offence exception; ETS 086 Art 1 (genocide, war crimes); UNCAC 44(4)
    # (Convention offences are not political when UNCAC is the legal basis).
    if off.political:
        if family == "eaw":
            pass
        elif family == "ece" and off.list_category == "crimes_within_icc_jurisdiction" and ctx.has("CETS-086"):
            pass
        elif family == "convention" and ctx.primary == "UNCAC" and off.list_category in (
                "corruption", "laundering_of_proceeds_of_crime"):
            pass
        elif family == "ece":
            ctx.add("political_offence", MANDATORY, ECE_3_1,
                    f"{off.label} is a political offence or connected with one: extradition shall not be granted "
                    "(an attempt on the life of a Head of State or a member of the family is not political, Art 3(3)).",
                    offences=idx)
        elif family == "convention":
            cite = _un(ctx.primary, "conditions")
            ctx.add("political_offence", OPTIONAL, cite,
                    f"{off.label} is political. The Convention has no political-offence clause of its own; the "
                    "requested state's law applies and most laws refuse." + unverified_note(cite), offences=idx)
        else:
            cite = M_3A if family == "treaty" else Cite("Domestic extradition law of the requested state "
                                                        "(political offences)", verified=False)
            ctx.add("political_offence", MANDATORY, cite,
                    f"{off.label} is a political offence: extradition shall not be granted." + model
                    + unverified_note(cite), offences=idx)

    # Military offence. Base rule: ECE Art 4 / Model Art 3(c) exclude purely military offences.
    # Exception: the EAW has no such ground.
    if off.military and family != "eaw":
        cite = {"ece": ECE_4, "treaty": M_3C}.get(family) or (
            _un(ctx.primary, "conditions") if family == "convention"
            else Cite("Domestic extradition law of the requested state (military offences)", verified=False))
        ctx.add("military_offence", MANDATORY, cite,
                f"{off.label} is a purely military offence (not an offence under ordinary criminal law), which is "
                "excluded from extradition." + model + unverified_note(cite), offences=idx)

    # Fiscal offence. Base rule: ECE Art 5 (only if agreed), domestic law.
    # Exceptions: ETS 098 Art 2 replaces Art 5; EAW Art 4(1) and the 32 list categories; UNTOC 16(15) / UNCAC
    # 44(16); Model Art 2(3): fiscal nature alone is no ground.
    if off.fiscal:
        if family == "ece" and not ctx.has("CETS-098"):
            ctx.add("fiscal_offence", OPTIONAL, ECE_5,
                    f"{off.label} is fiscal. Under ECE Art 5 extradition for fiscal offences is granted only where the "
                    "parties have so agreed; the Second Additional Protocol (which removes the ground) is not in force "
                    "between these states.", offences=idx)
        elif family == "domestic":
            cite = Cite("Domestic extradition law of the requested state (fiscal offences)", verified=False)
            ctx.add("fiscal_offence", OPTIONAL, cite,
                    f"{off.label} is fiscal; without a treaty the requested state's law decides whether fiscal "
                    "offences are extraditable." + unverified_note(cite), offences=idx)

    # Territoriality. ECE Art 7, EAW Art 4(7), Model Art 4(e)-(f): optional.
    if off.committed_in is not None and off.committed_in != f.requesting_state:
        if off.committed_in == f.requested_state:
            why = f"{off.label} was committed in the requested state's territory; it may refuse and prosecute itself."
        else:
            why = (f"{off.label} was committed outside the requesting state (in {off.committed_in}); the requested "
                   "state may refuse only if its own law does not allow prosecution of such an offence committed "
                   "outside its territory.")
        cite = {"ece": ECE_7, "eaw": EAW_4_7, "treaty": M_4EF}.get(family) or (
            _un(ctx.primary, "conditions") if family == "convention"
            else Cite("Domestic extradition law of the requested state (territoriality)", verified=False))
        ctx.add("territoriality", OPTIONAL, cite, why + model + unverified_note(cite), offences=idx)

    # Pending proceedings. ECE Art 8, EAW Art 4(2), Model Art 4(b): optional.
    if off.pending_proceedings_in_requested:
        cite = {"ece": ECE_8, "eaw": EAW_4_2, "treaty": M_4B}.get(family) or (
            _un(ctx.primary, "conditions") if family == "convention"
            else Cite("Domestic extradition law of the requested state (pending proceedings)", verified=False))
        ctx.add("pending_proceedings", OPTIONAL, cite,
                f"The requested state is prosecuting the person for {off.label}; it may refuse." + model
                + unverified_note(cite), offences=idx)

    # Ne bis in idem. ECE Art 9, EAW Art 3(2), Model Art 3(d): mandatory after a final judgment.
    if off.final_judgment_in_requested:
        cite = {"ece": ECE_9, "eaw": EAW_3_2, "treaty": M_3D}.get(family) or (
            _un(ctx.primary, "conditions") if family == "convention"
            else Cite("Domestic extradition law of the requested state (ne bis in idem)", verified=False))
        extra = (" Under the EAW the bar applies where any sentence has been served, is being served or can no "
                 "longer be executed.") if family == "eaw" else ""
        ctx.add("ne_bis_in_idem", MANDATORY, cite,
                f"A final judgment on {off.label} has been given in the requested state; extradition for the same "
                "offence shall be refused." + extra + model + unverified_note(cite), offences=idx)

    _lapse(ctx, family, off)


def _lapse(ctx: Context, family: str, off: Offence) -> None:
    """Base rule (ECE Art 10; Model Art 3(e)): time-barred under the law of either state -> mandatory.
    Exception (CETS 212 Art 1): only the requesting state's law counts.
    Exception (EAW): only Art 4(4) (optional; executing state's law where it had jurisdiction)."""
    idx = [off.index]
    by_requesting, by_requested = off.time_barred_requesting, off.time_barred_requested
    if not (by_requesting or by_requested):
        return
    if family == "eaw":
        if by_requested:
            ctx.add("lapse_of_time", OPTIONAL, EAW_4_4,
                    f"{off.label} is time-barred under the executing state's law; it may refuse where the acts fell "
                    "within its jurisdiction under its own criminal law." + unverified_note(EAW_4_4), offences=idx)
        return
    if family == "ece" and ctx.has("CETS-212"):
        if by_requesting:
            ctx.add("lapse_of_time", MANDATORY, ECE_AP4_1,
                    f"{off.label} is time-barred under the requesting state's law: extradition shall not be granted.",
                    offences=idx)
        return  # Art 1(2): lapse of time under the requested state's law is no ground (absent a reservation)
    which = " and ".join(w for w, b in (("the requesting state", by_requesting), ("the requested state",
                                                                                     by_requested)) if b)
    cite = {"ece": ECE_10, "treaty": M_3E}.get(family) or (
        _un(ctx.primary, "conditions") if family == "convention"
        else Cite("Domestic extradition law of the requested state (lapse of time)", verified=False))
    ctx.add("lapse_of_time", MANDATORY, cite,
            f"{off.label} is time-barred under the law of {which}: extradition shall not be granted."
            + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite), offences=idx)


def _persecution(ctx: Context, family: str) -> None:
    """ECE Art 3(2), Model Art 3(b): mandatory. UNTOC 16(14) / UNCAC 44(15) and EAW recital 12: the instrument
    permits refusal (optional); the human-rights overlay may add a mandatory bar (refugee status, Art 3)."""
    if "persecution" not in ctx.facts.risks:
        return
    why = ("There are substantial grounds for believing that the request aims at prosecuting or punishing the person "
           "on account of race, religion, nationality, ethnic origin, sex or political opinion, or that the person's "
           "position would be prejudiced for those reasons.")
    if family == "ece":
        ctx.add("persecution", MANDATORY, ECE_3_2, why + " Extradition shall not be granted.")
    elif family == "eaw":
        ctx.add("persecution", OPTIONAL, EAW_REC12,
                why + " The Framework Decision permits refusal on this ground (many Member States made it mandatory "
                "in their law)." + unverified_note(EAW_REC12))
    elif family == "convention":
        cite = _un(ctx.primary, "discrimination")
        ctx.add("persecution", OPTIONAL, cite, why + " The Convention imposes no obligation to extradite in that case."
                + unverified_note(cite))
    else:
        cite = M_3B if family == "treaty" else Cite("Domestic extradition law of the requested state "
                                                    "(discriminatory purpose)", verified=False)
        ctx.add("persecution", MANDATORY, cite, why + " Extradition shall not be granted."
                + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite))


def _own_national(ctx: Context, family: str) -> None:
    """Treaty layer: ECE Art 6 / Model Art 4(a) / UNTOC 16(10) optional; EAW Art 4(6) (enforcement) optional and
    Art 5(3) (prosecution: surrender subject to return, cured by that guarantee); UNTOC 16(11) likewise
    accepts conditional surrender. Domestic layer (country profile ``extradites_nationals``): a constitutional
    bar is mandatory and no assurance cures it; exceptions for EU (EAW) and Nordic surrender."""
    f = ctx.facts
    state = f.requested_state
    if state not in f.person.nationalities:
        return
    enforcement = f.purpose == "enforcement"
    base = f"The person is a national of the requested state {state}."
    # Treaty layer.
    if family == "eaw":
        if enforcement:
            ctx.add("own_national", OPTIONAL, EAW_4_6,
                    base + " For a custodial sentence, the executing state may refuse if it undertakes to execute "
                    "the sentence itself.")
        else:
            ctx.add("own_national", OPTIONAL, EAW_5_3,
                    base + " Surrender for prosecution may be made subject to the condition that the person is "
                    "returned to serve any custodial sentence there; a guarantee of return cures the ground."
                    + unverified_note(EAW_5_3), cured_by="return_to_serve_sentence")
    elif family == "ece":
        party = None
        from .. import get_law

        inst = get_law().instruments.get("CETS-024")
        if inst is not None:
            party = inst.parties.get(state)
        decl = [r for r in (party.reservations if party else ()) if r.effect in ("refuses_nationals",
                                                                               "nationals_definition")]
        text = (" Declaration under Art 6(1)(b): " + " ".join(r.text for r in decl)) if decl else ""
        ctx.add("own_national", OPTIONAL, ECE_6,
                base + " A party may refuse to extradite its nationals; if it does, it must on request submit the case "
                "to its own authorities for prosecution." + text)
    elif family == "convention":
        cite = _un(ctx.primary, "nationals")
        ctx.add("own_national", OPTIONAL, cite,
                base + " The Convention permits refusal on nationality, with the duty to prosecute (aut dedere aut "
                "judicare); conditional surrender with return to serve the sentence discharges that duty."
                + unverified_note(cite), cured_by=None if enforcement else "return_to_serve_sentence")
    else:
        cite = M_4A if family == "treaty" else Cite("Domestic extradition law of the requested state (nationals)",
                                                    verified=False)
        ctx.add("own_national", OPTIONAL, cite,
                base + " The requested state may refuse to extradite its nationals and then prosecute them."
                + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite))
    # Domestic layer: the requested state's bar, as a base rule with named exceptions.
    _nationals_bar(ctx, family)


#: Offence kinds named in nationals exceptions -> the EAW list categories that fall within them.
_EXCEPTION_OFFENCES = {
    "drug_trafficking": ("illicit_trafficking_in_narcotic_drugs",),
    "terrorism": ("terrorism",),
    "organised_crime": ("participation_in_a_criminal_organisation",),
    "corruption": ("corruption",),
    "money_laundering": ("laundering_of_proceeds_of_crime",),
    "trafficking_in_human_beings": ("trafficking_in_human_beings",),
    "genocide": ("crimes_within_the_jurisdiction_of_the_international_criminal_court",),
    "crimes_against_humanity": ("crimes_within_the_jurisdiction_of_the_international_criminal_court",),
    "war_crimes": ("crimes_within_the_jurisdiction_of_the_international_criminal_court",),
}


def _offence_matches(off: Offence, kind: str) -> bool | None:
    cats = _EXCEPTION_OFFENCES.get(kind, (kind,))
    if off.list_category is not None:
        return off.list_category in cats
    if kind == "drug_trafficking" and off.iccs is not None:
        return off.iccs.startswith("0601") and off.iccs != "06011"
    return None


def _any_offence(ctx: Context, kinds: tuple[str, ...]) -> bool | None:
    """True if an offence is of one of ``kinds``, False if none is, None if the offences are not classified."""
    verdicts = [_offence_matches(o, k) for o in ctx.facts.offences for k in kinds]
    if any(v is True for v in verdicts):
        return True
    return None if any(v is None for v in verdicts) else False


def _exception_applies(ctx: Context, family: str, exc) -> tuple[bool | None, str]:
    """Whether one exception to the nationals bar lifts it on these facts: True, False, or None (not known:
    the facts that decide it are not given). The text says what the exception requires."""
    f = ctx.facts
    state = f.requested_state
    where = f" [{exc.article}]"
    if exc.states and f.receiving_state not in exc.states:
        return False, f"the exception is limited to requests from {', '.join(exc.states)}{where}"
    kind = exc.kind
    if kind == "consent":
        text = "the person consents" + where
        return f.person.consent, text
    if kind == "naturalised":
        nat = f.person.naturalised_in
        clauses = []
        verdicts: list[bool | None] = []
        for o in exc.offences:
            if o == "any":
                clauses.append("for any offence")
                verdicts.append(True)
            elif o == "before_naturalisation":
                clauses.append("for an offence committed before naturalisation")
                dates = [off.committed_on for off in f.offences]
                nat_day = f.person.naturalisation_date
                if nat_day is None or any(d is None for d in dates):
                    verdicts.append(None)
                else:
                    verdicts.append(any(d < nat_day for d in dates))
            elif o == "drug_trafficking":
                clauses.append("for involvement in drug trafficking")
                verdicts.append(_any_offence(ctx, ("drug_trafficking",)))
        text = f"the person is a national of {state} by naturalisation, " + " or ".join(clauses) + where
        if nat is None:
            return None, text
        if state not in nat:
            return False, (f"the person is a national of {state} by birth, whom no exception reaches" + where)
        if any(v is True for v in verdicts):
            return True, text
        return (None if any(v is None for v in verdicts) else False), text
    if kind == "eu_surrender":
        return family == "eaw", "surrender to an EU Member State under a European arrest warrant" + where
    if kind == "nordic_surrender":
        return ctx.primary == "NORDIC-AW", "surrender under the Nordic arrest warrant" + where
    if kind == "international_court":
        return False, "surrender to an international criminal court or tribunal" + where
    if kind == "treaty":
        text = "a treaty in force provides for extradition of nationals" + (f" ({exc.conditions})" if exc.conditions
                                                                             else "") + where
        inst = _primary_instrument(ctx)
        if inst is None or family in ("domestic", None):
            return False, text + "; no treaty is the legal basis here"
        clause = getattr(inst, "grounds", {}).get("own_national") if inst is not None else None
        if clause is not None and clause.effect == "not_a_ground":
            return (True if not exc.conditions else None), text + f"; {inst.short_title} {clause.article}: " \
                + "nationality is no ground for refusal"
        return None, text
    if kind == "reciprocity":
        return None, "the requesting State guarantees reciprocity" + where
    if kind == "return_to_serve":
        if f.purpose == "enforcement":
            return False, "for prosecution only, with return to serve the sentence" + where
        return ("return_to_serve_sentence" in f.assurances) or None, \
            "the requesting State guarantees the person's return to serve any sentence" + where
    if kind == "offences":
        names = ", ".join(o.replace("_", " ") for o in exc.offences)
        return _any_offence(ctx, tuple(exc.offences)), f"the offence is one of: {names}" + where
    return None, kind + where


def _primary_instrument(ctx: Context):
    from .. import get_law

    return get_law().instruments.get(ctx.primary or "")


def _nationals_bar(ctx: Context, family: str) -> None:
    """The requested state's own bar on extraditing nationals (country profile ``extradites_nationals``).

    Base rule: where the constitution or a statute bars it, the bar is absolute (mandatory) and no assurance
    cures it. Exceptions, each with its article, lift it: the person's consent (Switzerland), a naturalised
    national for the listed offences (Brazil: never a national by birth), EU or Nordic surrender, a treaty that
    provides for it, reciprocity, return to serve the sentence. An exception the facts do not decide is named
    in the finding so the user knows which fact would change the answer."""
    from ..model import NationalsRule

    rule = ctx.profile_value("deciding", "extradites_nationals")
    src = ctx.profile_source("deciding", "extradites_nationals")
    if not isinstance(rule, NationalsRule) or src is None or rule.bar == "none":
        return
    state = ctx.facts.requested_state
    if family == "eaw":
        # Between Member States the Framework Decision governs the surrender of nationals (Arts 4(6) and 5(3),
        # applied above); national bars were adapted to it, so a bar recorded without its EU exception is not
        # applied to a European arrest warrant.
        if rule.exception("eu_surrender") is None:
            ctx.notes.append(f"{state}'s {rule.bar} bar on extraditing nationals ({rule.article}) is recorded "
                             "without its exception for the European arrest warrant; under the Framework Decision "
                             "the surrender of nationals follows Arts 4(6) and 5(3)." + unverified_note(src))
        else:
            exc = rule.exception("eu_surrender")
            ctx.notes.append(f"{state}'s {rule.bar} bar on extraditing nationals ({rule.article}) does not apply to "
                             f"surrender under a European arrest warrant [{exc.article}]." + unverified_note(src))
        return
    lifted, undecided, closed = [], [], []
    for exc in rule.exceptions:
        verdict, text = _exception_applies(ctx, family, exc)
        (lifted if verdict is True else undecided if verdict is None else closed).append(text)
    bar = f"{state}'s {rule.bar} bar on extraditing its nationals ({rule.article})"
    if lifted:
        ctx.notes.append(f"{bar} is lifted here: {lifted[0]}." + unverified_note(src))
        return
    cure = "return_to_serve_sentence" if any(e.kind == "return_to_serve" for e in rule.exceptions) and \
        ctx.facts.purpose != "enforcement" else None
    if undecided:
        text = (f"{bar} applies unless " + "; or ".join(undecided) + ". The facts given do not establish it."
                + (" It does not apply: " + "; ".join(closed) + "." if closed else ""))
    elif closed:
        text = f"{bar} applies; its exceptions do not reach this case: " + "; ".join(closed) + "."
    else:
        text = f"{bar} admits no exception."
    cite = Cite(f"{state}: {rule.article}", src.verified, src.facts)
    ctx.add("own_national", MANDATORY, cite,
            text + " No assurance cures it; the requested state may instead prosecute the person itself."
            + unverified_note(src), cured_by=cure)


def _in_absentia(ctx: Context, family: str) -> None:
    """ETS 098 Art 3 (optional unless retrial assured), EAW Art 4a (optional unless the warrant certifies a
    guarantee, e.g. a retrial), Model Art 3(g) (mandatory unless retrial assured). ECE without ETS 098: no treaty
    ground. Only a judgment (enforcement) can have been given in absentia."""
    f = ctx.facts
    if not f.in_absentia or f.purpose == "prosecution":
        return
    why = "The sentence to be enforced was imposed in the person's absence."
    if family == "eaw":
        ctx.add("in_absentia", OPTIONAL, EAW_4A,
                why + " The executing authority may refuse unless the warrant shows the person was summoned, was "
                "defended by a mandated lawyer, did not seek a retrial, or will have a retrial after surrender."
                + unverified_note(EAW_4A), cured_by="retrial")
    elif family == "ece":
        if ctx.has("CETS-098"):
            ctx.add("in_absentia", OPTIONAL, ECE_AP2_3,
                    why + " The requested party may refuse unless the requesting party gives an assurance of a retrial "
                    "safeguarding the rights of the defence.", cured_by="retrial")
    elif family in ("treaty", "domestic", "convention"):
        cite = M_3G if family == "treaty" else (_un(ctx.primary, "conditions") if family == "convention" else
                                               Cite("Domestic extradition law of the requested state (judgments in "
                                                    "absentia)", verified=False))
        effect = MANDATORY if family == "treaty" else OPTIONAL
        ctx.add("in_absentia", effect, cite,
                why + " Extradition is refused unless the person is assured a retrial in their presence."
                + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite), cured_by="retrial")


def _treaty_death_penalty(ctx: Context, family: str) -> None:
    """ECE Art 11, Model Art 4(d): may refuse unless a sufficient assurance is given (cured by it). The
    human-rights overlay adds the mandatory bar for ECHR parties, EU states and abolitionist constitutions."""
    capital = [o for o in ctx.facts.offences if o.death_penalty_possible]
    if not capital:
        return
    if family == "eaw":
        return  # no Member State retains the death penalty; the Charter bar (Art 19(2)) is in the overlay
    cite = {"ece": ECE_11, "treaty": M_4D}.get(family) or (
        _un(ctx.primary, "conditions") if family == "convention"
        else Cite("Domestic extradition law of the requested state (death penalty)", verified=False))
    ctx.add("death_penalty", OPTIONAL, cite,
            f"{labels(capital)} is punishable by death in the requesting state; extradition may be refused unless it "
            "gives an assurance the requested state considers sufficient that the death penalty will not be carried "
            "out." + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite),
            cured_by="no_death_penalty", offences=[o.index for o in capital])
