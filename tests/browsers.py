"""Headless Chromium for the browser tests: Debian's ``chromium`` and ``chromium-driver``
packages driven by Selenium, nothing downloaded at run time (the driver's path is given, so
Selenium Manager is never asked). Without them the tests skip, except where they are required
(``CI`` or ``CASEGRAPH_REQUIRE_BROWSER`` set and non-empty): there they fail.

>>> def test_example(chromium):                          # doctest: +SKIP
...     chromium.get("file:///tmp/page.html")
...     chromium.save_screenshot(str(artifact("page.png")))
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CASEGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CASEGRAPH_CHROMEDRIVER", "/usr/bin/chromedriver")
# Screenshots the tests keep for a person to look at (git-ignored).
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# A closed network: no background requests, no component updates, a profile of its own.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=zh-CN")


def tools_required() -> bool:
    """True where a missing browser or office tool is a failure, not a skip (CI)."""
    return any(os.environ.get(name, "").strip() for name in ("CI", "CASEGRAPH_REQUIRE_BROWSER"))


def unavailable(reason: str) -> None:
    """Fail where the tools are required, else skip with ``reason``."""
    if tools_required():
        pytest.fail(f"required in CI (CI / CASEGRAPH_REQUIRE_BROWSER set) but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def artifact(name: str) -> Path:
    """A path in tests/artifacts/ for a file kept after the test (a screenshot)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def launch_chromium(profile: Path, *, width: int = 1280, height: int = 900):
    """A Selenium driver of headless Chromium with a fresh profile in ``profile``, its
    window ``width`` × ``height`` CSS pixels (the layout viewport of the pages it opens)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        unavailable(f"selenium is not installed (pip install -e '.[test]'): {exc}")
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(tool):
            unavailable(f"{tool} not found: apt-get install chromium chromium-driver fonts-noto-cjk (make test-deps)")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager, were it ever asked, downloads nothing
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    # --window-size sets the outer window; make the page's own viewport exactly width × height.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    return driver


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One headless Chromium per test module, 1280 × 900."""
    driver = launch_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()
