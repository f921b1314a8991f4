"""Screening of people against watchlists, across scripts and spellings, with the reasons (issue 16).

Pure Python: no Django, no database. The pieces, in the order a name goes through them:

- text: script detection, normalisation to ASCII tokens, name particles, consonant skeletons;
- translit: transliteration per script (Arabic, Hebrew, Korean, Chinese by rule and a learned dictionary);
- names: a name prepared for matching (tokens, spellings, skeletons, roles) and its index keys;
- score: token alignment, qualifiers (date of birth, nationality), explanations; ALGORITHM names the version;
- index: inverted index for candidate retrieval, save and load;
- model: listed entities and FollowTheMoney JSON lines with line-numbered errors;
- importers: FtM, OFAC SDN CSV, UN consolidated list XML, INTERPOL notices JSON, FBI wanted JSON;
- cli: `comity screen match|index|import`.

    >>> from comity.screening import Entity, Index
    >>> idx = Index([Entity(id="p1", names=("Vladimir Putin",))])
    >>> idx.search(["Путин Владимир"])[0].match
    True
"""

from __future__ import annotations

from .index import Index
from .model import Entity, read_ftm_file, read_ftm_lines
from .names import prepare_name
from .score import ALGORITHM, THRESHOLD, Scored, score_entity

__all__ = ["ALGORITHM", "THRESHOLD", "Entity", "Index", "Scored", "prepare_name", "read_ftm_file",
           "read_ftm_lines", "score_entity"]
