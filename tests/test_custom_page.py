"""The 自定义分类 view in a real headless Chromium against a real Gunicorn with no zero-shot model:
teach from typed examples and from a file, classify, delete, and every error shown inline."""
from __future__ import annotations

import re

import pytest

from test_custom_api import ROUTING
from chromium import SCREENSHOTS, open_page

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
HOSTILE = '<img src=x onerror="alert(1)">快递员把包裹扔在门口'


@pytest.fixture()
def custom(browser, live_server):  # noqa: F811
    for page in open_page(browser, live_server):
        page.click("#tab-custom")
        expect(page.locator("#zero-shot-status")).to_contain_text("直接用标签分类需要管理员先安装相应模型")
        yield page


def typed(routing: dict[str, list[str]]) -> str:
    return "\n".join(f"{label}，{text}" for label, texts in routing.items() for text in texts)


def test_teach_from_typed_examples_then_classify_with_bars(custom):
    page = custom
    expect(page.locator("#go-teach")).to_be_visible()
    page.fill("#teach-name", "页面路由")
    page.fill("#teach-lines", typed({**ROUTING, "物流问题": ROUTING["物流问题"] + [HOSTILE]}))
    page.click("#teach-send")
    expect(page.locator("#teach-result")).to_contain_text("已教好“页面路由”")
    expect(page.locator("#teach-result .per-label li")).to_have_count(3)
    expect(page.locator("#classifier-choice")).to_have_value("页面路由")
    expect(page.locator("#labels-row")).to_be_hidden()
    page.fill("#classify-text", "快递三天才到，物流太慢了")
    page.click("#classify-send")
    expect(page.locator("#classify-result .verdict .label")).to_have_text("物流问题")
    expect(page.locator("#classify-result .score")).to_have_count(3)
    expect(page.locator("#classify-result .details")).to_contain_text("分类器：页面路由")
    assert "taught:" not in page.locator("#classify-result").inner_text()
    expect(page.locator(".classifier strong", has_text="页面路由")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "custom-phone.png"), full_page=True)


def test_teach_from_an_uploaded_csv_and_delete(browser, live_server, tmp_path):  # noqa: F811
    examples = tmp_path / "examples.csv"
    examples.write_text("text,label\n" + "".join(f"{t},{label}\n" for label, texts in ROUTING.items() for t in texts),
                        encoding="utf-8")
    for page in open_page(browser, live_server, accept_confirms=True):
        page.click("#tab-custom")
        page.fill("#teach-name", "上传的")
        page.set_input_files("#teach-file", str(examples))
        page.click("#teach-send")
        expect(page.locator("#teach-result")).to_contain_text("18 条示例")
        row = page.locator(".classifier", has_text="上传的")
        expect(row).to_have_count(1)
        row.get_by_role("button", name="删除").click()
        expect(page.locator(".classifier", has_text="上传的")).to_have_count(0)


def test_errors_show_inline(custom):
    page = custom
    page.fill("#teach-name", "坏的")
    page.fill("#teach-lines", "物流问题 快递太慢")
    page.click("#teach-send")
    expect(page.locator("#teach-result .error")).to_have_text(re.compile("第 1 行缺少"))
    page.fill("#teach-lines", "物流问题，快递太慢\n物流问题，发货慢")
    page.click("#teach-send")
    expect(page.locator("#teach-result .error")).to_contain_text("至少需要 2 个不同的标签")
    # Without a model for it, 直接用标签 cannot be chosen (test_staff_page: the view opens in a mode that works).
    assert page.locator('#classifier-choice option[value=""]').is_disabled()
