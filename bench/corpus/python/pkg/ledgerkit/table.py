"""Plain-text tables: columns sized to their widest cell, numbers aligned right."""
from __future__ import annotations

from typing import Iterable, Sequence


def _is_number(cell: str) -> bool:
    s = cell.replace(",", "").replace(".", "").replace(" EUR", "").lstrip("-")
    return s.isdigit()


def render_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Renders ``rows`` under ``header``; cells are converted with ``str``.

    Columns whose cells are all numeric (amounts included) are right-aligned.
    """
    body = [[str(c) for c in row] for row in rows]
    cols = len(header)
    for row in body:
        if len(row) != cols:
            raise ValueError(f"row has {len(row)} cells, header has {cols}")
    widths = [len(h) for h in header]
    for row in body:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    numeric = [bool(body) and all(_is_number(row[i]) for row in body) for i in range(cols)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(cells):
            out.append(c.rjust(widths[i]) if numeric[i] else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(header)), rule] + [line(r) for r in body]) + "\n"
