"""The secret-hygiene test's window into the sandbox's SQLite database (node has no SQLite).

  sandbox_db.py secrets DB        prints {"api_secrets": [...], "totp_secrets": [...]} as JSON:
                                  the secrets the sandbox keeps server-side, as the exchange does
  sandbox_db.py key DB MEMBER_ID  prints {"api_key", "api_secret"} of a demo member's org API key
                                  (for driving the CLI beside the app)
  sandbox_db.py bot DB SU_ID      prints {"api_key", "api_secret"} of a demo service user's key
                                  (a bot calling the exchange API beside the app)
  sandbox_db.py decisions DB      prints the journal's decision records as a JSON list
  sandbox_db.py scan DB PATTERNS  PATTERNS is a JSON file [{"label", "hex"}]; prints the list of
                                  {"label", "table", "column"} where a pattern's bytes
                                  occur in a cell (text or blob), in every table of the database
"""

import json
import sqlite3
import sys


def connect(path):
    # Read-only: the app may still hold it open.
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def secrets(path):
    db = connect(path)
    api = [r[0] for r in db.execute("SELECT secret FROM api_keys")]
    totp = [r[0] for r in db.execute("SELECT totp_secret FROM members")]
    totp += [r[0] for r in db.execute("SELECT pending_totp FROM members WHERE pending_totp IS NOT NULL")]
    print(json.dumps({"api_secrets": api, "totp_secrets": totp}))


def key(path, member_id):
    db = connect(path)
    row = db.execute(
        "SELECT api_key, secret FROM api_keys WHERE owner_kind = 'member' AND owner_id = ?", (member_id,)
    ).fetchone()
    if row is None:
        sys.exit(f"no key for {member_id}")
    print(json.dumps({"api_key": row[0], "api_secret": row[1]}))


def bot(path, service_user):
    db = connect(path)
    row = db.execute(
        "SELECT api_key, secret FROM api_keys WHERE owner_kind = 'service_user' AND owner_id = ?",
        (service_user,),
    ).fetchone()
    if row is None:
        sys.exit(f"no key for {service_user}")
    print(json.dumps({"api_key": row[0], "api_secret": row[1]}))


def decisions(path):
    db = connect(path)
    records = [json.loads(r[0]) for r in db.execute("SELECT record FROM journal ORDER BY seq")]
    print(json.dumps([r for r in records if r["event"]["kind"] == "decision"]))


def scan(path, patterns_file):
    with open(patterns_file, encoding="utf-8") as f:
        patterns = [(p["label"], bytes.fromhex(p["hex"])) for p in json.load(f)]
    db = connect(path)
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    hits = []
    for table in tables:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        for cells in db.execute(f'SELECT * FROM "{table}"'):
            for column, cell in zip(columns, cells):
                if isinstance(cell, str):
                    data = cell.encode("utf-8")
                elif isinstance(cell, bytes):
                    data = cell
                else:
                    continue
                for label, needle in patterns:
                    if needle in data:
                        hits.append({"label": label, "table": table, "column": column})
    print(json.dumps(hits))


if __name__ == "__main__":
    if sys.argv[1] == "secrets":
        secrets(sys.argv[2])
    elif sys.argv[1] == "key":
        key(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "bot":
        bot(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "decisions":
        decisions(sys.argv[2])
    elif sys.argv[1] == "scan":
        scan(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
