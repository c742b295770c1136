"""The 批量分析 view in a real headless Chromium against a real Gunicorn: files in, chart and table, file out."""
from __future__ import annotations

import csv
import io

import pytest

from chromium import open_page

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
REVIEWS = ["这个东西真心很赞", "质量太差了，再也不买了", "", "送餐很快，味道也不错", "<b>客服</b>态度冷淡，等了一个小时"]


@pytest.fixture()
def bulk(browser, live_server):  # noqa: F811
    for page in open_page(browser, live_server):
        page.click("#tab-bulk")
        yield page


def analyse(page, path):
    page.set_input_files("#bulk-file", str(path))
    expect(page.locator("#bulk-file-note")).to_contain_text(f"共 {len(REVIEWS)} 行")
    expect(page.locator("#bulk-column")).to_have_value("评论")
    page.click("#bulk-start")
    expect(page.locator("#bulk-results")).to_be_visible()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_a_csv_comes_back_with_every_row_chart_and_table(bulk, tmp_path, encoding):
    page = bulk
    source = tmp_path / "店铺评论.csv"
    source.write_bytes(("id,评论\r\n" + "".join(f"{at},{text}\r\n" for at, text in enumerate(REVIEWS))).encode(encoding))
    analyse(page, source)
    expect(page.locator("#bulk-summary")).to_contain_text("共 5 行：已分析 4 行，1 行无法分析")
    expect(page.locator("#bulk-table tbody tr")).to_have_count(5)
    expect(page.locator("#bulk-table tbody tr").nth(4).locator("td.text")).to_have_text(REVIEWS[4])  # not HTML
    assert page.locator("#bulk-share").is_visible() and page.locator("#bulk-histogram").is_visible()
    drawn = page.evaluate("() => Array.from(document.getElementById('bulk-share').getContext('2d')"
                          ".getImageData(0, 0, 320, 150).data).some(v => v !== 0)")
    assert drawn, "the share chart is empty"
    page.select_option("#bulk-filter", "正面")
    expect(page.locator("#bulk-table tbody tr")).to_have_count(2)
    page.select_option("#bulk-filter", "")
    with page.expect_download() as download:
        page.click("#bulk-download")
    saved = download.value
    assert saved.suggested_filename == "店铺评论.tagged.csv"
    data = open(saved.path(), "rb").read()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["评论"] for r in rows] == REVIEWS and [r["id"] for r in rows] == ["0", "1", "2", "3", "4"]
    # The page's download speaks Chinese (the API's files keep their machine names).
    assert [r["结果"] for r in rows] == ["正面", "负面", "", "正面", "负面"] and rows[2]["无法分析的原因"] == "空文本"
    assert list(rows[0])[2:10] == ["结果", "倾向", "置信度", "得分_负面", "得分_正面", "理由", "褒贬不一", "无法分析的原因"]
    assert [r["倾向"] for r in rows] == ["正面", "负面", "", "正面", "负面"]
    assert list(rows[0])[10:] == ["口味", "分量", "价格", "服务", "环境", "位置", "配送速度", "包装", "卫生"]  # the default set's
    # The same reason and mixed as the file API gives for the same texts (the page computes them from the answers).
    assert rows[1]["理由"] in REVIEWS[1] and rows[1]["理由"] and rows[2]["理由"] == ""
    assert {r["褒贬不一"] for r in rows if r["结果"]} == {"否"} and rows[2]["褒贬不一"] == ""


def test_xlsx_in_xlsx_out_and_pasted_lines(bulk, tmp_path):
    from openpyxl import Workbook, load_workbook

    page = bulk
    book = Workbook()
    book.active.append(["评论", "结果"])
    for text in REVIEWS:
        book.active.append([text or None, "x"])
    book.save(tmp_path / "reviews.xlsx")
    analyse(page, tmp_path / "reviews.xlsx")
    with page.expect_download() as download:
        page.click("#bulk-download")
    assert download.value.suggested_filename == "reviews.tagged.xlsx"
    values = list(load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active.iter_rows(values_only=True))
    assert len(values) == 6 and values[0][:3] == ("评论", "结果", "模型_结果")  # the file's own 结果 kept
    assert [row[2] for row in values[1:]] == ["正面", "负面", None, "正面", "负面"]
    (tmp_path / "lines.txt").write_text("好评\n太差了\n", encoding="utf-8")
    page.set_input_files("#bulk-file", str(tmp_path / "lines.txt"))
    expect(page.locator("#bulk-column")).to_have_value("text")
    page.click("#bulk-start")
    expect(page.locator("#bulk-summary")).to_contain_text("共 2 行：已分析 2 行")
    expect(page.locator("#bulk-table tbody tr").nth(1).locator("td").nth(2)).to_have_text("负面")
    page.set_input_files("#bulk-file", [])
    page.fill("#bulk-lines", "好评\n\n太差了")
    page.click("#bulk-start")
    expect(page.locator("#bulk-summary")).to_contain_text("共 2 行：已分析 2 行")


def test_a_failed_chunk_is_shown_and_retried_without_losing_rows(bulk, live_server, tmp_path):
    page = bulk
    source = tmp_path / "many.csv"
    source.write_text("评论\n" + "".join(f"第{at}条很好吃\n" for at in range(150)), encoding="utf-8")
    page.set_input_files("#bulk-file", str(source))
    expect(page.locator("#bulk-file-note")).to_contain_text("共 150 行")
    calls = {"n": 0}

    def second_call_fails(route):
        calls["n"] += 1
        if calls["n"] == 2:
            route.fulfill(status=503, content_type="application/json", body='{"error": "模型还在加载，请稍后再试。", "code": "model_not_ready"}')
        else:
            route.continue_()

    page.route(live_server.url + "/api/sentiment", second_call_fails)
    page.click("#bulk-start")
    expect(page.locator("#bulk-error")).to_contain_text("第 65 行起的一批没有完成：模型还在加载")
    expect(page.locator("#bulk-progress-text")).to_have_text("已分析 64 / 150 行")
    page.click("#bulk-retry")
    expect(page.locator("#bulk-summary")).to_contain_text("共 150 行：已分析 150 行")
    assert calls["n"] == 4  # chunk 1, the failed chunk 2, chunk 2 again, chunk 3: nothing done twice


def test_a_taught_classifier_adds_a_second_set_of_columns(bulk, live_server, tmp_path):
    import json
    import urllib.request

    from test_custom_api import examples

    request = urllib.request.Request(live_server.url + "/api/classifiers", method="POST",
                                     data=json.dumps({"name": "批量路由", "examples": examples(), "replace": True}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request).close()
    page = bulk
    page.click("#tab-chat")
    page.click("#tab-bulk")  # the list of classifiers is read when the tab opens
    expect(page.locator("#bulk-classifier-row")).to_be_visible()
    page.select_option("#bulk-classifier", "批量路由")
    page.fill("#bulk-lines", "快递三天才到，太慢了\n质量太差，穿一次就破了")
    page.click("#bulk-start")
    expect(page.locator("#bulk-table tbody tr").nth(0).locator("td").nth(5)).to_contain_text("物流问题")
    with page.expect_download() as download:
        page.click("#bulk-download")
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), "rb").read().decode("utf-8-sig"))))
    assert [r["批量路由_结果"] for r in rows] == ["物流问题", "商品质量"]
    assert {"批量路由_置信度", "批量路由_得分_物流问题"} <= set(rows[0])


@pytest.fixture(scope="module")
def job_server(tmp_path_factory):
    """Gunicorn whose page sends files above 2,000 bytes to /api/jobs."""
    from conftest import NO_ZERO_SHOT, Gunicorn

    folder = tmp_path_factory.mktemp("job-server")
    server = Gunicorn(folder / "log.txt", SENTIMENT_MODEL="bundled-lite", WEB_CONCURRENCY="2",
                      SENTIMENT_ZERO_SHOT_MODEL=NO_ZERO_SHOT, SENTIMENT_DATA_DIR=str(folder / "data"),
                      SENTIMENT_PAGE_JOB_BYTES="2000", SENTIMENT_JOB_CHUNK_ROWS="200")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_large_file_runs_as_a_job_with_progress_and_comes_back_whole(browser, job_server, tmp_path):  # noqa: F811
    rows = [REVIEWS[at % len(REVIEWS)] for at in range(20_000)]
    source = tmp_path / "大文件.csv"
    source.write_bytes(("序号,评价\n" + "".join(f"{at},{text}\n" for at, text in enumerate(rows))).encode("utf-8"))
    for page in open_page(browser, job_server):
        page.click("#tab-bulk")
        page.set_input_files("#bulk-file", str(source))
        expect(page.locator("#bulk-file-note")).to_contain_text("后台分析")
        # The start of the file is read for its columns: 评价 reads like prose, and is chosen and shown.
        expect(page.locator("#bulk-column")).to_have_value("评价")
        expect(page.locator("#bulk-preview-list li")).to_have_count(5)
        with page.expect_request("**/api/jobs") as sent:
            page.click("#bulk-start")
        assert 'name="column"\r\n\r\n评价' in sent.value.post_data
        expect(page.locator("#bulk-progress-text")).to_contain_text("已分析")
        assert not page.locator("#bulk-error").is_visible()
        seen = set()
        for _ in range(600):  # the progress bar follows the job
            seen.add(page.evaluate("() => document.getElementById('bulk-progress').value"))
            if page.locator("#bulk-job-done").is_visible():
                break
            page.wait_for_timeout(50)
        expect(page.locator("#bulk-job-done")).to_be_visible()
        expect(page.locator("#bulk-progress-text")).to_contain_text("共 20000 行")
        assert len(seen - {0, 20_000}) >= 1, f"no progress between start and end: {seen}"
        with page.expect_download() as download:
            page.click("#bulk-job-download")
        saved = download.value
        assert saved.suggested_filename == "大文件.tagged.csv"
        result = list(csv.DictReader(io.StringIO(open(saved.path(), "rb").read().decode("utf-8-sig"))))
        assert [r["序号"] for r in result] == [str(at) for at in range(20_000)]
        assert [r["评价"] for r in result] == rows
        # The page asks for the columns in Chinese, as its own downloads have them.
        assert all(r["结果"] in ("正面", "负面") for r in result if r["评价"])
        assert all(r["无法分析的原因"] for r in result if not r["评价"])
        assert not page.locator("#bulk-results").is_visible()  # no charts for a job: the file is the answer


def test_a_job_can_be_cancelled_from_the_page(browser, job_server, tmp_path):  # noqa: F811
    source = tmp_path / "reviews.csv"
    source.write_bytes(("review\n" + "".join(f"{REVIEWS[at % 2]}{at}\n" for at in range(150_000))).encode("utf-8"))
    for page in open_page(browser, job_server):
        page.click("#tab-bulk")
        page.set_input_files("#bulk-file", str(source))
        page.click("#bulk-start")
        expect(page.locator("#bulk-cancel")).to_be_visible()
        page.click("#bulk-cancel")
        expect(page.locator("#bulk-progress-text")).to_contain_text("任务已取消")
        expect(page.locator("#bulk-cancel")).to_be_hidden()
        assert not page.locator("#bulk-job-done").is_visible()


def test_the_table_gives_each_rows_reason_and_filters_mixed_reviews(bulk):
    page = bulk
    page.fill("#bulk-lines", "菜很好吃，服务员很热情。不过最后发现里面有根头发，恶心死了，再也不会点了！\n这个东西真心很赞")
    page.click("#bulk-start")
    expect(page.locator("#bulk-summary")).to_contain_text("共 2 行：已分析 2 行")
    expect(page.locator("#bulk-table tbody tr").nth(1).locator("td.reason")).to_have_text("这个东西真心很赞")
    page.select_option("#bulk-filter", "褒贬不一")
    expect(page.locator("#bulk-table tbody tr")).to_have_count(1)
    expect(page.locator("#bulk-table tbody tr td.reason")).to_contain_text("褒贬不一")
