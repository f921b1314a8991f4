"""One colour scale for every map: the legal-basis map (/law/map/) and the exposure map (/law/exposure/).

The same colour means the same thing for the person concerned on both maps, read as "can cooperation happen?":

    green   cooperation possible   a treaty or EU act applies / surrender likely (no ground to refuse found)
    amber   limited                UN conventions only, or domestic law and reciprocity only (paler) /
                                   surrender may be refused (optional grounds only)
    red     refused                surrender must be refused (a mandatory ground applies), hatched
    grey    none                   no legal basis

The colours live in comity.css (``--scale-*``), keyed on the CSS classes below; the legend template
(law/_map_legend.html) shows a swatch, the level in words and what it means on that map.
"""

from __future__ import annotations

#: Level of the scale -> its name in words.
LEVELS = {"possible": "Cooperation possible", "limited": "Limited", "refused": "Must be refused",
          "none": "No legal basis"}

#: Legal-basis map: CSS class -> (level, what it means here).
BASIS = {
    "treaty": ("possible", "a treaty or EU act applies"),
    "un": ("limited", "UN conventions only (for the offences they cover)"),
    "reciprocity": ("limited", "domestic law or reciprocity only, no treaty obligation"),
    "none": ("none", "no treaty, convention or reciprocity"),
}

#: Exposure map: assessment outcome -> CSS class, and CSS class -> (level, what it means here).
EXPOSURE_CLASS = {"no_bar": "likely", "optional_bar": "maybe", "mandatory_bar": "barred", "no_legal_basis": "none"}
EXPOSURE = {
    "likely": ("possible", "surrender likely, no ground to refuse found"),
    "maybe": ("limited", "may be refused, optional grounds only"),
    "barred": ("refused", "a mandatory ground applies"),
    "none": ("none", "no treaty or reciprocity to surrender on"),
}
#: Exposure map: CSS class -> the outcome in words, for the table.
EXPOSURE_WORDS = {"likely": "Surrender likely", "maybe": "May be refused", "barred": "Must be refused",
                  "none": "No legal basis"}

SCALE_NOTE = ("Both maps use one scale: green, cooperation possible; amber, limited; red, must be refused; "
              "grey, no legal basis.")


def legend(meanings: dict[str, tuple[str, str]], counts: dict[str, int]) -> list[dict]:
    """Legend rows in scale order: css class, level in words, meaning on this map, number of States."""
    return [{"css": css, "level": LEVELS[level], "meaning": meaning, "count": counts.get(css, 0)}
            for css, (level, meaning) in meanings.items()]
