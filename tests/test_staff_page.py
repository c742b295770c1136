"""Issue 25, "staff first": the page as a clerk meets it, in a real headless Chromium against a real Gunicorn,
at a phone's width (and a desktop's where the layout differs). The text column is the one that reads like
a review and is shown before anything runs; a workbook keeps its numbers and sheet name; downloads speak
Chinese; 自定义分类 opens in a mode that works and says nothing meant for developers; a taught classifier
says 其他; swapped columns and a taken name are fixed with one button; a cut text says so; the page never
shows an English model name; nothing wraps or overflows that should not."""
from __future__ import annotations

import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from chromium import SCREENSHOTS, open_page
from conftest import NO_ZERO_SHOT, ROOT, Gunicorn
from test_bulk_page import REVIEWS, job_server  # noqa: F401  (Gunicorn whose page sends files above 2,000 bytes to /api/jobs)
from test_custom_api import ROUTING, examples

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
# What staff must not read (a `title` tooltip may hold it): model ids and families, the API's machine words,
# commands and settings, and the words the page used before.
TECHNICAL = ("bundled", "bigru", "e5", "ngram", "n-gram", "structbert", "multilingual", "taught:", "python -m",
             "sentiment_", "download", "零样本", "交叉验证", "error 列")
OFF_TOPIC = "东西不错，下次还来"
ORDERS = [("A1000", "快递很快，包装也很严实，东西和描述的一样，好评", 5, 38.5),
          ("A1001", "质量太差了，用了两天就坏了，再也不买了", 1, 120),
          ("A1002", "客服态度很好，耐心解答了我的问题", 4, 66.8),
          ("A1003", "颜色和图片差别很大，有点失望", 2, 19.9),
          ("A1004", "性价比很高，推荐大家购买", 5, 99),
          ("A1005", "物流太慢了，等了一个星期才到", 2, 45.5)]


def server(tmp_path_factory, name: str, **env: str):
    folder = tmp_path_factory.mktemp(name)
    running = Gunicorn(folder / "log.txt", **{"SENTIMENT_MODEL": "bundled-lite", "WEB_CONCURRENCY": "1",
                                              "SENTIMENT_ZERO_SHOT_MODEL": NO_ZERO_SHOT,
                                              "SENTIMENT_DATA_DIR": str(folder / "data"), **env})
    try:
        running.wait_ready(workers=1)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    """No classifiers and no model for 直接用标签: what a new shop's service starts as without the e5 encoder."""
    yield from server(tmp_path_factory, "fresh")


@pytest.fixture(scope="module")
def zero_shot_server(tmp_path_factory):
    """The shipped default: the bundled e5 encoder answers typed labels."""
    yield from server(tmp_path_factory, "zero-shot", SENTIMENT_E5_ZERO_SHOT_DIR=str(ROOT / "models" / "e5-zero-shot"))


@pytest.fixture(scope="module")
def emotion_server(tmp_path_factory):
    yield from server(tmp_path_factory, "emotion", SENTIMENT_MODEL="bundled-fast-emotion")


@pytest.fixture()
def page(browser, live_server):
    yield from open_page(browser, live_server)


def call(server, path, body=None, method=None):
    request = urllib.request.Request(server.url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method=method)
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def teach_by_api(server, name):
    call(server, "/api/classifiers", {"name": name, "examples": examples(), "replace": True})
    return next(c for c in call(server, "/api/classifiers")["classifiers"] if c["name"] == name)


def shown_text(page) -> str:
    """Everything the page shows as text, the options of its lists too (not the tooltips)."""
    return page.evaluate("() => document.body.innerText + '\\n' + Array.from(document.querySelectorAll('option'),"
                         " o => o.textContent).join('\\n')")


def assert_plain(page, where: str) -> None:
    text = shown_text(page).lower()
    found = [word for word in TECHNICAL if word.lower() in text]
    assert not found, f"{where}: staff read {found} in {text!r}"


def lines_of(locator) -> int:
    """How many lines an element's text takes."""
    return locator.evaluate("e => { const r = document.createRange(); r.selectNodeContents(e);"
                            " return new Set(Array.from(r.getClientRects(), x => Math.round(x.top))).size; }")


def fits_the_width(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the screen"


def downloaded(page, button) -> Path:
    with page.expect_download() as download:
        page.click(button)
    return Path(download.value.path())


def tagged_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


# ---- 1, 2, 3: the column that reads like a review, shown first; a workbook's numbers and sheet; Chinese headers.

def order_book(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "店铺评价"
    book.active.append(["订单号", "评价", "星级", "金额"])
    for row in ORDERS:
        book.active.append(list(row))
    book.save(path)
    return path


def test_an_order_export_tags_its_reviews_previews_them_and_keeps_numbers_and_the_sheet(page, tmp_path):
    from openpyxl import load_workbook

    page.click("#tab-bulk")
    page.set_input_files("#bulk-file", str(order_book(tmp_path / "订单.xlsx")))
    expect(page.locator("#bulk-column")).to_have_value("评价")  # not 订单号, the first column
    expect(page.locator("#bulk-preview-title")).to_have_text("“评价”列的前 5 行：")
    expect(page.locator("#bulk-preview-list li")).to_have_text([row[1] for row in ORDERS[:5]])
    fits_the_width(page)
    page.locator("#bulk-form").screenshot(path=str(SCREENSHOTS / "bulk-preview-phone.png"))
    page.select_option("#bulk-column", "订单号")  # the preview follows the choice
    expect(page.locator("#bulk-preview-list li")).to_have_text([row[0] for row in ORDERS[:5]])
    page.select_option("#bulk-column", "评价")
    with page.expect_request("**/api/sentiment") as sent:
        page.click("#bulk-start")
    assert json.loads(sent.value.post_data)["texts"] == [row[1] for row in ORDERS]
    expect(page.locator("#bulk-summary")).to_contain_text("共 6 行：已分析 6 行")
    expect(page.locator("#bulk-table tbody tr").first.locator("td.text")).to_have_text(ORDERS[0][1])
    with page.expect_request("**/api/table/xlsx") as sent:
        saved = downloaded(page, "#bulk-download")
    assert json.loads(sent.value.post_data)["sheet"] == "店铺评价"
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert sheet.title == "店铺评价"  # the same sheet name
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("订单号", "评价", "星级", "金额")
    assert values[0][4:11] == ("结果", "倾向", "置信度", "得分_负面", "得分_正面", "理由", "褒贬不一")
    assert "无法分析的原因" in values[0]
    assert [row[:4] for row in values[1:]] == [tuple(row) for row in ORDERS]  # 5 stays 5, 38.5 stays 38.5
    assert all(isinstance(row[2], int) and isinstance(row[3], (int, float)) for row in values[1:])
    assert [row[4] for row in values[1:]][:2] == ["正面", "负面"] and {row[5] for row in values[1:]} <= {"正面", "负面"}
    assert {row[10] for row in values[1:]} <= {"是", "否"} and all(isinstance(row[6], float) for row in values[1:])


def test_a_gbk_csv_over_a_megabyte_whose_column_is_评价_is_tagged_without_an_error_first(browser, job_server, tmp_path):  # noqa: F811
    rows = [(f"A{1000 + at}", f"{ORDERS[at % len(ORDERS)][1]}，第{at}单，" + "这次购物的整体体验还可以说一说" * 4, at % 5 + 1)
            for at in range(6500)]
    source = tmp_path / "订单导出.csv"
    source.write_bytes(("订单号,评价,星级\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)).encode("gbk"))
    assert source.stat().st_size > 1024 * 1024
    for page in open_page(browser, job_server):
        page.click("#tab-bulk")
        page.set_input_files("#bulk-file", str(source))
        expect(page.locator("#bulk-file-note")).to_contain_text("后台分析")
        expect(page.locator("#bulk-column")).to_have_value("评价")  # read from the start of the file
        expect(page.locator("#bulk-preview-list li").first).to_have_text(rows[0][1])
        with page.expect_request("**/api/jobs") as sent:
            page.click("#bulk-start")
        assert 'name="column"\r\n\r\n评价' in sent.value.post_data
        errors = []
        for _ in range(1200):
            if page.locator("#bulk-error").is_visible():
                errors.append(page.inner_text("#bulk-error"))
                break
            if page.locator("#bulk-job-done").is_visible():
                break
            page.wait_for_timeout(50)
        assert errors == [], f"an error before the job ran: {errors}"
        expect(page.locator("#bulk-job-done")).to_be_visible(timeout=60_000)
        expect(page.locator("#bulk-progress-text")).to_contain_text("共 6500 行")
        assert_plain(page, "a job's end")
        result = tagged_csv(downloaded(page, "#bulk-job-download"))
        assert [r["评价"] for r in result] == [row[1] for row in rows]
        assert all(r["结果"] in ("正面", "负面") and not r["无法分析的原因"] for r in result)
        assert {r["倾向"] for r in result} <= {"正面", "负面"} and {r["褒贬不一"] for r in result} <= {"是", "否"}


# ---- 4: 自定义分类 opens in a mode that works, in staff's words.

def test_without_a_labels_model_the_custom_view_opens_for_teaching_and_says_why_plainly(browser, fresh_server):
    for page in open_page(browser, fresh_server):
        page.click("#tab-custom")
        expect(page.locator("#zero-shot-status")).to_have_text("直接用标签分类需要管理员先安装相应模型；现在可以用几条示例教一个分类器。")
        assert "python -m sentiment download" in page.locator("#zero-shot-status").get_attribute("title")  # for an admin
        expect(page.locator("#classify-form")).to_be_hidden()  # nothing can classify yet: teach first
        expect(page.locator("#teach-form")).to_be_visible()
        assert page.locator('#classifier-choice option[value=""]').is_disabled()
        assert_plain(page, "自定义分类 with nothing taught")
        fits_the_width(page)
        page.fill("#teach-name", "售后路由")
        page.fill("#teach-lines", "\n".join(f"{label}，{text}" for label, texts in ROUTING.items() for text in texts))
        page.click("#teach-send")
        expect(page.locator("#teach-result")).to_contain_text("已教好“售后路由”：18 条示例，用示例自测的准确率")
        expect(page.locator("#classify-form")).to_be_visible()
        expect(page.locator("#classifier-choice")).to_have_value("售后路由")
        expect(page.locator("#labels-row")).to_be_hidden()
        page.fill("#classify-text", "快递三天才到，物流太慢了")
        page.click("#classify-send")
        expect(page.locator("#classify-result .verdict .label")).to_have_text("物流问题")
        expect(page.locator("#classify-result .details")).to_contain_text("分类器：售后路由")
        expect(page.locator(".classifier .note")).to_contain_text("用示例自测的准确率")
        # Every message the view can show on the way: a text too few labels, an empty text.
        page.fill("#classify-text", "")
        page.click("#classify-send")
        expect(page.locator("#classify-result .error")).to_have_text("请输入要分类的文本。")
        assert_plain(page, "自定义分类 after teaching")
        page.screenshot(path=str(SCREENSHOTS / "custom-no-labels-model-phone.png"), full_page=True)


def test_with_the_bundled_encoder_the_custom_view_opens_on_typed_labels(browser, zero_shot_server):
    for page in open_page(browser, zero_shot_server):
        page.click("#tab-custom")
        expect(page.locator("#zero-shot-status")).to_have_text("可以直接输入标签来分类，也可以用几条示例教一个分类器。")
        expect(page.locator("#classifier-choice")).to_have_value("")
        expect(page.locator("#labels-row")).to_be_visible()
        expect(page.locator("#go-teach")).to_be_hidden()
        # The labels box shows every label it holds, at a phone's width.
        box = page.locator("#labels-input")
        assert box.evaluate("e => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight"), "the labels are cut"
        page.fill("#classify-text", "快递三天才到，包装也压坏了")
        page.click("#classify-send")
        expect(page.locator("#classify-result .verdict .label")).to_have_text("物流问题")
        expect(page.locator("#classify-result .details")).to_have_text("直接用标签")
        assert "e5" in page.locator("#classify-result .details").get_attribute("title")
        page.fill("#labels-input", "物流问题")
        page.click("#classify-send")
        expect(page.locator("#classify-result .error")).to_contain_text("至少需要 2 个标签")
        assert_plain(page, "自定义分类 with typed labels")
        fits_the_width(page)


# ---- 5: 其他.

def test_a_taught_classifier_says_其他_for_an_off_topic_review(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.click("#tab-custom")
    page.fill("#teach-name", "其他路由")
    page.fill("#teach-lines", "\n".join(f"{label}，{text}" for label, texts in ROUTING.items() for text in texts))
    page.click("#teach-send")
    expect(page.locator("#teach-result")).to_contain_text("已教好“其他路由”")
    own = next(c for c in call(live_server, "/api/classifiers")["classifiers"] if c["name"] == "其他路由")
    expect(page.locator("#classifier-choice")).to_have_value("其他路由")
    expect(page.locator("#threshold-row")).to_be_visible()
    expect(page.locator("#threshold")).to_have_value(str(round(own["threshold"] * 100)))
    page.fill("#classify-text", OFF_TOPIC)
    with page.expect_request("**/api/classify") as sent:
        page.click("#classify-send")
    assert json.loads(sent.value.post_data)["threshold"] == own["threshold"]
    expect(page.locator("#classify-result .verdict .label")).to_have_text("其他（不属于任何标签）")
    expect(page.locator("#classify-result .score")).to_have_count(3)
    page.locator("#classify-result").screenshot(path=str(SCREENSHOTS / "custom-other-phone.png"))
    page.fill("#threshold", "0")  # 0 turns 其他 off
    with page.expect_request("**/api/classify") as sent:
        page.click("#classify-send")
    assert json.loads(sent.value.post_data)["threshold"] == 0
    expect(page.locator("#classify-result .verdict .label")).not_to_have_text(re.compile("其他"))
    expect(page.locator("#classify-result .verdict .label")).to_have_text(re.compile("物流问题|商品质量|售后体验"))

    # The same in 批量分析: the threshold goes with each chunk; 其他 in the table, the filter and the download.
    page.click("#tab-bulk")
    page.select_option("#bulk-classifier", "其他路由")
    expect(page.locator("#bulk-threshold")).to_have_value(str(round(own["threshold"] * 100)))
    page.fill("#bulk-lines", f"快递三天才到，太慢了\n{OFF_TOPIC}\n质量太差，穿一次就破了")
    with page.expect_request("**/api/classify") as sent:
        page.click("#bulk-start")
    assert json.loads(sent.value.post_data)["threshold"] == own["threshold"]
    rows = page.locator("#bulk-table tbody tr")
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("其他")
    expect(rows.nth(0).locator("td").nth(5)).to_contain_text("物流问题")
    options = page.locator("#bulk-filter option").all_text_contents()
    assert options[-4:] == sorted(ROUTING) + ["其他"] and "无法分析" not in options  # no row failed
    page.select_option("#bulk-filter", "c:其他")
    expect(rows).to_have_count(1)
    page.select_option("#bulk-filter", "")
    saved = tagged_csv(downloaded(page, "#bulk-download"))
    assert [r["其他路由_结果"] for r in saved] == ["物流问题", "其他", "商品质量"]
    assert {"其他路由_置信度", "其他路由_得分_物流问题"} <= set(saved[0])


def test_a_job_with_a_taught_classifier_sends_its_threshold(browser, job_server, tmp_path):  # noqa: F811
    teach_by_api(job_server, "任务路由")
    source = tmp_path / "reviews.csv"
    source.write_text("review\n" + "".join(f"{REVIEWS[at % 2]}{at}\n" for at in range(300)) + OFF_TOPIC + "\n", encoding="utf-8")
    for page in open_page(browser, job_server):
        page.click("#tab-bulk")
        page.set_input_files("#bulk-file", str(source))
        expect(page.locator("#bulk-classifier-row")).to_be_visible()
        page.select_option("#bulk-classifier", "任务路由")
        page.fill("#bulk-threshold", "0")
        with page.expect_request("**/api/jobs") as sent:
            page.click("#bulk-start")
        assert 'name="threshold"\r\n\r\n0\r\n' in sent.value.post_data
        assert 'name="classifier"\r\n\r\n任务路由' in sent.value.post_data
        assert 'name="header_language"\r\n\r\nzh' in sent.value.post_data
        expect(page.locator("#bulk-job-done")).to_be_visible(timeout=60_000)
        result = tagged_csv(downloaded(page, "#bulk-job-download"))
        assert "其他" not in {r["任务路由_结果"] for r in result}  # 0 turned it off
        assert {"任务路由_置信度", "任务路由_得分_物流问题"} <= set(result[0])


# ---- 6: teaching, fixed with one button.

def test_swapped_columns_and_a_taken_name_are_fixed_with_one_button(page, tmp_path):
    page.click("#tab-custom")
    page.fill("#teach-name", "反着写的")
    page.fill("#teach-lines", "\n".join(f"{text}，{label}" for label, texts in ROUTING.items() for text in texts))
    page.click("#teach-send")
    expect(page.locator("#teach-result .error")).to_contain_text("看起来文本和标签两列放反了")
    page.get_by_role("button", name="交换后再教").click()
    expect(page.locator("#teach-result")).to_contain_text("已教好“反着写的”：18 条示例")
    assert page.input_value("#teach-lines").splitlines()[0] == "物流问题，快递太慢了，等了一个星期才到"

    page.click("#teach-send")  # the same name again
    expect(page.locator("#teach-result .error")).to_contain_text("已经有名为“反着写的”的分类器")
    page.get_by_role("button", name="替换").click()
    expect(page.locator("#teach-result")).to_contain_text("已教好“反着写的”")
    expect(page.locator(".classifier strong", has_text="反着写的")).to_have_count(1)

    # A file's columns are found by what they hold: text and label the wrong way round teach as they should.
    swapped = tmp_path / "示例.csv"
    swapped.write_text("text,label\n" + "".join(f"{label},{text}\n" for label, texts in ROUTING.items() for text in texts),
                       encoding="utf-8")
    page.fill("#teach-name", "上传反了")
    page.set_input_files("#teach-file", str(swapped))
    page.click("#teach-send")
    expect(page.locator("#teach-result")).to_contain_text("已教好“上传反了”：18 条示例")
    expect(page.locator("#teach-result .per-label li")).to_have_count(3)
    assert sorted(t.split("：")[0] for t in page.locator("#teach-result .per-label li").all_text_contents()) == sorted(ROUTING)
    # A file with no column of text: said without the API's option names.
    numbers = tmp_path / "数字.csv"
    numbers.write_text("a,b\n" + "".join(f"{at},{at % 3}\n" for at in range(20)), encoding="utf-8")
    page.fill("#teach-name", "没有文本")
    page.set_input_files("#teach-file", str(numbers))
    page.click("#teach-send")
    expect(page.locator("#teach-result .error")).to_contain_text("请把文本和标签放在两列里")
    assert_plain(page, "teaching")
    assert "column" not in page.inner_text("#teach-result")
    fits_the_width(page)


# ---- 7: a text over the limit is not cut silently.

def test_a_6000_character_paste_says_it_was_cut_and_offers_the_whole_in_parts(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    first, second = "这家店的菜很好吃，服务也很热情。" * 250, "不过这次等了一个小时，太慢了。" * 200  # 4000 + 3000 characters
    text = (first + second)[:6000]
    assert len(text) == 6000
    page.evaluate("t => navigator.clipboard.writeText(t)", text)
    page.focus("#input")
    page.keyboard.press("Control+V")  # a real paste
    expect(page.locator("#input-note")).to_contain_text("已有 6000 字，超过每次 5000 字的上限")
    expect(page.locator("#counter")).to_have_text("6000 / 5000")
    with page.expect_request("**/api/sentiment") as sent:
        page.press("#input", "Enter")
    assert json.loads(sent.value.post_data)["text"] == text[:5000]
    expect(page.locator(".bubble.cut")).to_contain_text("只分析了前 5000 字（全文 6000 字")
    expect(page.locator(".bubble.bot:not(.pending)")).to_have_count(1)
    expect(page.locator("#input-note")).to_be_hidden()
    page.get_by_role("button", name="分 2 段分析全文").click()
    expect(page.locator(".bubble.bot:not(.pending)")).to_have_count(3, timeout=30_000)
    parts = page.locator(".bubble.user .part").all_text_contents()
    assert parts == ["第 1 / 2 段", "第 2 / 2 段"]
    sent_parts = [t[len(p):] for t, p in zip(page.locator(".bubble.user").all_text_contents()[1:], parts)]
    assert "".join(sent_parts) == text and all(len(t) <= 5000 for t in sent_parts)
    assert sent_parts[0].endswith("。")  # cut at a sentence's end
    fits_the_width(page)


# ---- 8: words for staff.

def test_the_page_shows_no_english_model_name_on_any_tab(page, live_server):
    teach_by_api(live_server, "词语路由")
    page.reload()
    expect(page.locator("#model-status")).to_have_text("模型：内置模型 · 情感（负面 / 正面）")
    assert "bundled" in page.locator("#model-status").get_attribute("title")  # the technical name, as a tooltip
    expect(page.locator("#empty-hint")).to_contain_text("正面还是负面")
    page.fill("#input", "服务很好。" * 120)  # long enough to be read in parts
    page.press("#input", "Enter")
    expect(page.locator(".bubble.bot:not(.pending) .details").last).to_contain_text("置信度")
    assert_plain(page, "情感分析")
    page.click("#tab-bulk")
    page.fill("#bulk-lines", "这个东西真心很赞\n质量太差了，再也不买了")
    page.click("#bulk-start")
    expect(page.locator("#bulk-summary")).to_contain_text("共 2 行：已分析 2 行")
    assert_plain(page, "批量分析")
    page.click("#tab-custom")
    expect(page.locator("#classifier-choice")).to_have_value(re.compile(".+"))
    page.select_option("#classifier-choice", "词语路由")
    page.fill("#classify-text", "客服一直不回复")
    page.click("#classify-send")
    expect(page.locator("#classify-result .details")).to_contain_text("分类器：词语路由")
    assert_plain(page, "自定义分类")


def test_a_long_text_read_in_parts_says_so_in_plain_words(page):
    from test_sentences import LONG_REVIEW

    page.fill("#input", LONG_REVIEW * 3)
    page.press("#input", "Enter")
    details = page.locator(".bubble.bot:not(.pending) .details").last
    expect(details).to_contain_text("长文分段读完", timeout=20_000)
    assert "阅读" not in details.inner_text()


def test_in_emotion_mode_the_header_and_hint_follow_the_models_labels(browser, emotion_server):
    for page in open_page(browser, emotion_server):
        expect(page.locator("#model-status")).to_have_text("模型：内置模型 · 情绪（愤怒 / 恐惧 / 高兴 / 无情绪 / 悲伤 / 惊讶）")
        hint = page.locator("#empty-hint")
        expect(hint).to_contain_text("哪种情绪")
        assert "正面还是负面" not in hint.inner_text()
        assert_plain(page, "emotion mode")
        assert lines_of(page.locator("#clear")) == 1  # beside a long header on a phone, 清空记录 stays on one line
        fits_the_width(page)
        page.click("#tab-bulk")
        page.fill("#bulk-lines", "今天收到了录取通知书，太开心了！\n气死我了，排了三个小时的队")
        page.click("#bulk-start")
        expect(page.locator("#bulk-summary")).to_contain_text("已分析 2 行")
        # Six labels: no answer is less sure than 1/6, so the histogram starts at 10%.
        assert page.locator("#bulk-histogram").get_attribute("aria-label").startswith("置信度分布：10–19% ")
        for cell in page.locator("#bulk-table tbody td.result").all():
            assert lines_of(cell) == 1, cell.inner_text()  # 无情绪 on one line
        page.locator("#bulk-results").screenshot(path=str(SCREENSHOTS / "bulk-emotion-phone.png"))


# ---- 9: layout, at a phone's width and a desktop's.

@pytest.mark.parametrize("width", [390, 1280])
def test_the_bulk_table_keeps_results_and_headers_on_one_line_and_scrolls_in_its_box(page, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    source = tmp_path / "评论.csv"
    source.write_text("评论\n" + "".join(f"{text}\n" for text in ["这个东西真心很赞", "", "质量太差了，再也不买了" * 8]),
                      encoding="utf-8")
    page.click("#tab-bulk")
    page.set_input_files("#bulk-file", str(source))
    expect(page.locator("#bulk-column")).to_have_value("评论")
    page.click("#bulk-start")
    expect(page.locator("#bulk-summary")).to_contain_text("共 3 行：已分析 2 行，1 行无法分析")
    for head in page.locator("#bulk-table thead th:visible").all():
        assert lines_of(head) == 1, head.inner_text()
    cells = [cell for cell in page.locator("#bulk-table tbody td.result").all() if cell.inner_text()]
    assert len(cells) == 4  # 结果 and 置信度 of the two rows read
    for cell in cells:
        assert lines_of(cell) == 1, cell.inner_text()
    fits_the_width(page)  # the table scrolls inside its own box, not the page
    # Only what occurs is offered: a row failed (无法分析), none is mixed; no classifier was used.
    assert page.locator("#bulk-filter option").all_text_contents() == ["全部", "负面", "正面", "无法分析"]
    # A binary model is never less sure than 50%: the histogram draws 50–100%.
    label = page.locator("#bulk-histogram").get_attribute("aria-label")
    assert label.startswith("置信度分布：50–55% ") and "；95–100% " in label
    page.locator("#bulk-results").screenshot(path=str(SCREENSHOTS / f"bulk-table-{width}.png"))


def test_the_header_keeps_清空记录_on_one_line_at_a_phones_width(page):
    expect(page.locator("#model-status")).to_contain_text("内置模型")
    assert lines_of(page.locator("#clear")) == 1
    fits_the_width(page)
    page.screenshot(path=str(SCREENSHOTS / "header-phone.png"))


def test_a_structbert_model_is_named_in_plain_words_with_its_id_in_the_tooltip(tiny_structbert, tmp_path):
    """Not the browser's: page.py names the served model from the slot, whatever backend serves it."""
    from app import create_app

    app = create_app({"TESTING": True, "SENTIMENT_BACKEND": "modelscope", "SENTIMENT_MODEL": str(tiny_structbert),
                      "SENTIMENT_DATA_DIR": str(tmp_path)})
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'data-model-name="通用模型 · 情感"' in html
    title = re.search(r'id="model-status" title="([^"]*)"', html).group(1)
    assert title and title == app.extensions["sentiment_model"].status()["model"]
    assert "正面还是负面" in html
