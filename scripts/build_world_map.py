"""Build the offline world map used by the law pages from world-atlas (Natural Earth, public domain).

    npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_world_map.py package/countries-50m.json > src/comity/web/data/world.json

Output: {"viewBox": "...", "source": ..., "countries": {ISO alpha-2: SVG path}} in an equirectangular
projection, coordinates rounded to keep the file small. Natural Earth is public domain; world-atlas is
ISC-licensed (Copyright 2013-2019 Michael Bostock).
"""

from __future__ import annotations

import json
import sys

import pycountry

SCALE = 2.0  # units per degree: 720 x 288 (84°N to 60°S)
MIN_STEP = 1.0


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring(arcs, indexes):
    pts = []
    for i in indexes:
        seg = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        pts.extend(seg if not pts else seg[1:])
    return pts


def project(lon, lat):
    return round((lon + 180) * SCALE), round((84 - lat) * SCALE)


def path(rings):
    out = []
    for r in rings:
        pts = []
        prev = None
        for lon, lat in r:
            # Unwrap across the antimeridian (Russia, Fiji): the ring runs on past the edge and the
            # viewBox clips it, instead of a band drawn across the whole map.
            if prev is not None:
                while lon - prev > 180:
                    lon -= 360
                while lon - prev < -180:
                    lon += 360
            prev = lon
            p = project(lon, lat)
            # Keep a point only if it is at least MIN_STEP from the last kept one: small enough for
            # Malta or Singapore to keep a shape, large enough for a page-sized map.
            if not pts or abs(p[0] - pts[-1][0]) + abs(p[1] - pts[-1][1]) >= MIN_STEP:
                pts.append(p)
        if len(pts) < 3:
            continue
        out.append("M" + "L".join(f"{x:g},{y:g}" for x, y in pts) + "Z")
    return "".join(out)


def main(src: str) -> None:
    topo = json.load(open(src))
    arcs = decode_arcs(topo)
    countries = {}
    for g in topo["objects"]["countries"]["geometries"]:
        numeric = g.get("id")
        c = pycountry.countries.get(numeric=str(numeric).zfill(3)) if numeric else None
        if c is None or c.alpha_2 == "AQ":  # Antarctica is no party to anything and circles the pole
            continue
        polys = g["arcs"] if g["type"] == "MultiPolygon" else [g["arcs"]] if g["type"] == "Polygon" else []
        rings = [ring(arcs, r) for poly in polys for r in poly]
        d = path(rings)
        if d:
            countries[c.alpha_2] = countries.get(c.alpha_2, "") + d
    json.dump({"viewBox": f"0 0 {360 * SCALE:g} {144 * SCALE:g}",
               "source": "Natural Earth 1:50m via world-atlas 2.0.2 (ISC); public domain data",
               "countries": countries}, sys.stdout, separators=(",", ":"))


if __name__ == "__main__":
    main(sys.argv[1])
