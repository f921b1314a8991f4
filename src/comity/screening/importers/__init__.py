"""Importers of published watchlists into a store folder of FollowTheMoney JSON lines, one file per source.

Each importer turns its source's own format into Entities and names the source, its licence and where it is
published (SOURCES); the store (comity.screening.importers.store) records the retrieval date, keeps entries
that disappeared as withdrawn (a match against them says so) and writes a history of every import.
"""

from __future__ import annotations

from .store import Source, import_entities

SOURCES = {
    "ftm": Source("ftm", "FollowTheMoney JSON lines", "as stated by the file's publisher", ""),
    "ofac": Source("us-ofac-sdn", "US Treasury OFAC Specially Designated Nationals list (CSV)",
                   "US government work, public domain (17 U.S.C. 105)",
                   "https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists"),
    "un": Source("un-sc-consolidated", "UN Security Council Consolidated List (XML)",
                 "United Nations; public information, reproduced for screening",
                 "https://scsanctions.un.org/resources/xml/en/consolidated.xml"),
    "interpol": Source("interpol-notices", "INTERPOL public notices (red, yellow, UN) from the public API",
                       "INTERPOL public notices: published for law-enforcement cooperation; reuse subject to "
                       "INTERPOL's terms of use", "https://ws-public.interpol.int/notices/v1/"),
    "fbi": Source("us-fbi-wanted", "FBI Wanted API (subjects only)", "US government work, public domain",
                  "https://api.fbi.gov/wanted/v1/list"),
}


def parse(kind: str, files: list[str]):
    if kind == "ofac":
        from .ofac import parse_ofac

        return parse_ofac(files)
    if kind == "un":
        from .un import parse_un

        return parse_un(files)
    if kind == "interpol":
        from .interpol import parse_interpol

        return parse_interpol(files)
    if kind == "fbi":
        from .fbi import parse_fbi

        return parse_fbi(files)
    if kind == "ftm":
        from ..model import read_ftm_file

        out = []
        for f in files:
            out += read_ftm_file(f, label="list").entities
        return out, []
    raise ValueError(kind)


def run_import(kind: str, files: list[str], *, store: str, source: str | None = None,
               retrieved: str | None = None) -> dict:
    from ..progress import Progress

    src = SOURCES[kind]
    if source:
        src = Source(source, src.title, src.licence, src.url)
    bar = Progress(f"reading {src.code}")
    entities, warnings = parse(kind, files)
    bar.done(len(entities))
    return import_entities(src, entities, store=store, retrieved=retrieved, files=files, warnings=warnings)


__all__ = ["SOURCES", "Source", "import_entities", "parse", "run_import"]
