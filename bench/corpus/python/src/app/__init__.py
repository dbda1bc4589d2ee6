"""ledger: summarises bank-export CSV files by category and month.

The command line is in ``app.cli`` (``python -m app``); parsing and aggregation in
``app.core``, ``app.ingest`` and ``app.rules``; output in ``app.report``.
"""

__version__ = "2.7.0"
