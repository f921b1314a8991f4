"""The loader reads each kind of data file with typed models, and still names file, line and field.

test_loader_errors.py goes through every check one broken file at a time; these tests cover what the split
into typed models must not lose: a wrong field never hides the other problems of its record, a problem in a
block-style row points at its own key, a value left empty is placed on its key's line, and an identical
problem is reported once. The public names of ``comity.law.loader`` are kept and ``comity.law`` stays pure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from comity.law import loader
from comity.law.loader import compile_law

from .test_loader_errors import BASE, C, P, build, change, problems


def test_one_wrong_field_does_not_hide_the_other_problems(tmp_path):
    data = build(tmp_path / "data")
    change(data, P, "order: 21", "order: soon")
    change(data, P, "{state: AT, ratification: 2005-11-01, entry_into_force: 2006-01-01}",
           "{state: AT, ratification: 2005-11-01, entry_into_force: 2005-10-01}")
    found = {(line, field, reason) for _f, line, field, reason in problems(data)}
    assert (5, "ZZ-PROT.order", "must be a whole number") in found
    assert (15, "ZZ-PROT.parties[0].entry_into_force", "before the ratification") in found


BLOCK_ROW = """\
  - state: CL
    signature: 2002-02-02
    ratification: 2002-13-01
    withdrawl: 2019-01-01
    verified: true
    source: Treaty Office chart
"""


def test_a_block_style_row_names_the_line_of_each_key(tmp_path):
    data = build(tmp_path / "data")
    change(data, C, "  - {state: CL, signature: 2002-02-02}\n", BLOCK_ROW)
    row = (data / C).read_text(encoding="utf-8").split("\n").index("  - state: CL") + 1
    found = {(field, line) for _f, line, field, _reason in problems(data) if "parties[3]" in field}
    assert found == {
        ("ZZ-CONV.parties[3].ratification", row + 2),
        ("ZZ-CONV.parties[3].withdrawl", row + 3),  # unknown field
        ("ZZ-CONV.parties[3].source", row + 4),  # verified: true needs the URL of what was read
    }


def test_a_value_left_empty_is_placed_on_its_own_line(tmp_path):
    data = build(tmp_path / "data")
    change(data, P, "adopted: 2005-03-01", "adopted:")
    assert ("instruments/ZZ-PROT.yaml", 8, "ZZ-PROT.adopted", "missing") in problems(data)


def test_the_same_problem_is_reported_once(tmp_path):
    """The instrument's read date stands for each verified article and ground that has none of its own."""
    data = build(tmp_path / "data")
    change(data, C, "read: 2026-01-15\nverified: true\ncitations", "read: 2026-01-45\nverified: true\ncitations")
    read_problems = [p for p in problems(data) if p[2] == "ZZ-CONV.read"]
    assert read_problems == [
        ("instruments/ZZ-CONV.yaml", 11, "ZZ-CONV.read", "not a date (YYYY-MM-DD): '2026-01-45'"),
        ("instruments/ZZ-CONV.yaml", 12, "ZZ-CONV.read", "verified: true needs the date it was read (read:)"),
    ]


def test_the_loaders_public_names_are_kept(tmp_path):
    for name in ("load_law", "compile_law", "LawData", "known_states", "parse_date", "default_data_dir",
                 "fingerprint", "DATA_DIR", "BILATERAL_ID", "INSTRUMENT_ID", "is_url", "ClockRule", "PARTY_KEYS",
                 "PROFILE_ENUMS", "PROFILE_BOOLS", "EXTRA_STATES", "CACHE_VERSION"):
        assert hasattr(loader, name), name
    law = compile_law(build(tmp_path / "data"))
    assert isinstance(law, loader.LawData) and isinstance(law.clock_rules[0], loader.ClockRule)
    assert "ratification" in loader.PARTY_KEYS and "ratifcation" not in loader.PARTY_KEYS


def test_a_change_to_any_loading_module_refreshes_the_cache():
    here = Path(loader.__file__).parent
    hashed = set(loader._code_files())
    assert {here / "loader.py", here / "model.py", here / "yamlio.py", here / "dates.py"} <= hashed
    assert set((here / "loading").glob("*.py")) <= hashed


def test_comity_law_stays_pure_python():
    code = ("import sys; from comity.law import compile_law; from comity.law.loading import models; "
            "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_base_texts_are_shared_with_the_error_cases():
    assert {"instruments/ZZ-CONV.yaml", "profiles/AT.yaml", "clocks.yaml"} <= set(BASE)


def test_every_row_model_can_be_rebuilt_without_its_wrong_fields():
    """After a problem, a row is checked again with its wrong fields left empty, so that the checks relating
    the other fields still run and report (test_one_wrong_field_does_not_hide_the_other_problems); a model
    refusing an empty field then would silently hide them."""
    from pydantic import BaseModel

    from comity.law.loading import models

    rows = [m for m in vars(models).values()
            if isinstance(m, type) and issubclass(m, models.Row) and m not in (models.Row, models.StrictRow)]
    assert len(rows) >= 15
    for model in rows:
        assert issubclass(model, BaseModel)
        empty = {(f.alias or name): None for name, f in model.model_fields.items()}
        model.model_validate(empty, context={"quiet": True, "states": {}})
