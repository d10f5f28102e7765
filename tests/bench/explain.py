"""EXPLAIN ANALYZE the slowest queries of each page, from the last `make bench` of a size.

    .venv/bin/python tests/bench/explain.py large [--top 2] [--min-ms 20] [--page board]

Reads var/bench/<size>/queries.json (the SQL captured while counting the queries of pages and API lists) and
runs each chosen SELECT again under EXPLAIN (ANALYZE, BUFFERS) on that size's database (the same DATABASE_URL
rules as run.py). Only SELECTs are explained: EXPLAIN ANALYZE executes its statement.
"""

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ROOT, _connect, database_url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size")
    parser.add_argument("--top", type=int, default=1, help="queries per page, slowest first")
    parser.add_argument("--min-ms", type=float, default=20, help="skip queries faster than this")
    parser.add_argument("--page", action="append", help="only these rows (repeatable)")
    args = parser.parse_args()
    out = Path(os.environ.get("BENCH_OUT", ROOT / "var" / "bench")) / args.size / "queries.json"
    measured = json.loads(out.read_text())
    pages = measured["pages"] + measured.get("api", [])
    with _connect(database_url(args.size)) as connection, connection.cursor() as cursor:
        for page in pages:
            if args.page and page["row"] not in args.page:
                continue
            # A row without its record at this size has no SQL.
            queries = sorted(page.get("sql", []), key=lambda query: -query["ms"])[:args.top]
            for query in queries:
                if query["ms"] < args.min_ms or not query["sql"].lstrip().upper().startswith("SELECT"):
                    continue
                print(f"=== {page['row']} ({page['path']} as {page['user']}): {query['ms']} ms when counted\n")
                print(query["sql"] + "\n")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()) + "\n")
                connection.rollback()


if __name__ == "__main__":
    main()
