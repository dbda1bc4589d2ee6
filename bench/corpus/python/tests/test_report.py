"""app.report and the helper package's money and table code."""
import json
import os
import unittest

from ledgerkit import Money, format_money, parse_money, render_table

from app.config import Settings
from app.core import largest, summarise
from app.ingest import read_file
from app.report import json_report, text_report

DATA = os.path.join(os.path.dirname(__file__), "data", "2026-q3.csv")


class MoneyTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(parse_money("1,234.50"), Money(123450))
        self.assertEqual(parse_money("(7.25)"), Money(-725))
        self.assertEqual(parse_money("-0.005"), Money(0))
        self.assertEqual(parse_money("0.015"), Money(2))
        with self.assertRaises(ValueError):
            parse_money("abc")

    def test_format(self):
        self.assertEqual(format_money(Money(-123456)), "-1,234.56 EUR")
        self.assertEqual(format_money(Money(5, "CHF")), "0.05 CHF")


class TableTest(unittest.TestCase):
    def test_alignment(self):
        out = render_table(("name", "n"), [("a", 1), ("bbb", 22)])
        self.assertEqual(out, "name   n\n----  --\na      1\nbbb   22\n")

    def test_bad_row(self):
        with self.assertRaises(ValueError):
            render_table(("a", "b"), [(1,)])


class ReportTest(unittest.TestCase):
    def setUp(self):
        self.batch = read_file(DATA, Settings())
        self.summary = summarise(self.batch.transactions)
        self.top = largest(self.batch.transactions, 3)

    def test_json(self):
        doc = json.loads(json_report(self.summary, self.top, self.batch.checksum))
        self.assertEqual(doc["count"], 17)
        self.assertEqual(doc["income_cents"], 975000)
        self.assertEqual(doc["by_category"]["housing"], -336112)
        self.assertEqual([t["cents"] for t in doc["largest"]], [-110000, -110000, -110000])

    def test_text(self):
        text = text_report(self.summary, self.top, self.batch.checksum)
        self.assertIn("transactions: 17", text)
        self.assertIn("housing", text)
        self.assertIn("2026-09", text)


if __name__ == "__main__":
    unittest.main()
