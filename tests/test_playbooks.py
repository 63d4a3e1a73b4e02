"""The playbook library as data: headers, parameters, search, the command line without a
server. Running every playbook on the seed case is in tests/integration/test_playbooks.py."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from casegraph.cli import main
from casegraph.queries.playbooks import PLAYBOOK_DIR, PlaybookError, library, parse_playbook, playbook, search

REQUIRED = {"vendor_chain", "agent_tree", "person_profile", "accounts_sharing_device_or_ip", "fund_flow_paths",
            "platform_money_flow", "account_group_self_trades", "agent_clients_over_net_deposit",
            "gangs_by_province", "agents_rebate_mismatch"}


def cli(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    captured = capsys.readouterr()
    return done.value.code, captured.out, captured.err


def test_the_library_holds_every_required_playbook_with_unique_ids():
    books = library()
    assert {b.name for b in books} >= REQUIRED
    assert len({b.header.id for b in books}) == len(books) == len({b.name for b in books})


@pytest.mark.parametrize("book", library(), ids=lambda b: b.name)
def test_header_matches_the_query(book):
    body = "\n".join(line for line in book.query.splitlines() if not line.lstrip().startswith("//"))
    used = set(re.findall(r"\$(\w+)", body))
    assert used == set(book.header.params), "every parameter declared and used, nothing else"
    hinted = re.findall(r"^// Browser: :param (\w+) => ", book.query, flags=re.M)
    assert sorted(hinted) == sorted(book.header.params), "a Browser :param line per parameter"
    returned = re.search(r"\bRETURN\b(?![\s\S]*\bRETURN\b)([\s\S]*?)(\bORDER BY\b|;|$)", body).group(1)
    aliases = re.findall(r"\bAS (\w+)\s*(?:,|$)", returned) + re.findall(r"(?:^|,)\s*(\w+)\s*(?=,|$)", returned)
    assert set(book.header.columns) <= set(aliases) | set(returned.replace(",", " ").split())
    assert book.header.description.en and re.search(r"[\u4e00-\u9fff]", book.header.description.zh)
    assert book.query.rstrip().endswith(";"), "cypher-shell needs the statement terminated"
    for param in book.header.params.values():
        assert param.example is not None and param.description


def test_parameters_are_converted_to_their_declared_types_or_refused():
    book = playbook("agent_clients_over_net_deposit")
    bound = book.bind({"agent_id": "A1", "min_net_deposit_fen": "10_000_000", "include_downline": "yes"})
    assert bound == {"agent_id": "A1", "min_net_deposit_fen": 10_000_000, "include_downline": True}
    assert book.bind({"agent_id": "A1", "min_net_deposit_fen": 5})["include_downline"] is False
    with pytest.raises(PlaybookError, match="must be an integer"):
        book.bind({"agent_id": "A1", "min_net_deposit_fen": "lots"})
    with pytest.raises(PlaybookError, match="missing parameter min_net_deposit_fen"):
        book.bind({"agent_id": "A1"})
    with pytest.raises(PlaybookError, match="unknown parameter"):
        book.bind({"agent_id": "A1", "min_net_deposit_fen": 1, "DETACH": "x"})
    # A string parameter keeps whatever text it is given: it is sent as a value.
    assert playbook("vendor_chain").bind({"vendor_id": "x' OR 1=1 //"}) == {"vendor_id": "x' OR 1=1 //"}


def test_a_bad_header_names_the_file(tmp_path):
    bad = tmp_path / "broken.cypher"
    bad.write_text("// Broken\n// id: X\n// name: broken\nRETURN 1;\n", encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"broken\.cypher: bad header"):
        parse_playbook(bad)
    misnamed = tmp_path / "other.cypher"
    misnamed.write_text((PLAYBOOK_DIR / "vendor_chain.cypher").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(PlaybookError, match="named after the playbook"):
        parse_playbook(misnamed)


def test_search_finds_by_word_in_either_language_and_by_category():
    assert [b.name for b in search("返佣")] == ["agents_rebate_mismatch"]
    assert {b.name for b in search("DEVICE")} >= {"accounts_sharing_device_or_ip", "person_profile"}
    assert {b.name for b in search(category="money")} == {"fund_flow_paths", "platform_money_flow", "money_trace",
                                                        "account_counterparties"}
    assert search("no such word anywhere") == []


def test_cli_lists_shows_and_exports(capsys, tmp_path):
    code, out, _ = cli(capsys, "playbook", "list", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and {row["name"] for row in listed} == {b.name for b in library()}
    code, out, _ = cli(capsys, "playbook", "list", "--category", "gangs", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("CG-GANG-01,gangs_by_province,gangs")
    code, out, _ = cli(capsys, "playbook", "show", "fund_flow_paths")
    assert code == 0 and out == (PLAYBOOK_DIR / "fund_flow_paths.cypher").read_text(encoding="utf-8")
    code, out, _ = cli(capsys, "playbook", "export", "--out", str(tmp_path / "favourites.zip"))
    with zipfile.ZipFile(tmp_path / "favourites.zip") as archive:
        names = archive.namelist()
        assert "casegraph money/fund_flow_paths.cypher" in names and len(names) == len(library())
        assert archive.read("casegraph chain/vendor_chain.cypher").decode("utf-8") == playbook("vendor_chain").query


def test_cli_usage_errors_exit_2_before_connecting(capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")  # would be exit 3 if it connected
    code, _, err = cli(capsys, "playbook", "run", "no_such_playbook")
    assert code == 2 and "no playbook named 'no_such_playbook'" in err
    code, _, err = cli(capsys, "playbook", "run", "agent_tree")
    assert code == 2 and "missing parameter agent_id" in err
    code, _, err = cli(capsys, "playbook", "run", "agent_tree", "-p", "agent_id")
    assert code == 2 and "key=value" in err


def test_cli_unreachable_server_exits_3(capsys, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    monkeypatch.setenv("NEO4J_PASSWORD", "unused")
    code, _, err = cli(capsys, "playbook", "run", "vendor_chain", "-p", "vendor_id=V001")
    assert code == 3 and "bolt://127.0.0.1:1 is unreachable" in err and "unused" not in err
