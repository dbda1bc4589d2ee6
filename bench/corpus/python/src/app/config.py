"""Settings of a ledger run: from defaults, then the environment, then the command line."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Mapping

DEFAULT_RULES = (
    ("groceries", r"\b(market|grocer|bakery|supermarket)\b"),
    ("transport", r"\b(rail|metro|bus|taxi|fuel)\b"),
    ("housing", r"\b(rent|electricity|water|heating)\b"),
    ("salary", r"\b(salary|payroll)\b"),
    ("leisure", r"\b(cinema|concert|books?|museum)\b"),
)


@dataclass(frozen=True)
class Settings:
    """What a run does: its currency, its CSV dialect and its category rules."""

    currency: str = "EUR"
    delimiter: str = ","
    date_format: str = "%Y-%m-%d"
    rules: tuple = DEFAULT_RULES
    uncategorized: str = "other"
    top: int = 5
    extra: dict = field(default_factory=dict)

    def with_env(self, env: Mapping[str, str]) -> "Settings":
        """These settings with ``LEDGER_CURRENCY``, ``LEDGER_DELIMITER`` and ``LEDGER_TOP``
        applied."""
        s = self
        if env.get("LEDGER_CURRENCY"):
            s = replace(s, currency=env["LEDGER_CURRENCY"].upper())
        if env.get("LEDGER_DELIMITER"):
            s = replace(s, delimiter=env["LEDGER_DELIMITER"])
        if env.get("LEDGER_TOP"):
            s = replace(s, top=int(env["LEDGER_TOP"]))
        return s


def load(env: Mapping[str, str] | None = None) -> Settings:
    """The settings for this process."""
    return Settings().with_env(os.environ if env is None else env)
