#!/usr/bin/env python3
"""Write every table of a Mentor App database or backup to CSV files, without the app.

    python3 profile_key.py PROFILE_FOLDER | python3 export_csv.py DATABASE_FILE OUT_FOLDER

DATABASE_FILE is a profile's mentor.db or one of its backups (backups/*.mentorbackup);
the raw key (64 hex digits, from profile_key.py) is read from standard input.
OUT_FOLDER must not exist yet. Each table becomes TABLE.csv; the records a
mentor keeps (table `records`) and those a supervisor received (table
`shared_records`) also become one file per record type, records-mentee.csv,
shared-meeting.csv and so on, with each field in a column of its own.

The database is opened read-only and is not changed. Work on a copy of the
profile folder anyway. The CSV files are NOT encrypted: they hold everything
the profile holds. A cell that a spreadsheet would run as a formula (one
starting with = + - @, a tab or a carriage return) is written with a single
quote in front, like the app's own CSV files. The profile's private keys
for the shared folder (signing, decryption, pseudonyms) are left out.

Needs Python 3.8+ and `sqlcipher3` (pip install sqlcipher3), which brings
SQLCipher 4.
"""

import csv
import json
import sys
from pathlib import Path

import sqlcipher3

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Search-index internals: their content is in the records table already.
SKIP_PREFIXES = ("sqlite_", "search_index")
JSON_COLUMNS = {"records": ("data", "records"), "shared_records": ("fields", "shared")}
# The profile's own private keys (for signing and decrypting the shared folder's files) stay out
# of a plaintext file: records don't need them.
PRIVATE_SETTINGS = (
    "exchange.org_age_identities",
    "exchange.org_signing_key",
    "exchange.org_old_signing_keys",
    "exchange.device_signing_key",
    "exchange.pseudonym_secret",
)


def cell(value):
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bytes):
        value = value.hex()
    if (
        isinstance(value, str)
        and value
        and (value[0] in FORMULA_STARTS or (value[0] == "'" and value[1:2] and value[1] in FORMULA_STARTS))
    ):
        value = "'" + value
    return value


def write(path: Path, header: list, rows) -> int:
    count = 0
    with open(path, "x", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for row in rows:
            out.writerow([cell(v) for v in row])
            count += 1
    return count


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    database, out = Path(sys.argv[1]), Path(sys.argv[2])
    key = sys.stdin.readline().strip().lower()
    if len(key) != 64 or any(ch not in "0123456789abcdef" for ch in key):
        sys.exit("Give the key as 64 hex digits on standard input (see profile_key.py).")
    if not database.is_file():
        sys.exit(f"There is no file at {database}.")
    # Read-only; and when no -wal file is beside it, "immutable" so that SQLite leaves no -wal and -shm behind.
    wal = Path(str(database) + "-wal")
    uri = database.resolve().as_uri() + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")
    conn = sqlcipher3.connect(uri, uri=True)
    conn.execute(f"PRAGMA key = \"x'{key}'\"")
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    except sqlcipher3.DatabaseError:
        sys.exit("That key does not open this file (or it is not a Mentor App database).")
    out.mkdir(parents=True)
    print(f"schema version {conn.execute('PRAGMA user_version').fetchone()[0]}", file=sys.stderr)
    for table in tables:
        if table.startswith(SKIP_PREFIXES):
            continue
        cursor = conn.execute(f'SELECT * FROM "{table}"')
        header = [d[0] for d in cursor.description]
        if table == "settings":
            cursor = [(k, "(a private key: left out)" if k in PRIVATE_SETTINGS else v) for k, v in cursor]
        print(f"{table}.csv: {write(out / f'{table}.csv', header, cursor)} rows", file=sys.stderr)
        if table not in JSON_COLUMNS:
            continue
        column, prefix = JSON_COLUMNS[table]
        by_type: dict = {}
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            row = dict(zip(header, row, strict=True))  # the same SELECT * as the header came from
            fields = json.loads(row.pop(column) or "{}")
            by_type.setdefault(row["type"], []).append((row, fields))
        for rtype, items in sorted(by_type.items()):
            names = sorted({name for _, fields in items for name in fields})
            rows = ([*row.values(), *(fields.get(n, "") for n in names)] for row, fields in items)
            columns = [c for c in header if c != column] + names
            count = write(out / f"{prefix}-{rtype}.csv", columns, rows)
            print(f"{prefix}-{rtype}.csv: {count} rows", file=sys.stderr)
    conn.close()


if __name__ == "__main__":
    main()
