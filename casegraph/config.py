"""`case.yaml`: the case's identity, timezone, sources, thresholds, encodings and mapping profiles.

Every setting that changes a figure or how a file is read is checked here, so that
``casegraph validate`` reports it at its line in case.yaml instead of an analysis failing, or
quietly using another value, later.
"""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from casegraph.loaders.tables import TABLES
from casegraph.money import MAX_FEN, format_fen
from casegraph.thresholds import DEFAULT_MULTIPLE, PROFILES


def _whole_number_as_text(value: Any) -> Any:
    # YAML reads `profile: 2022` as an integer; the profile is named by its text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _known_profile(value: str) -> str:
    if value not in PROFILES:
        raise ValueError(f"unknown threshold profile {value!r} (known: {', '.join(PROFILES)})")
    return value


def _threshold_amount(value: Decimal) -> Decimal:
    # pydantic has already refused NaN, infinity and non-numbers.
    if value <= 0:
        raise ValueError(f"a threshold must be an amount in CNY greater than 0, not {value}")
    if value * 100 > MAX_FEN:
        raise ValueError(f"a threshold must be at most {format_fen(MAX_FEN)} CNY")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"a threshold has at most 2 decimals (fen), not {value}")
    return value


def _multiple(value: Decimal) -> Decimal:
    if value <= 1:
        raise ValueError(f"must be a number greater than 1, not {value}")
    return value


ThresholdAmount = Annotated[Decimal, AfterValidator(_threshold_amount)]


class Thresholds(BaseModel):
    """Threshold settings; the figures of each named profile are in ``casegraph.thresholds``.

    Unknown keys are refused: a misspelt setting would otherwise leave a figure at its default.
    """

    model_config = ConfigDict(extra="forbid")

    profile: Annotated[str, BeforeValidator(_whole_number_as_text), AfterValidator(_known_profile)] = "2022"
    # Overrides of the profile's prosecution figures, in CNY.
    business_amount: ThresholdAmount | None = None
    illegal_income: ThresholdAmount | None = None
    # "Especially serious" has no national figure: per-province amounts in CNY ...
    especially_serious: dict[str, ThresholdAmount] = Field(default_factory=dict)
    # ... elsewhere this multiple of the prosecution figure.
    especially_serious_multiple: Annotated[Decimal, AfterValidator(_multiple)] = Decimal(DEFAULT_MULTIPLE)


def _case_file_name(value: str) -> str:
    known = [table.file for table in TABLES]
    if value not in known:
        raise ValueError(f"unknown case file {value!r}: encodings name files such as {', '.join(known[:3])}")
    return value


def _text_codec(value: str) -> str:
    try:
        codecs.lookup(value)
        "".encode(value)  # refuses codecs that are not text encodings (base64, zlib ...)
    except LookupError as exc:
        raise ValueError(f"unknown text encoding {value!r} (Python codec names such as gbk, gb18030, "
                         f"utf-8, utf-16-le, latin-1)") from exc
    return value


def _profile_reference(value: str) -> str:
    # A profile is a built-in name or a file inside the case folder: never a path that leaves
    # it (symlinks are checked when the file is opened, in casegraph.loaders.profiles).
    if not value.strip() or "\x00" in value:
        raise ValueError("a mapping profile must be a built-in name or a path in the case folder")
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or value.startswith(("/", "\\", "~")):
        raise ValueError(f"mapping profile {value!r} must be a path relative to the case folder, not absolute")
    if ".." in posix.parts or ".." in windows.parts:
        raise ValueError(f"mapping profile {value!r} must not leave the case folder ('..')")
    return value


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
    mapping_profiles: list[Annotated[str, AfterValidator(_profile_reference)]] = Field(
        default_factory=lambda: ["zh"])
    # A file's encoding, pinned: used as given, before (and instead of) any detection.
    encodings: dict[Annotated[str, AfterValidator(_case_file_name)],
                    Annotated[str, AfterValidator(_text_codec)]] = Field(default_factory=dict)

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
