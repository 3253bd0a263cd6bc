"""The places of a story's country, so that a reader who names one is taken as on topic.

A memory of Almaty under a story about Kazakhstan shares few words with the article (the
article never names Almaty), and sentence vectors put it far from a diplomatic report;
yet a moderator reads it as on topic. The story's country is the one its headline names
(a country or its people: "Kazakhstan", "Kazakh"); its places are GeoNames' towns and
cities of 15,000 people or more in that country, with their other Latin-script names
("Alma-Ata"), read from the data files of the geotext package (CC BY, GeoNames), not
from the network. Only the headline counts: a body names many countries in passing (the
United States of a president's announcement), and a comment about a town there is not
about this story.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

# A place's name as readers write it: Latin letters, with inner spaces, hyphens and
# apostrophes ("Ust-Kamenogorsk", "Alma Ata"); shorter than 4 letters is mostly codes.
_NAME_RE = re.compile(r"[A-Z][A-Za-z'’]+(?:[ -][A-Z]?[A-Za-z'’]+){0,2}")
# Capitalised words in a comment, alone or with the next one or two (for "Alma Ata").
_CAPITALISED_RE = re.compile(r"\b[A-Z][a-z'’]+(?:[ -][A-Z][a-z'’]+)*")
MIN_LETTERS = 4


def _data() -> Path:
    spec = importlib.util.find_spec("geotext")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the geotext package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _lines(name: str):
    with (_data() / name).open(encoding="utf-8-sig") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n")


@functools.cache
def _country_words() -> dict[str, str]:
    """Lower-case country names and peoples ("kazakhstan", "kazakh") → ISO code."""
    words = {}
    for line in _lines("countryInfo.txt"):
        columns = line.split("\t")
        if len(columns) > 4 and columns[4]:
            words[columns[4].lower()] = columns[0]
    for line in _lines("nationalities.txt"):
        people, _, code = line.partition(":")
        if people and code:
            words.setdefault(people.strip().lower(), code.strip())
    return words


def story_countries(title: str) -> frozenset[str]:
    """The ISO codes of the countries a headline names, by name or by their people."""
    lowered = f" {' '.join(re.findall(r'[a-z]+', title.lower()))} "
    return frozenset(code for word, code in _country_words().items()
                     if f" {word} " in lowered)


def _usable(name: str) -> bool:
    return (len(name) >= MIN_LETTERS and not name.isupper()
            and _NAME_RE.fullmatch(name) is not None)


@functools.lru_cache(maxsize=32)
def places_of(country: str) -> frozenset[str]:
    """The lower-case names of the country's towns and cities (GeoNames' cities15000:
    name, ASCII name and the Latin-script alternate names)."""
    names = set()
    for line in _lines("cities15000.txt"):
        columns = line.split("\t")
        if len(columns) < 9 or columns[8] != country:
            continue
        for name in (columns[1], columns[2], *columns[3].split(",")):
            name = name.strip()
            if _usable(name):
                names.add(name.lower().replace("’", "'"))
    return frozenset(names)


@functools.lru_cache(maxsize=256)
def story_places(title: str) -> frozenset[str]:
    """The places of the countries the headline names (none if it names no country)."""
    places = set()
    for country in story_countries(title):
        places |= places_of(country)
    return frozenset(places)


def named_places(text: str, places: frozenset[str]) -> list[str]:
    """The places of `places` the text names, written as names (capitalised): "Almaty",
    "Alma-Ata", "Ust-Kamenogorsk"; a common word that is also a town's name ("Oral")
    counts only where it is written as one."""
    if not places:
        return []
    found = set()
    for match in _CAPITALISED_RE.finditer(text):
        words = re.split(r"([ -])", match.group(0))
        # Each run of one to three consecutive capitalised words.
        tokens = words[::2]
        for start in range(len(tokens)):
            for end in range(start + 1, min(start + 3, len(tokens)) + 1):
                phrase = "".join(words[2 * start:2 * end - 1]).lower().replace("’", "'")
                if phrase in places:
                    found.add(phrase)
    return sorted(found)
