"""Column names for people (issue 25): ``header_language=zh`` on the file API and jobs, ``tag --headers zh``;
machine names stay the default, documented in docs/api.md."""
from __future__ import annotations

import csv
import io

from test_cli import run
from test_jobs import make_app, wait

ZH = ["结果", "倾向", "置信度", "得分_负面", "得分_正面", "理由", "褒贬不一", "无法分析的原因"]
SOURCE = "评论\n菜很好吃\n\n太难吃了，再也不来\n"


def read(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_file_api_names_columns_in_chinese_when_asked(client):
    asked = client.post("/api/sentiment/file", data={"file": (io.BytesIO(SOURCE.encode()), "r.csv"),
                                                     "header_language": "zh"}, content_type="multipart/form-data")
    rows = read(asked.data)
    assert list(rows[0]) == ["评论", *ZH]
    assert rows[0]["倾向"] == "正面" and rows[0]["褒贬不一"] == "否" and rows[2]["倾向"] == "负面"
    assert rows[1]["无法分析的原因"].startswith("第 2 行的文本是空的")  # the message, not the code, for people
    plain = read(client.post("/api/sentiment/file", data={"file": (io.BytesIO(SOURCE.encode()), "r.csv")},
                             content_type="multipart/form-data").data)
    assert list(plain[0])[1:3] == ["label", "polarity"] and plain[0]["polarity"] == "Positive"
    clash = read(client.post("/api/sentiment/file", data={"file": (io.BytesIO("评论,结果\n好吃,5\n".encode()), "r.csv"),
                                                          "header_language": "zh", "column": "评论"},
                             content_type="multipart/form-data").data)
    assert clash[0]["结果"] == "5" and clash[0]["模型_结果"] == "正面"
    wrong = client.post("/api/sentiment/file", data={"file": (io.BytesIO(SOURCE.encode()), "r.csv"),
                                                     "header_language": "fr"}, content_type="multipart/form-data")
    assert wrong.status_code == 400 and wrong.get_json()["code"] == "invalid_header_language"


def test_jobs_and_the_command_line_too(tmp_path):
    client = make_app(tmp_path).test_client()
    job = client.post("/api/jobs", json={"texts": ["菜很好吃"], "header_language": "zh", "format": "csv"})
    status = wait(client, job.get_json()["id"])
    assert list(read(client.get(status["result_url"]).data)[0]) == ["text", *ZH]
    source, out = tmp_path / "r.csv", tmp_path / "out.csv"
    source.write_text(SOURCE, encoding="utf-8")
    assert run("tag", str(source), "-o", str(out), "--headers", "zh").returncode == 0
    assert list(read(out.read_bytes())[0]) == ["评论", *ZH]
