"""The fast paths of ``analyze`` give what the plain definitions give, byte for byte: the
adjusted Rand index as igraph computes it, ID masking as its regular expressions define it, CSV
lines as pandas writes them, the referral files made once over every packet and split as
each packet's own files would be, and the questions asked side by side as one after the other."""

from __future__ import annotations

import io
import re
import threading
import zipfile

import igraph
import numpy as np
import pandas as pd
import pytest

from casegraph.loaders.case import load_case
from casegraph.outputs import write_csv_lines
from casegraph.outputs.packets import packet_html, write_packet_csv, write_packet_xlsx, write_referrals
from casegraph.queries.engine import analyze, run_side_by_side
from casegraph.queries.memory.engine import MemoryEngine
from casegraph.queries.quality import adjusted_rand
from casegraph.queries.referrals import mask_identifiers, referral_packets


@pytest.mark.parametrize("seed", range(4))
def test_adjusted_rand_is_igraphs_to_the_last_bit(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        n = int(rng.integers(2, 300))
        truth = pd.factorize(rng.integers(0, int(rng.integers(1, n + 1)), n))[0]
        # found: the truth with some labels moved, so that the two agree in part
        found = pd.factorize(np.where(rng.random(n) < 0.3, rng.integers(0, 5, n), truth))[0]
        expected = igraph.compare_communities(truth.tolist(), found.tolist(), method="adjusted_rand")
        assert adjusted_rand(truth, found) == expected or (np.isnan(expected) and np.isnan(adjusted_rand(truth, found)))


def test_masking_is_the_regular_expressions():
    rng = np.random.default_rng(1)
    alphabet = [*"0123456789X* \n", "身", "份", "\U0001F600"]
    values = pd.Series(["".join(rng.choice(alphabet, int(rng.integers(0, 22)))) for _ in range(3000)]
                       + [None, "", "a", "ab", "abc"], dtype="string")
    long = values.str.replace(r"(?s)(?<=.{3}).(?=.{4})", "*", regex=True)
    short = values.str.replace(r"(?s)(?<=.).(?=.)", "*", regex=True)
    expected = long.where(values.str.len() >= 11, short)
    assert mask_identifiers(values).fillna("<NA>").tolist() == expected.fillna("<NA>").tolist()


def test_csv_lines_with_columns_the_cells_lack_are_pandas():
    """Lines joined where a cell needs quotes, laid out by Arrow's writer where none does."""
    quoted = pd.DataFrame({"a": ["x,y", None, "=1"], "n": [1, 2, 3],
                           "s": pd.Series(["q", None, 'a"b'], dtype="string")})
    plain = pd.DataFrame({"a": ["x", None, "=1"], "n": [1, 2, 3], "s": pd.Series(["q", None, "b"], dtype="string")})
    for cells in (quoted, plain):
        for columns in (["a", "n", "s"], ["missing", "a", "gap", "more", "n"], ["s", "gap"], ["gap", "s"]):
            expected = cells.reindex(columns=columns).to_csv(index=False, lineterminator="\n").split("\n", 1)[1]
            handle = io.BytesIO()
            assert write_csv_lines(handle, cells, columns)
            assert handle.getvalue().decode("utf-8") == expected


def test_referral_files_split_from_every_packet_are_each_packets_own(analysed_case, tmp_path):
    case, tables = analysed_case("small", 4)
    index = write_referrals(case, tables, tmp_path / "all")
    packets = referral_packets(case, tables)
    assert len(packets) > 1 and sorted(index["province"]) == sorted(packets)
    stems = dict(zip(index["province"], index["csv"].str.removesuffix(".csv")))
    for name, sections in packets.items():
        own = tmp_path / "own" / stems[name]
        write_packet_csv(sections, own.with_suffix(".csv"))
        assert (tmp_path / "all" / f"{stems[name]}.csv").read_bytes() == own.with_suffix(".csv").read_bytes()
        write_packet_xlsx(sections, own.with_suffix(".xlsx"))
        assert _sheets(tmp_path / "all" / f"{stems[name]}.xlsx") == _sheets(own.with_suffix(".xlsx"))
        # the summary's tables from rows made over every packet, and from the packet's own
        html = packet_html(name, sections, case, masked=True, stem=stems[name])
        assert (tmp_path / "all" / f"{stems[name]}.html").read_text(encoding="utf-8") == html


def _sheets(path) -> dict[str, bytes]:
    """An XLSX's parts, the time it was written left out."""
    with zipfile.ZipFile(path) as archive:
        return {name: re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"", archive.read(name))
                for name in archive.namelist()}


def test_questions_asked_side_by_side_answer_as_one_after_the_other(analysed_case):
    case, side_by_side = analysed_case("small", 4)  # analysed by the memory engine, two questions at once
    one_at_a_time = MemoryEngine(case)
    one_at_a_time.questions_at_once = 1
    for name, table in analyze(one_at_a_time).items():
        pd.testing.assert_frame_equal(side_by_side[name], table, obj=name)


class Meeting(MemoryEngine):
    """Gang evidence and flow patterns each wait for the other to be asked too."""

    def __init__(self, case, meeting: threading.Barrier) -> None:
        super().__init__(case)
        self.meeting = meeting

    def gang_evidence(self):
        self.meeting.wait()
        return super().gang_evidence()

    def flow_patterns(self):
        self.meeting.wait()
        return super().flow_patterns()


def test_the_memory_engine_asks_the_longest_questions_side_by_side(generated_case):
    # One after the other, the first of the two would wait for the second in vain: the barrier
    # breaks after its timeout and analyze fails.
    meeting = threading.Barrier(2, timeout=30)
    tables = analyze(Meeting(load_case(generated_case("tiny", 1).folder), meeting))
    assert not meeting.broken and len(tables["communities"])


def test_a_run_that_fails_fails_them_all_and_the_runs_not_started_are_not():
    started, b_started, b_may_end = [], threading.Event(), threading.Event()

    def a():
        started.append("a")
        b_started.wait(10)
        raise ValueError("a failed")

    def b():
        started.append("b")
        b_started.set()
        b_may_end.wait(10)  # still running when a fails (the timer below: half a second on)
        return "b"

    runs = {"a": a, "b": b, **{f"later{i}": (lambda i=i: started.append(f"later{i}")) for i in range(5)}}
    threading.Timer(0.5, b_may_end.set).start()
    with pytest.raises(ValueError, match="a failed"):
        run_side_by_side(runs, at_once=2)
    assert sorted(started) == ["a", "b"]
