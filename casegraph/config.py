"""`case.yaml`: the case's identity, timezone, sources, thresholds and mapping profiles."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Thresholds(BaseModel):
    """Threshold settings; the figures of each named profile are in ``casegraph.thresholds``."""

    model_config = ConfigDict(extra="allow")

    profile: str = "2022"
    # "Especially serious" has no national figure: per-province amounts in CNY.
    especially_serious: dict[str, Decimal] = Field(default_factory=dict)


class CaseConfig(BaseModel):
    """The parsed `case.yaml`. Unknown keys are kept (``model_extra``), never dropped."""

    model_config = ConfigDict(extra="allow")

    case_id: str
    title: str = ""
    timezone: str = "Asia/Shanghai"
    base_currency: str = "CNY"
    sources: dict[str, Any] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    # Mapping profiles applied to raw headers: built-in names (loaders/profiles/*.yaml) or
    # paths relative to the case folder.
    mapping_profiles: list[str] = Field(default_factory=lambda: ["zh"])

    @field_validator("case_id")
    @classmethod
    def _case_id_not_blank(cls, value: str) -> str:
        if not str(value).strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("base_currency")
    @classmethod
    def _cny_only(cls, value: str) -> str:
        # fx_rates.csv gives CNY per unit, so the base currency can only be CNY.
        if value != "CNY":
            raise ValueError("only CNY is supported (fx_rates.csv gives CNY per unit)")
        return value
