"""The tests' real browser: Debian's Chromium, headless, driven by Playwright, and a page in it that
may reach only the server under test (the ``browser`` fixture is in ``conftest.py``)."""
from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def open_page(browser, live_server, accept_confirms: bool = False):
    """A phone-sized page that may reach only the server; an alert (user text run as script) fails the test,
    and so does any dialog but the confirms a test expects."""
    context = browser.new_context(viewport={"width": 390, "height": 800})  # a phone
    page = context.new_page()
    outside = []

    def only_local(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    dialogs = []

    def on_dialog(dialog):
        if accept_confirms and dialog.type == "confirm":
            dialog.accept()
        else:
            dialogs.append(dialog.message)
            dialog.dismiss()

    page.on("dialog", on_dialog)
    # Script errors and what the browser refused (a Content-Security-Policy violation is a console error);
    # an answer with an error status is the API's to give, and the tests check how the page shows it.
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and problems.append(message.text))
    page.goto(live_server.url + "/")
    yield page
    assert outside == [], f"the page asked for outside resources: {outside}"
    assert dialogs == [], f"a script ran from user text: {dialogs}"
    assert problems == [], f"errors in the page's console: {problems}"
    context.close()
