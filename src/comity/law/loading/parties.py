"""Party rows of an instrument: who is bound, from when, with which reservations.

A row carries exactly one deposit key (ratification, accession, ...) with its date. When the entry into
force is not written, the treaty's own final clause (``entry_into_force_rule``) gives it from the deposit;
when it is written, it must agree with that rule (or say why not in ``entry_into_force_note``). Dates must
follow one another: signature, deposit, entry into force, denunciation, withdrawal.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..dates import add_months
from ..model import DEPOSIT_KINDS, Party, Reservation
from .issues import Issues, require_read_source
from .models import PartyRow, ReservationRow

#: The keys a party row may have; any other is refused as an unknown field.
PARTY_KEYS = frozenset(f.alias or name for name, f in PartyRow.model_fields.items())


def derive_entry_into_force(rule: dict[str, Any], deposit: dt.date, general: dt.date | None) -> dt.date:
    """Entry into force for a state from its deposit date, by the treaty's own final clause."""
    if "days_after_deposit" in rule:
        eif = deposit + dt.timedelta(days=int(rule["days_after_deposit"]))
    else:  # "first day of the month following the expiration of a period of N months after deposit"
        end = add_months(deposit, int(rule["first_day_of_month_after_months"]))
        eif = add_months(end.replace(day=1), 1)
    if general is not None and eif < general:
        eif = general
    return eif


def rule_text(rule: dict[str, Any]) -> str:
    if "days_after_deposit" in rule:
        return f"{rule['days_after_deposit']} days from deposit"
    return f"first day of the month after {rule['first_day_of_month_after_months']} months from deposit"


class PartyDefaults:
    """What a party row inherits from its instrument (``parties_source``, ``parties_verified``, ...)."""

    def __init__(self, source: str, verified: Any, read: dt.date | None, as_of: dt.date | None,
                 rule: dict[str, Any] | None, instrument_eif: dt.date | None, kind: Any):
        self.source, self.verified, self.read, self.as_of = source, verified, read, as_of
        self.rule, self.instrument_eif, self.kind = rule, instrument_eif, kind


def load_parties(issues: Issues, path: Path, raw_parties: Any, ctx: str, defaults: PartyDefaults,
                 list_node: Any) -> dict[str, Party]:
    """Every row of ``parties`` (``list_node`` is the marked list, for lines); a State listed twice is refused."""
    parties: dict[str, Party] = {}
    for i, raw in enumerate(raw_parties):
        party = load_party(issues, path, raw, f"{ctx}parties[{i}].", defaults, issues.line(list_node, i))
        if party is None:
            continue
        if party.state in parties:
            issues.error(path, issues.line(list_node, i), f"{ctx}parties[{i}].state", f"duplicate party {party.state}")
        parties[party.state] = party
    return parties


def load_party(issues: Issues, path: Path, raw: Any, ctx: str, defaults: PartyDefaults, line: int) -> Party | None:
    if not isinstance(raw, dict):
        issues.error(path, line, ctx, "party must be a mapping")
        return None
    n_errors = len(issues)
    row = issues.validate(PartyRow, path, raw, ctx, {"source": defaults.source, "verified": defaults.verified,
                                                      "read": defaults.read})
    if row is None:
        return None
    deposits = [k for k in DEPOSIT_KINDS if raw.get(k) is not None]
    if len(deposits) > 1:
        issues.error(path, issues.line(raw, deposits[1]), f"{ctx}{deposits[1]}",
                     f"one instrument deposited per row: also {deposits[0]}")
    deposit_kind = deposits[0] if deposits else None
    deposit = getattr(row, deposit_kind) if deposit_kind else None
    eif, derived = row.entry_into_force, False
    if eif is None and deposit is not None and defaults.rule is not None:
        eif, derived = derive_entry_into_force(defaults.rule, deposit, defaults.instrument_eif), True
    check_party_dates(issues, path, raw, ctx, row, deposit_kind, deposit, eif, derived, defaults)
    source = row.source
    if not isinstance(source, str) or not source.strip():
        issues.error(path, issues.line(raw), f"{ctx}source", "missing (and no parties_source on the instrument)")
        source = ""
    verified = bool(row.verified)
    if verified:
        require_read_source(issues, path, raw, ctx, source, row.read)
    reservations = load_reservations(issues, path, raw, ctx, source, verified, row.read)
    if len(issues) > n_errors or row.state is None:
        return None
    return Party(
        state=row.state,
        signature=row.signature,
        ratification=deposit,
        entry_into_force=eif,
        verified=verified,
        source=source,
        withdrawal=row.withdrawal,
        reservations=tuple(reservations),
        note=row.note,
        entry_into_force_derived=derived,
        deposit_kind=deposit_kind,
        denunciation=row.denunciation,
        read=row.read,
        as_of=defaults.as_of,
    )


def check_party_dates(issues: Issues, path: Path, raw: Any, ctx: str, row: PartyRow, deposit_kind: str | None,
                      deposit: dt.date | None, eif: dt.date | None, derived: bool, defaults: PartyDefaults) -> None:
    """Signature, deposit, entry into force, denunciation and withdrawal in their order, and the entry into
    force the treaty's rule gives. EU acts have no signature or deposit of their own (their "ratification"
    is transposition, which may follow the date the act applies); a successor State is bound from its
    independence, before it notifies its succession."""
    sig, wd, denounced = row.signature, row.withdrawal, row.denunciation
    kind, rule, instrument_eif = defaults.kind, defaults.rule, defaults.instrument_eif
    eu_act, succession = kind == "eu_act", deposit_kind == "succession"
    dkey = deposit_kind or "ratification"
    eif_line = issues.line(raw, "entry_into_force")
    if sig and deposit and deposit < sig and not eu_act and not succession:
        issues.error(path, issues.line(raw, dkey), f"{ctx}{dkey}", "before signature")
    if deposit and eif and eif < deposit and not succession:
        issues.error(path, eif_line, f"{ctx}entry_into_force", f"before the {dkey}")
    if sig and eif and eif < sig and not eu_act:
        issues.error(path, eif_line, f"{ctx}entry_into_force", "before signature")
    if instrument_eif and eif and eif < instrument_eif and not eu_act and not succession:
        issues.error(path, eif_line, f"{ctx}entry_into_force",
                     f"before the instrument's own entry into force ({instrument_eif})")
    if rule is not None and deposit and eif and not derived and not eu_act and not succession:
        expected = derive_entry_into_force(rule, deposit, instrument_eif)
        # Month rules ("first day of the month following three months after deposit") give one exact date; for
        # day counts depositaries differ on whether the day of deposit counts, so one day either way is allowed.
        slack = dt.timedelta(days=1 if "days_after_deposit" in rule else 0)
        if abs(eif - expected) > slack and eif != instrument_eif and not row.entry_into_force_note:
            issues.error(path, eif_line, f"{ctx}entry_into_force",
                         f"the treaty's rule ({rule_text(rule)}) gives {expected} for a deposit on {deposit}; "
                         "explain a different date in entry_into_force_note")
    if eif and wd and wd <= eif:
        issues.error(path, issues.line(raw, "withdrawal"), f"{ctx}withdrawal", "not after entry into force")
    if denounced and wd and wd < denounced:
        issues.error(path, issues.line(raw, "withdrawal"), f"{ctx}withdrawal", "before the denunciation was notified")
    if denounced and deposit and denounced < deposit:
        issues.error(path, issues.line(raw, "denunciation"), f"{ctx}denunciation", f"before the {dkey}")


def load_reservations(issues: Issues, path: Path, raw: Any, ctx: str, source: str, verified: bool,
                      read: dt.date | None) -> list[Reservation]:
    """A party's reservations and declarations; each inherits the row's source, verified flag and read date."""
    out = []
    items = raw.get("reservations") or []
    for j, r in enumerate(items):
        rctx = f"{ctx}reservations[{j}]."
        if not isinstance(r, dict):
            issues.error(path, issues.line(items, j), rctx, "must be a mapping")
            continue
        res = issues.validate(ReservationRow, path, r, rctx, {"source": source, "verified": verified, "read": read})
        if res is None:
            continue
        rver = bool(res.verified)
        out.append(Reservation(
            article=str(res.article or ""),
            kind=str(res.kind),
            effect=str(res.effect),
            text=res.text or "",
            source=str(res.source),
            verified=rver,
            date=res.date,
            conditions=tuple(res.conditions or ()),
            read=res.read,
        ))
        if rver:
            require_read_source(issues, path, r, rctx, str(res.source), res.read)
    return out
