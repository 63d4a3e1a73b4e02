"""Reading a case reports its steps through casegraph.progress (issue 11 item 4), not tqdm."""

from __future__ import annotations

import io

from casebuilder import minimal_case, write_case

from casegraph.loaders.case import load_case, read_case
from casegraph.loaders.tables import TABLES
from casegraph.progress import Progress


def test_reading_logs_one_plain_line_per_step_when_not_on_a_terminal(tmp_path):
    stream = io.StringIO()
    case, problems = read_case(write_case(tmp_path / "case", minimal_case()), progress=Progress(stream=stream))
    assert case is not None and not problems
    lines = stream.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"reading {len(TABLES)} tables",
                                                      "checking the rules across tables"]
    assert "\r" not in stream.getvalue()


def test_quiet_progress_and_the_default_show_nothing(tmp_path, capsys):
    folder = write_case(tmp_path / "case", minimal_case())
    load_case(folder)
    load_case(folder, progress=Progress(quiet=True))
    assert capsys.readouterr().err == ""
