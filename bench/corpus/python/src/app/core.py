"""Transactions and their aggregation by category and month.

A file's rows are checksummed (FNV-1a, 64 bits) so that a report names exactly what it
summarised; the C extension ``app._speedups`` computes it when it is built, the pure-Python
``fnv1a64`` otherwise (both give the same value).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Dict, Iterable, List, Tuple

from ledgerkit import Money

try:  # built by the image's build stage; absent in a plain checkout
    from app._speedups import fnv1a64 as _fast_fnv1a64
except ImportError:  # pragma: no cover - depends on the build
    _fast_fnv1a64 = None

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Transaction:
    """One booked line of a bank export."""

    day: date
    description: str
    amount: Money
    category: str = "other"

    @property
    def month(self) -> str:
        """``YYYY-MM`` of the booking day."""
        return f"{self.day.year:04d}-{self.day.month:02d}"


def fnv1a64(data: bytes) -> int:
    """FNV-1a over ``data``, 64 bits (pure Python)."""
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & MASK64
    return h


def checksum(data: bytes) -> int:
    """FNV-1a of ``data``: the C extension's when it is built."""
    if _fast_fnv1a64 is not None:
        return _fast_fnv1a64(data)
    return fnv1a64(data)


def accelerated() -> bool:
    """Whether the C extension is in use."""
    return _fast_fnv1a64 is not None


@dataclass
class Summary:
    """Totals of a set of transactions."""

    count: int
    income: Money
    spending: Money
    by_category: Dict[str, Money]
    by_month: Dict[str, Money]

    @property
    def balance(self) -> Money:
        """Income plus spending (spending is negative)."""
        return self.income + self.spending


def summarise(transactions: Iterable[Transaction], currency: str = "EUR") -> Summary:
    """Totals per category and per month, income and spending apart."""
    zero = Money(0, currency)
    income, spending, count = zero, zero, 0
    by_category: Dict[str, Money] = defaultdict(lambda: zero)
    by_month: Dict[str, Money] = defaultdict(lambda: zero)
    for t in transactions:
        count += 1
        if t.amount.is_negative:
            spending = spending + t.amount
        else:
            income = income + t.amount
        by_category[t.category] = by_category[t.category] + t.amount
        by_month[t.month] = by_month[t.month] + t.amount
    return Summary(count, income, spending, dict(by_category), dict(sorted(by_month.items())))


def largest(transactions: Iterable[Transaction], n: int) -> List[Transaction]:
    """The ``n`` largest expenses, largest first (ties by day, then description)."""
    expenses = [t for t in transactions if t.amount.is_negative]
    expenses.sort(key=lambda t: (t.amount.cents, t.day, t.description))
    return expenses[:n]


def category_shares(summary: Summary) -> List[Tuple[str, float]]:
    """Each spending category's share of all spending, largest first."""
    total = -summary.spending.cents
    if total == 0:
        return []
    shares = [(c, -m.cents / total) for c, m in summary.by_category.items() if m.is_negative]
    return sorted(shares, key=lambda cs: (-cs[1], cs[0]))
