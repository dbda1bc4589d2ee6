"""Reading bank-export CSV files: ``date,description,amount`` with a header line."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import List

from ledgerkit import parse_money

from app.config import Settings
from app.core import Transaction, checksum
from app.rules import Rules


class IngestError(ValueError):
    """A row that cannot be read; carries its line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Batch:
    """The transactions of one file, the rows skipped, and the file's checksum."""

    transactions: List[Transaction] = field(default_factory=list)
    skipped: List[IngestError] = field(default_factory=list)
    checksum: int = 0


REQUIRED = ("date", "description", "amount")


def read_text(text: str, settings: Settings, strict: bool = False) -> Batch:
    """Parses CSV ``text``; bad rows are skipped (or raised with ``strict``)."""
    batch = Batch(checksum=checksum(text.encode("utf-8")))
    rules = Rules(settings.rules, settings.uncategorized)
    reader = csv.DictReader(io.StringIO(text), delimiter=settings.delimiter)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise IngestError(1, f"missing columns: {', '.join(missing)}")
    for row in reader:
        line = reader.line_num
        try:
            day = datetime.strptime(row["date"].strip(), settings.date_format).date()
            amount = parse_money(row["amount"], settings.currency)
            description = " ".join(row["description"].split())
            if not description:
                raise ValueError("empty description")
        except (ValueError, AttributeError) as e:
            err = IngestError(line, str(e))
            if strict:
                raise err from None
            batch.skipped.append(err)
            continue
        batch.transactions.append(
            Transaction(day, description, amount, rules.categorise(description))
        )
    return batch


def read_file(path: str, settings: Settings, strict: bool = False) -> Batch:
    """Parses the CSV file at ``path``."""
    with open(path, encoding="utf-8", newline="") as f:
        return read_text(f.read(), settings, strict)
