"""The store of imported lists: DIR/<source>.ftm.jsonl (every entry ever imported, withdrawn ones flagged) and
DIR/<source>.meta.json (source, licence, retrieval date, and the history of imports: what was added, updated,
withdrawn and listed again each time).

Re-importing a source replaces its entries by the new ones; an entry missing from the new import stays in the
file with `withdrawn` set to the retrieval date of the import that no longer had it, so a later match against
it says that it was withdrawn (INTERPOL notices are cancelled, sanctions are lifted). An entry that comes back
is listed again. The store file is an ordinary FtM JSON lines file: `comity screen match --list` reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from comity.errors import InvalidInput

from ..model import Entity, check_date, read_ftm_file


@dataclass(frozen=True)
class Source:
    code: str
    title: str
    licence: str
    url: str


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def import_entities(src: Source, entities: list[Entity], *, store: str | Path, retrieved: str | None = None,
                    files=(), warnings=()) -> dict:
    retrieved = retrieved or dt.datetime.now(dt.timezone.utc).date().isoformat()
    try:
        if len(retrieved) != 10:
            raise ValueError("write YYYY-MM-DD")
        check_date(retrieved)
    except ValueError as e:
        raise InvalidInput({"--retrieved": str(e)}) from None
    folder = Path(store)
    folder.mkdir(parents=True, exist_ok=True)
    data_path = folder / f"{src.code}.ftm.jsonl"
    meta_path = folder / f"{src.code}.meta.json"
    old: dict[str, Entity] = {}
    if data_path.exists():
        old = {e.id: e for e in read_ftm_file(data_path, label="store").entities}
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {"history": []}
    new = {}
    for e in entities:
        e = replace(e, source=src.code, withdrawn="")
        if e.id in new:  # the same entry twice in one import: merge
            o = new[e.id]
            e = replace(o, names=tuple(dict.fromkeys(o.names + e.names)),
                        aliases=tuple(dict.fromkeys(o.aliases + e.aliases)),
                        birth_dates=tuple(dict.fromkeys(o.birth_dates + e.birth_dates)),
                        nationalities=tuple(dict.fromkeys(o.nationalities + e.nationalities)))
        new[e.id] = e
    added = [i for i in new if i not in old]
    relisted = [i for i in new if i in old and old[i].withdrawn]
    updated = [i for i in new if i in old and not old[i].withdrawn and old[i].to_ftm() != new[i].to_ftm()]
    gone = [i for i, e in old.items() if i not in new and not e.withdrawn]
    out = dict(new)
    for i, e in old.items():
        if i not in new:
            out[i] = e if e.withdrawn else replace(e, withdrawn=retrieved)
    _write_atomic(data_path, "".join(json.dumps(e.to_ftm(), ensure_ascii=False) + "\n" for e in out.values()))
    entry = {"retrieved": retrieved, "imported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "files": [Path(f).name for f in files], "entries": len(new), "added": len(added),
             "updated": len(updated), "relisted": relisted, "withdrawn": gone, "warnings": list(warnings)[:50]}
    meta.update({"source": src.code, "title": src.title, "licence": src.licence, "url": src.url,
                 "retrieved": retrieved})
    meta["history"].append(entry)
    _write_atomic(meta_path, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return {"source": src.code, "licence": src.licence, "retrieved": retrieved, "entries": len(new),
            "added": len(added), "updated": len(updated), "withdrawn": len(gone), "withdrawn_ids": gone,
            "relisted": len(relisted), "warnings": len(warnings), "file": str(data_path)}
