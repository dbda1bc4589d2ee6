"""ledgerkit: helpers shared by the ledger tools.

``money`` parses and formats amounts as exact decimals; ``table`` renders rows as an aligned
plain-text table.
"""
from ledgerkit.money import Money, parse_money, format_money
from ledgerkit.table import render_table

__version__ = "1.4.2"
__all__ = ["Money", "parse_money", "format_money", "render_table", "__version__"]
