"""Neo4j Browser (served by the server at http://HOST:7474/browser/) in headless Chromium: the
favourites zip of `casegraph playbook export` imports, and a playbook run from it, after its
`// Browser: :param` lines, shows the rows the case gives.

The zip goes through Browser's own import: this Browser (5.x) imports a zip dropped on its
window (its FileDrop handler reads the zip, one favourite per .cypher file, one folder per
directory). Headless Chromium has no mouse to drag a file with, so the test hands the zip to
a file input (a real file, read by the browser) and dispatches the drag-and-drop events with
that file on the drop zone, as the browser does for a drag; everything after the drop is
Browser's code. Needs tests/browsers.py's Chromium and a running Neo4j; loads a tiny case,
replacing the database, like the other integration tests (run them under flock /tmp/neo4j.lock).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd
import pytest
from browsers import artifact, launch_chromium, unavailable

from casegraph.cli import main
from casegraph.generator import generate_case
from casegraph.loaders.case import load_case
from casegraph.loaders.neo4j import load_into_neo4j
from casegraph.queries.memory.engine import analyze_case
from casegraph.queries.playbooks import library, playbook
from casegraph.server import http_port

pytestmark = pytest.mark.browser
PLAYBOOK = "agent_tree"
WAIT = 30  # seconds for Browser to connect, import or answer
DROP_FILE = """
const [input, target] = arguments;
const transfer = new DataTransfer();
transfer.items.add(input.files[0]);
for (const type of ['dragenter', 'dragover', 'drop'])
    target.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
"""


@pytest.fixture(scope="module")
def tiny_case(tmp_path_factory, neo4j_driver):
    """A tiny generated case loaded into Neo4j (the database replaced) and analysed in memory."""
    folder = tmp_path_factory.mktemp("tiny") / "case"
    generate_case(folder, scale="tiny", seed=3)
    case = load_case(folder)
    load_into_neo4j(neo4j_driver, case, replace=True)
    return case, analyze_case(case)


@pytest.fixture(scope="module")
def neo4j_browser(tmp_path_factory, neo4j_settings):
    """Chromium on Neo4j Browser, logged in to the test server."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.wait import WebDriverWait

    uri = urlsplit(neo4j_settings.uri)
    driver = launch_chromium(tmp_path_factory.mktemp("browser-profile"), width=1400, height=1000)
    try:
        address = f"{uri.hostname}:{http_port()}"  # CASEGRAPH_NEO4J_HTTP_PORT, 7474 by default
        driver.get(f"http://{address}/browser/")
        wait = WebDriverWait(driver, WAIT)
        wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=connect]")))
    except WebDriverException as exc:
        driver.quit()
        unavailable(f"Neo4j Browser not served at {address}: {exc.msg}")
    for field, text in (("boltaddress", uri.netloc), ("username", neo4j_settings.user),
                        ("password", neo4j_settings.password or "")):
        typed(driver.find_element(By.CSS_SELECTOR, f"[data-testid={field}]"), text)
    driver.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click()
    wait.until(seen.invisibility_of_element_located((By.CSS_SELECTOR, "[data-testid=disconnectedBanner]")))
    yield driver
    driver.quit()


def typed(element, text: str) -> None:
    """Replace an input's text as a user would (React ignores values set from script)."""
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def run_cli(*argv) -> int:
    with pytest.raises(SystemExit) as done:
        main([str(a) for a in argv])
    return done.value.code


def downline(agents: pd.DataFrame, root: str) -> set[str]:
    """The agent and every agent below it, from agents.csv's parent column."""
    below, found = {root}, {root}
    while found:
        found = set(agents.loc[agents["parent_agent_id"].isin(found), "agent_id"]) - below
        below |= found
    return below


def run_in_editor(driver, command: str) -> None:
    """Type a command into Browser's editor and run it, as a user does."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "[data-testid=activeEditor]").click()
    ActionChains(driver).send_keys(command).perform()
    driver.find_element(By.CSS_SELECTOR, "[data-testid=editor-Run]").click()


def newest_frame(driver) -> dict:
    """The command, column names and cell texts of the stream's newest frame (the top one)."""
    return driver.execute_script("""
        const frame = document.querySelector('[data-testid=stream] [data-testid=frame]');
        const texts = cells => Array.from(cells).map(cell => cell.textContent.trim());
        return {command: frame.querySelector('[data-testid=frameCommand]').textContent,
                text: frame.textContent,
                columns: texts(frame.querySelectorAll('thead th')).filter(Boolean),
                rows: Array.from(frame.querySelectorAll('tbody tr'))
                           .map(row => texts(row.querySelectorAll('td[role=cell]')))};
        """)


def test_favourites_zip_imports_and_a_playbook_runs_from_it(neo4j_browser, tiny_case, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    driver, wait = neo4j_browser, WebDriverWait(neo4j_browser, WAIT)
    case, tables = tiny_case
    book = playbook(PLAYBOOK)
    archive = tmp_path / "casegraph-playbooks.zip"
    assert run_cli("playbook", "export", "--out", archive) == 0
    try:
        upload = driver.execute_script("const input = document.createElement('input'); input.type = 'file';"
                                       "document.body.appendChild(input); return input;")
        upload.send_keys(str(archive))
        driver.execute_script(DROP_FILE, upload, driver.find_element(By.CSS_SELECTOR, ".filedrop"))
        driver.execute_script("arguments[0].remove()", upload)

        # One folder per category, each playbook a favourite named by its title, its text whole.
        driver.find_element(By.CSS_SELECTOR, "button[name=Favorites]").click()
        folder = f"casegraph {book.header.category}"
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-testid='expandFolder-{folder}']"))
        folders = {e.get_attribute("data-testid").split("-", 1)[1]
                   for e in driver.find_elements(By.CSS_SELECTOR, "[data-testid^='savedScriptsFolder-casegraph ']")}
        assert folders == {f"casegraph {b.header.category}" for b in library()}
        # Browser keeps favourites in localStorage, written a moment after its state changes.
        texts = {b.query for b in library()}
        wait.until(lambda d: texts <= set(d.execute_script(
            "return JSON.parse(localStorage.getItem('neo4j.documents')).map(f => f.content)")),
            "the favourites' texts differ from the playbooks' files")
        driver.find_element(By.CSS_SELECTOR, f"[data-testid='expandFolder-{folder}']").click()
        title = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"[data-testid='scriptTitle-{book.title}']"))

        # Its :param lines, then the favourite itself from its Run button.
        params = re.findall(r"^// Browser: (:param .+)$", book.query, flags=re.MULTILINE)
        assert params == [":param agent_id => 'A00001'"]
        for command in params:
            run_in_editor(driver, command)
            wait.until(lambda d, command=command: newest_frame(d)["command"] == command
                       and "Successfully set your parameters" in newest_frame(d)["text"])
        item = title.find_element(By.XPATH, "ancestor::*[@data-testid='savedScriptListItem']")
        ActionChains(driver).move_to_element(item).perform()
        item.find_element(By.CSS_SELECTOR, "[data-testid=savedScriptsButton-Run]").click()
        wait.until(lambda d: newest_frame(d)["command"].startswith(f"// {book.title}") and newest_frame(d)["rows"])
        shown = newest_frame(driver)
    finally:
        driver.save_screenshot(str(artifact("neo4j-browser-playbook.png")))

    assert shown["columns"] == book.header.columns
    rows = pd.DataFrame(shown["rows"], columns=shown["columns"])
    assert set(rows["agent_id"].str.strip('"')) == downline(case["agents"], "A00001")
    totals = tables["totals"].set_index("node_id")
    assert int(rows.iloc[0]["subtree_n_clients"]) == totals.loc["A00001", "subtree_n_clients"] > 0
    assert int(rows.iloc[0]["subtree_deposits_fen"]) == totals.loc["A00001", "subtree_deposits"]
