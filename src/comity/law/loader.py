"""Load and validate the legal data set (instruments, parties, parameters, profiles, offences).

The whole set is validated before anything is served: if one file is wrong, ``load_law`` raises
``DataError`` listing every problem with file, line and field, rather than answering from half a
data set. A compiled form is pickled under a cache directory keyed by the hash of every data file
(and of this package's code), so warm loads take milliseconds.

Each kind of data file has its own module in ``loading/`` (instruments and party rows, parameters, clocks,
offences, profiles and facts, the INTERPOL list and the version), checked by typed models
(``loading/models.py``); this module assembles them and keeps the public names.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import add_months, parse_date
from .errors import DataError
from .loading.clocks import ClockRule, load_clocks
from .loading.instruments import BILATERAL_ID, INSTRUMENT_ID, load_instruments
from .loading.issues import Issues, is_url
from .loading.offences import load_offences
from .loading.parameters import load_parameters
from .loading.parties import PARTY_KEYS
from .loading.profiles import PROFILE_BOOLS, PROFILE_ENUMS, load_profiles
from .loading.registers import load_interpol, load_version
from .model import COOPERATION_KINDS, CountryProfile, Instrument, OffenceCategory, Parameter

DATA_DIR = Path(__file__).parent / "data"
CACHE_VERSION = "law-cache-v3"

#: ``add_months`` under its former private name (comity.law.clocks imports it from here).
_add_months = add_months


def default_data_dir() -> Path:
    """The packaged data, unless COMITY_LAW_DATA_DIR points elsewhere (a reviewed fork of the data)."""
    env = os.environ.get("COMITY_LAW_DATA_DIR")
    return Path(env) if env else DATA_DIR


# Codes that are not in ISO 3166-1 but are used in practice (user-assigned; Kosovo).
EXTRA_STATES = {"XK": "Kosovo"}


def known_states() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English short name."""
    import pycountry

    names = {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names.update(EXTRA_STATES)
    return names


@dataclass
class LawData:
    """The validated, compiled data set."""

    instruments: dict[str, Instrument]
    parameters: dict[str, Parameter]
    profiles: dict[str, CountryProfile]
    offences: dict[str, OffenceCategory]
    iccs: dict[str, dict[str, str]]
    interpol_members: dict[str, Any]
    clock_rules: tuple[ClockRule, ...]
    state_names: dict[str, str]
    fingerprint: str
    data_version: dict[str, Any] = field(default_factory=dict)  # version, refreshed (data/version.yaml)
    by_kind: dict[str, tuple[Instrument, ...]] = field(default_factory=dict)
    bilateral: dict[tuple[str, str], tuple[Instrument, ...]] = field(default_factory=dict)
    by_kind_state: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)

    def build_index(self) -> None:
        order = {"eu": 1, "eu_third_country": 2, "bilateral": 3, "regional": 4, "un": 5, "domestic": 6}
        self.by_kind = {}
        for kind in COOPERATION_KINDS:
            chosen = [i for i in self.instruments.values() if kind in i.scope and i.tier != "bilateral"]
            chosen.sort(key=lambda i: (i.rank if i.rank is not None else order[i.tier], i.order, i.id))
            self.by_kind[kind] = tuple(chosen)
            per_state: dict[str, set[str]] = {}
            for inst in chosen:
                for state in inst.parties:
                    per_state.setdefault(state, set()).add(inst.id)
            self.by_kind_state[kind] = {s: frozenset(ids) for s, ids in per_state.items()}
        bil: dict[tuple[str, str], list[Instrument]] = {}
        for inst in self.instruments.values():
            if inst.tier == "bilateral":
                a, b = sorted(inst.parties)
                bil.setdefault((a, b), []).append(inst)
        self.bilateral = {k: tuple(sorted(v, key=lambda i: (i.order, i.id))) for k, v in bil.items()}


# --------------------------------------------------------------------------------------------
# assembly


def _data_files(data_dir: Path, profiles_dir: Path) -> list[Path]:
    files = sorted(p for p in data_dir.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".csv"))
    if profiles_dir.exists() and not _is_under(profiles_dir, data_dir):
        files += sorted(p for p in profiles_dir.glob("*.yaml"))
    return files


def _is_under(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def _code_files() -> list[Path]:
    """The code that decides what a data set compiles to: a change to any of it invalidates the cache."""
    here = Path(__file__).parent
    return [here / name for name in ("loader.py", "model.py", "yamlio.py", "dates.py")] + sorted(
        (here / "loading").glob("*.py"))


def fingerprint(data_dir: Path, profiles_dir: Path) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for code in _code_files():
        digest.update(code.read_bytes())
    for path in _data_files(data_dir, profiles_dir):
        digest.update(str(path.relative_to(path.anchor)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def compile_law(data_dir: Path | str | None = None, profiles_dir: Path | str | None = None) -> LawData:
    """Read and validate every file; raise DataError with all problems found."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    profiles_dir = Path(profiles_dir) if profiles_dir else data_dir / "profiles"
    states = known_states()
    issues = Issues(data_dir, states)

    instruments = load_instruments(issues, data_dir)
    parameters = load_parameters(issues, data_dir)
    clock_rules = load_clocks(issues, data_dir, parameters)
    iccs, offences = load_offences(issues, data_dir)
    interpol = load_interpol(issues, data_dir)
    profiles = load_profiles(issues, profiles_dir)
    data_version = load_version(issues, data_dir)

    if issues.errors:
        errors = issues.unique()
        raise DataError(f"legal data set refused: {len(errors)} problem(s)", errors)
    law = LawData(
        instruments=instruments,
        parameters=parameters,
        profiles=profiles,
        offences=offences,
        iccs=iccs,
        interpol_members=interpol,
        clock_rules=tuple(clock_rules),
        state_names=states,
        fingerprint=fingerprint(data_dir, profiles_dir),
        data_version=data_version,
    )
    law.build_index()
    return law


def _cache_dir() -> Path:
    env = os.environ.get("COMITY_LAW_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "comity" / "law"
    try:
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:
        return Path(tempfile.gettempdir()) / "comity-law-cache"


def load_law(data_dir: Path | str | None = None, profiles_dir: Path | str | None = None,
             use_cache: bool = True) -> LawData:
    """Load the validated data set, from the pickle cache when the data files are unchanged."""
    data_dir = Path(data_dir) if data_dir else default_data_dir()
    pdir = Path(profiles_dir) if profiles_dir else data_dir / "profiles"
    if not use_cache or os.environ.get("COMITY_LAW_NO_CACHE"):
        return compile_law(data_dir, pdir)
    key = fingerprint(data_dir, pdir)
    cache_file = _cache_dir() / f"{key}.pickle"
    if cache_file.exists():
        try:
            with cache_file.open("rb") as fh:
                law = pickle.load(fh)  # our own cache file, keyed by content hash
            if isinstance(law, LawData) and law.fingerprint == key:
                return law
        except Exception:  # noqa: BLE001 - a corrupt cache is rebuilt, never trusted
            pass
    law = compile_law(data_dir, pdir)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(law, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    except OSError:
        pass
    return law


__all__ = [
    "BILATERAL_ID",
    "CACHE_VERSION",
    "DATA_DIR",
    "EXTRA_STATES",
    "INSTRUMENT_ID",
    "PARTY_KEYS",
    "PROFILE_BOOLS",
    "PROFILE_ENUMS",
    "ClockRule",
    "LawData",
    "compile_law",
    "default_data_dir",
    "fingerprint",
    "is_url",
    "known_states",
    "load_law",
    "parse_date",
]
