"""What reading one table may cost, whatever its size on the wire, and the errors that say which bound
a file crossed.

A 1.6 KB workbook can declare a million rows of 16,384 columns, a 0.5 MB zip can hold 500 MB of
whitespace, and a 43 KB CSV of ``好,`` can be 4,000 columns wide: bytes uploaded say little about the
work. So every reader (``tables.read_rows``) counts as it goes and stops at the first bound crossed:

- ``columns``: the widest row (header or data) a table may have;
- ``cells``: cells walked, empty ones included (rows × their width);
- ``expanded_bytes`` and ``ratio``: what a workbook's zip members may inflate to, checked from the zip's
  directory before anything is inflated (Python's zipfile never inflates a member past its declared size);
- ``deadline``: the request's time budget (``time.monotonic()`` seconds), checked every few hundred rows
  walked, skipped blank rows included.

Each bound has its own stable ``code`` and answers 413; a file that is simply broken answers 400
``invalid_file``. Messages are Chinese and never echo a parser's internals.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

CHECK_EVERY = 256  # rows walked between two looks at the clock
SHARED_STRINGS_BYTES = 32 * 1024 * 1024  # a workbook's string table is held in memory whole


class TableError(ValueError):
    """A file that cannot be read as the table it claims to be; ``code`` is stable, the message says what to fix."""

    status = 400

    def __init__(self, message: str, code: str = "invalid_file", **extra: object):
        super().__init__(message)
        self.code, self.extra = code, extra


class TableTooCostly(TableError):
    """A file that crosses one of the reading budget's bounds (413)."""

    status = 413


@dataclass(frozen=True)
class ReadBudget:
    columns: int | None = None
    cells: int | None = None
    expanded_bytes: int | None = None
    ratio: float | None = None
    deadline: float | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any], cells: int | None, seconds: float | None) -> "ReadBudget":
        """The service's bounds for a route with its own cell budget (None: none), and ``seconds`` from now
        (None: no clock, as for the CLI's local files)."""
        return cls(columns=config["SENTIMENT_MAX_FILE_COLUMNS"], cells=cells,
                   expanded_bytes=config["SENTIMENT_MAX_EXPANDED_BYTES"], ratio=config["SENTIMENT_MAX_EXPANSION"],
                   deadline=None if seconds is None else time.monotonic() + seconds)

    def counter(self) -> "Walk":
        return Walk(self)


class Walk:
    """The running count of one read against its budget."""

    def __init__(self, budget: ReadBudget):
        self.budget, self.rows, self.cells = budget, 0, 0

    def row(self, width: int) -> None:
        """Count one row of ``width`` cells walked (kept or skipped), refusing the first bound it crosses."""
        budget = self.budget
        self.rows += 1
        self.cells += max(width, 1)
        if budget.columns is not None and width > budget.columns:
            raise TableTooCostly(f"第 {self.rows} 行有 {width} 列，超过 {budget.columns} 列的上限。",
                                 "too_many_columns", max_columns=budget.columns)
        if budget.cells is not None and self.cells > budget.cells:
            raise TableTooCostly(f"文件超过 {budget.cells} 个单元格的上限（行数 × 列数，空单元格也算）。"
                                 "请删去不需要的列，或把文件分成几份。", "too_many_cells", max_cells=budget.cells)
        if budget.deadline is not None and self.rows % CHECK_EVERY == 0 and time.monotonic() > budget.deadline:
            raise TableTooCostly("读取文件超过了时间上限，已停止。请删去不需要的行和列，或把文件分成几份。",
                                 "file_read_timeout")

    def expanded(self, name: str, declared: int, compressed: int, total: int) -> None:
        """Refuse a zip member that would inflate too far, alone (ratio) or with the others (bytes)."""
        budget = self.budget
        if budget.ratio is not None and declared > 1024 * 1024 and declared > budget.ratio * max(compressed, 1):
            raise TableTooCostly(f"Excel 文件解压后比压缩时大 {declared // max(compressed, 1)} 倍，超过 "
                                 f"{budget.ratio:g} 倍的上限（可能是压缩炸弹）。", "file_too_expanded",
                                 max_ratio=budget.ratio)
        if budget.expanded_bytes is not None and total > budget.expanded_bytes:
            raise TableTooCostly(f"Excel 文件解压后超过 {budget.expanded_bytes // (1024 * 1024)} MB 的上限。",
                                 "file_too_expanded", max_expanded_bytes=budget.expanded_bytes)
        if name.endswith("sharedStrings.xml") and declared > SHARED_STRINGS_BYTES:
            raise TableTooCostly(f"Excel 文件的字符串表超过 {SHARED_STRINGS_BYTES // (1024 * 1024)} MB 的上限。",
                                 "file_too_expanded", max_expanded_bytes=SHARED_STRINGS_BYTES)
