"""Times polars on the ledger review bench's file: read_csv of the generated ledgers export,
then totals (count, amount, fee) by asset, as `countersign ledger summary --by asset` gives them.

Usage: python polars_totals.py LEDGERS.CSV
Prints one JSON object: {"seconds": read + group-by wall seconds (best of 3), "groups": N,
"rows": N, "polars": version}.

Amounts are read as decimals (polars' Decimal type, exact like countersign's), not floats.
"""

import json
import sys
import time

import polars as pl


def run(path):
    start = time.perf_counter()
    frame = pl.read_csv(
        path,
        schema_overrides={
            "amount": pl.Decimal(38, 10),
            "fee": pl.Decimal(38, 10),
            "balance": pl.Decimal(38, 10),
        },
    )
    totals = frame.group_by("asset").agg(
        pl.len().alias("count"),
        pl.col("amount").sum(),
        pl.col("fee").sum(),
    )
    return time.perf_counter() - start, frame.height, totals.height


def main():
    path = sys.argv[1]
    runs = [run(path) for _ in range(3)]
    seconds, rows, groups = min(runs)
    print(
        json.dumps(
            {"seconds": seconds, "rows": rows, "groups": groups, "polars": pl.__version__}
        )
    )


if __name__ == "__main__":
    main()
