"""app.core: checksums (C and Python agree), summaries, largest expenses, shares."""
import unittest
from datetime import date

from ledgerkit import Money

from app import core


def tx(day, desc, cents, cat="other"):
    return core.Transaction(date.fromisoformat(day), desc, Money(cents), cat)


class ChecksumTest(unittest.TestCase):
    def test_known_values(self):
        self.assertEqual(core.fnv1a64(b""), 0xCBF29CE484222325)
        self.assertEqual(core.fnv1a64(b"a"), 0xAF63DC4C8601EC8C)
        self.assertEqual(core.fnv1a64(b"foobar"), 0x85944171F73967E8)

    def test_extension_agrees_with_python(self):
        if not core.accelerated():
            self.skipTest("app._speedups not built")
        for data in (b"", b"a", b"ledger" * 1000, bytes(range(256))):
            self.assertEqual(core.checksum(data), core.fnv1a64(data))

    def test_extension_is_built_in_the_image(self):
        # the image's build stage compiles it before running the tests
        import os
        if os.environ.get("LEDGER_REQUIRE_EXT", "1") == "1" and os.path.isdir("/app/src"):
            self.assertTrue(core.accelerated(), "app._speedups should be importable")


class SummaryTest(unittest.TestCase):
    def setUp(self):
        self.txs = [
            tx("2026-07-01", "salary", 300000, "salary"),
            tx("2026-07-02", "rent", -110000, "housing"),
            tx("2026-07-03", "bakery", -480, "groceries"),
            tx("2026-08-03", "market", -2210, "groceries"),
        ]

    def test_totals(self):
        s = core.summarise(self.txs)
        self.assertEqual(s.count, 4)
        self.assertEqual(s.income, Money(300000))
        self.assertEqual(s.spending, Money(-112690))
        self.assertEqual(s.balance, Money(187310))
        self.assertEqual(s.by_category["groceries"], Money(-2690))
        self.assertEqual(list(s.by_month), ["2026-07", "2026-08"])

    def test_largest(self):
        top = core.largest(self.txs, 2)
        self.assertEqual([t.description for t in top], ["rent", "market"])

    def test_shares(self):
        shares = core.category_shares(core.summarise(self.txs))
        self.assertEqual(shares[0][0], "housing")
        self.assertAlmostEqual(sum(v for _, v in shares), 1.0)

    def test_empty(self):
        s = core.summarise([])
        self.assertEqual(s.count, 0)
        self.assertEqual(core.category_shares(s), [])


if __name__ == "__main__":
    unittest.main()
