"""Command line: ``python -m sentiment {predict,aspects,evaluate,export,teach,tag,download} ...``.

``predict`` answers exactly as the API does, from whichever backend the
environment selects; ``download`` is the one command that touches the network.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sentiment import cli_aspects, cli_labels
from sentiment.cli_common import SAY_WHY, emit, fail, load_service, stdin_lines
from sentiment.bulk.columns import MissingColumn
from sentiment.config import DEFAULT_MODEL_ID, ConfigError, from_env
from sentiment.models.backends import BackendUnavailable
from sentiment.models.texts import InvalidText, check_text


def predict(args: argparse.Namespace) -> int:
    """Classify the texts given, or each non-empty line of standard input, one JSON object per line: the
    API's answer, sentences and ``mixed`` included."""
    from sentiment.models.explain import analyse_with_sentences

    config = from_env()
    texts = args.texts or stdin_lines()
    service = load_service(config)
    checked: list[tuple[str, InvalidText | None]] = []
    for text in texts:
        try:
            checked.append((check_text(text, config["SENTIMENT_MAX_CHARS"], "text "), None))
        except InvalidText as error:
            checked.append((text, error))
    valid = [text for text, error in checked if error is None]
    step = config["SENTIMENT_MAX_TEXTS"]
    results = iter([r for start in range(0, len(valid), step)
                    for r in analyse_with_sentences(service, valid[start : start + step])])
    for text, error in checked:  # input order, errors in their place
        emit(next(results) if error is None else {"text": text, "error": error.message, "code": error.code})
    status = 2 if any(error for _, error in checked) else 0
    return status


def export(args: argparse.Namespace) -> int:
    """Export a local StructBERT/BERT classifier (a directory, or a downloaded ModelScope id) to ONNX."""
    from sentiment.models.backends.modelscope_pipeline import display_name, local_model_dir
    from sentiment.models.onnx_export import export as run_export

    model_dir = local_model_dir(args.model)
    if model_dir is None:
        return fail(f"磁盘上没有 {args.model} 的权重；先运行 `python -m sentiment download {args.model}`，"
                      "或在 --model 给出模型目录")
    try:
        out = run_export(model_dir, args.out, int8=args.int8, name=display_name(args.model, model_dir))
    except Exception as error:  # torch, onnx and onnxruntime raise any type for a model they cannot handle
        return fail(f"无法导出 {args.model}：{error}")
    print(f"已导出 {args.model} 到 {out}；用 SENTIMENT_MODEL={out} 启动服务即可使用它")
    return 0


def _tag_on_server(args: argparse.Namespace) -> int:
    """Submit the file as a job to a running service, follow its progress, and save the result."""
    import time
    import urllib.error
    import urllib.request
    import uuid

    from tqdm import tqdm

    base = args.server.rstrip("/")
    boundary = uuid.uuid4().hex
    fields = {"column": args.column, "format": args.format, "classifier": args.classifier, "aspects": args.aspects,
              "threshold": args.threshold, "header_language": args.headers}
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items() if value]
    name = args.input.name if str(args.input) != "-" else f"stdin.{args.input_format or 'csv'}"
    try:
        data = sys.stdin.buffer.read() if str(args.input) == "-" else args.input.read_bytes()
    except OSError as error:
        return fail(error)
    body = b"".join(parts) + (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                              f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()

    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if args.api_key:
        headers["Authorization"] = f"Bearer {args.api_key}"

    def call(path: str, payload: bytes | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(base + path, data=payload, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    try:
        status, answer = call("/api/jobs", body)
        if status != 202:
            return fail(json.loads(answer).get("error", answer[:200]))
        job = json.loads(answer)
        with tqdm(total=job["rows_total"], unit="row", file=sys.stderr, disable=None, desc="job") as bar:
            while job["state"] in ("queued", "running"):
                time.sleep(0.5)
                job = json.loads(call(f"/api/jobs/{job['id']}")[1])
                bar.update(job["rows_done"] - bar.n)
        if job["state"] != "done":
            return fail(f"任务没有完成（{job['state']}）：{job.get('error') or ''}")
        status, result = call(f"/api/jobs/{job['id']}/result")
    except (OSError, ValueError) as error:
        return fail(f"连不上 {base}（--server）：{error}")
    (sys.stdout.buffer.write(result) if args.output is None or str(args.output) == "-" else args.output.write_bytes(result))
    return 0


def tag(args: argparse.Namespace) -> int:
    """Add the model's columns to every row of a table, streaming, in batches; resumable."""
    if args.server:
        return _tag_on_server(args)
    from tqdm import tqdm

    from sentiment.bulk.tables import (ReadBudget, TableError, TableWriter, count_rows, format_of, read_rows,
                                        trim_partial)
    from sentiment.bulk.tagging import Tagger

    config = from_env()
    kind = args.input_format or ("csv" if str(args.input) == "-" else format_of(str(args.input)))
    to_stdout = args.output is None or str(args.output) == "-"
    out_kind = args.format or (None if to_stdout else format_of(str(args.output))) or ("csv" if kind == "txt" else kind)
    done = 0
    if args.resume and not to_stdout and args.output.exists():
        if out_kind == "xlsx":
            return fail("XLSX 输出不能续写；要续写（--resume）请输出 CSV 或 JSONL")
        trim_partial(args.output, out_kind)
        done = count_rows(args.output, out_kind)
    classifier = None
    if args.classifier:
        from sentiment.models.custom.store import ClassifierStore, InvalidName, UnknownClassifier

        try:
            classifier = ClassifierStore(Path(config["SENTIMENT_DATA_DIR"])).get(args.classifier)
        except (UnknownClassifier, InvalidName):
            return fail(f"{config['SENTIMENT_DATA_DIR']} 里没有名为“{args.classifier}”的分类器（--classifier）；"
                          "先用 `python -m sentiment teach` 教一个")
    aspects = None
    if args.aspects:
        from sentiment.cli_aspects import reader_and_set

        aspects = reader_and_set(config, args.aspects)
        if aspects is None:
            return 2
    try:
        source = sys.stdin.buffer if str(args.input) == "-" else open(args.input, "rb")
    except OSError as error:
        return fail(error)
    service = load_service(config)
    about: dict = {}
    rows = read_rows(source, kind, ReadBudget.from_config(config, None, None), about)  # local files: no cell or time bound
    for _ in range(done):  # rows already tagged in the partial output
        next(rows, None)
    sink = sys.stdout.buffer if to_stdout else open(args.output, "ab" if done else "wb")
    try:
        rows = iter(rows)
        first = next(rows, None)  # reading has started: a workbook's sheet name is known
        writer = TableWriter(sink, out_kind, header=not done, sheet=about.get("sheet"))
        rows = rows if first is None else itertools.chain([first], rows)
        with tqdm(unit="row", initial=done, file=sys.stderr, disable=None, desc="tagging") as bar:
            tagger = Tagger(service, args.column, config["SENTIMENT_MAX_CHARS"], args.batch, classifier, aspects,
                            args.threshold, args.headers)
            for row in tagger.tag(rows, start=done + 1, progress=bar.update):
                writer.write(row)
        writer.close()
    except MissingColumn as error:
        return fail(error.say("--column"))
    except TableError as error:
        return fail(getattr(error, "message", error))
    finally:
        source.close()
        sink.flush()
        if not to_stdout:
            sink.close()
    return 0


def _hub_reachable(timeout: float) -> str | None:
    """None when ModelScope's hub accepts a connection, else why not, so that no download hangs."""
    from modelscope.hub.utils.utils import get_endpoint

    endpoint = urlsplit(get_endpoint())
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    try:
        socket.create_connection((endpoint.hostname, port), timeout=timeout).close()
    except OSError as error:
        return f"{endpoint.hostname}:{port}：{error}"
    return None


def download(args: argparse.Namespace) -> int:
    """Fetch a model's weights into the ModelScope cache, where ``SENTIMENT_BACKEND=auto`` finds them."""
    problem = _hub_reachable(args.timeout)
    if problem:
        return fail(f"连不上 ModelScope 模型库（{problem}）。这台机器似乎不能上网，服务继续使用内置模型（bundled model）。\n"
                      "请在能上网的机器上运行这个命令，或把模型目录复制过来，再设置 SENTIMENT_MODEL=/path/to/it。")
    from modelscope.hub.snapshot_download import snapshot_download

    try:
        path = snapshot_download(args.model)
    except Exception as error:  # the hub client raises HTTP, I/O and its own errors alike
        return fail(f"无法下载 {args.model}：{error}")
    print(f"已下载 {args.model} 到 {path}\n重启服务后，SENTIMENT_BACKEND=auto 就会使用它")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentiment", description="Chinese sentiment service tools")
    parser.add_argument("--verbose", action="store_true", help="say why the model serves (settings, downloads)")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("predict", help="classify texts (arguments, or lines on standard input)")
    p.add_argument("texts", nargs="*")
    p.set_defaults(run=predict)
    cli_aspects.add_parser(commands).set_defaults(run=lambda args: cli_aspects.aspects(
        args, from_env(), args.texts or ([] if args.list else stdin_lines()), emit))
    e = commands.add_parser("evaluate", help="accuracy of the configured model on your labelled CSV/JSONL")
    e.add_argument("--data", required=True, type=Path, help="CSV with a header, or JSON lines")
    e.add_argument("--text-col", help="column holding the text (default: the one that reads most like prose)")
    e.add_argument("--label-col", help="column holding the labels (default: a label header, else the column with fewest distinct values)")
    e.add_argument("--json", action="store_true", help="print the report as JSON")
    e.set_defaults(run=cli_labels.evaluate)
    x = commands.add_parser("export", help="StructBERT to ONNX (optionally INT8) for a faster CPU backend")
    x.add_argument("--model", required=True, help="ModelScope id (already downloaded) or model directory")
    x.add_argument("--out", required=True, type=Path, help="directory to write")
    x.add_argument("--int8", action="store_true", help="dynamic INT8 quantisation of the weights")
    x.set_defaults(run=export)
    t = commands.add_parser("teach", help="teach a classifier of your own labels from a CSV/XLSX/JSONL file")
    t.add_argument("name", help="the classifier's name (Chinese, letters, digits, _ or -)")
    t.add_argument("file", type=Path, help="examples with a text and a label column")
    t.add_argument("--text-col", help="the text column (default: the one that reads most like prose)")
    t.add_argument("--label-col", help="the label column (default: a label header, else the column with fewest distinct values)")
    t.add_argument("--replace", action="store_true", help="replace a classifier of the same name")
    t.add_argument("--json", action="store_true", help="print the classifier's report as JSON")
    t.set_defaults(run=cli_labels.teach)
    g = commands.add_parser("tag", help="add the model's columns to every row of a CSV/TSV/TXT/JSONL/XLSX file")
    g.add_argument("input", type=Path, help="the table to tag, or - for standard input")
    g.add_argument("-o", "--output", type=Path, help="where to write (default: standard output)")
    g.add_argument("--column", help="the text column (default: the one that reads most like prose)")
    g.add_argument("--format", choices=("csv", "tsv", "jsonl", "xlsx"), help="output format (default: the output's suffix, else the input's)")
    g.add_argument("--input-format", choices=("csv", "tsv", "txt", "jsonl", "xlsx"), help="input format (default: its suffix; csv for standard input)")
    g.add_argument("--classifier", help="also add the columns of this taught classifier")
    g.add_argument("--headers", choices=("en", "zh"), default="en",
                   help="names of the added columns: en (label, confidence …, the default) or zh (结果, 置信度 …)")
    g.add_argument("--threshold", type=float, help="with --classifier: below this confidence its label is 其他 "
                   "(default: the classifier's own, from cross-validation)")
    g.add_argument("--aspects", metavar="SET", help="also add a column per category of this aspect set (正面/中性/负面)")
    g.add_argument("--server", help="run it as a job on this running service (e.g. http://127.0.0.1:7860) and wait")
    g.add_argument("--api-key", default=os.environ.get("SENTIMENT_API_KEY"),
                   help="the service's API key, when it has SENTIMENT_API_KEYS (default: $SENTIMENT_API_KEY)")
    g.add_argument("--resume", action="store_true", help="continue a partial output instead of starting again")
    g.add_argument("--batch", type=int, default=256, help="rows per model pass (default 256)")
    g.set_defaults(run=tag)
    d = commands.add_parser("download", help="fetch StructBERT (or another ModelScope model) for offline use")
    d.add_argument("model", nargs="?", default=DEFAULT_MODEL_ID)
    d.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the hub before giving up")
    d.set_defaults(run=download)
    args = parser.parse_args(argv)
    SAY_WHY["verbose"] = args.verbose
    try:
        return args.run(args)
    except (ConfigError, BackendUnavailable) as error:
        return fail(error)
