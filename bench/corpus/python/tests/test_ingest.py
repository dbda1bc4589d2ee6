"""app.ingest and app.rules on the sample export in tests/data."""
import os
import unittest

from app.config import Settings, load
from app.ingest import IngestError, read_file, read_text
from app.rules import Rules

DATA = os.path.join(os.path.dirname(__file__), "data", "2026-q3.csv")


class IngestTest(unittest.TestCase):
    def test_sample(self):
        batch = read_file(DATA, Settings())
        self.assertEqual(len(batch.transactions), 17)
        self.assertEqual(len(batch.skipped), 2)
        self.assertEqual([e.line for e in batch.skipped], [14, 20])
        cats = {t.description: t.category for t in batch.transactions}
        self.assertEqual(cats["Rent Flat 4B"], "housing")
        self.assertEqual(cats["Farmers market"], "groceries")
        self.assertEqual(cats["Gift for Sam"], "other")
        self.assertNotEqual(batch.checksum, 0)

    def test_strict(self):
        with self.assertRaises(IngestError) as cm:
            read_file(DATA, Settings(), strict=True)
        self.assertEqual(cm.exception.line, 14)

    def test_missing_column(self):
        with self.assertRaises(IngestError):
            read_text("date,amount\n2026-01-01,1\n", Settings())

    def test_delimiter_from_env(self):
        s = load({"LEDGER_DELIMITER": ";", "LEDGER_CURRENCY": "chf"})
        batch = read_text("date;description;amount\n2026-01-01;Bus ticket;-3.40\n", s)
        self.assertEqual(batch.transactions[0].amount.currency, "CHF")
        self.assertEqual(batch.transactions[0].category, "transport")


class RulesTest(unittest.TestCase):
    def test_first_match_wins(self):
        r = Rules([("a", "rent"), ("b", "rent|fuel")], "zz")
        self.assertEqual(r.categorise("RENT March"), "a")
        self.assertEqual(r.categorise("fuel"), "b")
        self.assertEqual(r.categorise("nothing"), "zz")
        self.assertEqual(r.names(), ["a", "b", "zz"])


if __name__ == "__main__":
    unittest.main()
