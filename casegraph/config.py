"""`case.yaml`: the case's identity, timezone, sources, thresholds, fund-flow patterns, encodings and mapping profiles.

Every setting that changes a figure or how a file is read is checked here, so that
``casegraph validate`` reports it at its line in case.yaml instead of an analysis failing, or
quietly using another value, later.
"""

from __future__ import annotations

import codecs
from decimal import Decimal
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from casegraph.loaders.tables import SPARK_READ_TABLES, TABLES
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


def _share(value: Decimal) -> Decimal:
    if not 0 <= value <= 10 or value != value.quantize(Decimal("0.001")):
        raise ValueError(f"must be a share between 0 and 10 with at most 3 decimals (0.9 = 90 %), not {value}")
    return value


def _chance(value: float) -> float:
    if not 0 < value <= 1:
        raise ValueError(f"must be a probability above 0 and at most 1, not {value}")
    return value


Share = Annotated[Decimal, AfterValidator(_share)]
Hours = Annotated[Decimal, Field(gt=0, le=24 * 366)]
Count = Annotated[int, Field(ge=1)]


class _Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True


class PassThrough(_Pattern):
    """过渡账户: an inflow of at least ``min_amount`` CNY, then outflows adding up to
    ``min_ratio``..``max_ratio`` of it within ``within_hours``."""

    min_amount: ThresholdAmount = Decimal("10000")
    min_ratio: Share = Decimal("0.9")
    max_ratio: Share = Decimal("1.1")
    within_hours: Hours = Decimal(24)


class Fan(_Pattern):
    """分散转入 / 集中转出: at least ``min_counterparties`` distinct senders (receivers) within
    ``within_hours``, and more than the account's own rate makes likely (``max_chance``): with
    ``scan`` (the default), likely for the busiest window of its whole active time, so that the
    rows chance makes do not grow with the volume; without, for each window alone (a small case,
    or simulated data in which every burst was planned)."""

    min_counterparties: Annotated[int, Field(ge=2)] = 5
    within_hours: Hours = Decimal(72)
    max_chance: Annotated[float, AfterValidator(_chance)] = 0.001
    scan: bool = True


class Cycle(_Pattern):
    """资金回路: money back at its start through 2..``max_accounts`` accounts, each transfer
    after the one before (unless ``time_respecting`` is false: then in any order), all within
    ``within_hours``, each amount within ``amount_tolerance`` of the first."""

    time_respecting: bool = True
    min_amount: ThresholdAmount = Decimal("0.01")
    max_accounts: Annotated[int, Field(ge=2, le=6)] = 6
    within_hours: Hours = Decimal(72)
    amount_tolerance: Share = Decimal("0.1")
    max_paths: Annotated[int, Field(ge=1000)] = 2_000_000  # the search's bound per hop


class SharedDevice(_Pattern):
    """One IP or device behind accounts of different holders; identifiers behind more than
    ``max_accounts`` accounts (NAT gateways, bank branches) are left out."""

    max_accounts: Annotated[int, Field(ge=2)] = 20


class RoundAmounts(_Pattern):
    """整额: at least ``min_count`` transfers of ``min_amount`` or more in whole multiples of
    ``unit``, and at least ``min_share`` of the account's transfers."""

    unit: ThresholdAmount = Decimal("10000")
    min_amount: ThresholdAmount = Decimal("10000")
    min_count: Count = 3
    min_share: Share = Decimal("0.5")


class Night(_Pattern):
    """Night activity: at least ``min_count`` transfers between ``start_hour`` and ``end_hour``
    (case timezone) and at least ``min_share`` of the account's transfers."""

    start_hour: Annotated[int, Field(ge=0, le=23)] = 0
    end_hour: Annotated[int, Field(ge=1, le=24)] = 6
    min_count: Count = 3
    min_share: Share = Decimal("0.5")


class FlowPatterns(BaseModel):
    """`flow_patterns:` in case.yaml: each pattern's parameters (defaults: bank-formats.md §5)."""

    model_config = ConfigDict(extra="forbid")

    pass_through: PassThrough = Field(default_factory=PassThrough)
    fan_in: Fan = Field(default_factory=Fan)
    fan_out: Fan = Field(default_factory=Fan)
    cycle: Cycle = Field(default_factory=Cycle)
    shared_device: SharedDevice = Field(default_factory=SharedDevice)
    round_amounts: RoundAmounts = Field(default_factory=RoundAmounts)
    night: Night = Field(default_factory=Night)


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


def _spark_read_table(value: str) -> str:
    if value not in SPARK_READ_TABLES:
        raise ValueError(f"tables: names where Spark reads {', '.join(SPARK_READ_TABLES)}; {value!r} is read from "
                         f"the case folder ({value}.csv)")
    return value


class TableSource(BaseModel):
    """Where Spark reads one large table from (``tables:`` in case.yaml): a catalog table
    (``hive: db.table``) or files (``path:`` a local folder or file, ``hdfs://…``, ``s3a://…``;
    ``format: parquet`` or ``csv``, else by the path's ending)."""

    model_config = ConfigDict(extra="forbid")

    hive: str | None = None
    path: str | None = None
    format: Literal["parquet", "csv"] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> TableSource:
        if (self.hive is None) == (self.path is None):
            raise ValueError("give either hive: db.table or path: (with format: parquet or csv)")
        if self.hive is not None and self.format is not None:
            raise ValueError("format: goes with path:, not with hive:")
        if self.path is not None and self.format is None and not self.path.rstrip("/").endswith((".csv", ".parquet")):
            raise ValueError(f"say format: parquet or csv for {self.path!r}")
        return self


class CaseConfig(BaseModel):
    """The parsed `case.yaml`. Unknown keys are kept (``model_extra``), never dropped."""

    model_config = ConfigDict(extra="allow")

    case_id: str
    title: str = ""
    timezone: str = "Asia/Shanghai"
    base_currency: str = "CNY"
    sources: dict[str, Any] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    flow_patterns: FlowPatterns = Field(default_factory=FlowPatterns)
    # Mapping profiles applied to raw headers: built-in names (loaders/profiles/*.yaml) or
    # paths relative to the case folder.
    mapping_profiles: list[Annotated[str, AfterValidator(_profile_reference)]] = Field(
        default_factory=lambda: ["zh"])
    # A file's encoding, pinned: used as given, before (and instead of) any detection.
    encodings: dict[Annotated[str, AfterValidator(_case_file_name)],
                    Annotated[str, AfterValidator(_text_codec)]] = Field(default_factory=dict)
    # Where the Spark engine reads its large tables, when not from the case folder.
    tables: dict[Annotated[str, AfterValidator(_spark_read_table)], TableSource] = Field(default_factory=dict)

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
