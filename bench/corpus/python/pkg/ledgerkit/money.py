"""Exact money amounts: parsing "1,234.50", "-12", "(7.25)" into cents and back."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, ROUND_HALF_EVEN

_CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in cents of one currency."""

    cents: int
    currency: str = "EUR"

    def __add__(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.cents + other.cents, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.cents, self.currency)

    @property
    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.cents < 0

    def __str__(self) -> str:
        return format_money(self)


def parse_money(text: str, currency: str = "EUR") -> Money:
    """Parses an amount as bank exports write it.

    Thousands separators are dropped, parentheses mean a negative amount, and the value is
    rounded half-even to the cent.
    """
    s = text.strip().replace(",", "").replace(" ", "")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if not s:
        raise ValueError("empty amount")
    try:
        value = Decimal(s).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    cents = int(value * 100)
    return Money(-cents if negative else cents, currency)


def format_money(m: Money, thousands: bool = True) -> str:
    """Formats ``m`` as ``-1,234.50 EUR``."""
    sign = "-" if m.cents < 0 else ""
    whole, cents = divmod(abs(m.cents), 100)
    whole_s = f"{whole:,}" if thousands else str(whole)
    return f"{sign}{whole_s}.{cents:02d} {m.currency}"
