"""Typed models of the rows in the data files: what each field must be, with the reason a reader is given.

Each model checks one kind of row (an instrument's header, a party row, a reservation, a parameter, a clock,
a profile fact, ...) field by field. The field types below carry the exact reasons the data format promises
(``not a date (YYYY-MM-DD): '2023-02-30'``, ``must be one of ...``), so that ``Issues.validate`` can report
every problem as file, line, field and reason. Relations between fields (a ratification before the
signature, an entry into force the treaty's rule does not give) are checked by the loader of each kind of
file, on the validated values.

Validation runs with a context: ``states`` (the known ISO 3166-1 codes) and, when a row is checked again
without its wrong fields, ``quiet`` (a required field left empty is then accepted as None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo
from pydantic_core import PydanticCustomError

from ..dates import parse_date
from ..model import GROUND_EFFECTS, KINDS, NATIONALS_BARS, RESERVATION_EFFECTS, SCOPES


def problem(reason: str) -> PydanticCustomError:
    """A validation error whose reason is shown to the reader as it is."""
    return PydanticCustomError("law", "{reason}", {"reason": reason})


def _quiet(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get("quiet"))


# ------------------------------------------------------------------------------------------ field types


def _text(value: Any, info: ValidationInfo) -> str | None:
    if value is None:
        if _quiet(info):
            return None
        raise problem("missing")
    if not isinstance(value, str) or not value.strip():
        raise problem("must be a non-empty string")
    return value.strip()


def _optional_text(value: Any, info: ValidationInfo) -> str | None:
    return None if value is None else _text(value, info)


def _required(value: Any, info: ValidationInfo) -> Any:
    if value is None and not _quiet(info):
        raise problem("missing")
    return value


def _bool_with(reason: str) -> Callable[[Any, ValidationInfo], bool | None]:
    def check(value: Any, info: ValidationInfo) -> bool | None:
        if value is None and _quiet(info):
            return None
        if not isinstance(value, bool):
            raise problem(reason)
        return value

    return check


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise problem(f"not a date (YYYY-MM-DD): {value!r}")
    return parsed


def _required_date(value: Any, info: ValidationInfo) -> dt.date | None:
    if value is None and not _quiet(info):
        raise problem("missing")
    return _date(value)


def _loose_date(value: Any) -> dt.date | None:
    parsed = parse_date(value)
    if value is not None and parsed is None:
        raise problem(f"not a date: {value!r}")
    return parsed


def _state(value: Any, info: ValidationInfo) -> str | None:
    if value is None and _quiet(info):
        return None
    states = (info.context or {}).get("states") or {}
    if not isinstance(value, str) or value not in states:
        raise problem(f"not an ISO 3166-1 alpha-2 code: {value!r}")
    return value


def one_of(choices: tuple[str, ...], reason: str | None = None) -> Any:
    """A field whose value is one of ``choices`` (None is refused too, unless the field has a valid default)."""
    text = reason or f"must be one of {', '.join(choices)}"

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is None and _quiet(info):
            return None
        if value not in choices:
            raise problem(text)
        return value

    return Annotated[str | None, BeforeValidator(check), Field(validate_default=True)]


def _scope(value: Any, info: ValidationInfo) -> list[str] | None:
    if value is None and _quiet(info):
        return None
    if not isinstance(value, list) or not value or any(s not in SCOPES for s in value):
        raise problem(f"must be a non-empty subset of {SCOPES}")
    return list(value)


def _citations(value: Any) -> dict[str, Any]:
    value = value or {}
    if not isinstance(value, dict) or any(k not in SCOPES for k in value):
        raise problem("must map scope -> citation text")
    return dict(value)


def _rule(value: Any) -> dict[str, Any] | None:
    if value is not None and not (
        isinstance(value, dict) and (("days_after_deposit" in value) ^ ("first_day_of_month_after_months" in value))
    ):
        raise problem("bad rule")
    return value


def _number(value: Any) -> float | None:
    if value is not None and not isinstance(value, (int, float)):
        raise problem("must be a number")
    return None if value is None else float(value)


def _whole_number(value: Any, info: ValidationInfo) -> int | None:
    if value is None and _quiet(info):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise problem("must be a whole number") from None


def _true_false_null(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise problem("true | false | null")
    return value


Text = Annotated[str | None, BeforeValidator(_text), Field(validate_default=True)]
OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]
Required = Annotated[Any, BeforeValidator(_required), Field(validate_default=True)]
#: true or false, required (also when the value is inherited from the enclosing record)
Bool = Annotated[bool | None, BeforeValidator(_bool_with("missing or not true/false")), Field(validate_default=True)]
#: true or false, where the data format words the problem as "not true/false"
TrueFalse = Annotated[bool | None, BeforeValidator(_bool_with("not true/false")), Field(validate_default=True)]
Date = Annotated[dt.date | None, BeforeValidator(_date)]
RequiredDate = Annotated[dt.date | None, BeforeValidator(_required_date), Field(validate_default=True)]
#: profile facts' ``as_of`` and ``since``
LooseDate = Annotated[dt.date | None, BeforeValidator(_loose_date)]
State = Annotated[str | None, BeforeValidator(_state), Field(validate_default=True)]
Scope = Annotated[list[str] | None, BeforeValidator(_scope), Field(validate_default=True)]
Citations = Annotated[dict[str, Any] | None, BeforeValidator(_citations), Field(validate_default=True)]
EntryIntoForceRule = Annotated[dict[str, Any] | None, BeforeValidator(_rule)]
Number = Annotated[float | None, BeforeValidator(_number)]
WholeNumber = Annotated[int | None, BeforeValidator(_whole_number)]
TrueFalseNull = Annotated[bool | None, BeforeValidator(_true_false_null)]
InstrumentKind = one_of(KINDS)
GroundEffect = one_of(GROUND_EFFECTS)
ReservationEffect = one_of(RESERVATION_EFFECTS)
ReservationKind = one_of(("reservation", "declaration", "notification"), "reservation | declaration | notification")
ClockUnit = one_of(("days", "months"), "days | months")
DayType = one_of(("calendar", "business"), "calendar | business")
NationalsBar = one_of(NATIONALS_BARS)


class Row(BaseModel):
    """A row of a data file. Keys the model does not name are kept (``model_extra``) unless it forbids them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, arbitrary_types_allowed=True)


class StrictRow(Row):
    """A row whose every key is named by the model: any other key is refused as an "unknown field"."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, arbitrary_types_allowed=True)


# ----------------------------------------------------------------------------------------- instruments


class InstrumentRow(Row):
    """An instrument's header (instruments/*.yaml): one treaty, EU act, agreement or statute."""

    id: Text = None
    title: Text = None
    short_title: Any = None
    kind: InstrumentKind = None
    scope: Scope = None
    source: Text = None
    verified: Bool = None
    adopted: RequiredDate = None
    entry_into_force: Date = None
    organisation: Any = None
    eu_agreement: Any = None
    citations: Citations = None
    articles: Any = None
    entry_into_force_rule: EntryIntoForceRule = None
    parties_source: Any = None
    parties_verified: Any = None
    parties_read: Date = None
    read: Date = None
    parties_as_of: Date = None
    terminated: Date = None
    parties: Any = None
    replaces: Any = None
    third_states: Any = None
    third_state: Any = None
    grounds: Any = None
    rank: Number = None
    order: WholeNumber = 50
    supplements: Any = None
    replaces_bilateral: Any = None
    replaces_all: Any = None
    replaces_citation: Any = None
    offence_scope: Any = None
    extradition_basis_article: Any = None
    extradition_mutual_article: Any = None
    extradition_notification_article: Any = None
    supplements_bilateral: Any = False
    notes: Any = None
    grounds_complete: Any = False
    conventions_citation: Any = None
    ad_hoc_route: Any = None


class StatuteRow(Row):
    """What a domestic statute adds to an instrument's header: the enacting State and its designations."""

    state: State = None
    categories: Any = None
    conventions_as_basis: TrueFalseNull = None


class CategoryRow(Row):
    """One designation list of a statute (``categories.<name>``): the States designated, with optional windows."""

    states: Any = None
    label: Any = None
    source: Any = None
    verified: TrueFalse = None


class WindowRow(Row):
    """A State designated only for a time: ``{state: XX, from: date, until: date}``."""

    state: Any = None  # checked by the statute's loader, which names the list item
    start: Date = Field(None, alias="from")
    until: Date = None


class ArticleRow(Row):
    number: Required = None
    heading: Text = None
    paraphrase: Text = None
    source: OptionalText = None
    verified: Bool = None
    read: Any = None  # checked only when the article is verified


class GroundRow(Row):
    """A refusal ground as the treaty states it."""

    code: Text = None
    effect: GroundEffect = None
    article: Text = None
    text: Text = None
    verified: Bool = False
    source: Any = None
    read: Any = None  # checked only when the ground is verified
    cured_by: Any = None


# --------------------------------------------------------------------------------------------- parties


class PartyRow(StrictRow):
    """One State's row in an instrument's ``parties`` (one deposit key carrying its date)."""

    state: State = None
    signature: Date = None
    ratification: Date = None
    acceptance: Date = None
    approval: Date = None
    accession: Date = None
    succession: Date = None
    definitive_signature: Date = None
    deposit: Date = None
    entry_into_force: Date = None
    entry_into_force_note: Any = None
    denunciation: Date = None
    withdrawal: Date = None
    source: Any = None
    read: Date = None
    verified: Bool = None
    note: Any = None
    reservations: Any = None


class ReservationRow(Row):
    """A reservation, declaration or notification of a party, with the effect the engine understands."""

    effect: ReservationEffect = None
    kind: ReservationKind = "declaration"
    source: Any = None
    verified: TrueFalse = None
    read: Date = None
    article: Text = None
    text: Text = None
    date: Date = None
    conditions: Any = None


# ------------------------------------------------------------------------------ parameters and clocks


class ParameterRow(Row):
    """A dated legal parameter (parameters/*.yaml): its values by the date from which each applies."""

    description: Text = None
    reference: Text = None
    unit: Text = None
    verified: Bool = None
    read: Date = None
    source: Any = None
    values: Any = None


class ParameterValueRow(Row):
    """One dated value written as a mapping, with its own reference, source and read date."""

    value: Any = None  # the key must be there (checked by the loader); null is a value
    verified: Any = None
    read: Date = None
    reference: Any = None
    source: Any = None


class ClockRow(Row):
    """A legal clock (clocks.yaml): which event starts which period, under which instrument."""

    code: Text = None
    instrument: Text = None
    kind: Text = None
    start_event: Text = None
    parameter: Text = None
    citation: Text = None
    source: Text = None
    unit: ClockUnit = "days"
    day_type: DayType = "calendar"
    verified: Bool = None
    read: Date = None
    roll_forward: Any = False
    alternative_to: Any = None
    add_parameter: Any = None
    note: Any = None
    verification_note: Any = None


# --------------------------------------------------------------------------------- offences, registers


class OffenceCategoryRow(Row):
    """A category of an offence list (offences/categories.yaml), mapped onto ICCS codes."""

    code: Text = None
    iccs: Any = None
    label: Text = None
    verified: Bool = None
    mapping_verified: Any = False
    source: Any = None
    note: Any = None


class InterpolRow(Row):
    members: Any = None
    source: Text = None
    verified: Bool = None
    note: Any = None


class VersionRow(Row):
    version: Any = None
    refreshed: RequiredDate = None
    note: Any = None


# -------------------------------------------------------------------------------------------- profiles


class ProfileRow(Row):
    """A country profile's header (profiles/<ISO2>.yaml); its other keys are facts."""

    state: State = None
    name: Text = None
    notes: Any = None


class FactRow(Row):
    """One sourced fact of a profile (or one value of its history, merged over the fact's own keys)."""

    value: Any = None
    source: Any = None
    verified: Bool = None
    read: Date = None
    note: Any = None
    valid_from: Any = Field(None, alias="from")
    as_of: LooseDate = None
    since: LooseDate = None


class HistoryFactRow(FactRow):
    valid_from: Date = Field(None, alias="from")


class NationalsRow(Row):
    """``extradites_nationals``: a bar (none, constitutional, statutory), its article, and its exceptions."""

    bar: NationalsBar = None
    article: Any = None
    exceptions: Any = None


def _article_named(value: Any, info: ValidationInfo) -> str | None:
    if value is None and _quiet(info):
        return None
    if not isinstance(value, str) or not value.strip():
        raise problem("each exception names its article")
    return value


def _offence_kinds(value: Any) -> list[str]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(o, str) for o in value):
        raise problem("must be a list of offence kinds")
    return list(value)


class NationalsExceptionRow(StrictRow):
    """One exception to the bar (its ``kind`` is checked first: nothing else is said of an unknown kind)."""

    kind: Any = None
    article: Annotated[str | None, BeforeValidator(_article_named), Field(validate_default=True)] = None
    offences: Annotated[list[str] | None, BeforeValidator(_offence_kinds)] = None
    states: Any = None
    conditions: Any = None
    note: Any = None
