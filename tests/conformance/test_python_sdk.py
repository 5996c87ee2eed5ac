"""Conformance: a widely used third-party client library, unchanged, against the sandbox.

The sandbox (`crates/sandbox`) must be wire-compatible with the exchange's REST API
(`shared/spec/kraken-rest.md`). This script drives it with python-kraken-sdk (PyPI
`python-kraken-sdk`, pinned in `requirements.txt`), pointed at the sandbox by the library's own
`url=` argument and nothing else: the library builds the URLs, the nonce, the form body and the
`API-Sign` itself, and parses the replies (money as decimal strings, errors mapped to its typed
exceptions, `RetrieveExport` as the raw zip).

What it checks, in order:
- public `Time`, `Assets`, `AssetPairs` (also filtered);
- `Balance` and `BalanceEx` agree;
- `Ledgers` paged with `ofs` until `count`: pages of at most 50, no overlap, newest first, the
  running balance `previous + amount - fee = balance` per asset, the newest balance per asset
  equal to `Balance`; `QueryLedgers` returns the same entries; an asset filter holds;
- an export: `AddExport` -> poll `ExportStatus` until `Processed` -> `RetrieveExport` is a zip
  holding only `ledgers.csv` with one of the exchange's header layouts (quoted, CRLF, no BOM),
  the same ledger ids as the API and valid running balances -> `RemoveExport`;
- a withdrawal by a bot under the Organization's 2-approval policy: `Withdraw` -> `refid` at
  once, `WithdrawStatus` shows it `Initial` with `status-prop` `onhold` (documented extension);
- an error path: a key without `export_data` calling `AddExport` gets the library's
  `KrakenPermissionDeniedError` for `EGeneral:Permission denied`.

Run (what `cargo xtask test` does in its step "third-party client library against the sandbox"):

    python3 -m venv target/conformance-venv
    target/conformance-venv/bin/pip install -r tests/conformance/requirements.txt
    countersign sandbox serve --addr 127.0.0.1:0 --data DIR --demo-credentials CREDS.json &
    target/conformance-venv/bin/python tests/conformance/test_python_sdk.py CREDS.json [BASE_URL]

The credentials file is the one `--demo-credentials` writes
(`{base_url, members: [...], service_users: [{id, api_key, api_secret, ...}]}`); the path may
also come from `COUNTERSIGN_DEMO_CREDENTIALS` and the base URL (default: the file's `base_url`)
from `COUNTERSIGN_SANDBOX_URL`. Every check runs even when an earlier one failed (unless it needs
that one's data); the script exits non-zero if any failed and ends with `N passed, N failed`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import time
import traceback
import warnings
import zipfile
from datetime import datetime
from decimal import Decimal
from importlib.metadata import version

# The library warns that the legacy funding endpoints are deprecated; they are still the API.
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"kraken(\.|$)")
warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*deprecated Kraken endpoint.*")

from kraken.exceptions import KrakenApiLimitExceededError, KrakenPermissionDeniedError  # noqa: E402
from kraken.spot import Funding, Market, User  # noqa: E402

# Demo service users (crates/sandbox seed) and what their keys may do.
REBALANCER = "su-rebalancer"  # funds_query, funds_withdraw, ledger_query
PAYOUTS = "su-payouts"  # funds_query, funds_withdraw (no export_data)
REPORTING = "su-reporting"  # funds_query, ledger_query, export_data, trades_query_closed

PAGE = 50
# Ledger export header layouts seen in the exchange's real files (shared/spec/kraken-rest.md).
LEDGER_LAYOUTS = [
    "txid,refid,time,type,aclass,asset,amount,fee,balance",
    "txid,refid,time,type,subtype,aclass,asset,amount,fee,balance",
    "txid,refid,time,type,subtype,aclass,asset,wallet,amount,fee,balance",
    "txid,refid,time,type,subtype,aclass,subclass,asset,wallet,amount,fee,balance",
    "txid,refid,time,type,subtype,aclass,subclass,asset,wallet,amount,fee,balance,"
    "amountusd,feeusd,balanceusd,feecurrency",
]
LEDGER_FIELDS = {"refid", "time", "type", "subtype", "aclass", "asset", "amount", "fee", "balance"}


def money(text: object) -> Decimal:
    """A decimal string as the API sends money; floats or ints are a conformance failure."""
    assert isinstance(text, str), f"money must be a decimal string, got {text!r}"
    return Decimal(text)


def call(fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    """Calls the library, backing off on the rate limit as a real client would.

    The library returns the raw envelope, instead of raising, for error strings it does not know;
    that is a failure here too.
    """
    for attempt in range(10):
        try:
            result = fn(*args, **kwargs)
        except KrakenApiLimitExceededError:
            print(f"    (rate limit on {fn.__name__}; retrying in 3 s, attempt {attempt + 1})")
            time.sleep(3)
            continue
        if isinstance(result, dict) and result.get("error"):
            raise AssertionError(f"{fn.__name__} answered an error: {result['error']}")
        return result
    raise AssertionError(f"{fn.__name__}: still rate limited after 10 attempts")


class Conformance:
    def __init__(self, creds: dict, base_url: str) -> None:
        self.url = base_url
        self.keys = {s["id"]: s for s in creds["service_users"]}
        for sid in (REBALANCER, PAYOUTS, REPORTING):
            assert sid in self.keys, f"demo credentials lack service user {sid}"
        self.ledger: dict[str, dict] | None = None  # id -> entry, from the paged Ledgers
        self.ledger_order: list[str] = []  # ids newest first
        self.balance: dict[str, str] | None = None

    def client(self, cls, sid: str):  # noqa: ANN001, ANN201
        key = self.keys[sid]
        return cls(key=key["api_key"], secret=key["api_secret"], url=self.url)

    # --- public ---------------------------------------------------------------------------

    def test_public_time(self) -> None:
        market = Market(url=self.url)
        # The library has no wrapper for Time; its generic request() is how it reaches it.
        t = call(market.request, "GET", "/0/public/Time", auth=False)
        assert isinstance(t["unixtime"], int), t
        parsed = datetime.strptime(t["rfc1123"], "%a, %d %b %y %H:%M:%S %z")
        assert int(parsed.timestamp()) == t["unixtime"], f"rfc1123 disagrees with unixtime: {t}"

    def test_public_assets(self) -> None:
        market = Market(url=self.url)
        assets = call(market.get_assets)
        for code in ("XXBT", "XETH", "ZUSD", "ZEUR"):
            assert code in assets, f"{code} missing from Assets: {sorted(assets)}"
        btc = assets["XXBT"]
        assert btc["altname"] == "XBT" and btc["aclass"] == "currency", btc
        assert isinstance(btc["decimals"], int) and isinstance(btc["display_decimals"], int), btc
        some = call(market.get_assets, assets=["XBT", "ETH"])
        assert set(some) == {"XXBT", "XETH"}, f"Assets asset=XBT,ETH gave {sorted(some)}"

    def test_public_asset_pairs(self) -> None:
        market = Market(url=self.url)
        assets = call(market.get_assets)
        pairs = call(market.get_asset_pairs)
        assert "XXBTZUSD" in pairs, f"XXBTZUSD missing: {sorted(pairs)}"
        p = pairs["XXBTZUSD"]
        assert (p["altname"], p["wsname"], p["base"], p["quote"]) == (
            "XBTUSD",
            "XBT/USD",
            "XXBT",
            "ZUSD",
        ), p
        for name, pair in pairs.items():
            assert pair["base"] in assets and pair["quote"] in assets, f"{name} names unknown assets"
            assert isinstance(pair["fees"], list) and isinstance(pair["pair_decimals"], int), pair
            money(pair["ordermin"])
        one = call(market.get_asset_pairs, pair="XBTUSD")
        assert list(one) == ["XXBTZUSD"], f"AssetPairs pair=XBTUSD gave {sorted(one)}"

    # --- account --------------------------------------------------------------------------

    def test_balance(self) -> None:
        user = self.client(User, REBALANCER)
        balance = call(user.get_account_balance)
        assert balance, "Balance is empty"
        for asset, amount in balance.items():
            assert money(amount) >= 0, f"{asset}: {amount}"
        ex = call(user.get_balances)
        assert set(ex) == set(balance), f"BalanceEx assets {sorted(ex)} != Balance {sorted(balance)}"
        for asset, entry in ex.items():
            assert money(entry["balance"]) == money(balance[asset]), (asset, entry, balance[asset])
            money(entry["hold_trade"])
        self.balance = balance

    def test_ledger_paging(self) -> None:
        user = self.client(User, REBALANCER)
        seen: dict[str, dict] = {}
        order: list[str] = []
        ofs, count, pages = 0, None, 0
        while True:
            page = call(user.get_ledgers_info, ofs=ofs)
            pages += 1
            assert isinstance(page["count"], int), page.get("count")
            if count is None:
                count = page["count"]
            assert page["count"] == count, f"count changed between pages: {count} -> {page['count']}"
            entries = page["ledger"]
            assert len(entries) <= PAGE, f"page at ofs={ofs} has {len(entries)} entries"
            overlap = set(entries) & set(seen)
            assert not overlap, f"page at ofs={ofs} repeats {sorted(overlap)[:5]}"
            for lid, entry in entries.items():
                missing = LEDGER_FIELDS - set(entry)
                assert not missing, f"{lid} lacks {missing}"
                for field in ("amount", "fee", "balance"):
                    money(entry[field])
                seen[lid] = entry
                order.append(lid)
            if not entries or len(seen) >= count:
                break
            assert len(entries) == PAGE, f"short page ({len(entries)}) at ofs={ofs} before count"
            ofs += len(entries)
        assert count and len(seen) == count, f"collected {len(seen)} entries, count says {count}"
        assert pages >= 2, f"only {pages} page(s): paging with ofs was not exercised"
        times = [Decimal(str(seen[lid]["time"])) for lid in order]
        assert all(a >= b for a, b in zip(times, times[1:])), "Ledgers is not newest first"
        # Running balances, oldest first, per asset.
        last: dict[str, Decimal] = {}
        for lid in reversed(order):
            e = seen[lid]
            amount, fee, balance = money(e["amount"]), money(e["fee"]), money(e["balance"])
            prev = last.get(e["asset"])
            if prev is not None:
                assert prev + amount - fee == balance, (
                    f"{lid} ({e['asset']}): {prev} + {amount} - {fee} != {balance}"
                )
            last[e["asset"]] = balance
        if self.balance is not None:
            for asset, bal in last.items():
                assert money(self.balance.get(asset, "0")) == bal, (
                    f"{asset}: newest ledger balance {bal} != Balance {self.balance.get(asset)}"
                )
        print(f"    {count} entries in {pages} pages, {len(last)} assets")
        self.ledger, self.ledger_order = seen, order

    def test_query_ledgers(self) -> None:
        assert self.ledger, "needs the paged ledger"
        ids = [self.ledger_order[0], self.ledger_order[len(self.ledger_order) // 2], self.ledger_order[-1]]
        user = self.client(User, REBALANCER)
        got = call(user.get_ledgers, id_=ids)
        assert set(got) == set(ids), f"QueryLedgers {ids} gave {sorted(got)}"
        for lid in ids:
            assert got[lid] == self.ledger[lid], (lid, got[lid], self.ledger[lid])

    def test_ledger_asset_filter(self) -> None:
        assert self.ledger, "needs the paged ledger"
        user = self.client(User, REPORTING)
        page = call(user.get_ledgers_info, asset="XBT")
        want = [lid for lid in self.ledger_order if self.ledger[lid]["asset"] == "XXBT"]
        assert page["count"] == len(want), f"asset=XBT count {page['count']} != {len(want)}"
        assert list(page["ledger"]) == want[:PAGE], "asset=XBT first page differs from the full ledger"

    # --- export ---------------------------------------------------------------------------

    def test_export(self) -> None:
        user = self.client(User, REPORTING)
        added = call(user.request_export_report, report="ledgers", description="conformance")
        export_id = added["id"]
        assert isinstance(export_id, str) and export_id, added
        deadline = time.monotonic() + 60
        while True:
            statuses = call(user.get_export_report_status, report="ledgers")
            mine = [s for s in statuses if s["id"] == export_id]
            assert len(mine) == 1, f"ExportStatus lists {export_id} {len(mine)} times: {statuses}"
            status = mine[0]["status"]
            assert status in {"Queued", "Processing", "Processed"}, mine[0]
            if status == "Processed":
                break
            assert time.monotonic() < deadline, f"export {export_id} still {status} after 60 s"
            time.sleep(1)
        response = call(user.retrieve_export, id_=export_id)
        body = response.content
        assert body[:4] == b"PK\x03\x04", f"RetrieveExport is not a zip: {body[:80]!r}"
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            assert z.namelist() == ["ledgers.csv"], z.namelist()
            raw = z.read("ledgers.csv")
        assert not raw.startswith(b"\xef\xbb\xbf"), "ledgers.csv has a BOM"
        text = raw.decode("utf-8")
        header, _, rest = text.partition("\r\n")
        assert rest, "ledgers.csv: no CRLF after the header"
        names = header.split(",")
        assert all(n.startswith('"') and n.endswith('"') for n in names), f"unquoted header: {header}"
        layout = ",".join(n.strip('"') for n in names)
        assert layout in LEDGER_LAYOUTS, f"ledgers.csv header is no known layout: {header}"
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert rows, "ledgers.csv has no rows"
        last: dict[tuple[str, str], Decimal] = {}
        for row in rows:
            if not row["balance"]:
                continue  # an older layout's requested-but-unsettled line
            key = (row["asset"], row.get("wallet", ""))
            amount, fee, balance = Decimal(row["amount"]), Decimal(row["fee"]), Decimal(row["balance"])
            if key in last:
                assert last[key] + amount - fee == balance, f"ledgers.csv {row['txid']}: {last[key]} + {amount} - {fee} != {balance}"
            last[key] = balance
        if self.ledger:
            txids = {row["txid"] for row in rows}
            assert txids == set(self.ledger), (
                f"ledgers.csv has {len(txids)} ids, the API {len(self.ledger)}; "
                f"only in csv: {sorted(txids - set(self.ledger))[:5]}, "
                f"only in API: {sorted(set(self.ledger) - txids)[:5]}"
            )
        print(f"    export {export_id}: {len(rows)} rows, header {layout}")
        removed = call(user.delete_export_report, id_=export_id, type_="delete")
        assert removed == {"delete": True}, removed
        after = call(user.get_export_report_status, report="ledgers")
        assert all(s["id"] != export_id for s in after), f"{export_id} still listed after RemoveExport"

    # --- funding --------------------------------------------------------------------------

    def test_withdrawal_on_hold(self) -> None:
        funding = self.client(Funding, PAYOUTS)
        info = call(funding.get_withdrawal_info, asset="XBT", key="cold-storage-1", amount="0.01")
        money(info["fee"])
        done = call(funding.withdraw_funds, asset="XBT", key="cold-storage-1", amount="0.01")
        refid = done["refid"]
        assert isinstance(refid, str) and refid, done
        statuses = call(funding.get_recent_withdraw_status, asset="XBT")
        assert isinstance(statuses, list), statuses
        mine = [s for s in statuses if s["refid"] == refid]
        assert len(mine) == 1, f"WithdrawStatus lists {refid} {len(mine)} times"
        w = mine[0]
        assert w["status"] == "Initial" and w.get("status-prop") == "onhold", w
        assert w["asset"] == "XXBT" and w["key"] == "cold-storage-1", w
        assert money(w["amount"]) == Decimal("0.01"), w
        print(f"    {refid}: {w['status']} / {w['status-prop']}")

    # --- errors ---------------------------------------------------------------------------

    def test_permission_denied(self) -> None:
        user = self.client(User, PAYOUTS)
        try:
            result = user.request_export_report(report="ledgers", description="not allowed")
        except KrakenPermissionDeniedError as e:
            assert "EGeneral:Permission denied" in str(e), str(e)
            return
        raise AssertionError(f"AddExport without export_data answered {result!r}")


def main() -> int:
    creds_path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("COUNTERSIGN_DEMO_CREDENTIALS")
    if not creds_path:
        print(__doc__)
        print("usage: test_python_sdk.py DEMO_CREDENTIALS.json [BASE_URL]", file=sys.stderr)
        return 2
    with open(creds_path, encoding="utf-8") as f:
        creds = json.load(f)
    base_url = (
        sys.argv[2] if len(sys.argv) > 2 else os.environ.get("COUNTERSIGN_SANDBOX_URL") or creds["base_url"]
    )
    print(f"python-kraken-sdk {version('python-kraken-sdk')} against {base_url}")
    suite = Conformance(creds, base_url)
    checks = [
        suite.test_public_time,
        suite.test_public_assets,
        suite.test_public_asset_pairs,
        suite.test_balance,
        suite.test_ledger_paging,
        suite.test_query_ledgers,
        suite.test_ledger_asset_filter,
        suite.test_export,
        suite.test_withdrawal_on_hold,
        suite.test_permission_denied,
    ]
    passed, failed = 0, []
    for check in checks:
        name = check.__name__
        try:
            check()
        except Exception:  # noqa: BLE001 - every failure is reported, then the next check runs
            failed.append(name)
            print(f"FAIL {name}")
            traceback.print_exc(file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {name}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    print(f"conformance: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
