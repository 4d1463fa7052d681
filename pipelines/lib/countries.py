"""Map country names and numeric trade codes to the project's ISO3 codes.

The project code list is ``data/reference/countries.csv``: ISO 3166-1 alpha-3 codes for countries,
a few historical codes, ``EUU`` for the European Union and user-assigned ``X..`` codes for
statistical aggregates (``XWD`` World, ``XAS`` Other Asia nes, ...).

Names are resolved in a fixed order and never fuzzily:

1. ``country_name_variants.csv`` (source-specific spellings such as "Taipei, Chinese" or "Burma");
2. the ``name`` and ``official_name`` columns of ``countries.csv``;
3. ``pycountry.countries.lookup`` (exact, case-insensitive match on names, official and common
   names), for inputs longer than three characters and accepted only when the code it returns is
   in ``countries.csv``.

Anything else returns ``None`` so that callers can quarantine the record.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import pycountry

from pipelines.lib.settings import REFERENCE_DIR

COUNTRIES_CSV = REFERENCE_DIR / "countries.csv"
VARIANTS_CSV = REFERENCE_DIR / "country_name_variants.csv"
TRADE_CODES_CSV = REFERENCE_DIR / "trade_country_codes.csv"

KINDS = ("country", "historical", "union", "aggregate")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "`": "'"})
_SPACES = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """Name as printed, tidied: Unicode NFKC, straight apostrophes, single spaces, no surrounding quotes."""
    text = unicodedata.normalize("NFKC", name).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip().strip('"').strip()


def normalise_name(name: str) -> str:
    """Comparison key for a name: `clean_name`, then accents removed and case-folded."""
    decomposed = unicodedata.normalize("NFKD", clean_name(name))
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text.casefold()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class CountryMatcher:
    """Resolve country names and numeric trade codes to project ISO3 codes."""

    def __init__(
        self,
        countries: list[dict[str, str]],
        variants: list[dict[str, str]] | None = None,
        trade_codes: list[dict[str, str]] | None = None,
    ) -> None:
        self._kind: dict[str, str] = {}
        self._names: dict[str, str] = {}
        for row in countries:
            iso3 = row["iso3"].strip()
            kind = row["kind"].strip()
            if kind not in KINDS:
                raise ValueError(f"countries file: unknown kind {kind!r} for {iso3}")
            self._kind[iso3] = kind
            for column in ("name", "official_name"):
                if row.get(column):
                    self._names.setdefault(normalise_name(row[column]), iso3)

        self._variants: dict[str, str] = {}
        for row in variants or []:
            iso3 = row["iso3"].strip()
            if iso3 not in self._kind:
                raise ValueError(f"name variant {row['name']!r} points to unknown code {iso3!r}")
            self._variants[normalise_name(row["name"])] = iso3

        self._by_code: dict[int, str] = {}
        self._by_source_iso3: dict[str, str] = {}
        for row in trade_codes or []:
            iso3 = row["iso3"].strip()
            if iso3 not in self._kind:
                raise ValueError(f"trade code {row['code']} points to unknown code {iso3!r}")
            self._by_code[int(row["code"])] = iso3
            source_iso3 = (row.get("source_iso3") or "").strip()
            if source_iso3 and source_iso3 not in self._kind:
                self._by_source_iso3[source_iso3] = iso3

    @classmethod
    def from_reference(cls, reference_dir: str | Path = REFERENCE_DIR) -> CountryMatcher:
        """Load ``countries.csv``, ``country_name_variants.csv`` and ``trade_country_codes.csv``
        from ``reference_dir`` (default: ``data/reference``); the last two are optional."""
        reference_dir = Path(reference_dir)
        variants = reference_dir / VARIANTS_CSV.name
        trade_codes = reference_dir / TRADE_CODES_CSV.name
        return cls(
            _read_csv(reference_dir / COUNTRIES_CSV.name),
            _read_csv(variants) if variants.exists() else None,
            _read_csv(trade_codes) if trade_codes.exists() else None,
        )

    @property
    def codes(self) -> frozenset[str]:
        """All project ISO3 codes."""
        return frozenset(self._kind)

    def match(self, name: str | None) -> str | None:
        """Project ISO3 code for a country or aggregate name, or ``None`` when unknown."""
        if name is None:
            return None
        key = normalise_name(name)
        if not key:
            return None
        if key in self._variants:
            return self._variants[key]
        if key in self._names:
            return self._names[key]
        cleaned = clean_name(name)
        if len(cleaned) <= 3:  # bare codes ("NA", "US") are not names; pycountry would take them as codes
            return None
        try:
            found = pycountry.countries.lookup(cleaned)
        except LookupError:
            return None
        iso3 = getattr(found, "alpha_3", None)
        return iso3 if iso3 in self._kind else None

    def kind(self, iso3: str) -> str | None:
        """``country``, ``historical``, ``union`` or ``aggregate``; ``None`` for unknown codes."""
        return self._kind.get(iso3)

    def is_aggregate(self, iso3: str) -> bool:
        """True for statistical aggregates (World, "Other Asia, nes", Free Zones, ...).

        The European Union (``EUU``, kind ``union``) is not counted as an aggregate here."""
        return self._kind.get(iso3) == "aggregate"

    def from_trade_code(self, code: int | str | None) -> str | None:
        """Project ISO3 for a numeric BACI / UN Comtrade country code (842 -> USA, 0 -> XWD)."""
        if code is None:
            return None
        try:
            number = int(str(code).strip())
        except ValueError:
            return None
        return self._by_code.get(number)

    def from_trade_iso3(self, code: str | None) -> str | None:
        """Project ISO3 for an alpha code used by BACI / Comtrade (``S19`` -> XAS, ``USA`` -> USA)."""
        if code is None:
            return None
        code = code.strip().upper()
        if code in self._kind:
            return code
        return self._by_source_iso3.get(code)
