"""The command line: ``python -m app [--json] [--top N] [--strict] FILE...``."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from app import __version__
from app.config import load
from app.core import largest, summarise
from app.ingest import IngestError, read_file
from app.report import json_report, text_report


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    p = argparse.ArgumentParser(prog="ledger", description="Summarise bank-export CSV files.")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--top", type=int, help="how many of the largest expenses to list")
    p.add_argument("--strict", action="store_true", help="fail on the first bad row")
    p.add_argument("--version", action="version", version=f"ledger {__version__}")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line; returns the exit status."""
    args = parser().parse_args(argv)
    settings = load()
    if not args.files:
        parser().print_help()
        return 0
    transactions, crc, skipped = [], 0, 0
    for path in args.files:
        try:
            batch = read_file(path, settings, strict=args.strict)
        except (OSError, IngestError) as e:
            print(f"ledger: {path}: {e}", file=sys.stderr)
            return 1
        transactions.extend(batch.transactions)
        skipped += len(batch.skipped)
        crc ^= batch.checksum
    summary = summarise(transactions, settings.currency)
    top = largest(transactions, args.top if args.top is not None else settings.top)
    render = json_report if args.json else text_report
    sys.stdout.write(render(summary, top, crc))
    if skipped:
        print(f"ledger: skipped {skipped} bad rows", file=sys.stderr)
    return 0
