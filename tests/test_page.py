"""The chat page in a real headless Chromium (Debian's), against a real Gunicorn."""
from __future__ import annotations

import pytest

from chromium import SCREENSHOTS, open_page
from conftest import Gunicorn

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture()
def page(browser, live_server):
    yield from open_page(browser, live_server)


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
    # The model in plain words; its technical name only in the tooltip.
    sync_api.expect(page.locator("#model-status")).to_have_text("模型：内置模型 · 情感（负面 / 正面）")
    assert page.locator("#model-status").get_attribute("title").startswith("bundled: ")
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
    # The page cuts an over-long text itself (test_staff_page), so the request is changed on its way out
    # to send one the server refuses.
    import json

    page.route("**/api/sentiment", lambda route: route.continue_(post_data=json.dumps({"text": "好" * 5001})))
    page.fill("#input", "好")
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


MIXED_REVIEW = ("菜很好吃，份量也足，服务员很热情，环境干净整洁。\r\n"
                "不过最后发现里面有根头发，恶心死了，再也不会点了！")


def test_a_mixed_review_shows_its_sentences_tinted_and_says_so(page):
    page.fill("#input", MIXED_REVIEW)
    page.press("#input", "Enter")
    answer = bot_bubbles(page).last
    sync_api.expect(answer.locator(".mixed-line")).to_contain_text("褒贬不一")
    sync_api.expect(answer.locator(".mixed-line")).to_contain_text("最后一句是负面")
    last = answer.locator(".reading .sentence").last
    sync_api.expect(last).to_have_text("不过最后发现里面有根头发，恶心死了，再也不会点了！")
    assert "Negative" in last.get_attribute("class")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # a long review on a phone
    sync_api.expect(answer.locator(".reading .sentence.Positive")).to_have_count(1)
    answer.locator("details.sentences summary").click()
    sync_api.expect(answer.locator("details.sentences li")).to_have_count(2)


def test_an_emoji_before_the_deciding_word_does_not_shift_its_mark(page):
    page.fill("#input", "😀😀这家店的包子真难吃")
    page.press("#input", "Enter")
    answer = bot_bubbles(page).last
    sync_api.expect(answer.locator(".reading mark").first).to_contain_text("难")
    sync_api.expect(answer.locator(".reading")).to_have_text("😀😀这家店的包子真难吃")  # nothing lost or doubled
    # At phone width (open_page's 390 px) the marked text, its chips and bars fit without sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = answer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_a_600_character_review_shows_its_last_sentence_as_the_complaint(page):
    from test_sentences import LONG_REVIEW

    page.fill("#input", LONG_REVIEW)
    page.press("#input", "Enter")
    answer = bot_bubbles(page).last
    sync_api.expect(answer.locator(".mixed-line")).to_contain_text("最后一句是负面", timeout=20000)
    assert answer.locator(".reading mark").count() == 0  # a long text is not explained word by word
    last = answer.locator(".reading .sentence").last
    sync_api.expect(last).to_have_text("不过最后发现里面有根头发，恶心死了，再也不会点了。")
    assert "Negative" in last.get_attribute("class")
