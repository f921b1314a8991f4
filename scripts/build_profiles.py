#!/usr/bin/env python3
"""Build one country profile YAML per INTERPOL member country.

Inputs
  * CIA World Factbook 2026-01 legal summary (CC0)           -- legal tradition, default inferences
  * pudzu death-penalty list, 2019 data (MIT)                -- death_penalty base values
  * src/comity/law/data/profiles_curation.yaml (hand-curated) -- member list, EU/CoE sets, overrides

Output
  * src/comity/law/data/profiles/<ISO2>.yaml (committed)

Every fact object carries `value`, `source` and `verified`. Inferred defaults are always
`verified: false` and say in their source what they were inferred from.

Usage:  python scripts/build_profiles.py [--data-dir /work/shared/data/countries] [--check]
  --check  exit non-zero if the generated files differ from those on disk (no writing).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DATA_PKG = REPO / "src" / "comity" / "law" / "data"
CURATION = DATA_PKG / "profiles_curation.yaml"
OUT_DIR = DATA_PKG / "profiles"
DEFAULT_DATA_DIR = Path("/work/shared/data/countries")

FACTBOOK_FILE = "cia_factbook_2026-01_legal_summary.csv"
PUDZU_FILE = "pudzu_deathpenalty_2019.csv"

FACTBOOK_CITE = (
    "CIA World Factbook 2026-01 (factbook/factbook.json @8662a8b1, CC0), {gec}.json Government/Legal system"
)
PUDZU_CITE = (
    "pudzu deathpenalty.csv (Udzu/pudzu d3/datasets/deathpenalty.csv @6f9ee545, file 2020-02-03, MIT)"
)
PUDZU_AS_OF = dt.date(2020, 2, 3)  # date of the list snapshot: newest date at which its facts are asserted

INTERPOL_SRC = "https://www.interpol.int/Who-we-are/Member-countries"
EU_SRC = "https://european-union.europa.eu/principles-countries-history/eu-countries_en"
EAW_SRC = (
    "Council Framework Decision 2002/584/JHA (European Arrest Warrant), "
    "https://eur-lex.europa.eu/eli/dec_framw/2002/584/oj"
)
EIO_SRC = (
    "Directive 2014/41/EU (European Investigation Order), recitals 44-45: Ireland and Denmark not bound, "
    "https://eur-lex.europa.eu/eli/dir/2014/41/oj"
)
COE_SRC = "https://www.coe.int/en/web/portal/46-members-states"
ECHR_SRC = "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatyNum=005"
P13_SRC = "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatyNum=187"
CNA_SRC = "UNODC SHERLOC Competent National Authorities directory, https://sherloc.unodc.org"

PUDZU_ALIASES = {
    "Bosnia-Herzegovina": "BA",
    "Brunei Darussalam": "BN",
    "Cape Verde": "CV",
    "Congo": "CG",
    "Cote D'Ivoire": "CI",
    "Czech Republic": "CZ",
    "Democratic Republic of the Congo": "CD",
    "Holy See": "VA",
    "Iran": "IR",
    "Laos": "LA",
    "Macedonia": "MK",
    "Micronesia": "FM",
    "Palestine": "PS",
    "Russian Federation": "RU",
    "South Korea": "KR",
    "Swaziland": "SZ",
    "Syria": "SY",
    "Tanzania": "TZ",
    "Turkey": "TR",
    "United States of America": "US",
    "Viet Nam": "VN",
}
# Rows in the pudzu list that are not INTERPOL members (or not states): ignored.
PUDZU_IGNORED = {"Cook Islands", "Kosovo", "Niue", "Tuvalu", "Western Sahara", "North Korea", "Taiwan"}

PUDZU_POSITION = {
    "all": "abolitionist_all",
    "ordinary": "abolitionist_ordinary",
    "moratorium": "abolitionist_in_practice",
}


def load_curation() -> dict:
    with CURATION.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def parse_countries(block: str) -> list[dict]:
    rows = []
    for line in block.strip().splitlines():
        iso2, name, langs, family = (part.strip() for part in line.split("|"))
        rows.append({"iso2": iso2, "name": name, "langs": langs.split(), "family": family})
    return rows


def load_factbook(data_dir: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    with (data_dir / FACTBOOK_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            iso2 = row["iso2_guess"]
            if not iso2:
                continue
            # Prefer the row that names a sovereign entity (e.g. West Bank over Gaza for PS,
            # Svalbard/Jan Mayen are not members anyway).
            if iso2 in out and row["gec"] not in ("we",):
                continue
            out[iso2] = row
    return out


def load_pudzu(data_dir: Path, names: dict[str, str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    unmatched = []
    with (data_dir / PUDZU_FILE).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row["country"]
            if name in PUDZU_IGNORED:
                continue
            iso2 = PUDZU_ALIASES.get(name) or names.get(name)
            if not iso2:
                unmatched.append(name)
                continue
            out[iso2] = row
    if unmatched:
        raise SystemExit(f"pudzu rows without ISO2 mapping: {unmatched}")
    return out


def fact(value, source: str, verified: bool, **extra) -> dict:
    d = {"value": value}
    d.update(extra)
    d["source"] = source
    d["verified"] = bool(verified)
    return d


def override(entry: dict) -> dict:
    entry = dict(entry)
    value = entry.pop("value")
    source = entry.pop("source")
    verified = entry.pop("verified")
    return fact(value, source, verified, **entry)


def factbook_note(fb: dict | None) -> str:
    if not fb:
        return "no Factbook row"
    legal = (fb.get("legal_system") or "").strip()
    if "<" in legal:  # strip HTML notes
        legal = legal.split("</strong>")[-1]
    legal = legal.split(";")[0].strip()
    cite = FACTBOOK_CITE.format(gec=fb["gec"])
    if not legal:
        return f"{cite}: legal-system field empty"
    return f'{cite}: "{legal}"'


def build_profile(c: dict, cur: dict, fb: dict | None, dp_row: dict | None) -> dict:
    iso2 = c["iso2"]
    eu = cur["eu_members"]
    coe = set(cur["coe_members"])
    eio_excluded = set(cur["eio_excluded"])
    fbn = factbook_note(fb)
    common = c["family"] == "c"

    prof: dict = {"state": iso2, "name": c["name"]}

    # INTERPOL
    prof["interpol_member"] = fact(True, f"{INTERPOL_SRC} (member list, 196 member countries)", True)

    # extradition basis
    if iso2 in cur["extradition_basis"]:
        prof["extradition_basis"] = override(cur["extradition_basis"][iso2])
    else:
        val = "treaty_only" if common else "treaty_or_reciprocity"
        tradition = "common-law" if common else "civil-law/mixed"
        prof["extradition_basis"] = fact(
            val,
            f"Inferred from {tradition} tradition ({fbn}); "
            "check the national extradition statute (unverified)",
            False,
        )

    # nationals
    if iso2 in cur["extradites_nationals"]:
        prof["extradites_nationals"] = override(cur["extradites_nationals"][iso2])
    elif iso2 in eu:
        prof["extradites_nationals"] = fact(
            "eu_only",
            "Inferred: EU member (EAW surrender of nationals) with civil-law nationality bar for "
            "third states; "
            "check the national constitution and extradition law (unverified)",
            False,
        )
    else:
        val = "yes" if common else "never"
        tradition = "common-law" if common else "civil-law/mixed"
        prof["extradites_nationals"] = fact(
            val,
            f"Inferred from {tradition} tradition ({fbn}); "
            "check the constitution and extradition law (unverified)",
            False,
        )
    prof["extradites_nationals"].setdefault("states", [])
    # keep key order value, states, source, verified
    en = prof["extradites_nationals"]
    prof["extradites_nationals"] = {
        "value": en["value"],
        "states": en["states"],
        "source": en["source"],
        "verified": en["verified"],
    }

    # death penalty
    if iso2 in cur["death_penalty"]:
        prof["death_penalty"] = override(cur["death_penalty"][iso2])
    elif dp_row is not None:
        pos = dp_row["position"]
        val = PUDZU_POSITION.get(pos, "retentionist")
        detail = f"position '{pos}'"
        if val == "retentionist":
            detail = f"methods '{pos}'"
            if dp_row.get("recent") == "x":
                detail += "; executions in recent years"
        src = (
            f"{PUDZU_CITE}, row '{dp_row['country']}': {detail} (2019 data; check Amnesty International "
            "annual death-penalty report for later changes)"
        )
        verified = False
        if val == "abolitionist_all" and iso2 in set(cur.get("protocol13_parties", [])):
            src += f"; party to Protocol No. 13 to the ECHR (CETS 187), {P13_SRC}"
            verified = True
        confirm = cur.get("death_penalty_confirm", {}).get(iso2)
        if confirm and val == "retentionist":
            src += f"; {confirm}"
            verified = True
        prof["death_penalty"] = fact(val, src, verified, as_of=PUDZU_AS_OF)
    else:
        raise SystemExit(f"{iso2}: no death-penalty data and no override")

    # EU / EAW / EIO
    if iso2 in eu:
        prof["eu_member"] = fact(True, EU_SRC, True, since=eu[iso2])
        prof["eaw"] = fact(True, EAW_SRC, True)
        prof["eio"] = fact(iso2 not in eio_excluded, EIO_SRC, True)
    else:
        prof["eu_member"] = fact(False, EU_SRC, True)
        prof["eaw"] = fact(False, f"Not an EU member state; {EAW_SRC}", True)
        prof["eio"] = fact(False, f"Not an EU member state; {EIO_SRC}", True)

    # Council of Europe / ECHR
    if iso2 in coe:
        prof["coe_member"] = fact(True, COE_SRC, True)
        prof["echr_party"] = fact(True, ECHR_SRC, True)
    elif iso2 == "RU":
        prof["coe_member"] = fact(
            False,
            f"Committee of Ministers Resolution CM/Res(2022)2 (expulsion, 16 March 2022); {COE_SRC}",
            True,
        )
        prof["echr_party"] = fact(
            False,
            f"Ceased to be a High Contracting Party on 16 September 2022 (ECHR art 58); {ECHR_SRC}",
            True,
        )
    elif iso2 in cur["echr_extension"]:
        prof["coe_member"] = fact(
            False, f"Not a member in its own right (Kingdom of the Netherlands is); {COE_SRC}", True
        )
        prof["echr_party"] = fact(True, cur["echr_extension"][iso2], False)
    else:
        prof["coe_member"] = fact(False, COE_SRC, True)
        prof["echr_party"] = fact(False, f"Not a Council of Europe member; {ECHR_SRC}", True)

    # languages
    prof["languages_accepted"] = fact(
        list(c["langs"]),
        "Official language(s) of the state (constitution / CIA World Factbook 'Languages'), "
        "used as a stand-in; languages actually accepted for incoming requests not checked, "
        f"see {CNA_SRC} and treaty declarations "
        "(unverified)",
        False,
    )

    # central authority
    if iso2 in cur["central_authority"]:
        prof["central_authority"] = override(cur["central_authority"][iso2])
    else:
        prof["central_authority"] = fact(
            None,
            f"Not curated; check {CNA_SRC} and the state's notifications under "
            "UNTOC art 18(13) / UNCAC art 46(13)",
            False,
        )

    notes = []
    if iso2 in cur.get("interpol_notes", {}):
        notes.append("INTERPOL: " + cur["interpol_notes"][iso2])
    if iso2 in cur.get("notes", {}):
        notes.append(cur["notes"][iso2])
    if notes:
        prof["notes"] = " ".join(notes)
    return prof


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def _none_presenter(dumper, data):
    return dumper.represent_scalar("tag:yaml.org,2002:null", "null")


_Dumper.add_representer(type(None), _none_presenter)

HEADER = (
    "# Generated by scripts/build_profiles.py from the Factbook 2026-01 extract, the pudzu 2019\n"
    "# death-penalty list and src/comity/law/data/profiles_curation.yaml. Edit the curation file and\n"
    "# re-run the script rather than editing this file by hand.\n"
)


def render(prof: dict) -> str:
    body = yaml.dump(
        prof, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    cur = load_curation()
    countries = parse_countries(cur["countries"])
    isos = [c["iso2"] for c in countries]
    if len(isos) != len(set(isos)):
        raise SystemExit("duplicate ISO2 in curation")
    names = {c["name"]: c["iso2"] for c in countries}
    factbook = load_factbook(args.data_dir)
    pudzu = load_pudzu(args.data_dir, names)

    rendered = {}
    for c in countries:
        prof = build_profile(c, cur, factbook.get(c["iso2"]), pudzu.get(c["iso2"]))
        rendered[c["iso2"]] = render(prof)

    if args.check:
        bad = []
        for iso2, text in rendered.items():
            path = OUT_DIR / f"{iso2}.yaml"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                bad.append(iso2)
        extra = sorted(p.stem for p in OUT_DIR.glob("*.yaml") if p.stem not in rendered)
        if bad or extra:
            print(f"out of date: {bad}; unexpected: {extra}", file=sys.stderr)
            return 1
        print(f"{len(rendered)} profiles up to date")
        return 0

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for iso2, text in rendered.items():
        (OUT_DIR / f"{iso2}.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {len(rendered)} profiles to {OUT_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
