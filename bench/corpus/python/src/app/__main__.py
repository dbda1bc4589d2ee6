"""``python -m app``: the ledger command line."""
from app.cli import main

raise SystemExit(main())
