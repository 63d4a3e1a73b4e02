"""Prosecution thresholds as named profiles, and the severity label of an amount.

Severity is a label with its basis, never a verdict. Profiles (domain.md §4):

========= ======================================== =========================================
profile   illegal futures business: prosecution    basis
========= ======================================== =========================================
``2022``  business amount ≥ 1,000,000 CNY, or       立案追诉标准(二) 2022 (公通字〔2022〕12号)
          illegal income ≥ 100,000                  art. 71, in force 2022-05-15 (default)
``2010``  business amount ≥ 300,000, or             2010 standard art. 79(3), for cases judged
          illegal income ≥ 50,000                   under the old standard
========= ======================================== =========================================

"Especially serious" has no national figure: ``case.yaml`` sets it per province
(``thresholds.especially_serious: {浙江省: 1500000}``, a business amount); elsewhere it is
``especially_serious_multiple`` × the prosecution threshold (default 5, as some courts use).

>>> rules = ThresholdRules.from_config({"profile": "2022"})
>>> rules.severity(600_000_000, "business_amount", "浙江省")
'especially_serious (2022: business amount ≥ 5000000.00, 5× the prosecution threshold)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from casegraph.money import format_fen

# Prosecution thresholds in fen, per profile and basis.
PROFILES: dict[str, dict[str, int]] = {
    "2022": {"business_amount": 100_000_000, "illegal_income": 10_000_000},
    "2010": {"business_amount": 30_000_000, "illegal_income": 5_000_000},
}
DEFAULT_MULTIPLE = 5
BASIS_NAMES = {"business_amount": "business amount", "illegal_income": "illegal income"}


class ThresholdError(ValueError):
    """A threshold setting in case.yaml that cannot be used."""


@dataclass(frozen=True)
class ThresholdRules:
    profile: str
    prosecution: dict[str, int]
    especially_serious_by_province: dict[str, int] = field(default_factory=dict)
    multiple: int = DEFAULT_MULTIPLE

    @classmethod
    def from_config(cls, thresholds) -> "ThresholdRules":
        """From ``case.yaml``'s ``thresholds`` (a dict or :class:`casegraph.config.Thresholds`)."""
        settings = thresholds if isinstance(thresholds, dict) else thresholds.model_dump()
        profile = str(settings.get("profile", "2022"))
        if profile not in PROFILES:
            raise ThresholdError(f"unknown threshold profile {profile!r} (known: {', '.join(PROFILES)})")
        prosecution = dict(PROFILES[profile])
        for basis in prosecution:  # explicit overrides of the profile's figures, in CNY
            if settings.get(basis) is not None:
                prosecution[basis] = int(Decimal(str(settings[basis])) * 100)
        provinces = {str(k): int(Decimal(str(v)) * 100)
                     for k, v in (settings.get("especially_serious") or {}).items()}
        multiple = int(settings.get("especially_serious_multiple") or DEFAULT_MULTIPLE)
        return cls(profile, prosecution, provinces, multiple)

    def severity(self, amount_fen: int, basis: str, province: str | None) -> str:
        """``below``, ``prosecution`` or ``especially_serious``, with the figure it was held to."""
        name = BASIS_NAMES[basis]
        base = self.prosecution[basis]
        if basis == "business_amount" and province in self.especially_serious_by_province:
            serious = self.especially_serious_by_province[province]
            serious_basis = f"{province} figure from case.yaml"
        else:
            serious = base * self.multiple
            serious_basis = f"{self.multiple}× the prosecution threshold"
        if amount_fen >= serious:
            return f"especially_serious ({self.profile}: {name} ≥ {format_fen(serious)}, {serious_basis})"
        if amount_fen >= base:
            return f"prosecution ({self.profile}: {name} ≥ {format_fen(base)})"
        return f"below ({self.profile}: {name} < {format_fen(base)})"
