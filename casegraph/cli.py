"""The `casegraph` command: generate, validate, analyze and demo (contract.md "Command line").

Exit codes: 0 ok, 1 invalid case, 2 usage error, 3 graph database unreachable.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from contextlib import contextmanager, suppress
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional

import typer
from rich.table import Table as RichTable

from casegraph.generator.variants import DROPPABLE, VARIANTS
from casegraph.neo4j_session import EXIT_INVALID, EXIT_UNREACHABLE, EXIT_USAGE, neo4j_driver, settings_for
from casegraph.progress import Progress, plain_console

if TYPE_CHECKING:  # imported where a command reads a case: pyarrow is not loaded for --help
    from casegraph.loaders.csvcells import ReadAhead

app = typer.Typer(help="Graph analytics for account-group and agent networks in illegal futures cases.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
# Piped output (logs, CI) gets room for the summary tables; a terminal keeps its own width.
console = plain_console(width=None if sys.stdout.isatty() else 120)
errors = plain_console(stderr=True)

# The steps of a long command, shown on standard error (casegraph.progress); --quiet hides them.
_progress = Progress()



@app.callback()
def _options(quiet: bool = typer.Option(False, "--quiet", "-q",
                                        help="Show no progress; results and problems still print.")) -> None:
    global _progress
    _progress = Progress(quiet=quiet)


class Engine(str, Enum):
    memory = "memory"
    neo4j = "neo4j"
    spark = "spark"


ENGINE_HELP = ("memory: pandas + networkx, no server; neo4j: load the case into Neo4j, analyse in Cypher; "
               "spark: the analyses that grow with the data on Apache Spark (pip install 'casegraph[spark]').")
SPARK_MASTER_HELP = ("spark: the master to run on (spark://host:7077, yarn …); default $CASEGRAPH_SPARK_MASTER, "
                     "else local[2].")


class Reader(str, Enum):
    spark = "spark"
    driver = "driver"


class SparkOutput(str, Enum):
    csv = "csv"
    parquet = "parquet"


SPARK_READ_HELP = ("spark (the default with --engine spark): Spark reads the large tables (ledger, transfers, trades, "
                   "fills, logins) from the case folder's CSV or Parquet or the tables case.yaml names (tables:); "
                   "driver: casegraph reads the case folder on this machine, as the other engines do.")
SPARK_OUTPUT_HELP = ("csv or parquet: Spark's writer writes the output tables to --out (a folder, hdfs:// or s3a:// "
                     "URI), a folder per table; no referral packets. Default: the files written here, as the other "
                     "engines write them.")


def _scale(value: str) -> str | int:
    from casegraph.generator import SCALES

    if value in SCALES:
        return value
    try:
        number = int(value)
    except ValueError:
        raise typer.BadParameter(f"expected one of {', '.join(SCALES)} or a number of clients") from None
    if number < 10:
        raise typer.BadParameter("a number of clients must be at least 10")
    return number


def _known(values: list[str], known, what: str) -> list[str]:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise typer.BadParameter(f"unknown {what} {unknown[0]!r}: expected one of {', '.join(known)}")
    return values


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write the case into: created, or one casegraph "
                                                "generated before, replaced as a whole (any other is refused)."),
    scale: str = typer.Option("seed", help="tiny, small, seed, large, or a number of clients."),
    seed: int = typer.Option(7, min=0, help="Random seed: the same seed writes the same case."),
    variant: list[str] = typer.Option(
        [], "--variant", metavar="NAME", callback=lambda values: _known(values, VARIANTS, "variant"),
        help="Break one of the generator's habits (repeatable; truth/ stays exact). "
             + "; ".join(f"{name}: {text}" for name, text in VARIANTS.items()) + "."),
    drop_table: list[str] = typer.Option(
        [], "--drop-table", metavar="NAME", callback=lambda values: _known(values, DROPPABLE, "table"),
        help=f"Leave an optional table out (repeatable): {', '.join(DROPPABLE)} (that column written empty)."),
) -> None:
    """Write a synthetic case folder modelled on the seed case, with its truth/."""
    started = time.perf_counter()
    summary = _generate_case(out, scale=_scale(scale), seed=seed, variants=variant, drop_tables=drop_table)
    rows = summary.get("rows", {})
    console.print(f"wrote {out} ({sum(rows.values()):,} rows in {len(rows)} files) "
                  f"in {time.perf_counter() - started:.1f} s")


def _generate_case(out: Path, **options) -> dict:
    """``generate_case`` into ``out`` with the command's progress, in a process that takes its
    memory as when a case is read (``tune_memory``): with the Arrow memory kept for reuse, the
    seed-scale case in 0.90-0.91x the wall time and a peak of 0.39 GiB against 0.44 (3
    alternating pairs). ``out`` is written as the analyses' folders are (:func:`_output_folder`):
    a folder of evidence, or any casegraph did not generate, is never written over."""
    from casegraph.generator import generate_case
    from casegraph.loaders.csvcells import tune_memory

    tune_memory()
    with _output_folder(out, "generate") as folder:
        summary = generate_case(folder, progress=_progress, **options)
    return {**summary, "out_dir": str(out)}


def _print_problems(problems, case_dir: Path) -> None:
    for problem in problems:
        errors.print(f"{case_dir / problem.file}:{problem.line}:{problem.column}: {problem.message}",
                     highlight=False, soft_wrap=True)
    errors.print(f"{len(problems)} problem(s) found", highlight=False)


@app.command()
def ingest(
    case: Path = typer.Argument(..., help="The case folder to merge into (created if missing)."),
    sources: list[Path] = typer.Argument(..., help="Raw exports: XLSX (every sheet) or CSV files.",
                                         exists=True, dir_okay=False, readable=True),
    profile: Optional[str] = typer.Option(None, "--profile", metavar="NAME|FILE",
                                          help="Read every source with this format profile instead of recognising it."),
) -> None:
    """Merge raw bank and payment exports (资金查控 feedback, 人行 detail, 财付通 …) into a case folder.

    Every source row not taken as it stands gets a row in CASE/ingest_report.csv; ingesting the
    same files again changes nothing."""
    from casegraph.loaders.ingest import ingest as ingest_exports
    from casegraph.loaders.problems import InvalidCase

    if case.exists() and not case.is_dir():
        raise typer.BadParameter(f"{case} is a file, not a case folder", param_hint="CASE")
    started = time.perf_counter()
    try:
        result = ingest_exports(case, sources, profile=profile, progress=_progress)
    except InvalidCase as exc:  # each problem names its file as found: a source, or a table of the case
        for problem in exc.problems:
            errors.print(str(problem), highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in result.reasons.items()) or "none"
    console.print(f"{case}: {result.rows_read:,} new transaction rows read; added "
                  + ", ".join(f"{count:,} {name}" for name, count in result.added.items())
                  + f"; not taken as they stand (ingest_report.csv): {reasons} "
                  + f"({time.perf_counter() - started:.1f} s)", highlight=False, soft_wrap=True)
    if result.unrated_currencies:
        console.print(f"the transfers hold amounts in {', '.join(result.unrated_currencies)}: add their rates "
                      f"(date, currency, cny_per_unit) to {case / 'fx_rates.csv'}; validate and analyze need them",
                      highlight=False, soft_wrap=True)
    if not result.usable:
        errors.print("nothing usable in the sources: no transaction, account or person rows")
        raise typer.Exit(EXIT_INVALID)


@app.command()
def validate(case: Path = typer.Argument(..., help="The case folder.")) -> None:
    """Check a case folder; print one file:line:column: message per problem."""
    loaded, problems = _read_case(case)
    if problems:
        _print_problems(problems, case)
        raise typer.Exit(EXIT_INVALID)
    counts = loaded.row_counts()
    console.print(f"{case}: valid ({sum(counts.values()):,} rows in {len(counts)} tables)")
    if loaded.partial:
        from casegraph.queries.engine import coverage_table

        console.print(f"a partial case: no rows of {', '.join(f'{name}.csv' for name in loaded.partial)}",
                      highlight=False)
        _print_skipped(coverage_table(loaded.available), "analyze will skip")


def _read_case(case: Path, *, ahead: ReadAhead | None = None):
    """``read_case`` of the case, its files read ahead while pandas and the loaders are imported
    (:func:`_reading_ahead`, or ``ahead`` when the command started it sooner)."""
    ahead = ahead if ahead is not None else _reading_ahead(case)
    from casegraph.loaders.case import read_case

    return read_case(case, progress=_progress, ahead=ahead)


def _reading_ahead(case: Path) -> ReadAhead:
    """The case's files being read ahead (casegraph.loaders.csvcells.ReadAhead: on two cores the
    imports and the parse overlap), in a process that takes its memory as ``tune_memory`` sets."""
    from casegraph.loaders.csvcells import ReadAhead, tune_memory

    tune_memory()
    return ReadAhead(case)


def _read_case_reporting(case: Path, problems_file: Optional[Path] = None, *,
                         ahead: ReadAhead | None = None):
    """The case read and checked (``ahead``: as :func:`_read_case` takes it), or None when it is
    invalid: its problems printed (and written to ``problems_file``). The caller ends the
    command with exit 1."""
    loaded, problems = _read_case(case, ahead=ahead)
    if problems:
        _report_problems(problems, case, problems_file)
        return None
    return loaded


def _report_problems(problems, case: Path, problems_file: Optional[Path]) -> None:
    """A case's problems printed, and written to ``problems_file`` when given."""
    if problems_file is not None:
        problems_file.parent.mkdir(parents=True, exist_ok=True)
        problems_file.write_text(
            "".join(f"{case / p.file}:{p.line}:{p.column}: {p.message}\n" for p in problems), encoding="utf-8")
    _print_problems(problems, case)


@contextmanager
def _output_folder(out: Path, command: str, case: Optional[Path] = None):
    """A fresh folder that replaces ``out`` when the command succeeds (casegraph.outputs.atomic_folder);
    an ``out`` that overlaps the case folder, or that casegraph may not replace, is a usage error."""
    from casegraph.outputs import OutputRefused, atomic_folder, refuse_overlap

    try:
        if case is not None:
            refuse_overlap(out, case)
        with atomic_folder(out, written_by=f"casegraph {command}") as folder:
            yield folder
    except OutputRefused as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from None


def _analysis_tables(loaded, engine: Engine, replace: bool = False, spark_master: Optional[str] = None) -> dict:
    """Every output table of the analysis, by name, from the engine asked for (casegraph.api);
    ``loaded`` is a read case, or an investigation Spark read (_read_in_spark_reporting)."""
    from casegraph.api import Investigation, SparkUnavailable

    investigation = loaded if isinstance(loaded, Investigation) else Investigation(loaded)
    if engine is Engine.spark:
        try:
            return investigation.analyze("spark", spark_master=spark_master, progress=_progress)
        except SparkUnavailable as exc:
            _spark_unavailable(exc)
    if engine is Engine.neo4j:
        with neo4j_driver(settings_for(None, None, None)) as driver:
            return investigation.analyze("neo4j", driver=driver, replace=replace, progress=_progress)
    return investigation.analyze("memory", progress=_progress)


def _spark_unavailable(exc: Exception) -> NoReturn:
    errors.print(f"error: {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USAGE) from None


def _read_in_spark_reporting(case: Path, problems_file: Optional[Path] = None, spark_master: Optional[str] = None):
    """The case with its large tables read and checked by Spark (casegraph.api.read_in_spark),
    or None when it is invalid, its problems reported as :func:`_read_case_reporting` does."""
    from casegraph.api import SparkUnavailable, read_in_spark

    try:
        investigation, problems = read_in_spark(case, spark_master=spark_master, progress=_progress)
    except SparkUnavailable as exc:
        _spark_unavailable(exc)
    if problems:
        _report_problems(problems, case, problems_file)
    return investigation


def _spark_reads(engine: Engine, spark_read: bool | None) -> bool:
    """Whether Spark reads the case's large tables: as ``--spark-read`` says, else with the Spark engine."""
    return engine is Engine.spark if spark_read is None else spark_read


def _run_analysis(case: Path, out: Path | None, engine: Engine, replace: bool = False,
                  spark_master: Optional[str] = None, *, spark_read: bool | None = None,
                  spark_output: tuple[SparkOutput, str] | None = None, ahead: ReadAhead | None = None):
    """Analyse the case and write every output into the folder ``out``: (case, tables), or
    (None, None) for an invalid case, whose problems.txt is then all ``out`` holds.
    ``spark_read``: whether Spark reads the large tables (default: with the Spark engine);
    ``spark_output``: (format, where) Spark's writer writes the output tables, instead of ``out``;
    ``ahead``: the case's files being read ahead (:func:`_reading_ahead`), when Spark does not read them."""
    from casegraph.outputs import write_csv
    from casegraph.outputs.packets import write_referrals
    from casegraph.queries.engine import run_side_by_side
    from casegraph.queries.quality import TruthUnusable, quality_table

    problems_file = out / "problems.txt" if out is not None else None
    if _spark_reads(engine, spark_read):
        investigation = _read_in_spark_reporting(case, problems_file, spark_master)
        loaded = investigation.case if investigation is not None else None
    else:
        investigation = loaded = _read_case_reporting(case, problems_file, ahead=ahead)
    if loaded is None:
        return None, None
    tables = _analysis_tables(investigation, engine, replace, spark_master)

    def score():
        """quality.csv's table when the case has truth/ to score against, else None."""
        try:
            return quality_table(loaded.path, tables["communities"], tables["gangs"].set_index("gang_id"),
                                 tables.get("account_groups"))
        except TruthUnusable as exc:  # a score is a check of the method, never a reason to lose the results
            errors.print(f"quality.csv not written, truth/ cannot be scored against: {case / str(exc)}",
                         highlight=False, soft_wrap=True)
            return None

    if spark_output is None:
        def write_tables() -> None:
            with _progress.step("writing the output tables", total=len(tables)) as advance:
                for name, frame in tables.items():
                    write_csv(frame, out / f"{name}.csv")
                    advance(1)

        def write_packets() -> None:
            with _progress.step("writing the referral packets"):
                write_referrals(loaded, tables, out / "referrals")

        # Side by side: Arrow writes most of the tables' bytes, out of the GIL. The score is
        # added to the tables only once they are written.
        quality = run_side_by_side({"tables": write_tables, "referrals": write_packets, "quality": score},
                                   at_once=2)["quality"]
    else:
        quality = score()
    if quality is not None:  # a generated or hand-labelled case: score against its truth/
        tables["quality"] = quality
        if spark_output is None:
            write_csv(quality, out / "quality.csv")
    if spark_output is not None:
        from casegraph.api import spark
        from casegraph.outputs import write_with_spark

        file_format, where = spark_output
        with _progress.step(f"spark: writing the output tables as {file_format.value} to {where}", total=len(tables)):
            write_with_spark(spark(spark_master), tables, where, file_format=file_format.value)
    return loaded, tables


@app.command()
def analyze(
    case: Path = typer.Argument(..., help="The case folder."),
    *,
    out: str = typer.Option(..., "--out", help="Folder for the output files (with --spark-output: also a URI)."),
    engine: Engine = typer.Option(Engine.memory, help=ENGINE_HELP),
    replace: bool = typer.Option(False, "--replace", help="neo4j: clear a database that holds another case."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", metavar="URL", help=SPARK_MASTER_HELP),
    spark_read: Optional[Reader] = typer.Option(None, "--spark-read", help=SPARK_READ_HELP),
    spark_output: Optional[SparkOutput] = typer.Option(None, "--spark-output", help=SPARK_OUTPUT_HELP),
) -> None:
    """Run every analysis on a case folder and write the output files.

    The folder --out is replaced as a whole, and only once everything is written; for an
    invalid case it holds problems.txt alone. It must lie outside the case folder.
    With --spark-output, Spark writes the output tables to --out (replacing each table's
    folder), and an invalid case writes nothing there."""
    if engine is not Engine.spark and (spark_read or spark_output):
        raise typer.BadParameter("goes with --engine spark", param_hint="--spark-read/--spark-output")
    started = time.perf_counter()
    read_by_spark = None if spark_read is None else spark_read is Reader.spark
    # The case's files start being read now, while the output folder is made and the analyses
    # are imported (at seed scale 0.1-0.2 s sooner done).
    ahead = None if _spark_reads(engine, read_by_spark) else _reading_ahead(case)
    if spark_output is not None:
        loaded, tables = _run_analysis(case, None, engine, replace, spark_master, spark_read=read_by_spark,
                                       spark_output=(spark_output, out), ahead=ahead)
    else:
        with _output_folder(Path(out), "analyze", case=case) as folder:
            loaded, tables = _run_analysis(case, folder, engine, replace, spark_master, spark_read=read_by_spark,
                                           ahead=ahead)
    if loaded is None:
        raise typer.Exit(EXIT_INVALID)
    console.print(f"wrote {out} in {time.perf_counter() - started:.1f} s")
    _print_skipped(tables["coverage"], "skipped")


def _print_skipped(coverage, verb: str) -> None:
    """The analyses of coverage.csv that did not run, each with the tables it lacked."""
    skipped = coverage[~coverage["ran"]]
    if skipped.empty:
        return
    console.print(f"{verb} {len(skipped)} of {len(coverage)} analyses, for want of rows in the tables they need "
                  "(coverage.csv):", highlight=False)
    for row in skipped.itertuples():
        missing = ", ".join(f"{name}.csv" for name in row.missing_tables.split(";"))
        console.print(f"  {row.analysis}: needs {missing}", highlight=False)


@app.command()
def referrals(
    case: Path = typer.Argument(..., help="The case folder."),
    *,
    out: Path = typer.Option(..., "--out", help="Folder for the packets: <province>.csv, .xlsx, .html and index.csv."),
    province: Optional[str] = typer.Option(None, help="Write only this province's packet (or 'unassigned')."),
    unmask: bool = typer.Option(False, "--unmask", help="Show ID numbers and phones in full (masked by default)."),
    engine: Engine = typer.Option(Engine.memory, help=ENGINE_HELP),
    replace: bool = typer.Option(False, "--replace", help="neo4j: clear a database that holds another case."),
) -> None:
    """Write a referral packet per province: its gangs, ranked, with their persons, accounts to
    freeze, platforms, figures and the evidence that ties them to the vendor.

    The folder --out is replaced as a whole: with --province it holds that packet alone."""
    from casegraph.outputs.packets import write_referrals
    from casegraph.queries.referrals import UnknownProvince

    started = time.perf_counter()
    with _output_folder(out, "referrals", case=case) as folder:
        loaded = _read_case_reporting(case, folder / "problems.txt")
        if loaded is not None:
            tables = _analysis_tables(loaded, engine, replace)
            try:
                index = write_referrals(loaded, tables, folder, unmask=unmask, province=province)
            except UnknownProvince as exc:
                raise typer.BadParameter(str(exc), param_hint="--province") from None
    if loaded is None:
        raise typer.Exit(EXIT_INVALID)
    view = RichTable(title=f"Referral packets in {out}" + (" (NOT masked)" if unmask else ""))
    for column in ("province", "gangs", "top severity", "persons", "accounts", "files"):
        view.add_column(column, justify="right" if column in ("gangs", "persons", "accounts") else "left")
    for row in index.itertuples():
        view.add_row(row.province, str(row.n_gangs), row.top_severity, str(row.n_persons),
                     str(row.n_accounts), f"{row.csv}, .xlsx, .html")
    console.print(view)
    console.print(f"wrote {len(index)} packet(s) in {time.perf_counter() - started:.1f} s")


@app.command()
def trace(
    case: Path = typer.Argument(..., help="The case folder."),
    *,
    start: str = typer.Option(..., "--from", help="An account id, or a person id (the accounts they hold)."),
    hops: int = typer.Option(3, "--hops", min=1, max=6, help="How many transfers to follow (1 to 6)."),
    min_amount: str = typer.Option("0", "--min-amount", help="Follow transfers of at least this many CNY."),
    since: Optional[str] = typer.Option(None, "--since", help="Follow transfers from this date-time on "
                                                              "(ISO 8601; the case timezone when no offset)."),
    out: Path = typer.Option(Path("trace.csv"), "--out", help="CSV file to write the hops to."),
) -> None:
    """资金穿透: follow money forward in time from an account or person, hop by hop, with the
    amount that can have flowed on at each hop (no more than arrived before it left)."""
    from casegraph.api import Investigation
    from casegraph.money import format_fen, parse_fen
    from casegraph.outputs import write_csv

    try:
        min_fen = parse_fen(min_amount)
    except (ValueError, ArithmeticError):
        raise typer.BadParameter(f"not an amount in CNY: {min_amount!r}", param_hint="--min-amount") from None
    if min_fen < 0:
        raise typer.BadParameter(f"{min_amount!r} is below 0: a transfer moves a positive amount",
                                 param_hint="--min-amount")
    loaded = _read_case_reporting(case)
    if loaded is None:
        raise typer.Exit(EXIT_INVALID)
    with _progress.step("tracing the money"):
        try:
            hops_found = Investigation(loaded).trace(start, hops=hops, min_amount=min_fen, since=since)
        except KeyError:
            raise typer.BadParameter(f"no account or person {start!r} in {case}", param_hint="--from") from None
        except ValueError as exc:  # no moment, or a local time the clocks skipped or repeated
            raise typer.BadParameter(f"not a date-time in {loaded.config.timezone}: {since!r} ({exc})",
                                     param_hint="--since") from None
    write_csv(hops_found, out)
    view = RichTable(title=f"Money from {start}: {len(hops_found)} transfer(s) in up to {hops} hop(s)")
    for column in hops_found.columns:
        view.add_column(column, justify="right" if column in ("hop", "amount", "can_have_flowed") else "left")
    for row in hops_found.head(200).itertuples(index=False):
        view.add_row(str(row.hop), str(row.txn_id), row.ts, str(row.from_account),
                     str(row.to_account), format_fen(row.amount), format_fen(row.can_have_flowed))
    console.print(view)
    console.print(f"wrote {out}" + (" (the table shows the first 200)" if len(hops_found) > 200 else ""))


@app.command()
def export(
    case: Path = typer.Argument(..., help="The case folder."),
    out: Path = typer.Option(..., "--out", help="File to write: .json (nested tree) or .graphml (Gephi, yEd)."),
    vendor: Optional[str] = typer.Option(None, help="Export this vendor's whole chain."),
    gang: Optional[str] = typer.Option(None, help="Export the chain of this gang's platforms."),
) -> None:
    """Export the chain of one vendor or one gang: licences, platforms, agent trees, clients, money."""
    from casegraph.api import Investigation
    from casegraph.outputs import OutputRefused, atomic_file
    from casegraph.outputs.chains import write_chain
    from casegraph.queries.export import UnknownSubject

    if (vendor is None) == (gang is None):
        raise typer.BadParameter("give exactly one of --vendor or --gang")
    if out.suffix.lower() not in (".json", ".graphml"):
        raise typer.BadParameter("--out must end in .json or .graphml")
    try:
        # --out checked before the work; an interrupted export leaves an earlier file whole
        with atomic_file(out) as staging:
            loaded, problems = _read_case(case)
            if problems:
                _print_problems(problems, case)
                raise typer.Exit(EXIT_INVALID)
            try:
                tree = Investigation(loaded).chain_tree(vendor=vendor, gang=gang)
            except UnknownSubject as exc:
                raise typer.BadParameter(str(exc)) from None
            write_chain(tree, staging)
    except OutputRefused as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from None
    console.print(f"wrote {out}")


@app.command()
def demo(
    out: Path = typer.Option(Path("casegraph-demo"), "--out", help="Folder for the case and the outputs."),
    engine: Engine = typer.Option(Engine.memory, help=ENGINE_HELP),
    seed: int = typer.Option(7, min=0, help="Random seed of the generated case."),
) -> None:
    """Generate the seed-scale case, analyse it, write every output and print a summary."""
    case_dir, results = out / "case", out / "results"
    with _output_folder(results, "demo") as folder:  # a refused --out before the minute of generating
        started = time.perf_counter()
        _generate_case(case_dir, scale="seed", seed=seed)
        console.print(f"generated the seed-scale case in {case_dir} ({time.perf_counter() - started:.1f} s)")
        started = time.perf_counter()
        loaded, tables = _run_analysis(case_dir, folder, engine)
    console.print(f"analysed it with the {engine.value} engine into {results} ({time.perf_counter() - started:.1f} s)")
    print_summary(tables)


def _millions(fen) -> str:
    return f"{int(fen) / 100 / 1_000_000:,.2f} M"


def print_summary(tables) -> None:
    """The chain (one row per licence), the top figures and the referral packets, on the terminal."""
    from casegraph.queries.referrals import referral_counts

    chain = tables["chain"].sort_values(["gang_id", "license_id"], na_position="last")
    totals = tables["totals"]
    view = RichTable(title="Chain: vendor → licence → platform → gang (money in CNY)")
    for column in ("licence", "platform", "gang", "province", "agents", "depth", "clients", "deposits", "fees"):
        view.add_column(column, justify="right" if column in ("agents", "depth", "clients", "deposits", "fees")
                        else "left", no_wrap=True)
    for row in chain.itertuples():
        view.add_row(row.license_id, row.platform_id, row.gang_id if isinstance(row.gang_id, str) else "?",
                     row.province if isinstance(row.province, str) else "", f"{row.n_agents:,}",
                     str(row.agent_depth), f"{row.n_clients:,}", _millions(row.deposits), _millions(row.fees))
    console.print(view)
    platforms = totals[totals["node_type"] == "platform"]
    vendors = totals[totals["node_type"] == "vendor"]
    gangs = tables["gangs"]
    known = int(gangs["known_gang_id"].notna().sum())
    console.print(
        f"vendors {len(vendors)}, licences {len(chain)}, platforms {len(platforms)}, gangs {len(gangs)} "
        f"({known} known from gangs.csv, {len(gangs) - known} found by community detection)\n"
        f"client deposits {_millions(platforms['deposits'].sum())}, withdrawals "
        f"{_millions(platforms['withdrawals'].sum())}, fees {_millions(platforms['fees'].sum())} + overnight "
        f"{_millions(platforms['overnight_fees'].sum())}, vendor licence income "
        f"{_millions(vendors['license_income'].sum())}")
    console.print("referral packets (gangs per province): "
                  + ", ".join(f"{p} {n}" for p, n in referral_counts(gangs).items()))
    if "quality" in tables:
        scores = tables["quality"].set_index(["subject", "metric"])["value"]
        console.print(f"against truth/: gangs ARI {scores['gangs', 'ari']:.3f}, "
                      f"{int(scores['gangs', 'gangs_found'])}/{int(scores['gangs', 'truth_gangs'])} gangs found, "
                      f"{int(scores['gangs', 'gangs_found_with_province'])} with the right province")
    _print_skipped(tables["coverage"], "skipped")


class LoadMethod(str, Enum):
    auto = "auto"
    import_ = "import"
    unwind = "unwind"


@app.command()
def load(
    case: Path = typer.Argument(..., help="The case folder."),
    *,
    uri: Optional[str] = typer.Option(None, help="Bolt URI (default: NEO4J_URI, else the local server)."),
    user: Optional[str] = typer.Option(None, help="User (default: NEO4J_USER, else neo4j)."),
    password: Optional[str] = typer.Option(None, help="Password (default: NEO4J_PASSWORD, else the local file).",
                                           show_default=False),
    batch_size: int = typer.Option(5000, min=1, help="Rows per UNWIND batch."),
    replace: bool = typer.Option(False, "--replace", help="Clear a database that holds another case first."),
    method: LoadMethod = typer.Option(
        LoadMethod.auto, "--method",
        help="import: neo4j-admin bulk import, replacing the database (casegraph's local server only; it is "
             "restarted); unwind: batched Cypher, incremental and idempotent; auto: import when the local "
             "server's database is empty, else unwind."),
) -> None:
    """Load a case folder into Neo4j, idempotently (a re-run changes nothing)."""
    from casegraph.loaders.neo4j import load_into_neo4j
    from casegraph.loaders.neo4j_import import ImportFailed, choose_import, import_case
    from casegraph.server import Neo4jUnavailable

    loaded, problems = _read_case(case)
    if problems:
        _print_problems(problems, case)
        raise typer.Exit(EXIT_INVALID)
    settings = settings_for(uri, user, password)
    requested = {LoadMethod.auto: None, LoadMethod.import_: True, LoadMethod.unwind: False}[method]
    with neo4j_driver(settings) as driver:
        try:
            by_import = choose_import(driver, settings.uri, loaded, requested=requested, replace=replace)
        except ValueError as exc:
            errors.print(f"error: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
        if not by_import:
            report = load_into_neo4j(driver, loaded, batch_size=batch_size, replace=replace, progress=_progress)
    if by_import:  # the server restarts: no driver may be open across it
        try:
            report = import_case(loaded, on_step=lambda t: errors.print(f"{t.name}: {t.seconds:.1f} s"))
        except (ImportFailed, Neo4jUnavailable) as exc:
            errors.print(f"error: {exc}", highlight=False)
            raise typer.Exit(EXIT_UNREACHABLE) from None
    how = "neo4j-admin import" if by_import else "UNWIND batches"
    console.print(f"loaded {report.rows:,} rows of case {report.case_id} "
                  f"in {report.seconds:.1f} s by {how}")


def _mount_neo4j() -> None:
    try:
        from casegraph.server.cli import neo4j_app
    except ImportError:  # the server module is optional until provisioned
        return
    app.add_typer(neo4j_app, name="neo4j", help="A local Neo4j with GDS: start, stop, status.")


_mount_neo4j()


def _mount_playbooks() -> None:
    from casegraph.playbook_cli import playbook_app

    app.add_typer(playbook_app, name="playbook", help="Investigators' Cypher playbooks: list, show, run, export.")


_mount_playbooks()


def main(argv: Optional[list[str]] = None) -> None:
    """The command line on ``argv`` (default: the process's arguments); ends in SystemExit with
    the command's exit code. Tests call this; the installed ``casegraph`` is :func:`run`."""
    app(args=argv if argv is not None else sys.argv[1:], prog_name="casegraph")


def run() -> NoReturn:
    """The installed ``casegraph`` command: :func:`main`, then the process ends without taking
    its heap apart object by object. That teardown changes nothing outside the process and
    took 0.15 s of `validate`'s 1.5 s and 0.37 s of `analyze`'s 6.8 s at seed scale (whole
    processes, 7 and 5 alternating runs). What does reach outside still happens: the exit
    handlers run (temporary folders, log handlers) and the output streams are flushed.
    Threads still alive are the idle workers of thread pools and a read-ahead of input files
    nobody waits for any more; every command has finished its own writes before it returns."""
    try:
        main()
        code = 0
    except SystemExit as done:
        code = done.code
    if not isinstance(code, int):  # as the interpreter ends on SystemExit: None is 0, any other text 1
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    atexit._run_exitfuncs()  # what the interpreter would run on the way out (no public name for it)
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a reader gone (a closed pipe), or the stream closed
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
