"""Candidate retrieval: an inverted index from name keys (spellings and consonant skeletons of tokens) to the
listed entities, then the full scoring of the best candidates (comity.screening.score).

Retrieval ranks entities by the summed rarity (inverse document frequency) of the keys they share with the
query, skipping keys so common that they say nothing while rarer ones are there; only the top CANDIDATES
entities are scored in full. A saved index is gzipped JSON (no pickle: an index file from elsewhere can carry
no code); it records the algorithm that built it and is refused by another.
"""

from __future__ import annotations

import heapq
import json
import math
import time
from pathlib import Path
from typing import Callable, Iterable

from comity.errors import InvalidInput

from .files import gzip_writer, read_text
from .model import Entity
from .names import index_keys, prepare_name
from .score import ALGORITHM, THRESHOLD, Scored, score_entity

CANDIDATES = 25
COMMON = 0.02  # a key on more than this share of entries is used only when the query has no rarer key
FORMAT = "comity-screening-index/1"


class Index:
    def __init__(self, entities: list[Entity] | None = None):
        self.entities: list[Entity] = []
        self.postings: dict[str, list[int]] = {}
        self.build_seconds = 0.0
        if entities:
            self.add(entities)

    def add(self, entities: Iterable[Entity], progress: Callable[[int], None] | None = None) -> None:
        t0 = time.perf_counter()
        postings = self.postings
        for n, ent in enumerate(entities):
            i = len(self.entities)
            self.entities.append(ent)
            keys: set[str] = set()
            for name in ent.all_names:
                keys |= index_keys(prepare_name(name))
            for k in keys:
                lst = postings.get(k)
                if lst is None:
                    postings[k] = [i]
                else:
                    lst.append(i)
            if progress and n % 10_000 == 0:
                progress(n)
        self.build_seconds += time.perf_counter() - t0

    def __len__(self) -> int:
        return len(self.entities)

    # ------------------------------------------------------------------------------------------- search
    def candidates(self, names: Iterable[str], limit: int = CANDIDATES) -> list[int]:
        keys: set[str] = set()
        for n in names:
            keys |= index_keys(prepare_name(n))
        n_total = max(1, len(self.entities))
        lists = [(k, self.postings[k]) for k in keys if k in self.postings]
        if not lists:
            return []
        cap = max(1000, int(n_total * COMMON))
        rare = [(k, p) for k, p in lists if len(p) <= cap]
        use = rare if rare else sorted(lists, key=lambda kp: len(kp[1]))[:2]
        scores: dict[int, float] = {}
        get = scores.get
        for k, p in use:
            w = math.log(1 + n_total / len(p)) * (1.2 if k.startswith("t:") else 1.0)
            if len(p) > 20 * cap:
                p = p[: 20 * cap]
            for e in p:
                scores[e] = get(e, 0.0) + w
        return heapq.nlargest(limit, scores, key=scores.get)

    def search(self, names: list[str], birth_dates=(), nationalities=(), *, limit: int = 5,
               threshold: float = THRESHOLD) -> list[Scored]:
        found = []
        for i in self.candidates(names):
            s = score_entity(names, birth_dates, nationalities, self.entities[i], threshold=threshold)
            if s.score > 0:
                found.append(s)
        found.sort(key=lambda s: (-s.score, s.id))
        return found[:limit]

    # ---------------------------------------------------------------------------------------- save/load
    def to_file(self, path: str | Path) -> None:
        data = {"format": FORMAT, "algorithm": ALGORITHM, "entities": [e.to_ftm() for e in self.entities],
                "postings": self.postings}
        with gzip_writer(path) as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_file(cls, path: str | Path) -> "Index":
        from .model import entity_from_ftm

        p = Path(path)
        if not p.exists():
            raise InvalidInput({"index": f"{p} does not exist (build it with: comity screen index)"})
        t0 = time.perf_counter()
        try:
            data = json.loads(read_text(p, label="index"))
        except (OSError, ValueError) as e:
            raise InvalidInput({"index": f"{p.name} is not a screening index ({e})"}) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InvalidInput({"index": f"{p.name} is not a screening index of format {FORMAT}"})
        if data.get("algorithm") != ALGORITHM:
            raise InvalidInput({"index": f"{p.name} was built by {data.get('algorithm')}; this is {ALGORITHM}: "
                                         "build it again (comity screen index)"})
        idx = cls()
        idx.entities = [entity_from_ftm(e) for e in data["entities"]]
        idx.postings = data["postings"]
        idx.build_seconds = time.perf_counter() - t0
        return idx
