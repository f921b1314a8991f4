"""What a caseworker notices when screening: the same person is found across scripts, spellings, order and
missing middle names, with reasons they can read; namesakes born in another year are not taken for him."""

from __future__ import annotations

import pytest

from comity.screening import ALGORITHM, Entity, Index, prepare_name
from comity.screening.text import detect_script, skeleton

LIST = [
    Entity(id="putin", names=("PUTIN, Vladimir Vladimirovich",), birth_dates=("1952-10-07",), nationalities=("ru",)),
    Entity(id="biliy", names=("Vladimir Biliy",)),
    Entity(id="zawahiri", names=("AL ZAWAHIRI, Ayman",), birth_dates=("1951-06-19",), nationalities=("eg",)),
    Entity(id="lee", names=("LEE Myung-bak",), birth_dates=("1941-12-19",)),
    Entity(id="park", names=("Park Geun-hye",)),
    Entity(id="xi", names=("Xi Jinping",)),
    Entity(id="zhang", names=("Zhang Wei",), birth_dates=("1970-01-01",)),
    Entity(id="netanyahu", names=("Benjamin Netanyahu",)),
    Entity(id="mbs", names=("Mohammed bin Salman Al Saud",)),
    Entity(id="smith1", names=("John Michael Smith",), birth_dates=("1980-03-02",)),
    Entity(id="smith2", names=("Peter Smith",)),
    Entity(id="kim", names=("Kim Jong Un",)),
]


@pytest.fixture(scope="module")
def index():
    return Index(LIST)


def top(index, name, **kw):
    found = index.search([name], **kw)
    return found[0] if found else None


@pytest.mark.parametrize("query,expected,script", [
    ("Путин Владимир", "putin", "Cyrillic"),
    ("أيمن الظواهري", "zawahiri", "Arabic"),
    ("习近平", "xi", "Chinese"),
    ("בנימין נתניהו", "netanyahu", "Hebrew"),
    ("이명박", "lee", "Korean"),
    ("박근혜", "park", "Korean"),
])
def test_a_name_in_another_script_finds_the_listed_person_and_says_so(index, query, expected, script):
    hit = top(index, query)
    assert hit.id == expected and hit.match, (query, hit)
    assert any(f"transliteration from {script}" in line for line in hit.explanation), hit.explanation


def test_korean_surname_spellings_lee_yi_rhee_are_one_name(index):
    assert prepare_name("이명박").tokens[0].forms[:3] == ("lee", "yi", "rhee")
    hit = top(index, "Yi Myung Bak")
    assert hit.id == "lee" and hit.match


def test_chinese_surname_in_wade_giles_or_cantonese_spelling(index):
    assert "chang" in prepare_name("张伟").tokens[0].forms
    hit = top(index, "张伟")
    assert hit.id == "zhang" and hit.match


def test_order_swapped_and_missing_middle_name(index):
    hit = top(index, "Vladimir Putin")
    assert hit.id == "putin" and hit.match
    assert any("middle name 'vladimirovich' is not in the query" in e for e in hit.explanation)
    hit = top(index, "Putin Vladimir")
    assert hit.id == "putin" and hit.match
    assert "the names are in a different order" in hit.explanation
    hit = top(index, "John Smith")
    assert hit.id == "smith1" and hit.match


def test_spelling_variants_particles_and_typos(index):
    for q in ("Ayman al-Zawahri", "Aiman Zawahiri", "Ayman Alzawahiri"):
        hit = top(index, q)
        assert hit.id == "zawahiri" and hit.match, (q, hit)
    hit = top(index, "Mohamed Bin Salman")
    assert hit.id == "mbs" and hit.match
    hit = top(index, "Vladimir Putim")
    assert hit.id == "putin" and hit.match
    assert any("differs from 'putim' by one letter" in e for e in hit.explanation)


def test_sharing_only_a_given_name_or_a_surname_is_no_match(index):
    found = index.search(["Vladimir Putin"])
    biliy = next(s for s in found if s.id == "biliy")
    assert not biliy.match
    found = index.search(["Anna Smith"])
    assert not any(s.match for s in found)
    assert not any(s.match and s.id == "kim" for s in index.search(["Kim Jong Hun"]))


def test_date_of_birth_raises_a_match_and_a_namesake_born_elsewhere_in_time_is_not_one(index):
    plain = top(index, "Vladimir Putin")
    born = top(index, "Vladimir Putin", birth_dates=["1952-10-07"])
    assert born.score > plain.score and "date of birth matches (1952-10-07)" in born.explanation
    year = top(index, "Vladimir Putin", birth_dates=["1952"])
    assert "birth year matches (1952)" in year.explanation
    other = top(index, "Vladimir Putin", birth_dates=["1975-04-02"])
    assert other.id == "putin" and not other.match
    assert any("born in another year" in e for e in other.explanation)


def test_nationality_raises_or_lowers_the_score(index):
    plain = top(index, "Vladimir Putin")
    same = top(index, "Vladimir Putin", nationalities=["ru"])
    other = top(index, "Vladimir Putin", nationalities=["ua"])
    assert same.score > plain.score > other.score
    assert "nationality matches (RU)" in same.explanation
    assert any(e.startswith("nationality differs") for e in other.explanation)


def test_withdrawn_entries_say_so(index):
    idx = Index([Entity(id="n1", names=("John Doe",), source="interpol-notices", withdrawn="2024-05-01")])
    hit = idx.search(["John Doe"])[0]
    assert any("withdrawn from interpol-notices on 2024-05-01" in e for e in hit.explanation)


def test_scripts_and_skeletons():
    assert [detect_script(s) for s in ("Putin", "Путин", "بوتين", "פוטין", "푸틴", "普京", "プーチン")] == [
        "Latin", "Cyrillic", "Arabic", "Hebrew", "Hangul", "Chinese", "Japanese"]
    assert skeleton("mohammed") == skeleton("muhamad") == skeleton("mhmd")
    assert ALGORITHM.startswith("comity-names-")
