"""Checks on a draft request: completeness against its legal basis, quality, and the requested State's
requirements. Plain data in, plain data out (no Django), so the CLI and tests use them directly.

The content rules are data (data/requirements.yaml, each element with its article and a verified flag);
the quality checks are small functions whose docstring is the reason shown to the user.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

from comity import errors as _errors

DATA = Path(__file__).parent / "data"


class DataError(_errors.DataError, ValueError):
    """The builder's data files are inconsistent; the message names the file and the entry."""


_KEYS = {
    "fields": {"label", "type", "max", "measures"},
    "requirements": {"code", "label", "field", "kinds", "measures", "except_measures", "when", "citations",
                     "practice", "any_instrument", "verified", "source"},
}


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    with open(DATA / f"{name}.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    _validate(name, data)
    return data


def _validate(name: str, data: dict) -> None:
    """Refuse data a stray comma in a YAML flow mapping would silently change."""
    if name == "fields":
        for key, spec in data["fields"].items():
            if set(spec) - _KEYS["fields"] or spec.get("type") not in ("text", "textarea", "date", "bool"):
                raise DataError(f"fields.yaml: {key}: unexpected keys or type {sorted(spec)}")
            if spec["type"] in ("text", "textarea") and not isinstance(spec.get("max"), int):
                raise DataError(f"fields.yaml: {key}: text fields need a max length")
    if name == "requirements":
        names = set(load("fields")["fields"]) | {"persons"}
        for e in data["elements"]:
            if set(e) - _KEYS["requirements"] or None in e.values():
                raise DataError(f"requirements.yaml: {e.get('code')}: unexpected keys {sorted(map(str, e))}")
            if not (e.get("citations") or (e.get("any_instrument") and e.get("practice"))):
                raise DataError(f"requirements.yaml: {e['code']}: an element needs citations")
            for f in e["field"] if isinstance(e["field"], list) else [e["field"]]:
                if f not in names:
                    raise DataError(f"requirements.yaml: {e['code']}: unknown field {f!r}")


def measures() -> dict[str, dict]:
    return load("measures")["measures"]


def measures_for(request_kind: str) -> list[str]:
    return list(load("measures")["request_kinds"].get(request_kind, []))


def builder_kind(measure: str) -> str:
    return measures()[measure]["kind"]


def fields() -> dict[str, dict]:
    return load("fields")["fields"]


def fields_for(measure: str) -> list[str]:
    return [name for name, spec in fields().items() if not spec.get("measures") or measure in spec["measures"]]


def labels(language: str) -> dict:
    return load("labels")[language]


def instrument_family(instrument: str) -> str:
    return load("measures")["instrument_family"].get(instrument, instrument)


@dataclass
class Finding:
    """One thing wrong or missing in a draft, with the rule it applies."""

    code: str
    kind: str  # missing | quality
    message: str
    fields: list[str]
    citation: str = ""
    verified: bool = False
    source: str = ""
    by_analogy: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _filled(content: dict, name: str) -> bool:
    value = content.get(name)
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, dict)):
        return bool(value)
    return value not in (None, False)


# --- completeness -----------------------------------------------------------------------------------

@dataclass
class Element:
    code: str
    label: str
    fields: list[str]
    citation: str
    verified: bool
    source: str
    by_analogy: bool = False


def required_elements(measure: str, instrument: str = "") -> tuple[list[Element], bool]:
    """The elements the legal basis requires for this measure, and whether they come by analogy (the
    builder has no content rules for the instrument, so those of the kind's model instrument apply)."""
    kind = builder_kind(measure)
    elements = [e for e in load("requirements")["elements"] if kind in e["kinds"]
                and (not e.get("measures") or measure in e["measures"])
                and measure not in e.get("except_measures", [])]
    family = "INTERPOL-RPD" if kind == "red_notice" else instrument_family(instrument or "")
    by_analogy = not any(family in e.get("citations", {}) for e in elements)
    if by_analogy:
        family = load("measures")["model_instrument"][kind]
    out = []
    for e in elements:
        names = e["field"] if isinstance(e["field"], list) else [e["field"]]
        # An article is cited only under its own instrument (the request's legal basis, or the model instrument
        # when the builder has no list for the basis: then the finding says "by analogy"); elements every
        # request needs cite the good-practice source under any other instrument.
        if family in e.get("citations", {}):
            citation = e["citations"][family]
        elif e.get("any_instrument"):
            citation = e["practice"]
            if "analogy" in citation:
                out.append(Element(e["code"], e["label"], names, citation, False, e.get("source", ""), True))
                continue
        else:
            continue
        verified = e.get("verified")
        if isinstance(verified, dict):
            verified = verified.get(family, False)
        out.append(Element(e["code"], e["label"], names, citation, bool(verified), e.get("source", "")))
    return out, by_analogy


def _element_applies(code: str, measure: str, content: dict) -> bool:
    raw = next(e for e in load("requirements")["elements"] if e["code"] == code)
    return not raw.get("when") or _filled(content, raw["when"])


def completeness(measure: str, instrument: str, content: dict) -> list[Finding]:
    """Each required element that is missing, named with its article."""
    elements, by_analogy = required_elements(measure, instrument)
    findings = []
    for e in elements:
        if not _element_applies(e.code, measure, content):
            continue
        missing = [f for f in e.fields if not _filled(content, f)]
        if missing:
            note = " (by analogy: the builder has no content list for this legal basis)" if by_analogy else ""
            findings.append(Finding(code=e.code, kind="missing", message=f"Missing: {e.label}{note}.",
                                    fields=missing, citation=e.citation, verified=e.verified, source=e.source,
                                    by_analogy=by_analogy or e.by_analogy))
    return findings


# --- quality ------------------------------------------------------------------------------------------

FISHING = re.compile(r"\b(any and all|all (?:documents|records|information|data|accounts)|"
                     r"tou(?:s|tes) les (?:documents|pièces|informations|données|comptes)|"
                     r"tout document|todos los (?:documentos|registros|datos)|toda la información|cualquier documento)\b",
                     re.IGNORECASE)
WITNESS_ROLES = re.compile(r"witness|témoin|testigo", re.IGNORECASE)
INFORMANT_ROLES = re.compile(r"informant|informer|source|undercover|indicateur|informateur|infiltr|confident",
                             re.IGNORECASE)
# Measures where the witness's own identity is what the measure acts on.
IDENTITY_NEEDED = {"witness_hearing", "service_of_documents", "temporary_transfer"}
MIN_LINK = 30  # characters: a link "to the offence" shorter than a sentence is no link


def _quality(code: str, message: str, fields: list[str], citation: str | dict = "", verified: bool = False,
             ctx: dict | None = None) -> Finding:
    """A quality finding. ``citation`` maps instrument families to their article: the article of the request's
    own legal basis is cited; under any other basis the model instrument's article is cited "by analogy"."""
    by_analogy = False
    if isinstance(citation, dict):
        citation, by_analogy = _cite(citation, ctx or {})
    return Finding(code=code, kind="quality", message=message, fields=fields, citation=citation, verified=verified,
                   by_analogy=by_analogy)


def _cite(articles: dict[str, str], ctx: dict) -> tuple[str, bool]:
    family = ctx.get("family") or ""
    if family in articles:
        return articles[family], False
    model = ctx.get("model")
    if model in articles:
        return f"by analogy with {articles[model]} (the legal basis has no such article)", True
    if "practice" in articles:
        return articles["practice"], False
    model = next(iter(articles))
    text = articles.get(model) or next(iter(articles.values()))
    return f"by analogy with {text} (the legal basis has no such article)", True


def q_no_date_range(measure, content, ctx):
    """Records are sought without a date range: the requested State cannot tell how far back to search
    and will ask, or refuse the request as too broad."""
    if measure in ("records", "preservation") and not (content.get("records_date_from") and content.get("records_date_to")):
        return [_quality("no_date_range", "No date range for the records sought: give the first and last date "
                         "(the requested State cannot search without one and may refuse a request this broad).",
                         ["records_date_from", "records_date_to"], {"UNTOC": "UNTOC Art 18(15)(d)", "UNCAC": "UNCAC Art 46(15)(d)",
                          "CETS-030": "ETS 030 Art 14(1)(b)", "EU-EIO": "Directive 2014/41/EU Annex A, section C"}, ctx=ctx)]
    return []


def q_fishing(measure, content, ctx):
    """An "any and all" request that is not tied to the facts reads as a fishing expedition, a common
    reason for refusal."""
    sought = " ".join(str(content.get(f) or "") for f in ("assistance_sought", "items_sought", "data_to_preserve"))
    if FISHING.search(sought) and len((content.get("link_to_offence") or "").strip()) < MIN_LINK:
        words = FISHING.search(sought).group(0)
        return [_quality("fishing", f"\"{words}\" without a link to the facts reads as a fishing request: say which "
                         "items, and how each relates to the facts of the case.", ["assistance_sought", "link_to_offence"],
                         {"UNTOC": "UNTOC Art 18(15)(d)-(f); Art 18(21)(a)",
                          "UNCAC": "UNCAC Art 46(15)(d)-(f); Art 46(21)(a)"}, ctx=ctx)]
    return []


def q_bank_without_account(measure, content, ctx):
    """Bank records are sought without an account identifier or holder: the bank cannot find them."""
    if measure == "records" and content.get("bank_records"):
        missing = [f for f in ("account_identifiers", "account_holder") if not _filled(content, f)]
        if missing:
            return [_quality("bank_without_account", "Bank records without "
                             + " or ".join({"account_identifiers": "account identifiers (IBAN or account number and bank)",
                                            "account_holder": "the account holder"}[m] for m in missing)
                             + ": the bank cannot identify the records.", missing, {"UNTOC": "UNTOC Art 18(3)(f), 18(15)(d)",
                                                "UNCAC": "UNCAC Art 46(3)(f), 46(15)(d)",
                                                "EU-EIO": "Directive 2014/41/EU Annex A, section H3"}, ctx=ctx)]
    return []


def q_no_link(measure, content, ctx):
    """The request does not say how the evidence sought relates to the offence, so the requested State
    cannot see why it is needed (relevance is the first question at execution)."""
    if measures()[measure].get("evidence") and len((content.get("link_to_offence") or "").strip()) < MIN_LINK:
        return [_quality("no_link", "No stated link between the evidence sought and the offence: explain how it "
                         "relates to the facts (at least a sentence).", ["link_to_offence"],
                         {"UNTOC": "UNTOC Art 18(15)(f)", "UNCAC": "UNCAC Art 46(15)(f)"}, ctx=ctx)]
    return []


def q_urgency_unexplained(measure, content, ctx):
    """Urgency is claimed without a reason or a date: urgent requests that do not say why or by when are
    handled as ordinary ones."""
    if ctx.get("urgency") in ("urgent", "very_urgent"):
        missing = [f for f in ("urgency_reason", "urgency_date") if not _filled(content, f)]
        if missing:
            return [_quality("urgency_unexplained", "Urgency is claimed without "
                             + " and ".join({"urgency_reason": "a reason", "urgency_date": "a date by which execution is needed"}[m]
                                            for m in missing) + ".", missing, {"EU-EIO": "Directive 2014/41/EU Annex A, section B", "UNTOC": "UNTOC Art 18(24)",
                                          "UNCAC": "UNCAC Art 46(24)",
                                          "practice": "Good practice: an urgent request says why and by when "
                                                      "(UNODC MLA Request Writer Tool; EJN guidance)"}, ctx=ctx)]
    return []


def q_no_confidentiality(measure, content, ctx):
    """The measure would alert the person concerned, or the request asks for confidentiality, but there is
    no confidentiality and use-limitation statement."""
    if (measures()[measure].get("sensitive") or content.get("confidential")) and not _filled(content, "confidentiality"):
        return [_quality("no_confidentiality", "No confidentiality statement: this measure could alert the person "
                         "concerned; ask the requested State to keep the request confidential and state the limits on use.",
                         ["confidentiality", "use_undertaking"],
                         {"UNTOC": "UNTOC Art 18(19)-(20)", "UNCAC": "UNCAC Art 46(19)-(20)"}, ctx=ctx)]
    return []


def q_data_minimisation(measure, content, ctx):
    """Personal data beyond what the measure needs: send only what the requested State needs to execute it."""
    needed = measures()[measure].get("personal_data", "all")
    if needed == "all":
        return []
    out = []
    for person in content.get("persons") or []:
        extra = sorted(k for k, v in (person.get("fields") or {}).items() if v and k not in needed)
        if extra:
            out.append(_quality("data_minimisation", f"{person.get('pseudonym') or person.get('name')}: "
                                f"{', '.join(extra)} not needed for {measures()[measure]['label'].lower()} "
                                "(data minimisation); remove them.", ["persons"],
                                {"CETS-030": "ETS 182 Art 26 (where in force between the parties)",
                                 "practice": "Data minimisation: Directive (EU) 2016/680 Art 4(1)(c) for EU authorities; "
                                             "the requesting State's data-protection law otherwise"},
                                verified=False, ctx=ctx))
    return out


def q_witness_identity(measure, content, ctx):
    """A witness or informant is named where a pseudonym would do: their safety may depend on it."""
    out = []
    for person in content.get("persons") or []:
        role = person.get("role") or ""
        if person.get("pseudonym"):
            continue
        informant = bool(INFORMANT_ROLES.search(role))
        if informant or (WITNESS_ROLES.search(role) and measure not in IDENTITY_NEEDED):
            what = "an informant" if informant else "a witness"
            out.append(_quality("witness_identity", f"{person.get('name')} is {what} and is named; use a pseudonym "
                                "unless the measure needs the identity.", ["persons"],
                                {"CETS-030": "ETS 182 Art 23 (protection of witnesses, where in force between the parties)",
                                 "practice": "Witness protection good practice (UNODC Good practices for the protection "
                                             "of witnesses in criminal proceedings)"}, verified=False, ctx=ctx))
    return out


QUALITY_CHECKS: list[Callable] = [q_no_date_range, q_fishing, q_bank_without_account, q_no_link,
                                  q_urgency_unexplained, q_no_confidentiality, q_data_minimisation, q_witness_identity]


def quality(measure: str, content: dict, *, urgency: str = "normal", instrument: str = "") -> list[Finding]:
    kind = builder_kind(measure)
    ctx = {"urgency": urgency, "family": instrument_family(instrument or ""),
           "model": load("measures")["model_instrument"].get(kind)}
    return [f for check in QUALITY_CHECKS for f in check(measure, content, ctx)]


# --- the requested State ------------------------------------------------------------------------------

@dataclass
class Requirement:
    label: str
    value: str
    source: str
    verified: bool
    citation: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def _fact(profile, name):
    return profile.fact(name) if profile is not None else None


NOT_RECORDED = "Not recorded in the country profile: check with the requested State (EJN Fiches Belges, UNODC directory)."


def state_requirements(requested_state: str, measure: str, instrument: str = "") -> list[Requirement]:
    """The requested State's requirements for this request: languages, channel, authentication and
    originals, dual criminality, nationals; each with its source and whether it is verified."""
    from comity import law

    try:
        profile = law.country_profile(requested_state)
    except law.LawError:
        profile = None
    kind = builder_kind(measure)
    family = instrument_family(instrument or "") or load("measures")["model_instrument"][kind]
    if kind == "red_notice":
        family = "INTERPOL-RPD"
    channels = load("channels")
    out: list[Requirement] = []
    langs = _fact(profile, "languages_accepted")
    from comity.web.fields import language_label

    out.append(Requirement("Languages accepted", ", ".join(language_label(v, "en") for v in langs.value)
                           if langs else NOT_RECORDED,
                           langs.source or "" if langs else "", bool(langs and langs.verified)))
    ch = channels["channels"].get(family)
    if ch:
        out.append(Requirement("Channel", f"{ch['channel'].replace('_', ' ')}: {ch['text']}", ch["source"],
                               ch["verified"], ch["citation"], {"channel": ch["channel"]}))
    else:
        out.append(Requirement("Channel", "No rule for this legal basis: the central authority, or the diplomatic "
                               "channel where no treaty applies.", "", False))
    ca = _fact(profile, "central_authority")
    out.append(Requirement("Central authority", ca.value if ca else NOT_RECORDED, ca.source or "" if ca else "",
                           bool(ca and ca.verified)))
    auth = channels["authentication"].get(family)
    apostille = _fact(profile, "apostille") or _fact(profile, "certification")
    if apostille:
        out.append(Requirement("Certification or apostille", str(apostille.value), apostille.source or "",
                               apostille.verified))
    elif auth:
        out.append(Requirement("Certification or apostille", auth["text"], auth["source"], auth["verified"],
                               auth["citation"]))
    else:
        out.append(Requirement("Certification or apostille", NOT_RECORDED, "", False))
    originals = _fact(profile, "originals_required")
    if originals:
        out.append(Requirement("Original documents", str(originals.value), originals.source or "", originals.verified))
    elif family in ("CETS-024",):
        a = channels["authentication"]["CETS-024"]
        out.append(Requirement("Original documents", a["text"], a["source"], a["verified"], a["citation"]))
    else:
        out.append(Requirement("Original documents", NOT_RECORDED, "", False))
    dc = channels["dual_criminality"].get(family)
    if dc and (kind != "mla" or measure in channels["coercive_measures"] or family == "EU-EIO"):
        out.append(Requirement("Dual criminality", dc["text"], dc["source"], dc["verified"], dc["citation"]))
    if measure == "search_seizure":
        out.extend(_search_seizure_reservation(requested_state, instrument))
    if kind == "extradition":
        nat = _fact(profile, "extradites_nationals")
        shown = (nat.value.describe() if hasattr(nat.value, "describe") else str(nat.value)) if nat else NOT_RECORDED
        out.append(Requirement("Extradition of nationals", shown,
                               nat.source or "" if nat else "", bool(nat and nat.verified)))
    return out


def _search_seizure_reservation(state: str, instrument: str) -> list[Requirement]:
    """ETS 030 Art 5 declarations of the requested State (dual criminality etc. for search and seizure)."""
    from comity import law

    try:
        ets030 = law.instrument("CETS-030")
    except law.LawError:
        return []
    party = ets030.parties.get(state)
    if party is None:
        return []
    for r in party.reservations:
        if r.effect == "search_seizure_conditions":
            conditions = ", ".join(c.replace("_", " ") for c in r.conditions)
            return [Requirement("Search and seizure conditions", f"{r.text} ({conditions})", r.source or party.source,
                                r.verified, "ETS 030 Art 5")]
    return [Requirement("Search and seizure conditions", "No Art 5 declaration recorded for this State.",
                        party.source, party.verified, "ETS 030 Art 5")]


# Framework Decision 2002/584/JHA Art 8(2): a European arrest warrant is translated into the official language, or
# one of the official languages, of the executing Member State, unless that State declared it accepts others. The
# profile's `languages_accepted` records declarations made for mutual assistance (e.g. under ETS 030 Art 16), not
# for the EAW, so it does not apply to a warrant; the official languages come from CLDR (Babel).
EAW_INSTRUMENT = "EU-EAW"


def default_languages(requested_state: str, draft_language: str, instrument: str = "") -> list[str]:
    """The languages a request must be sent in: none beyond the draft's when the requested State accepts
    the draft's language, otherwise its first accepted language (from the country profile). A European
    arrest warrant: the executing State's official languages (FD 2002/584 Art 8(2))."""
    from comity import law

    if instrument == EAW_INSTRUMENT:
        from babel.languages import get_official_languages

        official = list(get_official_languages(requested_state.upper()))
        return [] if not official or draft_language in official else [official[0]]
    try:
        langs = law.country_profile(requested_state).value("languages_accepted") or []
    except law.LawError:
        return []
    if not langs or draft_language in langs:
        return []
    return [langs[0]]


def instrument_articles(instrument: str, request_kind: str) -> list[dict]:
    """The articles of the instrument the request relies on, with their text (paraphrase) and source."""
    from comity import law

    if not instrument:
        return []
    try:
        inst = law.instrument(instrument)
    except law.LawError:
        return []
    citation = inst.citations.get({"notice": "mla"}.get(request_kind, request_kind), "")
    numbers = set(re.findall(r"\b(\d+[a-z]?)\b", citation))
    arts = [a for a in inst.articles if a.number in numbers] or list(inst.articles[:3])
    return [{"title": inst.short_title, "number": a.number, "heading": a.heading, "text": a.paraphrase,
             "source": a.source, "verified": a.verified} for a in arts]


def parse_day(value) -> dt.date | None:
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
