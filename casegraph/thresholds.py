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
Every setting is checked by :class:`casegraph.config.Thresholds` (so ``casegraph validate``
reports a bad one at its line in case.yaml); no value is ever replaced by a default here.

>>> rules = ThresholdRules.from_config({"profile": "2022"})
>>> rules.severity(600_000_000, "business_amount", "浙江省")
'especially_serious (2022: business amount ≥ 5000000.00, 5× the prosecution threshold)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal

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
    multiple: Decimal = Decimal(DEFAULT_MULTIPLE)

    @classmethod
    def from_config(cls, thresholds) -> ThresholdRules:
        """From ``case.yaml``'s ``thresholds`` (a dict or :class:`casegraph.config.Thresholds`).

        A dict is checked like case.yaml's own; a bad setting raises :class:`ThresholdError`.
        """
        from pydantic import ValidationError

        from casegraph.config import Thresholds  # casegraph.config checks profiles against PROFILES

        if not isinstance(thresholds, Thresholds):
            try:
                thresholds = Thresholds.model_validate(thresholds)
            except ValidationError as exc:
                raise ThresholdError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                               for e in exc.errors())) from None
        prosecution = dict(PROFILES[thresholds.profile])
        for basis in prosecution:  # explicit overrides of the profile's figures, in CNY
            if getattr(thresholds, basis) is not None:
                prosecution[basis] = int(getattr(thresholds, basis) * 100)
        provinces = {k: int(v * 100) for k, v in thresholds.especially_serious.items()}
        return cls(thresholds.profile, prosecution, provinces, thresholds.especially_serious_multiple)

    def severity(self, amount_fen: int, basis: str, province: str | None) -> str:
        """``below``, ``prosecution`` or ``especially_serious``, with the figure it was held to."""
        name = BASIS_NAMES[basis]
        base = self.prosecution[basis]
        if basis == "business_amount" and province in self.especially_serious_by_province:
            serious = self.especially_serious_by_province[province]
            serious_basis = f"{province} figure from case.yaml"
        else:
            # A fractional multiple may give part of a fen: an amount must reach the next whole fen.
            serious = int((base * self.multiple).to_integral_value(rounding=ROUND_CEILING))
            serious_basis = f"{self.multiple.normalize():f}× the prosecution threshold"
        if amount_fen >= serious:
            return f"especially_serious ({self.profile}: {name} ≥ {format_fen(serious)}, {serious_basis})"
        if amount_fen >= base:
            return f"prosecution ({self.profile}: {name} ≥ {format_fen(base)})"
        return f"below ({self.profile}: {name} < {format_fen(base)})"
