"""The chat page in a real headless Chromium (Debian's), against a real Gunicorn."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import Gunicorn

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, live_server):
    yield from open_page(browser, live_server)


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


def bot_bubbles(page):
    return page.locator(".bubble.bot:not(.pending)")


def test_type_enter_and_see_the_answer(page):
    page.fill("#input", "这个东西真心很赞")
    page.press("#input", "Enter")
    answer = bot_bubbles(page).last
    sync_api.expect(answer).to_contain_text("正面")
    sync_api.expect(page.locator(".bubble.user").last).to_have_text("这个东西真心很赞")
    assert page.locator(".score.winner .bar > span").last.evaluate("e => parseFloat(e.style.width)") > 50
    sync_api.expect(answer.locator(".score")).to_have_count(2)  # a bar for each of 负面 and 正面
    sync_api.expect(page.locator("#model-status")).to_contain_text("bundled: ")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chat-phone.png"), full_page=True)

    page.fill("#input", "质量太差了，再也不买了")
    page.click("#send")
    sync_api.expect(bot_bubbles(page)).to_have_count(2)
    sync_api.expect(bot_bubbles(page).last).to_contain_text("负面")
    assert page.input_value("#input") == ""


def test_html_in_user_text_is_shown_as_text(page):
    payload = '<img src=x onerror="alert(1)"><b>好评</b>'
    page.fill("#input", payload)
    page.press("#input", "Enter")
    sync_api.expect(bot_bubbles(page)).to_have_count(1)
    sync_api.expect(page.locator(".bubble.user").last).to_have_text(payload)
    assert page.locator("#log img").count() == 0 and page.locator("#log b").count() == 0


def test_example_chip_clear_history_and_inline_error(page):
    page.locator(".chip").first.click()
    sync_api.expect(bot_bubbles(page)).to_have_count(1)
    page.reload()  # history survives a reload
    sync_api.expect(bot_bubbles(page)).to_have_count(1)
    page.click("#clear")
    sync_api.expect(page.locator(".bubble")).to_have_count(0)
    sync_api.expect(page.locator("#empty-hint")).to_be_visible()
    page.reload()
    sync_api.expect(page.locator(".bubble")).to_have_count(0)

    page.fill("#input", "   ")
    page.press("#input", "Enter")
    sync_api.expect(page.locator(".bubble.error")).to_contain_text("请输入")


def test_server_errors_show_inline_in_chinese(page, live_server):
    # The textarea caps typing at the limit, so send an over-long text the way a paste via script would.
    page.evaluate("document.getElementById('input').removeAttribute('maxlength')")
    page.fill("#input", "好" * 5001)
    page.press("#input", "Enter")
    sync_api.expect(page.locator(".bubble.error")).to_contain_text("上限是 5000 字")


@pytest.fixture(scope="module")
def emotion_server(tmp_path_factory):
    server = Gunicorn(tmp_path_factory.mktemp("emotion") / "log.txt", SENTIMENT_MODEL="bundled-emotion",
                      WEB_CONCURRENCY="1")
    try:
        server.wait_ready(workers=1)
        yield server
    finally:
        server.stop()


def test_emotion_model_shows_its_emoji_and_a_bar_for_each_of_six_labels(browser, emotion_server):
    for page in open_page(browser, emotion_server):
        sync_api.expect(page.locator("#model-status")).to_contain_text("愤怒 / 恐惧 / 高兴 / 无情绪 / 悲伤 / 惊讶")
        page.fill("#input", "今天收到了录取通知书，太开心了！")
        page.press("#input", "Enter")
        answer = bot_bubbles(page).last
        sync_api.expect(answer.locator(".label")).to_have_text("高兴")
        sync_api.expect(answer.locator(".emoji")).to_have_text("😄")
        sync_api.expect(answer.locator(".score")).to_have_count(6)
        widths = answer.locator(".bar > span").evaluate_all("spans => spans.map(s => parseFloat(s.style.width))")
        assert widths == sorted(widths, reverse=True) and abs(sum(widths) - 100) < 1
        page.screenshot(path=str(SCREENSHOTS / "chat-emotion.png"), full_page=True)
