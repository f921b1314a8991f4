"""Human-rights bars that bind the deciding state whatever the instrument (they sit above the treaties).

Who is bound: ECHR parties (country profile ``echr_party``) by Art 3 (absolute) and Art 6 (flagrant denial of
justice); EU Member States (profile ``eu_member``) by the Charter of Fundamental Rights and, for European arrest
warrants, by the CJEU's two-step test (Aranyosi and Căldăraru; LM). Other states: the UN Convention against
Torture Art 3 and ICCPR Art 7 (party status not checked here, so those citations are unverified).

Where a real risk is established these bars are MANDATORY. Torture is absolute: no assurance in the vocabulary
cures it. Assurances cure only the grounds they answer (no_death_penalty, life_sentence_review,
detention_conditions), and only if reliable (Othman v UK §189 lists the factors for weighing them).
"""

from __future__ import annotations

from .rules import MANDATORY, OPTIONAL, Cite, Context, labels, offences_where, unverified_note

# ECHR Art 3 and the extradition cases.
SOERING = Cite("ECHR Art 3; Soering v United Kingdom, ECtHR 7 July 1989, no. 14038/88")
SAADI = Cite("ECHR Art 3 (absolute); Soering v United Kingdom (1989); Saadi v Italy, ECtHR GC 28 February 2008, "
             "no. 37201/06", verified=False)
OTHMAN = Cite("ECHR Art 6; Soering v United Kingdom (1989) §113; Othman (Abu Qatada) v United Kingdom, ECtHR "
              "17 January 2012, no. 8139/09")
TRABELSI = Cite("ECHR Art 3; Trabelsi v Belgium, ECtHR 4 September 2014, no. 140/10")
AL_SAADOON = Cite("ECHR Arts 2-3 and Protocols 6 and 13; Soering v United Kingdom (1989); Al-Saadoon and Mufdhi "
                  "v United Kingdom, ECtHR 2 March 2010, no. 61498/08", verified=False)
ECHR_DETENTION = Cite("ECHR Art 3 (conditions of detention in the receiving state); Othman v United Kingdom "
                      "(2012) §189 on assurances", verified=False)
# EU Charter and the CJEU lines (EAW).
CHARTER_19 = Cite("Charter of Fundamental Rights of the EU Arts 4 and 19(2)", verified=False)
ARANYOSI = Cite("FD 2002/584/JHA Art 1(3); Charter Art 4; Aranyosi and Căldăraru, CJEU GC 5 April 2016, "
                "C-404/15 and C-659/15 PPU")
LM = Cite("FD 2002/584/JHA Art 1(3); Charter Art 47; LM (Celmer), CJEU GC 25 July 2018, C-216/18 PPU")
# Universal instruments (party status of the deciding state not checked).
UNCAT_3 = Cite("UN Convention against Torture Art 3; ICCPR Art 7 (HRC General Comment 31 §12)", verified=False)
ICCPR_7_10 = Cite("ICCPR Arts 7 and 10 (HRC General Comment 31 §12)", verified=False)
ICCPR_14 = Cite("ICCPR Art 14 (fair trial), through the requested state's public-order rules", verified=False)
# Refugees.
REFUGEE_33 = Cite("Convention relating to the Status of Refugees 1951 Art 33(1) (non-refoulement; exception in "
                  "Art 33(2))", verified=False)
CJEU_REFUGEE = Cite("Directive 2013/32/EU Art 9; Charter Arts 18 and 19(2); Generalstaatsanwaltschaft Hamm, CJEU "
                    "18 June 2024, C-352/22", verified=False)


def bound(ctx: Context) -> tuple[bool, bool]:
    """(ECHR party, EU Member State) for the deciding state."""
    return bool(ctx.profile_value("deciding", "echr_party")), bool(ctx.profile_value("deciding", "eu_member"))


def extradition_overlay(ctx: Context, eaw: bool) -> None:
    """Human-rights bars on surrender (extradition, EAW). Rules are written base rule first, then exceptions."""
    f = ctx.facts
    echr, eu = bound(ctx)
    state = f.deciding_state

    # Torture or inhuman treatment: absolute (ECHR Art 3; UNCAT Art 3). No assurance in the vocabulary cures it.
    if "torture_or_inhuman_treatment" in f.risks:
        cite = SAADI if echr else (CHARTER_19 if eu else UNCAT_3)
        ctx.add("torture_risk", MANDATORY, cite,
                f"A real risk of torture or inhuman or degrading treatment is established. {state} may not surrender "
                "the person: the prohibition is absolute and is not balanced against the reasons for the request. "
                "Diplomatic assurances against torture cure the risk only if shown reliable in practice (Othman "
                "§189); none is recorded." + unverified_note(cite))

    # Flagrant denial of justice (ECHR Art 6 extraterritorial effect: Soering §113, Othman).
    if "flagrant_denial_of_justice" in f.risks:
        if echr:
            ctx.add("flagrant_denial_of_justice", MANDATORY, OTHMAN,
                    "A real risk of a flagrant denial of justice in the requesting state (Othman: a trial relying on "
                    "evidence obtained by torture) bars surrender by an ECHR party. A retrial assurance does not cure "
                    "it.")
        else:
            ctx.add("flagrant_denial_of_justice", OPTIONAL, ICCPR_14,
                    f"{state} is not recorded as an ECHR party, so the Othman bar does not bind it as such; the risk "
                    "of a flagrant denial of justice remains a ground its courts may apply under fair-trial "
                    "guarantees and public order." + unverified_note(ICCPR_14))

    # Detention conditions: Aranyosi two-step test for EAWs; ECHR Art 3 otherwise. Exception: a reliable
    # individual assurance on detention conditions cures the risk.
    if "detention_conditions" in f.risks:
        if eaw:
            cite, why = ARANYOSI, ("Under the two-step Aranyosi test (systemic deficiencies, then a real individual "
                                   "risk), the executing authority must postpone and, if the risk is not discounted, "
                                   "bring the procedure to an end.")
        elif echr:
            cite, why = ECHR_DETENTION, "Inhuman or degrading detention conditions engage ECHR Art 3."
        else:
            cite, why = ICCPR_7_10, "Inhuman detention conditions engage ICCPR Arts 7 and 10."
        ctx.add("detention_conditions", MANDATORY, cite,
                why + " An individual assurance on the conditions of detention, if reliable, cures the ground."
                + unverified_note(cite), cured_by="detention_conditions")

    # Judicial independence: LM (Celmer) for EAWs; elsewhere only as part of a flagrant denial of justice.
    if "judicial_independence" in f.risks:
        if eaw:
            ctx.add("judicial_independence", MANDATORY, LM,
                    "Systemic deficiencies in judicial independence that affect this person (LM two-step test) "
                    "require the executing authority to refrain from giving effect to the warrant.")
        else:
            cite = OTHMAN if echr else ICCPR_14
            ctx.add("judicial_independence", OPTIONAL, cite,
                    "Outside the EAW the LM line does not apply as such; a lack of judicial independence bars "
                    "surrender only where it amounts to a flagrant denial of justice, which the requested state "
                    "must weigh." + unverified_note(cite))

    # Death penalty: ECHR parties (Soering; Protocols 6 and 13), EU Charter Art 19(2), and abolitionist
    # constitutions must refuse unless a sufficient assurance is given.
    capital = offences_where(f, lambda o: o.death_penalty_possible)
    if capital:
        layers = []
        if echr:
            layers.append(AL_SAADOON)
        if eu:
            layers.append(CHARTER_19)
        if ctx.profile_value("deciding", "death_penalty") == "abolitionist_all":
            src = ctx.profile_source("deciding", "death_penalty")
            if src:
                layers.append(Cite(f"Domestic law of {state} (abolitionist for all crimes): {src.text}",
                                   src.verified))
        if layers:
            cite = Cite("; ".join(c.text for c in layers), all(c.verified for c in layers))
            ctx.add("death_penalty", MANDATORY, cite,
                    f"The death penalty is possible for {labels(capital)}. {state} may not surrender the person unless "
                    "the requesting state gives a sufficient assurance that it will not be imposed or carried out "
                    "(Soering: exposure to the death row phenomenon breaches Art 3).",
                    cured_by="no_death_penalty", offences=[o.index for o in capital])

    # Irreducible life sentence (Trabelsi; Vinter): cured by an assurance of review.
    life = offences_where(f, lambda o: o.irreducible_life_possible)
    if life and echr:
        ctx.add("irreducible_life_sentence", MANDATORY, TRABELSI,
                f"{labels(life)} may lead to a life sentence that is irreducible de jure and de facto; surrender by an "
                "ECHR party breaches Art 3 (Trabelsi) unless the requesting state assures a review mechanism with a "
                "prospect of release.", cured_by="life_sentence_review", offences=[o.index for o in life])

    refugee_overlay(ctx)


def refugee_overlay(ctx: Context) -> None:
    f = ctx.facts
    state = f.deciding_state
    granted = f.person.refugee_status_granted_by
    if not granted:
        return
    # Base rule: the state that granted refugee status may not surrender the refugee to the feared persecution.
    if state in granted:
        ctx.add("refugee_status", MANDATORY, REFUGEE_33,
                f"{state} has granted the person refugee status. Surrender to the state of feared persecution breaches "
                "non-refoulement (exception: Art 33(2), a refugee who is a danger to the community after a final "
                "conviction for a particularly serious crime). Check that the requesting state is the state the "
                "person fled." + unverified_note(REFUGEE_33))
        return
    echr, eu = bound(ctx)
    requesting_eu = bool(ctx.profile_value("receiving", "eu_member"))
    eu_granted = [s for s in granted if _is_eu(s)]
    # Exception (EU): status granted by another Member State binds a Member State asked by a third state.
    if eu and not requesting_eu and eu_granted:
        ctx.add("refugee_status", MANDATORY, CJEU_REFUGEE,
                f"Refugee status granted by {', '.join(eu_granted)} (a Member State): while it is not revoked, "
                f"{state} may not extradite the person to the third state of feared persecution." +
                unverified_note(CJEU_REFUGEE))
        return
    ctx.add("refugee_status", OPTIONAL, REFUGEE_33,
            f"Refugee status granted by {', '.join(granted)}: strong evidence of a risk of persecution that {state} "
            "must weigh, though the grant does not bind it." + unverified_note(REFUGEE_33))


def _is_eu(state: str) -> bool:
    from .. import get_law

    prof = get_law().profiles.get(state)
    return bool(prof and prof.value("eu_member"))
