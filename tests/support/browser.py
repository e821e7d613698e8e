"""Real Chromium through Playwright, pointed at the session's live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.support import PASSWORD, need

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium():
    need(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, live_server, request):
    """new_page(locale='en') -> a page in a fresh browser context pointed at the live server."""
    contexts = []

    def make(locale: str = "en", viewport=None):
        context = chromium.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=viewport or {"width": 1200, "height": 800},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form like a person."""
    page.goto("/auth/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/auth/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")
