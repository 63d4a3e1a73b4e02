"""The HTML referral packets in a real browser (headless Chromium, tests/browsers.py): they
fit a 1280-px screen, their Chinese text is drawn by a CJK font (not tofu), and the chain
diagram's labels stay inside their boxes. Screenshots are kept in tests/artifacts/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from browsers import artifact, chromium  # noqa: F401 - chromium is a fixture

from casegraph.loaders.case import load_case
from casegraph.outputs.packets import write_referrals
from casegraph.queries.memory.engine import analyze_case

pytestmark = pytest.mark.browser
WIDTH = 1280
# A plain case, and one whose gangs run several platforms (longer lists in the gangs table)
# with long domains and gang names (longer than the diagram's boxes hold).
CASES = [("tiny", 3, ()), ("tiny", 3, ("multi_platform_gangs",))]
HAN = re.compile(r"[\u4e00-\u9fff]")


def case_name(spec: tuple) -> str:
    scale, seed, variants = spec
    return "-".join(map(str, (scale, seed, *variants)))


def with_long_names(folder: Path, copy: Path) -> Path:
    """A copy of a case whose platforms' domains and known gangs' names are long."""
    shutil.copytree(folder, copy)
    for table, column, longer in (("platforms", "domain", lambda t: "www.zhongshenghuanqiu" + t.str[4:]),
                                  ("gangs", "name", lambda t: "浙江省杭州市西湖区" + t)):
        rows = pd.read_csv(copy / f"{table}.csv", dtype=str, keep_default_na=False)
        rows[column] = longer(rows[column])
        rows.to_csv(copy / f"{table}.csv", index=False)
    return copy


@pytest.fixture(scope="module", params=CASES, ids=case_name)
def packets(request, generated_case, analysed_case, tmp_path_factory):
    """The HTML packets of an analysed generated case: ``[(name, path)]``."""
    scale, seed, variants = request.param
    if variants:
        case = load_case(with_long_names(generated_case(*request.param).folder, tmp_path_factory.mktemp("long") / "c"))
        tables = analyze_case(case)
    else:
        case, tables = analysed_case(*request.param)
    out = tmp_path_factory.mktemp("referrals")
    index = write_referrals(case, tables, out)
    return [(f"{case_name(request.param)}-{stem[:-5]}", out / stem) for stem in index["html"]]


def test_every_packet_fits_a_1280_px_screen(chromium, packets):  # noqa: F811
    assert chromium.execute_script("return window.innerWidth") == WIDTH
    for name, path in packets:
        chromium.get(path.as_uri())
        viewport = chromium.execute_script("return document.documentElement.clientWidth")
        page = chromium.execute_script("return document.documentElement.scrollWidth")
        beyond = chromium.execute_script(
            "return Array.from(document.body.querySelectorAll('*'))"
            ".filter(e => e.getBoundingClientRect().right > arguments[0] + 0.5)"
            ".map(e => e.tagName + ' ' + e.textContent.slice(0, 40))", viewport)
        if path == packets[0][1]:
            chromium.save_screenshot(str(artifact(f"packet-{name}.png")))
        assert page <= viewport and not beyond, f"{name}: page {page} px wide in {viewport} px; beyond: {beyond[:5]}"


def rendered_fonts(driver, selector: str) -> dict[str, int]:
    """The fonts Chromium drew the text of the first ``selector`` element with: family -> glyphs."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, selector
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return {font["familyName"]: font["glyphCount"] for font in fonts}


def test_chinese_text_is_drawn_with_a_cjk_font(chromium, packets):  # noqa: F811
    name, path = packets[0]
    chromium.get(path.as_uri())
    heading = chromium.find_element("css selector", "h1").text
    assert heading.startswith("线索移送") and chromium.title == heading
    han = len(HAN.findall(heading))
    fonts = rendered_fonts(chromium, "h1")
    cjk = sum(glyphs for family, glyphs in fonts.items() if "CJK" in family)
    assert cjk >= han, f"{name}: the heading's {han} Chinese characters drawn with {fonts} (fonts-noto-cjk installed?)"


def test_chain_diagram_is_readable(chromium, packets):  # noqa: F811
    """Every box's two labels lie inside the box, boxes do not overlap, the text is at least
    11 px, the diagram fits the page and shows every licence; its screenshot is kept."""
    for name, path in packets:
        chromium.get(path.as_uri())
        diagram = chromium.find_element("css selector", "svg[aria-label=chain]")
        boxes = chromium.execute_script("""
            const box = r => { const b = r.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
            return Array.from(arguments[0].querySelectorAll('rect')).map(rect => {
                const labels = [rect.nextElementSibling, rect.nextElementSibling.nextElementSibling];
                return {box: box(rect), labels: labels.map(t => ({text: t.textContent, box: box(t),
                        size: parseFloat(getComputedStyle(t).fontSize)}))};
            });""", diagram)
        if path == packets[0][1]:
            diagram.screenshot(str(artifact(f"chain-{name}.png")))
        licences = chromium.execute_script(  # the evidence tables' licence rows: evidence, vendor, licence id
            "return Array.from(document.querySelectorAll('tr')).map(r => r.cells)"
            ".filter(c => c[0].textContent === 'licence').map(c => c[2].textContent)")
        drawn = {each["labels"][0]["text"].split(" · ")[0] for each in boxes}
        assert licences and set(licences) <= drawn, f"{name}: licences {set(licences) - drawn} not drawn"
        assert diagram.rect["x"] + diagram.rect["width"] <= WIDTH
        for i, each in enumerate(boxes):
            left, top, right, bottom = each["box"]
            for label in each["labels"]:
                l_left, l_top, l_right, l_bottom = label["box"]
                assert label["size"] >= 11, (name, label)
                assert left <= l_left and l_right <= right and top <= l_top and l_bottom <= bottom, \
                    f"{name}: label {label['text']!r} {label['box']} outside its box {each['box']}"
            for other in boxes[i + 1:]:
                o_left, o_top, o_right, o_bottom = other["box"]
                assert right <= o_left or o_right <= left or bottom <= o_top or o_bottom <= top, \
                    f"{name}: boxes {each['labels'][0]['text']!r} and {other['labels'][0]['text']!r} overlap"
