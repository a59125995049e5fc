"""Fixtures of the browser journeys: one platform started as processes for every journey file of the
session (as ``./slrt up`` starts it), Chromium through Playwright, and a fresh browser profile per test.

Journeys share the platform, so a test never assumes an empty queue: it finds its own cases by id or
receipt number.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slrt_platform.platform import Platform, running_platform
from slrt_web.testing import ARGS, CHROMIUM


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    if CHROMIUM is None:
        pytest.skip("chromium not found (/usr/bin/chromium); .ci/run installs it with apt-get")
    with running_platform(tmp_path_factory.mktemp("web") / "var") as p:
        yield p


@pytest.fixture(scope="module")
def chromium(platform: Platform) -> Iterator[Any]:
    # Per journey file, not per session: Playwright's sync API runs an event loop on this thread
    # while it is open, and the asyncio tests collected after these files could not run their own.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    """A fresh browser profile per journey (no cookies, no storage)."""
    context = chromium.new_context(viewport={"width": 1100, "height": 900}, locale="id-ID")
    yield context
    context.close()
