"""Aspects on the page in a real headless Chromium against a real Gunicorn: the 行业 picker, the chat's chips
with their evidence marked, the 批量分析 report (sorted by complaints, a click filters the table, complaints
by week, a column per category in both downloads, a job's file), a category taught on the page, and all of
it at a phone's width."""
from __future__ import annotations

import csv
import io
import json
import math
import random
import urllib.request
from collections import Counter
from datetime import date, timedelta

import pytest

from chromium import SCREENSHOTS, open_page
from test_bulk_page import job_server  # noqa: F401  (Gunicorn whose page sends files above 2,000 bytes to /api/jobs)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
FACE = {"Positive": "👍", "Neutral": "😐", "Negative": "👎"}
# Phrases about the restaurant set's categories, (good, bad); reviews join one to three of them.
PHRASES = {
    "口味": (["味道很好", "菜很好吃", "口味很正宗"], ["味道一般", "太难吃了", "菜太咸了"]),
    "分量": (["分量很足", "量很大"], ["分量太少了", "量少得可怜"]),
    "价格": (["价格实惠", "性价比很高"], ["价格太贵了", "性价比太低"]),
    "服务": (["服务员很热情", "服务态度很好"], ["服务态度很差", "服务员爱答不理"]),
    "配送速度": (["送餐很快", "配送很及时"], ["配送太慢了", "外卖送了一个多小时"]),
    "包装": (["包装很严实", "包装很精致"], ["包装破了，汤洒了一半", "包装太简陋"]),
}
BAD_SHARE = {"口味": 0.3, "分量": 0.2, "价格": 0.35, "服务": 0.5, "配送速度": 0.7, "包装": 0.6}
FIRST_MONDAY = date(2024, 3, 4)


@pytest.fixture()
def page(browser, live_server):
    yield from open_page(browser, live_server)


def call(server, path, body=None):
    request = urllib.request.Request(server.url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def categories_of(server, set_id):
    return next(list(s["categories"]) for s in call(server, "/api/aspect-sets")["sets"] if s["id"] == set_id)


def answer_of(page):
    return page.locator(".bubble.bot:not(.pending)").last


def fits_a_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page is wider than the phone"


def percent(count, total):
    """As the page writes a share: rounded to a tenth of a percent (JS Math.round), no trailing .0."""
    return f"{math.floor(count / total * 1000 + 0.5) / 10:g}%"


def test_the_chat_shows_each_category_as_a_chip_and_marks_its_evidence(page, live_server):
    text = "煲仔饭一如既往的好吃，但是鸡煲味道一般!"
    expect(page.locator("#aspect-set")).to_have_value("restaurant")
    sets = call(live_server, "/api/aspect-sets")["sets"]
    names = page.locator("#aspect-set option").all_text_contents()
    assert names == [s["name"] for s in sets] and "餐饮/外卖" in names  # Chinese names, never the ids
    page.fill("#input", text)
    with page.expect_request("**/api/sentiment") as sent:
        page.press("#input", "Enter")
    assert json.loads(sent.value.post_data)["aspects"] == "restaurant"
    expected = call(live_server, "/api/sentiment", {"text": text, "aspects": "restaurant"})["aspects"]
    taste = next(a for a in expected if a["category"] == "口味")
    assert taste["mixed"] and {m["sentiment"] for m in taste["mentions"]} == {"Positive", "Negative"}
    answer = answer_of(page)
    expect(answer.locator(".aspect-chip").filter(has_text="口味")).to_have_text("口味 👍👎")  # its mentions disagree
    expect(answer.locator(".aspect-chip")).to_have_count(len(expected))
    mentions = sorted({(m["start"], m["end"]): m for a in expected for m in a["mentions"]}.values(), key=lambda m: m["start"])
    evidence = answer.locator(".reading .evidence")
    expect(evidence).to_have_count(len(mentions))
    assert evidence.all_text_contents() == [m["text"] for m in mentions]
    assert [c.split()[-1] for c in evidence.evaluate_all("nodes => nodes.map(n => n.className)")] == \
        [m["sentiment"] for m in mentions]  # tinted by each mention's own polarity
    expect(answer.locator(".reading")).to_have_text(text)  # nothing lost or doubled by the nesting
    answer.locator(".aspect-chip").filter(has_text="口味").click()
    expect(answer.locator(".evidence.lit")).to_have_count(len(taste["mentions"]))
    fits_a_phone(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "chat-aspects-phone.png"), full_page=True)


def test_an_emoji_before_the_evidence_does_not_shift_it_and_the_choice_is_remembered(page, live_server):
    text = "😀😀味道不错，服务员态度很差"
    expected = call(live_server, "/api/sentiment", {"text": text, "aspects": "restaurant"})["aspects"]
    service = next(a for a in expected if a["category"] == "服务")["mentions"][0]
    assert service["start"] > 0 and text[service["start"]:service["end"]] == service["text"]
    page.fill("#input", text)
    page.press("#input", "Enter")
    answer = answer_of(page)
    expect(answer.locator(".evidence.Negative")).to_have_text(service["text"])  # exactly its characters
    assert answer.locator(".reading .evidence").all_text_contents() == [a["mentions"][0]["text"] for a in expected]
    expect(answer.locator(".aspect-chip")).to_have_text([f"{a['category']} {FACE[a['sentiment']]}" for a in expected])
    page.select_option("#aspect-set", label="电商")
    page.reload()
    expect(page.locator("#aspect-set")).to_have_value("shopping")
    page.fill("#input", "快递很快，质量也不错")
    with page.expect_request("**/api/sentiment") as sent:
        page.press("#input", "Enter")
    assert json.loads(sent.value.post_data)["aspects"] == "shopping"
    expect(answer_of(page).locator(".aspect-chip").filter(has_text="物流")).to_have_text("物流 👍")


def reviews(count, seed=24):
    """(id, 日期 in one of three ways of writing a date, review) rows over six weeks."""
    rng = random.Random(seed)
    rows = []
    for at in range(count):
        day = FIRST_MONDAY + timedelta(days=rng.randrange(42))
        written = (day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day.year}年{day.month}月{day.day}日 12:30")[at % 3]
        about = rng.sample(list(PHRASES), rng.randint(1, 3))
        rows.append([str(at), written, "，".join(rng.choice(PHRASES[c][rng.random() < BAD_SHARE[c]]) for c in about) + "。"])
    return rows


def monday(written):
    numbers = [int(part) for part in written.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-")
               .split()[0].split("-")]
    day = date(*numbers)
    return (day - timedelta(days=day.weekday())).isoformat()


def report_rows(page):
    return page.locator("#aspect-table tbody tr").evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.textContent))")


def test_a_3000_row_file_gets_a_report_by_complaints_a_filter_weeks_and_columns(page, live_server, tmp_path):
    rows = reviews(3000)
    source = tmp_path / "外卖评论.csv"
    source.write_text("id,日期,评论\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    page.click("#tab-bulk")
    page.set_input_files("#bulk-file", str(source))
    expect(page.locator("#bulk-file-note")).to_contain_text("共 3000 行")
    expect(page.locator("#bulk-column")).to_have_value("评论")
    page.click("#bulk-start")
    expect(page.locator("#aspect-report")).to_be_visible(timeout=180_000)
    expect(page.locator("#bulk-summary")).to_contain_text("共 3000 行：已分析 3000 行")

    with page.expect_download() as download:
        page.click("#bulk-download")
    tagged = list(csv.DictReader(io.StringIO(open(download.value.path(), "rb").read().decode("utf-8-sig"))))
    categories = categories_of(live_server, "restaurant")
    assert list(tagged[0])[-len(categories) - 1:] == ["无法分析的原因", *categories]  # one column per category, after ours
    assert {r[c] for r in tagged for c in categories} <= {"正面", "中性", "负面", ""}
    # The columns hold what the API says of each text (the first 320 rows, five requests).
    for first in range(0, 320, 64):
        answers = call(live_server, "/api/sentiment", {"texts": [r[2] for r in rows[first:first + 64]], "aspects": "restaurant"})
        for row, answer in zip(tagged[first:first + 64], answers["results"]):
            assert {c: row[c] for c in categories} == {c: next((a["label"] for a in answer["aspects"] if a["category"] == c), "")
                                                       for c in categories}

    # The report: every category mentioned, most complaints first, with the counts of the columns.
    said = {c: Counter(r[c] for r in tagged if r[c]) for c in categories}
    mentioned = [c for c in categories if said[c]]
    order = sorted(mentioned, key=lambda c: (-said[c]["负面"], -sum(said[c].values()), categories.index(c)))
    assert len({said[c]["负面"] for c in mentioned}) > 3, "too few different counts of complaints to test the order"
    shown = report_rows(page)
    assert [row[0] for row in shown] == order
    for row in shown:
        counts = said[row[0]]
        total = sum(counts.values())
        assert row[1:4] == [str(total), percent(counts["正面"], total), f"{counts['负面']}（{percent(counts['负面'], total)}）"]
    fits_a_phone(page)
    page.locator("#aspect-report").screenshot(path=str(SCREENSHOTS / "bulk-aspect-report-phone.png"))

    # Complaints by week, from the 日期 column (three ways of writing a date): weeks × categories.
    expect(page.locator("#aspect-weeks")).to_be_visible()
    expect(page.locator("#aspect-weeks-note")).to_contain_text("日期")
    weeks = sorted({monday(row[1]) for row in rows})
    assert len(weeks) == 6
    grid = page.locator("#aspect-weekly tr").evaluate_all("rows => rows.map(r => Array.from(r.cells, c => c.textContent))")
    assert grid[0] == ["周", *order] and [line[0] for line in grid[1:]] == weeks
    for line in grid[1:]:
        for category, cell in zip(order, line[1:]):
            week = Counter(r[category] for source_row, r in zip(rows, tagged) if r[category] and monday(source_row[1]) == line[0])
            assert cell == percent(week["负面"], sum(week.values())), (line[0], category)

    # A click on the category with the most complaints: only its reviews, the words about it marked.
    top = order[0]
    page.locator("#aspect-table tbody tr").first.locator("button").click()
    expect(page.locator("#aspect-filter")).to_contain_text(f"只看提到“{top}”的评论")
    total = sum(said[top].values())
    shown_line = f"显示前 1000 行（共 {total} 行）；下载可得全部。" if total > 1000 else f"共 {total} 行。"
    expect(page.locator("#bulk-shown")).to_have_text(shown_line)
    table = page.locator("#bulk-table tbody tr")
    numbers = [int(n) for n in table.locator("td:first-child").all_text_contents()[:30]]
    assert numbers == [at + 1 for at, r in enumerate(tagged) if r[top]][:30]
    found = call(live_server, "/api/aspects", {"texts": [rows[n - 1][2] for n in numbers], "set": "restaurant"})["results"]
    for at, answer in enumerate(found):
        mentions = next(a for a in answer["aspects"] if a["category"] == top)["mentions"]
        assert table.nth(at).locator("td.text .evidence").all_text_contents() == [m["text"] for m in mentions]
        expect(table.nth(at).locator("td.text")).to_have_text(answer["text"])
    fits_a_phone(page)
    page.screenshot(path=str(SCREENSHOTS / "bulk-aspects-phone.png"), full_page=True)
    page.click("#aspect-clear")
    expect(page.locator("#bulk-shown")).to_have_text("显示前 1000 行（共 3000 行）；下载可得全部。")
    assert table.locator(".evidence").count() == 0


def test_an_xlsx_download_has_the_columns_prefixed_when_the_file_has_one_of_the_names(page, live_server, tmp_path):
    from openpyxl import Workbook, load_workbook

    rows = reviews(40, seed=5)
    book = Workbook()
    book.active.append(["评论", "口味"])
    for row in rows:
        book.active.append([row[2], "自己的列"])
    book.save(tmp_path / "评论.xlsx")
    page.click("#tab-bulk")
    page.set_input_files("#bulk-file", str(tmp_path / "评论.xlsx"))
    expect(page.locator("#bulk-column")).to_have_value("评论")
    page.click("#bulk-start")
    expect(page.locator("#aspect-report")).to_be_visible()
    expect(page.locator("#aspect-weeks")).to_be_hidden()  # no date column
    with page.expect_download() as download:
        page.click("#bulk-download")
    assert download.value.suggested_filename == "评论.tagged.xlsx"
    values = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows(values_only=True))
    categories = categories_of(live_server, "restaurant")
    assert values[0][:2] == ("评论", "口味") and values[0][-len(categories):] == tuple(f"aspect_{c}" for c in categories)
    answers = call(live_server, "/api/sentiment", {"texts": [r[2] for r in rows], "aspects": "restaurant"})["results"]
    assert [row[-len(categories):] for row in values[1:]] == [
        tuple(next((a["label"] for a in answer["aspects"] if a["category"] == c), None) for c in categories) for answer in answers]
    assert [row[1] for row in values[1:]] == ["自己的列"] * len(rows)


def test_a_category_taught_on_the_page_shows_in_the_chat_and_the_report(page, live_server):
    page.click("#aspect-add summary")
    page.fill("#aspect-add-name", "停车")
    page.fill("#aspect-add-examples", "停车很方便")
    page.click("#aspect-add-send")
    expect(page.locator("#aspect-add-result")).to_contain_text("至少写 2 句")
    page.fill("#aspect-add-name", "停车（新）")
    page.fill("#aspect-add-examples", "停车很方便\n停车场太小了")
    page.click("#aspect-add-send")
    expect(page.locator("#aspect-add-result .error")).to_contain_text("类别名称须为")  # the API's own words
    page.fill("#aspect-add-name", "停车")
    page.fill("#aspect-add-examples", "停车很方便\n停车场太小了\n车位不好找\n门口就能停车")
    page.click("#aspect-add-send")
    expect(page.locator("#aspect-add-result")).to_contain_text("已添加“停车”")
    expect(page.locator("#aspect-set")).to_have_value("page-restaurant")
    expect(page.locator("#aspect-set option:checked")).to_have_text("餐饮/外卖·自定义")
    # A second one keeps the first.
    page.fill("#aspect-add-name", "排队")
    page.fill("#aspect-add-examples", "排队排了一个小时\n不用排队\n等位太久了")
    page.click("#aspect-add-send")
    expect(page.locator("#aspect-add-result")).to_contain_text("已添加“排队”")
    own = next(s for s in call(live_server, "/api/aspect-sets")["sets"] if s["id"] == "page-restaurant")
    assert {"停车", "排队", "口味"} <= set(own["categories"])
    assert [n for n, c in own["categories"].items() if c.get("preferred")] == ["停车", "排队"]

    page.fill("#input", "停车位太少了，味道还行")
    page.press("#input", "Enter")
    expect(answer_of(page).locator(".aspect-chip").filter(has_text="停车")).to_have_text("停车 👎")
    page.click("#tab-bulk")
    page.fill("#bulk-lines", "停车位太少了，味道还行\n附近停车很方便，菜很好吃\n服务很好")
    page.click("#bulk-start")
    expect(page.locator("#aspect-report-title")).to_have_text("各类别的评价（餐饮/外卖·自定义）")
    expect(page.locator("#aspect-table tbody th").filter(has_text="停车")).to_have_count(1)
    shown = {row[0]: row for row in report_rows(page)}
    assert shown["停车"][1] == "2"
    page.reload()
    expect(page.locator("#aspect-set")).to_have_value("page-restaurant")  # remembered


def test_a_job_s_report_is_counted_from_its_file(browser, job_server, tmp_path):  # noqa: F811
    rows = reviews(200, seed=9)
    source = tmp_path / "reviews.csv"
    source.write_text("id,日期,review\n" + "".join(",".join(row) + "\n" for row in rows), encoding="utf-8")
    for page in open_page(browser, job_server):
        page.click("#tab-bulk")
        page.set_input_files("#bulk-file", str(source))
        expect(page.locator("#bulk-file-note")).to_contain_text("后台分析")
        with page.expect_request("**/api/jobs") as sent:
            page.click("#bulk-start")
        assert 'name="aspects"\r\n\r\nrestaurant' in sent.value.post_data
        expect(page.locator("#bulk-job-done")).to_be_visible(timeout=60_000)
        expect(page.locator("#aspect-report")).to_be_visible()
        expect(page.locator("#aspect-report-note")).to_contain_text("结果文件")
        with page.expect_download() as download:
            page.click("#bulk-job-download")
        tagged = list(csv.DictReader(io.StringIO(open(download.value.path(), "rb").read().decode("utf-8-sig"))))
        said = {c: Counter(r[c] for r in tagged if r[c]) for c in categories_of(job_server, "restaurant")}
        shown = report_rows(page)
        assert shown and all(row[1] == str(sum(said[row[0]].values())) and row[3].startswith(f"{said[row[0]]['负面']}（")
                             for row in shown)
        assert page.locator("#aspect-table button").count() == 0  # no table below to filter
        expect(page.locator("#aspect-weeks")).to_be_visible()
        fits_a_phone(page)
