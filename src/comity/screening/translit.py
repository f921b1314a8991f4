"""Transliteration of name tokens to Latin, per script, better than letter-by-letter anyascii where it matters.

- Arabic: letters to their usual Latin spellings (vowel letters alif, waw, ya read as vowels inside a word, as
  w/y at its start; short vowels from harakat when written), the article al- split off, ta marbuta as -a.
- Hebrew: letters with their begadkefat readings (b/v, k/kh, p/f: both offered), vav and yod as vowels inside a
  word, geresh (ג׳ j, צ׳ ch, ז׳ zh).
- Korean: Hangul syllables decomposed into jamo and written in the Revised Romanization, syllable by syllable
  as Korean given names are; a one-syllable surname gets the spellings people use (이: Lee, Yi, Rhee; 박: Park,
  Pak, Bak; 최: Choi, Choe ...).
- Chinese: pinyin per character (anyascii's readings); a two-to-four-character name is surname + given name,
  the surname with its Wade-Giles and Cantonese spellings (张: Zhang, Chang, Cheung); a longer name or one with
  an interpunct (弗拉基米尔·普京) is a foreign name written in characters: one token per part.
- Every script: a learned dictionary of whole tokens (data/learned_tokens.json, made by
  benchmarks/screening_learn.py from the tuning part of the shared name lists) gives the Latin spellings of
  names seen before; letters anyascii knows are the fallback.

`transliterate(text)` returns the tokens of a name, each a tuple of Latin forms (the first is shown), and the
script it came from.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii

from .text import ARTICLE_PREFIXES, ascii_fold, detect_script

DATA = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def learned() -> dict[str, list[str]]:
    """Non-Latin token -> Latin spellings, learned from the tuning split (see benchmarks/screening_learn.py)."""
    path = DATA / "learned_tokens.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["tokens"]


# ------------------------------------------------------------------------------------------------ Arabic
_AR_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, superscript alif, tatweel
_AR = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh",
    "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "ة": "a",
    "ى": "a", "ء": "", "ئ": "", "ؤ": "", "پ": "p", "چ": "ch", "ژ": "zh", "گ": "g", "ک": "k", "ی": "i", "ڤ": "v",
}
_AR_VOWELS = {"\u064e": "a", "\u0650": "i", "\u064f": "u"}


AR_PARTICLES = {"بن": "bin", "ابن": "ibn", "إبن": "ibn", "بنت": "bint", "أبو": "abu", "ابو": "abu", "عبد": "abd",
                "ولد": "ould", "آل": "al", "ال": "al", "أبي": "abi", "بو": "bou"}
HE_PARTICLES = {"בן": "ben", "בת": "bat", "בר": "bar"}


def arabic_token(token: str) -> list[str]:
    """Latin forms of one Arabic word (without its article)."""
    if token in AR_PARTICLES:
        return [AR_PARTICLES[token]]
    out = []
    chars = list(token)
    for i, ch in enumerate(chars):
        if ch in _AR_VOWELS:
            out.append(_AR_VOWELS[ch])
        elif ch == "\u0651" and out:  # shadda doubles the consonant before it
            out.append(out[-1])
        elif ch == "و":
            out.append("w" if i == 0 or (i + 1 < len(chars) and chars[i + 1] in "اىة") else "u")
        elif ch == "ي":
            out.append("y" if i == 0 or (i + 1 < len(chars) and chars[i + 1] in "اىة") else "i")
        elif ch in _AR:
            out.append(_AR[ch])
        elif unicodedata.category(ch).startswith("M"):
            continue
        else:
            out.append(anyascii(ch).lower())
    form = re.sub(r"[^a-z]", "", "".join(out))
    forms = [form]
    if form.endswith("a") and token.endswith("ة"):
        forms.append(form + "h")
    if "ou" not in form and "u" in form:
        forms.append(form.replace("u", "ou"))
    return forms


def split_arabic(word: str) -> list[str]:
    """An Arabic word with its article split off: القذافي -> [ال, قذافي]; عبدالله stays whole."""
    word = _AR_DIACRITICS.sub("", word)
    if len(word) > 3 and word.startswith("ال"):
        return ["ال", word[2:]]
    return [word]


# ------------------------------------------------------------------------------------------------ Hebrew
_HE = {
    "א": "", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ז": "z", "ח": "kh", "ט": "t", "כ": "k", "ך": "kh",
    "ל": "l", "מ": "m", "ם": "m", "נ": "n", "ן": "n", "ס": "s", "ע": "", "פ": "p", "ף": "f", "צ": "ts", "ץ": "ts",
    "ק": "k", "ר": "r", "ש": "sh", "ת": "t",
}
_HE_SOFT = {"ב": "v", "כ": "kh", "פ": "f"}
_HE_GERESH = {"ג": "j", "צ": "ch", "ז": "zh", "ת": "th"}


def hebrew_token(token: str) -> list[str]:
    if token in HE_PARTICLES:
        return [HE_PARTICLES[token]]
    chars = [c for c in token if not unicodedata.category(c).startswith("M")]
    hard, soft = [], []
    i = 0
    while i < len(chars):
        ch = chars[i]
        nxt = chars[i + 1] if i + 1 < len(chars) else ""
        if nxt in ("'", "׳", "’") and ch in _HE_GERESH:
            hard.append(_HE_GERESH[ch])
            soft.append(_HE_GERESH[ch])
            i += 2
            continue
        if ch == "ו":
            if nxt == "ו":
                hard.append("v")
                soft.append("v")
                i += 2
                continue
            v = "v" if i == 0 else "o"
            hard.append(v)
            soft.append("u" if v == "o" and i > 0 else v)
        elif ch == "י":
            if nxt == "י":
                hard.append("y")
                soft.append("y")
                i += 2
                continue
            v = "y" if i == 0 else "i"
            hard.append(v)
            soft.append("e" if v == "i" and i + 1 == len(chars) else v)
        elif ch in _HE:
            hard.append(_HE[ch])
            soft.append(_HE_SOFT[ch] if ch in _HE_SOFT and i > 0 else _HE[ch])
        elif ch in ("'", "׳", "’", "״", '"'):
            pass
        else:
            hard.append(anyascii(ch).lower())
            soft.append(anyascii(ch).lower())
        i += 1
    forms = []
    for f in ("".join(soft), "".join(hard)):
        f = re.sub(r"[^a-z]", "", f)
        if f and f not in forms:
            forms.append(f)
    return forms or [""]


# ------------------------------------------------------------------------------------------------ Korean
_KO_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_KO_MEDIAL = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
              "yu", "eu", "ui", "i"]
_KO_FINAL = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
             "ng", "t", "t", "k", "t", "p", "t"]
# One-syllable surnames and their usual spellings (the first is the Revised Romanization's own where people use
# it, else the commonest).
KO_SURNAMES = {
    "이": ["lee", "yi", "rhee", "i", "ri", "li"], "리": ["ri", "lee", "li"], "박": ["park", "pak", "bak"],
    "김": ["kim", "gim"], "최": ["choi", "choe", "chey"], "정": ["jung", "jeong", "chung", "cheong"],
    "강": ["kang", "gang"], "조": ["cho", "jo", "joe"], "윤": ["yoon", "yun"], "장": ["jang", "chang"],
    "임": ["lim", "im", "rim"], "림": ["rim", "lim"], "한": ["han"], "오": ["oh", "o"], "서": ["seo", "suh", "so"],
    "신": ["shin", "sin"], "권": ["kwon", "gwon"], "황": ["hwang"], "안": ["ahn", "an"], "송": ["song"],
    "류": ["ryu", "yoo", "yu", "ryoo"], "유": ["yoo", "yu"], "전": ["jeon", "jun", "chun", "chon"],
    "홍": ["hong"], "고": ["ko", "go", "koh"], "문": ["moon", "mun"], "양": ["yang", "ryang"], "손": ["son", "sohn"],
    "배": ["bae", "pae"], "백": ["baek", "paek", "baik", "paik"], "허": ["heo", "hur", "huh"],
    "노": ["noh", "roh", "no", "ro"], "로": ["ro", "roh"], "남": ["nam"], "심": ["shim", "sim"], "하": ["ha"],
    "곽": ["kwak", "gwak"], "성": ["sung", "seong"], "차": ["cha"], "주": ["joo", "ju", "chu"], "우": ["woo", "u"],
    "구": ["koo", "gu", "ku"], "민": ["min"], "진": ["jin", "chin"], "나": ["na", "ra"], "지": ["ji", "chi"],
    "엄": ["eom", "um", "uhm"], "채": ["chae"], "원": ["won"], "천": ["cheon", "chun"], "방": ["bang", "pang"],
    "공": ["kong", "gong"], "현": ["hyun", "hyeon"], "함": ["ham"], "변": ["byun", "byeon", "pyon"],
    "염": ["yeom", "yum"], "여": ["yeo", "yuh"], "추": ["choo", "chu"], "도": ["do", "doh"], "소": ["so"],
    "석": ["seok", "suk"], "선": ["sun", "seon"], "설": ["seol", "sul"], "마": ["ma"], "길": ["gil", "kil"],
    "연": ["yeon", "yun"], "위": ["wi", "wee"], "표": ["pyo"], "명": ["myung", "myeong"], "기": ["ki", "gi"],
    "반": ["ban", "pan"], "왕": ["wang"], "금": ["keum", "geum"], "옥": ["ok"], "육": ["yuk", "yook"],
    "인": ["in"], "맹": ["maeng"], "제": ["je"], "모": ["mo"], "탁": ["tak"], "국": ["kook", "guk"],
    "태": ["tae"], "봉": ["bong"], "편": ["pyun", "pyeon"], "용": ["yong", "ryong"], "경": ["kyung", "gyeong"],
}


def hangul_syllable(ch: str) -> str:
    cp = ord(ch) - 0xAC00
    if not 0 <= cp < 11172:
        return anyascii(ch).lower()
    ini, med, fin = cp // 588, (cp % 588) // 28, cp % 28
    return _KO_INITIAL[ini] + _KO_MEDIAL[med] + _KO_FINAL[fin]


def korean_romanize(word: str) -> str:
    """Revised Romanization, syllable by syllable (a given name's usual spelling), 리 at a word's start as "ri"."""
    return "".join(hangul_syllable(c) for c in word if not c.isspace())


def korean_tokens(word: str) -> list[tuple[str, ...]]:
    """A Korean name written as one word: 이명박 -> surname (lee, yi, rhee ...) + given name (myeongbak)."""
    syllables = [c for c in word if "\uac00" <= c <= "\ud7a3"]
    if 2 <= len(syllables) <= 4 and syllables[0] in KO_SURNAMES:
        rest = "".join(syllables[1:])
        return [tuple(KO_SURNAMES[syllables[0]]), _korean_forms(rest)]
    if len(syllables) == 1 and syllables[0] in KO_SURNAMES:
        return [tuple(KO_SURNAMES[syllables[0]])]
    return [_korean_forms(word)]


def _korean_forms(word: str) -> tuple[str, ...]:
    rr = korean_romanize(word)
    forms = [rr]
    # McCune-Reischauer and passport habits: eo -> u/o, eu -> u, initial g/d/b/j also k/t/p/ch.
    alt = rr.replace("eo", "u").replace("eu", "u")
    if alt != rr:
        forms.append(alt)
    return tuple(forms)


# ----------------------------------------------------------------------------------------------- Chinese
# Compound surnames (two characters) and the usual non-pinyin spellings of common surnames (Wade-Giles,
# Cantonese, Hokkien, Korean/Vietnamese readings are not included).
ZH_COMPOUND = {"欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "令狐", "慕容", "公孙",
               "公孫", "夏侯", "尉迟", "尉遲", "长孙", "長孫", "宇文", "司徒", "申屠", "澹台", "端木", "轩辕", "軒轅"}
ZH_SURNAME_VARIANTS = {
    "zhang": ["chang", "cheung", "cheong", "teo"], "wang": ["wong", "ong", "heng"], "li": ["lee", "lei", "lai"],
    "chen": ["chan", "chin", "tan", "chern"], "liu": ["lau", "lew", "low", "lieu"],
    "huang": ["wong", "hwang", "ng", "ooi"], "zhao": ["chao", "chiu", "chew", "chow"],
    "zhou": ["chou", "chow", "chau", "chew"], "wu": ["ng", "woo", "goh", "ngoh"],
    "xu": ["hsu", "hui", "tsui", "koh", "shu"], "sun": ["suen", "soon", "sen"], "ma": ["mah", "maa"],
    "zhu": ["chu", "chew", "choo"], "hu": ["hoo", "woo", "ho"], "guo": ["kuo", "kwok", "kok", "quek"],
    "he": ["ho", "hoe", "ha"], "lin": ["lam", "lim", "ling"], "luo": ["lo", "law", "loh"],
    "gao": ["kao", "ko", "kou"], "liang": ["leung", "leong", "neo"], "zheng": ["cheng", "chang", "tay", "cheang"],
    "xie": ["hsieh", "tse", "chia", "sia"], "song": ["sung", "soong"], "tang": ["tong", "tng"], "han": ["hon"],
    "feng": ["fung", "fong", "pang"], "deng": ["teng", "tang"], "cao": ["tsao", "tso", "chow", "cho"],
    "peng": ["pang", "phang", "pheng"], "zeng": ["tseng", "tsang", "chan"], "xiao": ["hsiao", "siu", "seow"],
    "tian": ["tien", "tin"], "dong": ["tung", "tong"], "pan": ["poon", "phua", "phan"], "yuan": ["yuen", "wan"],
    "cai": ["tsai", "choi", "chua", "choy"], "jiang": ["chiang", "keung", "kong", "cheung"],
    "yu": ["yue", "yee", "ee", "yiu"], "du": ["tu", "to", "toh"], "ye": ["yeh", "yip", "yap", "ip"],
    "cheng": ["ching", "seng"], "wei": ["wai", "ngai"], "su": ["so", "soh"], "lu": ["lo", "loh", "lou", "lui"],
    "ding": ["ting", "teng"], "ren": ["jen", "yam", "yan"], "shen": ["shum", "sim", "sum"], "yao": ["yiu", "yeow"],
    "cui": ["tsui", "choi", "chui"], "zhong": ["chung", "cheng"], "tan": ["tam", "tham"], "jin": ["chin", "kam", "kim"],
    "qiu": ["chiu", "yau", "khoo"], "qin": ["chin", "chun"], "hou": ["hau", "how"], "shao": ["shiu", "siu"],
    "xiong": ["hsiung", "hung"], "meng": ["mang"], "qian": ["chien", "chin"], "bai": ["pai", "pak"],
    "kong": ["kung", "hung"], "yan": ["yen", "yim", "ngan"], "fang": ["fong"], "fu": ["foo", "poh"],
    "duan": ["tuan", "tuen"], "lei": ["lui"], "jia": ["chia", "ka"], "gu": ["ku", "koo"],
    "xue": ["hsueh", "sit"], "yang": ["yeung", "yeo", "ieong"], "zhan": ["chan", "chim"], "mao": ["mo"],
}
_CAMEL = re.compile(r"[A-Z][a-z]*|[a-z]+")


def chinese_syllables(word: str) -> list[str]:
    return [s.lower() for c in word for s in _CAMEL.findall(anyascii(c))]


def chinese_tokens(word: str) -> list[tuple[str, ...]]:
    chars = [c for c in word if c.isalpha()]
    if 2 <= len(chars) <= 4:
        n = 2 if "".join(chars[:2]) in ZH_COMPOUND and len(chars) > 2 else 1
        sur = "".join(chinese_syllables("".join(chars[:n])))
        given = "".join(chinese_syllables("".join(chars[n:])))
        whole = sur + given
        return [(sur, *ZH_SURNAME_VARIANTS.get(sur, [])), (given, whole)]
    return [("".join(chinese_syllables(word)),)]


# ---------------------------------------------------------------------------------------- Latin variants
@lru_cache(maxsize=1)
def latin_variants() -> dict[str, tuple[str, ...]]:
    """Latin spelling -> the other spellings of the same Korean or Chinese surname (Lee, Yi, Rhee; Zhang,
    Chang, Cheung), so a Latin query finds a Latin listing spelled the other way."""
    groups = [tuple(v) for v in KO_SURNAMES.values()]
    groups += [(k, *v) for k, v in ZH_SURNAME_VARIANTS.items()]
    out: dict[str, list[str]] = {}
    for g in groups:
        for a in g:
            if len(a) < 2:
                continue
            lst = out.setdefault(a, [])
            for b in g:
                if b != a and len(b) >= 2 and b not in lst:
                    lst.append(b)
    return {k: tuple(v[:6]) for k, v in out.items()}


# -------------------------------------------------------------------------------------------- everything
_WORD = re.compile(r"[\w'’׳״]+", re.UNICODE)
_INTERPUNCT = re.compile("[·・‧•]")


def _learned_forms(token: str) -> list[str]:
    return learned().get(token, [])


def _merge(*groups) -> tuple[str, ...]:
    out: list[str] = []
    for g in groups:
        for f in g:
            if f and f not in out:
                out.append(f)
    return tuple(out)


@lru_cache(maxsize=100_000)
def transliterate(text: str) -> tuple[str, tuple[tuple[str, ...], ...]]:
    """(script, tokens): each token a tuple of Latin forms, lower-case ASCII, the first the one shown."""
    script = detect_script(text)
    if script in ("Latin", "Cyrillic", "Greek", "Other", "Armenian", "Georgian", "Devanagari", "Japanese"):
        toks = []
        for word in re.split(r"[\s\-‐,./()]+", _INTERPUNCT.sub(" ", text)):
            if not word:
                continue
            folded = [t for t in re.split(r"[^a-z0-9]+", ascii_fold(word)) if t]
            learned_forms = _learned_forms(word.lower()) if script != "Latin" else []
            variants = latin_variants()
            for t in folded:
                toks.append(_merge([t], learned_forms if len(folded) == 1 else [], variants.get(t, ())))
        return script, tuple(toks)
    toks = []
    for part in _INTERPUNCT.sub(" ", text).split():
        for word in _WORD.findall(part):
            if script == "Arabic":
                for w in split_arabic(word):
                    if w == "ال":
                        toks.append(("al",))
                        continue
                    toks.append(_merge(_learned_forms(w), arabic_token(w)))
            elif script == "Hebrew":
                toks.append(_merge(_learned_forms(word), hebrew_token(word)))
            elif script == "Hangul":
                if len(text.split()) == 1:
                    toks.extend(korean_tokens(word))
                elif len(word) == 1 and word in KO_SURNAMES:
                    toks.append(_merge(KO_SURNAMES[word], _learned_forms(word)))
                else:
                    toks.append(_merge(_learned_forms(word), _korean_forms(word)))
            elif script == "Chinese":
                if _INTERPUNCT.search(text) or len(word) > 4:
                    toks.append(_merge(_learned_forms(word), ("".join(chinese_syllables(word)),)))
                else:
                    lf = _learned_forms(word)
                    ct = chinese_tokens(word)
                    if lf and len(ct) == 1:
                        ct = [_merge(lf, ct[0])]
                    toks.extend(ct)
            else:
                toks.append((ascii_fold(word),))
    return script, tuple(t for t in toks if t and t[0])


def strip_article(form: str) -> str | None:
    """'alzawahiri' -> 'zawahiri' (None when the form has no glued article)."""
    for p in ARTICLE_PREFIXES:
        if form.startswith(p) and len(form) > len(p) + 2:
            return form[len(p):]
    return None
