"""Administrative division names (GB/T 2260) for Jilin, from the data file beside this module.

Loaded once per process on first use (a 3 KB JSON file; not at import, so a cold start pays
nothing unless a route needs a name).
"""
import functools
import json
import os

_FILE = os.path.join(os.path.dirname(__file__), "jilin_gbt2260.json")


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    with open(_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    names = {data["province"]["code"]: data["province"]["name"]}
    for city in data["cities"]:
        names[city["code"]] = city["name"]
        for code, name in city["counties"]:
            names[code] = name
    return {"data": data, "names": names}


def known(code: str | None) -> bool:
    return bool(code) and code in _table()["names"]


def name_of(code: str | None) -> str | None:
    """'220104' -> '长春市朝阳区'; a city -> '长春市'; unknown codes -> None."""
    if not known(code):
        return None
    names = _table()["names"]
    if code.endswith("0000"):
        return names[code]
    city = code[:4] + "00"
    if code == city:
        return names[code]
    return names.get(city, "") + names[code]


def city_of(code: str | None) -> str | None:
    """The prefecture-level (市/州) code of a Jilin region code, or None."""
    if not code or len(code) != 6:
        return None
    city = code[:4] + "00"
    return city if city in _table()["names"] and not city.endswith("0000") else None


def tree() -> list:
    """Cascader options: cities with their counties (the city itself selectable too)."""
    out = []
    for city in _table()["data"]["cities"]:
        out.append({"value": city["code"], "label": city["name"],
                    "children": [{"value": c, "label": n} for c, n in city["counties"]]})
    return out


def cities() -> list:
    return [{"code": c["code"], "name": c["name"]} for c in _table()["data"]["cities"]]
