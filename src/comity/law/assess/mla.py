"""Refusal grounds for mutual legal assistance, per instrument family.

Base rule of every MLA instrument: assistance is given in the widest measure; refusal only on the grounds the
instrument lists. Two rules hold throughout and are therefore never findings:
- bank secrecy is never a ground for refusal (UNTOC 18(8), UNCAC 46(8); CETS-198; EU-MLA Protocol 2001);
- dual criminality is not required for non-coercive assistance; for coercive measures it counts only where a
  reservation (CETS-030 Art 5) or the instrument (UNTOC 18(9), UNCAC 46(9), EIO Art 11(1)(g)) allows it.

Families: ``eio`` (Directive 2014/41/EU Art 11), ``coe`` (CETS-030 with ETS 099 and CETS 182), ``convention``
(UNTOC Art 18, UNCAC Art 46, 1988 Convention Art 7), ``treaty`` (bilateral MLATs and other instruments, with
the UN Model Treaty on Mutual Assistance in Criminal Matters (GA res 45/117, 1990) as the generic model).
"""

from __future__ import annotations

from .. import get_law
from .rules import OPTIONAL, Cite, Context, labels, param, unverified_note
from .vocabulary import COERCIVE_MEASURES

EIO = "Directive 2014/41/EU (EIO)"
EIO_11D = Cite(f"{EIO} Art 11(1)(d)")
EIO_11E = Cite(f"{EIO} Art 11(1)(e)", verified=False)
EIO_11F = Cite(f"{EIO} Art 11(1)(f) (fundamental rights, Art 6 TEU and the Charter)", verified=False)
EIO_11G = Cite(f"{EIO} Art 11(1)(g) and Annex D", verified=False)
EIO_11B = Cite(f"{EIO} Art 11(1)(b) and (f)", verified=False)

MLA = "European Convention on Mutual Assistance in Criminal Matters (ETS 030)"
COE_1_2 = Cite(f"{MLA} Art 1(2) (military offences outside the Convention)")
COE_2A = Cite(f"{MLA} Art 2(a)")
COE_2B = Cite(f"{MLA} Art 2(b)")
COE_5 = Cite(f"{MLA} Art 5 (reservation by the requested state)")

MODEL = "UN Model Treaty on Mutual Assistance in Criminal Matters (GA res 45/117, 1990)"
_MODEL_NOTE = (" The text of this treaty is not encoded: the ground follows the UN Model Treaty on Mutual "
               "Assistance, which most bilateral treaties track; check the treaty itself.")
M_4A = Cite(f"{MODEL} Art 4(1)(a)", verified=False)
M_4B = Cite(f"{MODEL} Art 4(1)(b)", verified=False)
M_4C = Cite(f"{MODEL} Art 4(1)(c)", verified=False)
M_4D = Cite(f"{MODEL} Art 4(1)(d)", verified=False)
M_4E = Cite(f"{MODEL} Art 4(1)(e)", verified=False)
M_4F = Cite(f"{MODEL} Art 4(1)(f)", verified=False)

_CONV = {"UNTOC": ("UNTOC Art 18", "18"), "UNCAC": ("UNCAC Art 46", "46"), "UN-1988": ("1988 Convention Art 7", "7")}


def _conv(primary: str, para: str) -> Cite:
    """Citation of a paragraph of the Convention's MLA article, e.g. ``UNTOC Art 18(9)`` (numbering [U])."""
    name = _CONV.get(primary, _CONV["UNTOC"])[0]
    return Cite(f"{name}({para})", verified=False)


def family_of(instrument_id: str | None) -> str | None:
    if instrument_id is None:
        return None
    if instrument_id == "EU-EIO":
        return "eio"
    if instrument_id == "CETS-030":
        return "coe"
    if instrument_id in _CONV:
        return "convention"
    return "treaty"


def _public_order_cite(ctx: Context, family: str) -> Cite:
    if family == "eio":
        return EIO_11F
    if family == "coe":
        return COE_2B
    if family == "convention":
        return _conv(ctx.primary, "21)(b")  # -> "UNTOC Art 18(21)(b)"
    return M_4A


def assess_mla(ctx: Context) -> None:
    family = family_of(ctx.primary)
    if family is None:
        return
    f = ctx.facts
    model = _MODEL_NOTE if family == "treaty" else ""

    for off in f.offences:
        idx = [off.index]
        # Political offence: CETS-030 Art 2(a), Model 4(1)(b); no such ground in the EIO or UNTOC/UNCAC.
        if off.political and family in ("coe", "treaty"):
            cite = COE_2A if family == "coe" else M_4B
            ctx.add("political_offence", OPTIONAL, cite,
                    f"{off.label} is a political offence or connected with one: assistance may be refused."
                    + model + unverified_note(cite), offences=idx)
        # Military offence: outside CETS-030 (Art 1(2)); Model 4(1)(d).
        if off.military and family in ("coe", "treaty"):
            cite = COE_1_2 if family == "coe" else M_4D
            ctx.add("military_offence", OPTIONAL, cite,
                    f"{off.label} is a military offence that is not an offence under ordinary criminal law: the "
                    "instrument does not oblige assistance." + model + unverified_note(cite), offences=idx)
        # Fiscal offence: CETS-030 Art 2(a). Exception: ETS 099 Art 1 (fiscal nature alone is no ground); never a
        # ground under the EIO, UNTOC 18(22), UNCAC 46(22), or the generic model.
        if off.fiscal and family == "coe" and not ctx.has("CETS-099"):
            ctx.add("fiscal_offence", OPTIONAL, COE_2A,
                    f"{off.label} is fiscal; the Additional Protocol (ETS 099), which removes this ground, is not in "
                    "force between these states, so assistance may be refused.", offences=idx)
        # Ne bis in idem: EIO Art 11(1)(d), Model 4(1)(e).
        if off.final_judgment_in_requested and family in ("eio", "treaty"):
            cite = EIO_11D if family == "eio" else M_4E
            ctx.add("ne_bis_in_idem", OPTIONAL, cite,
                    f"A final judgment on {off.label} has been given in the requested state; execution would be "
                    "contrary to ne bis in idem." + model + unverified_note(cite), offences=idx)
        # Territoriality: EIO Art 11(1)(e) - conduct in the executing state that is not an offence there.
        if (family == "eio" and off.committed_in == f.requested_state and off.criminal_in_requested is False):
            ctx.add("territoriality", OPTIONAL, EIO_11E,
                    f"{off.label} was committed in the executing state, where the conduct is not an offence."
                    + unverified_note(EIO_11E), offences=idx)

    _coercive(ctx, family)

    # Essential interests: assistance in a capital case asked of an abolitionist state (CETS-030 Art 2(b),
    # UNTOC 18(21)(b), Model 4(1)(a)); cured by an assurance that the death penalty will not be imposed.
    capital = [o for o in f.offences if o.death_penalty_possible]
    abolitionist = (ctx.profile_value("deciding", "death_penalty") == "abolitionist_all"
                    or ctx.profile_value("deciding", "echr_party") or ctx.profile_value("deciding", "eu_member"))
    if capital and abolitionist:
        cite = EIO_11B if family == "eio" else _public_order_cite(ctx, family)
        ctx.add("essential_interests", OPTIONAL, cite,
                f"{labels(capital)} carries the death penalty in the requesting state; an abolitionist state may "
                "refuse assistance that could contribute to a death sentence as contrary to its essential interests "
                "or public order, unless assured that the death penalty will not be sought or carried out."
                + model + unverified_note(cite), cured_by="no_death_penalty", offences=[o.index for o in capital])

    # Persecution and fundamental-rights risks: refusal through the public-order / fundamental-rights clause.
    cite = _public_order_cite(ctx, family)
    if "persecution" in f.risks:
        pcite = M_4C if family == "treaty" else cite
        ctx.add("persecution", OPTIONAL, pcite,
                "There are substantial grounds for believing that the proceedings aim at prosecuting or punishing the "
                "person on account of race, religion, nationality, ethnic origin, sex or political opinion; "
                "assistance may be refused." + model + unverified_note(pcite))
    texts = {
        "torture_or_inhuman_treatment": ("torture_risk", "a real risk of torture or inhuman treatment", None),
        "flagrant_denial_of_justice": ("flagrant_denial_of_justice", "a real risk of a flagrant denial of justice",
                                       None),
        "detention_conditions": ("detention_conditions", "a real risk of inhuman detention conditions",
                                 "detention_conditions"),
        "judicial_independence": ("judicial_independence", "systemic deficiencies in judicial independence", None),
    }
    for risk, (code, what, cure) in texts.items():
        if risk in f.risks:
            ctx.add(code, OPTIONAL, cite,
                    f"The proceedings the assistance serves involve {what}. Assistance is not surrender, so the "
                    "absolute bars on surrender do not apply as such; the requested state may refuse on "
                    "fundamental-rights or public-order grounds." + model + unverified_note(cite), cured_by=cure)


def _coercive(ctx: Context, family: str) -> None:
    f = ctx.facts
    coercive = [m for m in f.measures if m in COERCIVE_MEASURES]
    if not coercive:
        return
    measures = ", ".join(m.replace("_", " ") for m in coercive)
    not_dual = [o for o in f.offences if o.criminal_in_requested is False]
    if family == "eio":
        list_min, _ = param("mla.eio.list_offence_min_max_penalty_months", ctx.on, 36)
        # Exception: an Annex D category punishable by at least 3 years in the issuing state.
        checked = [o for o in not_dual if not (o.list_category and o.max_penalty_months is not None
                                               and o.max_penalty_months >= list_min)]
        if checked:
            ctx.add("coercive_measure_dual_criminality", OPTIONAL, EIO_11G,
                    f"{labels(checked)} is not an offence in the executing state and is not an Annex D category "
                    f"punishable by at least {list_min} months; the coercive measures requested ({measures}) may be "
                    "refused. Non-coercive measures (Art 10(2)) must still be executed." + unverified_note(EIO_11G),
                    offences=[o.index for o in checked])
        return
    if family == "coe":
        # Only the requested state's Art 5 reservation allows refusal, and only for search and seizure.
        seizure = [m for m in coercive if m in ("search_and_seizure", "freezing", "bank_records")]
        inst = get_law().instruments.get("CETS-030")
        party = inst.parties.get(f.requested_state) if inst else None
        conds = {c for r in (party.reservations if party else ()) if r.effect == "search_seizure_conditions"
                 for c in r.conditions}
        if not seizure or not conds:
            return
        reasons = []
        hits: list[int] = []
        if "dual_criminality" in conds and not_dual:
            reasons.append(f"{labels(not_dual)} is not an offence under the requested state's law (Art 5(1)(a))")
            hits += [o.index for o in not_dual]
        if "extraditable_offence" in conds:
            min_max, _ = param("extradition.cets024.min_max_penalty_months", ctx.on, 12)
            low = [o for o in f.offences if o.criminal_in_requested is False or any(
                v is not None and v < min_max for v in (o.max_penalty_months, o.max_penalty_months_requested))]
            if low:
                reasons.append(f"{labels(low)} is not an extraditable offence in the requested state (Art 5(1)(b))")
                hits += [o.index for o in low]
        if reasons:
            ctx.add("coercive_measure_dual_criminality", OPTIONAL, COE_5,
                    f"{f.requested_state} has made execution of letters rogatory for search or seizure subject to "
                    f"conditions by reservation under Art 5; {'; '.join(reasons)}. The seizure measures requested "
                    f"may be refused; other assistance is unaffected.", offences=sorted(set(hits)))
        return
    if not not_dual:
        return
    if family == "convention":
        para = "9"
        cite = _conv(ctx.primary, para)
        text = ("Without dual criminality the requested state may decline coercive measures; non-coercive assistance "
                "should still be given where consistent with its legal system.")
    else:
        cite, text = M_4F, "The requested state may refuse compulsory measures for conduct that is not an offence there."
    ctx.add("coercive_measure_dual_criminality", OPTIONAL, cite,
            f"{labels(not_dual)} is not an offence in the requested state and coercive measures are requested "
            f"({measures}). {text}" + (_MODEL_NOTE if family == "treaty" else "") + unverified_note(cite),
            offences=[o.index for o in not_dual])
