//! The Ledgers area on invented exports: imports, the integrity report, filters, totals, exports.

use super::*;

/// The export fixtures the ledger crate's tests use (invented data in every layout).
fn export_fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/ledger/tests/fixtures/exports")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files a person has to import, in a folder recorded as `/home/me`: `ledgers.csv` (one
/// account's EUR and USDC, with the EUR row of line 5 deleted, so its chain breaks there),
/// `trades.zip` (that account's trades export as the exchange zips it), `bad-ledgers.csv` (a
/// letter O for a zero at line 2), `resaved-ledgers.csv` (the ledgers re-saved with a byte-order
/// mark).
fn ledger_files(dir: &std::path::Path) {
    let ledgers = String::from_utf8(export_fixture("ledgers-12-2024-2025.csv")).expect("UTF-8");
    let lines: Vec<&str> = ledgers.split_inclusive('\n').collect();
    let eur_row = lines
        .iter()
        .enumerate()
        .skip(2)
        .find(|(_, l)| l.contains("\"EUR\""))
        .map(|(i, _)| i)
        .expect("an EUR row");
    let broken: String = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != eur_row)
        .map(|(_, l)| *l)
        .collect();
    std::fs::write(dir.join("ledgers.csv"), &broken).expect("write");
    let trades = export_fixture("trades-24-2024-2025.csv");
    let created = countersign_ledger::Timestamp::from_unix_seconds(START_MS / 1000).expect("time");
    let zip =
        countersign_ledger::export_zip(countersign_ledger::ExportKind::Trades, &trades, created)
            .expect("zip");
    std::fs::write(dir.join("trades.zip"), zip).expect("write");
    let mut bad_lines = lines.clone();
    let second = bad_lines[1].replacen(".0", "O.0", 1);
    bad_lines[1] = &second;
    std::fs::write(dir.join("bad-ledgers.csv"), bad_lines.concat()).expect("write");
    let mut resaved = vec![0xEF, 0xBB, 0xBF];
    resaved.extend(broken.as_bytes());
    std::fs::write(dir.join("resaved-ledgers.csv"), resaved).expect("write");
}

#[test]
fn ledgers() {
    let mut rec = Recording::new(
        "ledgers",
        "The Ledgers area on one account's exports (invented data, in the exchange's current \
         layout): an EUR chain broken by a deleted row, the trades export as the exchange zips it, \
         a file with a bad amount, a re-saved file; imports, the integrity report, filters, \
         totals, trades with their legs, exports.",
        ledger_snapshot(),
    );
    let files = tempfile::tempdir().expect("tempdir");
    ledger_files(files.path());
    let at = |name: &str| files.path().join(name).display().to_string();
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        let failed = s
            .query(
                "ledger_import",
                json!({ "paths": [at("bad-ledgers.csv")], "acceptEdited": false }),
            )
            .expect("answered");
        assert!(failed["failure"].is_object(), "{failed}");
        let refused = s
            .query(
                "ledger_import",
                json!({ "paths": [at("resaved-ledgers.csv")], "acceptEdited": false }),
            )
            .expect("answered");
        assert_eq!(refused["failure"]["edited"], true, "{refused}");
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv"), at("trades.zip")], "acceptEdited": false }),
            "imported",
        )
        .expect("imported");
        // The break's jump: where its row is among the broken chain's rows, and that chain.
        let report = s.call("ledger_report", json!({})).expect("report");
        let broken = &report["breaks"][0];
        let eur = chain_filter(&["EUR"], &["spot / main"]);
        let row = json!({
            "file": broken["row"]["file"], "line": broken["row"]["line"], "txid": broken["row"]["txid"],
        });
        s.query("ledger_locate", json!({ "filter": eur, "row": row }))
            .expect("located");
        for (command, args) in ledger_views(&eur)
            .into_iter()
            .chain(ledger_views(&chain_filter(&["USDC"], &[])))
        {
            s.query(command, args).expect("answered");
        }
        // Trades with their legs: all, USDC's legs, and none (deposits are not trades).
        let mut deposits = chain_filter(&["USDC"], &[]);
        deposits["types"] = json!(["deposit"]);
        for (command, args) in ledger_views(&deposits) {
            s.query(command, args).expect("answered");
        }
        for filter in [no_filter(), chain_filter(&["USDC"], &[]), deposits] {
            s.query(
                "ledger_trades",
                json!({ "filter": filter, "offset": 0, "limit": 50 }),
            )
            .expect("trades");
        }
        // The filter after a jump to the EUR break, with the asset changed to USDC.
        for (command, args) in ledger_views(&chain_filter(&["USDC"], &["spot / main"])) {
            s.query(command, args).expect("answered");
        }
        // USDC's rows and month-end balances exported; a path the save dialog never gives.
        let usdc = chain_filter(&["USDC"], &[]);
        s.query(
            "ledger_export_rows",
            json!({ "filter": usdc, "path": at("usdc.csv") }),
        )
        .expect("exported");
        s.query(
            "ledger_export_balances",
            json!({ "filter": usdc, "path": at("balances.csv") }),
        )
        .expect("exported");
        let refused = s.query(
            "ledger_export_rows",
            json!({ "filter": usdc, "path": "relative.csv" }),
        );
        assert_eq!(refused.expect_err("relative")["code"], "invalid_input");
        let mut fortnight = chain_filter(&["USDC"], &[]);
        fortnight["date"] = json!("last fortnight");
        for (command, args) in ledger_views(&fortnight) {
            let refused = s.query(command, args);
            assert_eq!(refused.expect_err("no such date")["code"], "invalid_input");
        }
    }
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv")], "acceptEdited": false }),
            "ledgers-only",
        )
        .expect("imported");
        s.query(
            "ledger_trades",
            json!({ "filter": no_filter(), "offset": 0, "limit": 50 }),
        )
        .expect("trades");
    }
    {
        let mut s = rec.session();
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("resaved-ledgers.csv")], "acceptEdited": true }),
            "resaved-accepted",
        )
        .expect("imported");
    }
    {
        // The org API cannot be reached at start: the ledgers work offline. Then it answers,
        // and asking for the session again opens the whole app.
        let remote_dir = tempfile::tempdir().expect("tempdir");
        // A free port, not listened on until the org API comes up.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let target = Target::Remote {
            base_url: url.clone(),
        };
        let mut remote = None;
        let mut s = rec.session_on(
            target,
            |env| {
                // Made under the session's turn, so its ids are the seeded ones too.
                let org = countersign_sandbox::Sandbox::open_with_clock(
                    remote_dir.path(),
                    Arc::clone(&env.clock),
                )
                .expect("remote sandbox");
                let chloe = org
                    .demo_members()
                    .expect("members")
                    .into_iter()
                    .find(|m| m.id == "m-chloe")
                    .expect("Chloe");
                env.preset_member_key(&url, &chloe.api_key, &chloe.api_secret.to_base64())
                    .expect("Chloe's key");
                env.keychain
                    .preset_device_key(&url, &device_key(9))
                    .expect("device key");
                remote = Some(org);
            },
            vec![(url.clone(), REMOTE_URL)],
            "offline-start",
        );
        let remote = remote.expect("the remote sandbox");
        s.spelled
            .push((files.path().display().to_string(), "/home/me"));
        s.act(
            "ledger_import",
            json!({ "paths": [at("ledgers.csv")], "acceptEdited": false }),
            "offline",
        )
        .expect("imported");
        let running = tauri::async_runtime::block_on(
            remote.serve(format!("127.0.0.1:{port}").parse().expect("addr")),
        )
        .expect("the org API answers");
        s.enter_quiet("offline-reachable", &[("app_locked", json!({}))]);
        s.act("get_session", json!({}), "online").expect("opened");
        drop(running);
    }
    rec.write();
}
