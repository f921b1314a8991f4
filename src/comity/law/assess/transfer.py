"""Conditions for the transfer of sentenced persons.

Here the deciding state is the sentencing state; the ``..._requested`` offence facts speak of the administering
state. A transfer is never an obligation (CETS-112 Art 3(1)(f): both states must agree); the grounds below are
the conditions whose absence stops it, or allows either state to decline.

Families: ``cets112`` (Convention on the Transfer of Sentenced Persons, ETS 112, Art 3, with ETS 167),
``fd909`` (Framework Decision 2008/909/JHA between Member States), ``treaty`` (other transfer treaties, read on
the ETS 112 model).
"""

from __future__ import annotations

from .human_rights import SAADI, UNCAT_3, bound
from .rules import MANDATORY, OPTIONAL, Cite, Context, labels, param, unverified_note

T = "Convention on the Transfer of Sentenced Persons (ETS 112)"
T_3A = Cite(f"{T} Art 3(1)(a)")
T_3B = Cite(f"{T} Art 3(1)(b)")
T_3C = Cite(f"{T} Art 3(1)(c); exceptions by agreement, Art 3(2)")
T_3D = Cite(f"{T} Art 3(1)(d)")
T_3E = Cite(f"{T} Art 3(1)(e)")
AP_167 = "Additional Protocol (ETS 167) Arts 2-3"

FD = "Framework Decision 2008/909/JHA"
FD_4 = Cite(f"{FD} Art 4(1)", verified=False)
FD_1 = Cite(f"{FD} Art 1 (final judgments)", verified=False)
FD_6 = Cite(f"{FD} Art 6(1)-(2)", verified=False)
FD_7_9D = Cite(f"{FD} Arts 7 and 9(1)(d)", verified=False)
FD_9C = Cite(f"{FD} Art 9(1)(c)", verified=False)
FD_9E = Cite(f"{FD} Art 9(1)(e)", verified=False)
FD_9G = Cite(f"{FD} Art 9(1)(g)", verified=False)
FD_9H = Cite(f"{FD} Art 9(1)(h)", verified=False)
FD_9I = Cite(f"{FD} Art 9(1)(i)", verified=False)
FD_9K = Cite(f"{FD} Art 9(1)(k)", verified=False)

_TREATY_NOTE = " The treaty's text is not encoded: the condition follows ETS 112 Art 3; check the treaty."


def family_of(instrument_id: str | None) -> str | None:
    if instrument_id is None:
        return None
    if instrument_id == "CETS-112":
        return "cets112"
    if instrument_id == "EU-FD-2008-909":
        return "fd909"
    return "treaty"


def _cite(family: str, cite: Cite) -> Cite:
    return cite if family == "cets112" else Cite(cite.text + " (as the model)", verified=False)


def assess_transfer(ctx: Context) -> None:
    family = family_of(ctx.primary)
    if family is None:
        return
    f = ctx.facts
    adm = f.administering_state
    note = _TREATY_NOTE if family == "treaty" else ""
    fd = family == "fd909"

    # (a) nationality of the administering state.
    if f.person.nationalities and adm not in f.person.nationalities:
        if fd:
            ctx.add("not_national", OPTIONAL, FD_4,
                    f"The person is not a national of {adm}; the judgment may be forwarded only with {adm}'s consent "
                    "(or where the person lives there lawfully and permanently, as it may declare)."
                    + unverified_note(FD_4))
        else:
            cite = _cite(family, T_3A)
            ctx.add("not_national", MANDATORY, cite,
                    f"The person is not a national of the administering state {adm}; the Convention allows transfer "
                    "only to a state of nationality (a state may widen 'national' by declaration under Art 3(4))."
                    + note + unverified_note(cite))

    # (b) final judgment.
    if f.purpose == "prosecution":
        cite = FD_1 if fd else _cite(family, T_3B)
        ctx.add("judgment_not_final", MANDATORY, cite,
                "The person is wanted for prosecution, not serving a final sentence: only a final judgment can be "
                "transferred." + note + unverified_note(cite))

    # (c) at least six months remaining.
    remaining = [o.remaining_months for o in f.offences if o.remaining_months is not None]
    min_rem, rem_ok = param("transfer.cets112.min_remaining_sentence_months", ctx.on, 6)
    if remaining and max(remaining) < min_rem:
        cite = FD_9H if fd else _cite(family, Cite(T_3C.text, T_3C.verified and rem_ok))
        ctx.add("remaining_sentence_too_short", OPTIONAL, cite,
                f"Only {max(remaining)} months remain to be served (at least {min_rem} required); the states may "
                "still agree to a transfer in exceptional cases." + note + unverified_note(cite))

    # (d) consent. Exceptions: ETS 167 (fled to the state of nationality; expulsion order) and FD 909 Art 6(2)
    # (forwarding to the state of nationality where the person lives, or to which the person will be deported).
    if f.person.consent is False:
        if fd and adm in f.person.nationalities:
            pass  # Art 6(2)(a)-(b): consent not required for the state of nationality
        else:
            cite = FD_6 if fd else _cite(family, T_3D)
            extra = (f" Exception: under {AP_167}, consent is not required where the person fled to the state of "
                     "nationality or is subject to an expulsion order." if ctx.has("CETS-167") else "")
            ctx.add("no_consent", MANDATORY, cite,
                    "The sentenced person does not consent to the transfer." + extra + note + unverified_note(cite))

    # (e) dual criminality (under the administering state's law). Exception (FD 909 Art 7(1)): list categories
    # punishable by at least 3 years in the issuing state.
    not_dual = [o for o in f.offences if o.criminal_in_requested is False]
    if fd:
        not_dual = [o for o in not_dual if not (o.list_category and (o.max_penalty_months or 0) >= 36)]
    if not_dual:
        cite = FD_7_9D if fd else _cite(family, T_3E)
        ctx.add("dual_criminality", OPTIONAL if fd else MANDATORY, cite,
                f"{labels(not_dual)} is not an offence under the law of the administering state {adm}."
                + note + unverified_note(cite), offences=[o.index for o in not_dual])

    if fd:
        _fd909_grounds(ctx)
    _overlay(ctx)


def _fd909_grounds(ctx: Context) -> None:
    f = ctx.facts
    for off in f.offences:
        idx = [off.index]
        if off.final_judgment_in_requested:
            ctx.add("ne_bis_in_idem", OPTIONAL, FD_9C, f"{off.label}: recognition would breach ne bis in idem."
                    + unverified_note(FD_9C), offences=idx)
        if off.time_barred_requested:
            ctx.add("lapse_of_time", OPTIONAL, FD_9E, f"Enforcement of the sentence for {off.label} is time-barred "
                    "under the executing state's law." + unverified_note(FD_9E), offences=idx)
        if off.committed_in == f.administering_state:
            ctx.add("territoriality", OPTIONAL, FD_9K, f"{off.label} was committed in the executing state's "
                    "territory." + unverified_note(FD_9K), offences=idx)
    from .vocabulary import ages_of_responsibility

    age = f.person.age_at_offence
    entry = ages_of_responsibility()["ages"].get(f.administering_state)
    if age is not None and entry and age < entry[0]:
        ctx.add("age_of_responsibility", OPTIONAL, FD_9G,
                f"The person was {age}, under the executing state's age of criminal responsibility ({entry[0]}; "
                "age table unverified)." + unverified_note(FD_9G))
    if f.in_absentia:
        ctx.add("in_absentia", OPTIONAL, FD_9I, "The judgment was rendered in absentia without the guarantees of "
                "FD 2009/299/JHA; recognition may be refused unless a retrial is assured." + unverified_note(FD_9I),
                cured_by="retrial")


def _overlay(ctx: Context) -> None:
    """The sentencing state remains bound by the absolute prohibition of torture (ECHR Art 3; UNCAT Art 3)."""
    f = ctx.facts
    echr, _ = bound(ctx)
    cite = SAADI if echr else UNCAT_3
    if "torture_or_inhuman_treatment" in f.risks:
        ctx.add("torture_risk", MANDATORY, cite,
                "A real risk of torture or inhuman treatment in the administering state bars the transfer; consent "
                "does not waive the prohibition." + unverified_note(cite))
    if "detention_conditions" in f.risks:
        ctx.add("detention_conditions", MANDATORY, cite,
                "A real risk of inhuman or degrading detention conditions in the administering state; an individual "
                "assurance on conditions, if reliable, cures the ground." + unverified_note(cite),
                cured_by="detention_conditions")
