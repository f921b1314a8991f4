"""Red Notice compliance (INTERPOL Constitution Arts 2-3; Rules on the Processing of Data (RPD) Art 83).

Base rule (RPD Art 83(1)): a Red Notice may be published only for a serious ordinary-law crime that meets the
penalty thresholds and is not in an excluded category, and (Constitution Arts 2-3) only in the spirit of the
Universal Declaration of Human Rights and never for matters of a predominantly political, military, religious
or racial character. Mandatory findings make the request non-compliant.

Several offences: an offence that fails a condition cannot itself support the notice; the notice as a whole
fails only when no offence qualifies. So a ground is mandatory when every offence is disqualified and optional
(drop the offence from the notice) otherwise.
"""

from __future__ import annotations

from .facts import Offence
from .rules import MANDATORY, OPTIONAL, Cite, Context, labels, param, unverified_note

CONST_2 = Cite("INTERPOL Constitution Art 2(1) (in the spirit of the Universal Declaration of Human Rights)")
CONST_3 = Cite("INTERPOL Constitution Art 3 (predominance test; General Assembly resolutions of 1951, 1984 and "
               "1994)")
RPD_83_1_A = Cite("INTERPOL RPD Art 83(1)(a)")
RPD_83_1_B = Cite("INTERPOL RPD Art 83(1)(b)", verified=False)  # secondary sources only [S]
REFUGEES = Cite("INTERPOL Constitution Arts 2 and 3; INTERPOL policy on refugees (Executive Committee, 2014/2015)",
                verified=False)

_EXCLUDED = {
    "behavioural_or_cultural_norm": "an offence raising controversial issues relating to behavioural or cultural "
                                    "norms (Art 83(1)(a)(i))",
    "family_matter": "a family or private matter (Art 83(1)(a)(ii))",
    "private_dispute": "a private dispute not linked to organised crime (Art 83(1)(a)(iii))",
    "administrative_breach": "an administrative or regulatory breach not linked to organised crime (Art 83(1)(a)(iii))",
}
_ORGANISED = ("participation_in_criminal_organisation", "racketeering_and_extortion")


def _below_threshold(ctx: Context, off: Offence, min_max: int, min_sent: int) -> str | None:
    f = ctx.facts
    if f.purpose == "enforcement" or (f.purpose is None and off.sentence_months is not None):
        if off.remaining_months is not None and off.remaining_months < min_sent:
            return f"{off.label}: {off.remaining_months} months remain to be served (at least {min_sent} required)"
        if off.remaining_months is None and off.sentence_months is not None and off.sentence_months < min_sent:
            return f"{off.label}: sentence of {off.sentence_months} months (at least {min_sent} required)"
        return None
    if off.max_penalty_months is not None and off.max_penalty_months < min_max:
        return f"{off.label}: maximum penalty {off.max_penalty_months} months (at least {min_max} required)"
    return None


def _excluded(off: Offence) -> list[str]:
    out = []
    for ch in off.characteristics:
        # Exception (Art 83(1)(a)(iii)): private disputes and administrative breaches linked to organised crime.
        if ch in ("private_dispute", "administrative_breach") and off.list_category in _ORGANISED:
            continue
        out.append(_EXCLUDED[ch])
    return out


def _neutral(off: Offence) -> bool:
    # Exception: crimes under international humanitarian law (genocide, war crimes, crimes against humanity) are
    # not protected by Art 3 (1994 resolution).
    return bool((off.political or off.military) and off.list_category != "crimes_within_icc_jurisdiction")


def assess_red_notice(ctx: Context) -> None:
    f = ctx.facts
    min_max, max_ok = param("notices.rpd.min_max_penalty_months", ctx.on, 24)
    min_sent, sent_ok = param("notices.rpd.min_sentence_months", ctx.on, 6)
    low = {o.index: r for o in f.offences if (r := _below_threshold(ctx, o, min_max, min_sent))}
    excl = {o.index: r for o in f.offences if (r := _excluded(o))}
    neutral = [o for o in f.offences if _neutral(o)]
    disqualified = set(low) | set(excl) | {o.index for o in neutral}
    all_out = bool(f.offences) and len(disqualified) == len(f.offences)
    effect = MANDATORY if all_out else OPTIONAL
    tail = ("" if all_out else " Other offences in the request qualify: this offence should be left out of the notice.")

    if low:
        cite = Cite(RPD_83_1_B.text, RPD_83_1_B.verified and max_ok and sent_ok)
        ctx.add("rpd_penalty_threshold", effect, cite,
                "Below the Red Notice thresholds (prosecution: maximum penalty of at least two years; enforcement: "
                "at least six months imposed or remaining): " + "; ".join(low.values()) + ". The General Secretariat "
                "may make an exception for an offence of particular importance." + tail + unverified_note(cite),
                offences=sorted(low))
    if excl:
        ctx.add("rpd_excluded_offence", effect, RPD_83_1_A,
                "Excluded from Red Notices: " + "; ".join(f"offence {i + 1} is {' and '.join(r)}"
                                                          for i, r in excl.items()) + "." + tail,
                offences=sorted(excl))
    if neutral:
        ctx.add("article3_neutrality", effect, CONST_3,
                f"{labels(neutral)} is of a political or military character; INTERPOL may not process a notice for a "
                "matter of predominantly political, military, religious or racial character." + tail,
                offences=[o.index for o in neutral])

    # Human-rights concerns (Constitution Art 2): the notice must respect the spirit of the UDHR.
    if "persecution" in f.risks:
        ctx.add("persecution", MANDATORY, CONST_2,
                "Substantial grounds to believe the request pursues the person for race, religion, nationality or "
                "political opinion: processing would breach Arts 2 and 3 of the Constitution.")
    if "torture_or_inhuman_treatment" in f.risks:
        ctx.add("torture_risk", MANDATORY, CONST_2,
                "A real risk of torture or inhuman treatment after arrest: a notice seeking arrest with a view to "
                "surrender would not respect the spirit of the Universal Declaration of Human Rights (Art 5).")
    if "flagrant_denial_of_justice" in f.risks:
        ctx.add("flagrant_denial_of_justice", MANDATORY, CONST_2,
                "A real risk of a flagrant denial of justice in the requesting state's proceedings: the notice would "
                "not respect the spirit of the Universal Declaration of Human Rights (Arts 10-11).")
    if f.person.refugee_status_granted_by:
        granted = ", ".join(f.person.refugee_status_granted_by)
        ctx.add("refugee_status", MANDATORY, REFUGEES,
                f"The person has refugee status (granted by {granted}). Under INTERPOL's refugee policy a notice "
                "requested by the country where the person fears persecution is not processed; check that the "
                f"status concerns {f.requesting_state}." + unverified_note(REFUGEES))
