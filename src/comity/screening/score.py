"""Scoring a candidate against a query, with the reasons a caseworker reads.

The algorithm has a versioned name (ALGORITHM): any change to how a score is computed, to a weight or to the
threshold is a new version, so a stored score can always be traced to the rules that produced it.

1. Names: every query name against every listed name (and alias); the best pair counts. Tokens are aligned
   regardless of order; two adjacent tokens may match one ("Abdul Rahman" / "Abdulrahman"). A token pair
   scores 1.0 for the same spelling (after transliteration), 0.95 for a spelling that only differs by a glued
   article, 0.9 for the same consonant skeleton (vowels and similar sounds aside), 1 - edits/length for a
   spelling a few letters apart, 0.75 for an initial. The name score is 2 x matched weight / (query weight +
   listed weight); unmatched middle names weigh a quarter, particles (al, bin, van, de) 0.3. One shared token
   of several, or a listed surname left unmatched while the query has another name in its place, caps the
   score below the threshold (0.66).
2. Qualifiers: a birth date that matches raises the score (+0.08 full date, +0.04 year), one from another
   year lowers it (-0.15 a year apart, -0.4 more); a shared nationality +0.04, none shared -0.08. A
   qualifier only one side states changes nothing.
3. Verdict: match when the score reaches THRESHOLD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from .names import SURNAME_FIRST, Name, Token, make_token, prepare_name

ALGORITHM = "comity-names-1"
THRESHOLD = 0.7
MIN_TOKEN = 0.62  # a token pair below this is not a match of those tokens
PARTICLE_WEIGHT = 0.3
MIDDLE_WEIGHT = 0.25


@dataclass(slots=True)
class TokenMatch:
    q: int
    c: int
    q_span: int
    c_span: int
    sim: float
    how: str  # same | article | variant | sounds | letters | initial


@dataclass(slots=True)
class NameResult:
    score: float
    query: Name
    listed: Name
    pairs: list[TokenMatch] = field(default_factory=list)
    swapped: bool = False


def _letters(n: int) -> str:
    return "one letter" if n == 1 else f"{n} letters"


def token_similarity(q: Token, c: Token) -> tuple[float, str]:
    best, how = 0.0, ""
    qf, cf = q.forms, c.forms
    for a in qf:
        if a in cf:
            return 1.0, "same" if a == qf[0] and a == cf[0] else "variant"
    for a in qf:
        for b in cf:
            if a.startswith(("al", "el")) and a[2:] == b or b.startswith(("al", "el")) and b[2:] == a:
                return 0.95, "article"
    if q.skels & c.skels:
        s = max(len(x) for x in q.skels & c.skels)
        first_ok = qf[0][:1] == cf[0][:1] or s >= 2
        if s >= 2 or first_ok:
            best, how = (0.9 if s >= 2 else 0.8), "sounds"
    for a in qf[:3]:
        for b in cf[:3]:
            if len(a) == 1 or len(b) == 1:
                if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
                    if 0.75 > best:
                        best, how = 0.75, "initial"
                continue
            d = Levenshtein.distance(a, b)
            longest = max(len(a), len(b))
            sim = 1.0 - d / longest
            if d <= 2 and longest >= 5:
                sim = max(sim, 0.9 - 0.07 * d)
            elif d and longest <= 4:
                sim -= 0.15  # Kim / Kil, Un / Hun: one letter in a short name is another name
            if sim > best:
                best, how = sim, "letters"
    if best < MIN_TOKEN:
        # across scripts vowels are guesses: compare consonant skeletons
        for a in q.skels:
            for b in c.skels:
                if len(a) >= 4 and len(b) >= 4:
                    d = Levenshtein.distance(a, b)
                    if d == 1:
                        sim = 0.85 - 0.1 / max(len(a), len(b))
                        if sim > best:
                            best, how = sim, "sounds"
    return best, how


def _with_merges(name: Name) -> list[tuple[int, Token]]:
    """(position, token): every token, and every two adjacent non-particle tokens written as one."""
    out = list(enumerate(name.tokens))
    toks = name.tokens
    for i in range(len(toks) - 1):
        a, b = toks[i], toks[i + 1]
        if a.particle and not (a.forms[0] in ("abd", "abu", "al", "el")):
            continue
        forms = tuple(dict.fromkeys([a.forms[0] + b.forms[0]] + [x + y for x in a.forms[:2] for y in b.forms[:2]]))
        out.append((i, make_token(forms, span=2)))
    return out


def _weight(name: Name, i: int, matched: bool) -> float:
    t = name.tokens[i]
    if t.particle:
        return PARTICLE_WEIGHT
    if not matched and name.is_middle(i):
        return MIDDLE_WEIGHT
    return 1.0


def compare_names(query: Name, listed: Name) -> NameResult:
    qs, cs = _with_merges(query), _with_merges(listed)
    cands = []
    for qi, qt in qs:
        for ci, ct in cs:
            if qt.span == 2 and ct.span == 2:
                continue
            sim, how = token_similarity(qt, ct)
            if sim >= MIN_TOKEN:
                # prefer pairs of real tokens over particles, and single over merged ones on ties
                cands.append((sim - 0.001 * (qt.span + ct.span), sim, how, qi, ci, qt.span, ct.span))
    cands.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs = []
    for _, sim, how, qi, ci, qspan, cspan in cands:
        qr, cr = set(range(qi, qi + qspan)), set(range(ci, ci + cspan))
        if qr & used_q or cr & used_c:
            continue
        # a particle matches only a particle (or is left alone)
        qpart = all(query.tokens[i].particle for i in qr)
        cpart = all(listed.tokens[i].particle for i in cr)
        if qpart != cpart:
            continue
        used_q |= qr
        used_c |= cr
        pairs.append(TokenMatch(qi, ci, qspan, cspan, sim, how))
    matched = full = 0.0
    for p in pairs:
        w = sum(_weight(query, i, True) for i in range(p.q, p.q + p.q_span))
        w += sum(_weight(listed, i, True) for i in range(p.c, p.c + p.c_span))
        matched += p.sim * w
        full += w
    full += sum(_weight(query, i, False) for i in range(len(query.tokens)) if i not in used_q)
    full += sum(_weight(listed, i, False) for i in range(len(listed.tokens)) if i not in used_c)
    score = matched / full if full else 0.0
    real_pairs = [p for p in pairs if not query.tokens[p.q].particle]
    if len(real_pairs) == 1 and (len([t for t in query.tokens if not t.particle]) > 1
                                 or len([t for t in listed.tokens if not t.particle]) > 1):
        score = min(score, 0.66)  # one shared token of several is never enough on its own
    q_left = [i for i, t in enumerate(query.tokens) if not t.particle and i not in used_q]
    if listed.surname >= 0 and listed.surname not in used_c and q_left:
        score = min(score, 0.66)  # the listed surname is not there and the query has another name instead
    order = [p.c for p in sorted(real_pairs, key=lambda p: p.q)]
    swapped = any(a > b for a, b in zip(order, order[1:]))
    if swapped:
        score -= 0.02
    return NameResult(max(0.0, score), query, listed, pairs, swapped)


# --------------------------------------------------------------------------------------------- qualifiers
def _parse_date(value: str) -> tuple[int, int | None, int | None]:
    parts = value.split("-")
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else None
    d = int(parts[2]) if len(parts) > 2 else None
    return y, m, d


def date_qualifier(query_dates, listed_dates) -> tuple[float, str | None]:
    if not query_dates or not listed_dates:
        return 0.0, None
    best: tuple[float, str] | None = None
    for qd in query_dates:
        for ld in listed_dates:
            qy, qm, qday = _parse_date(qd)
            ly, lm, lday = _parse_date(ld)
            if qy == ly:
                if qm and lm and qday and lday:
                    if (qm, qday) == (lm, lday):
                        cand = (0.08, f"date of birth matches ({ld})")
                    elif (qm, qday) == (lday, lm):
                        cand = (0.04, f"date of birth matches with day and month swapped ({qd} / {ld})")
                    else:
                        cand = (-0.05, f"birth year matches, day differs ({qd} / {ld})")
                elif qm and lm and qm != lm:
                    cand = (-0.03, f"birth year matches, month differs ({qd} / {ld})")
                else:
                    cand = (0.04, f"birth year matches ({ly})")
            elif abs(qy - ly) == 1:
                cand = (-0.15, f"born a year apart ({qy} in the query, {ly} listed)")
            else:
                cand = (-0.4, f"born in another year ({qy} in the query, {ly} listed)")
            if best is None or cand[0] > best[0]:
                best = cand
    return best if best else (0.0, None)


def nationality_qualifier(query_nat, listed_nat) -> tuple[float, str | None]:
    if not query_nat or not listed_nat:
        return 0.0, None
    shared = sorted(set(query_nat) & set(listed_nat))
    if shared:
        return 0.04, f"nationality matches ({', '.join(c.upper() for c in shared)})"
    return -0.08, (f"nationality differs ({', '.join(c.upper() for c in listed_nat)} listed, "
                   f"{', '.join(c.upper() for c in query_nat)} in the query)")


# ------------------------------------------------------------------------------------------- explanations
_SCRIPT_NAMES = {"Cyrillic", "Arabic", "Hebrew", "Hangul", "Chinese", "Greek", "Japanese", "Armenian",
                 "Georgian", "Devanagari"}


def _script_label(s: str) -> str:
    return "Korean" if s == "Hangul" else s


def explain_names(r: NameResult) -> list[str]:
    q, c = r.query, r.listed
    out = []
    cross = q.script != c.script
    via = ""
    if cross:
        scripts = [s for s in (q.script, c.script) if s in _SCRIPT_NAMES]
        if scripts:
            via = " after transliteration from " + " and ".join(_script_label(s) for s in scripts)

    def listed_words(p: TokenMatch) -> str:
        return " ".join(c.tokens[i].text for i in range(p.c, p.c + p.c_span))

    def query_words(p: TokenMatch) -> str:
        return " ".join(q.tokens[i].text for i in range(p.q, p.q + p.q_span))

    # a Latin listing of a Chinese or Korean name may put the surname first or last: the query's order tells
    roles_from_query = q.script in SURNAME_FIRST and c.script not in SURNAME_FIRST and q.surname >= 0
    for p in sorted(r.pairs, key=lambda p: p.c):
        if c.tokens[p.c].particle:
            continue
        if roles_from_query:
            role = q.role(p.q) if p.q_span == 1 else "name parts"
        else:
            role = c.role(p.c) if p.c_span == 1 else "name parts"
        lw, qw = listed_words(p), query_words(p)
        joined = " (written as one word on one side)" if p.c_span != p.q_span else ""
        if p.how in ("same", "variant") and not cross:
            what = f"{role} '{lw}' matches" + ("" if lw == qw else f" '{qw}' (a known spelling)") + joined
        elif p.how in ("same", "variant", "article"):
            what = f"{role} '{lw}' matches '{qw}'{via}" + joined
        elif p.how == "sounds":
            what = f"{role} '{lw}' sounds like '{qw}'{via} (same consonants)" + joined
        elif p.how == "letters":
            d = Levenshtein.distance(lw.replace(" ", ""), qw.replace(" ", ""))
            what = f"{role} '{lw}' differs from '{qw}' by {_letters(d)}{via}" + joined
        else:  # initial
            what = f"'{qw}' is the initial of {role} '{lw}'"
        out.append(what)
    used_c = {i for p in r.pairs for i in range(p.c, p.c + p.c_span)}
    used_q = {i for p in r.pairs for i in range(p.q, p.q + p.q_span)}
    for i, t in enumerate(c.tokens):
        if i not in used_c and not t.particle:
            role = c.role(i)
            out.append(f"{role} '{t.text}' is not in the query" + (" (a missing middle name weighs little)"
                                                                     if c.is_middle(i) else ""))
    for i, t in enumerate(q.tokens):
        if i not in used_q and not t.particle:
            out.append(f"'{t.text}' in the query has no counterpart in the listed name")
    if r.swapped:
        out.append("the names are in a different order")
    return out


# ------------------------------------------------------------------------------------------------- entity
@dataclass(slots=True)
class Scored:
    id: str
    score: float
    match: bool
    explanation: list[str]


def score_entity(query_names, query_dates, query_nats, entity, *, threshold: float = THRESHOLD) -> Scored:
    """Score one listed entity (comity.screening.model.Entity) against a query's names and qualifiers."""
    best: NameResult | None = None
    qnames = [prepare_name(n) for n in query_names]
    for ln in entity.all_names:
        listed = prepare_name(ln)
        for qn in qnames:
            r = compare_names(qn, listed)
            if best is None or r.score > best.score:
                best = r
    if best is None:
        return Scored(entity.id, 0.0, False, ["no name to compare"])
    explanation = []
    if best.listed.original not in entity.names:
        explanation.append(f"matches the alias '{best.listed.original}'")
    explanation += explain_names(best)
    score = best.score
    dq, dtext = date_qualifier(query_dates, entity.birth_dates)
    nq, ntext = nationality_qualifier(query_nats, entity.nationalities)
    score += dq + nq
    explanation += [t for t in (dtext, ntext) if t]
    score = round(min(1.0, max(0.0, score)), 3)
    if entity.withdrawn:
        explanation.append(f"this entry was withdrawn from {entity.source or 'its source'} on "
                           f"{entity.withdrawn} (it no longer appears in that list)")
    return Scored(entity.id, score, score >= threshold, explanation)


__all__ = ["ALGORITHM", "THRESHOLD", "Scored", "compare_names", "score_entity", "token_similarity",
           "date_qualifier", "nationality_qualifier"]
