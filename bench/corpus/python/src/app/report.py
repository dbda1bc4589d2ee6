"""Reports of a summary: an aligned text table or JSON."""
from __future__ import annotations

import json
from typing import List

from ledgerkit import format_money, render_table

from app.core import Summary, Transaction, category_shares


def text_report(summary: Summary, top: List[Transaction], checksum: int) -> str:
    """The human report: totals, categories with their share, months, largest expenses."""
    out = [
        f"transactions: {summary.count}   checksum: {checksum:016x}",
        f"income {format_money(summary.income)}, spending {format_money(summary.spending)}, "
        f"balance {format_money(summary.balance)}",
        "",
    ]
    shares = dict(category_shares(summary))
    rows = [
        (c, format_money(m), f"{shares.get(c, 0.0) * 100:.1f}%")
        for c, m in sorted(summary.by_category.items())
    ]
    out.append(render_table(("category", "total", "share"), rows))
    out.append(render_table(("month", "net"), [(k, format_money(v)) for k, v in summary.by_month.items()]))
    if top:
        out.append(
            render_table(
                ("day", "description", "amount"),
                [(t.day.isoformat(), t.description, format_money(t.amount)) for t in top],
            )
        )
    return "\n".join(out)


def json_report(summary: Summary, top: List[Transaction], checksum: int) -> str:
    """The machine report: the same figures as JSON, amounts in cents."""
    doc = {
        "count": summary.count,
        "checksum": f"{checksum:016x}",
        "income_cents": summary.income.cents,
        "spending_cents": summary.spending.cents,
        "by_category": {c: m.cents for c, m in sorted(summary.by_category.items())},
        "by_month": {k: v.cents for k, v in summary.by_month.items()},
        "largest": [
            {"day": t.day.isoformat(), "description": t.description, "cents": t.amount.cents}
            for t in top
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
