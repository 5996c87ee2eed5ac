// End to end, the Ledgers area in the real app: import an export by path (the window's drop
// target gives the same paths), see the integrity report name the row where the chain breaks,
// jump to it in the table, and filter; trades with their legs; exports written to real files;
// an edited file refused and then accepted; and a 200,000-row workspace scrolled to its last row
// with only a window of rows in the DOM. No org call is involved: this works offline, and while
// the Organization is locked (the app starts locked, and these tests never unlock it).
//
// The native open and save dialogs cannot be driven over WebDriver, and the page cannot stand in
// for them (Tauri defines its IPC bridge read-only). So the exports are exercised by calling the
// very commands the Export buttons call, through the window's IPC bridge, with a path as the save
// dialog would return it: the command, its capability, its door and the file written are the
// real ones; the button-to-dialog-to-command wiring is covered by the UI tests with a fake dialog.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { artifacts, sel, startApp } from "./support.mjs";

let app;
let browser;

before(async () => {
  app = await startApp("ledgers");
  browser = app.browser;
});

after(async () => {
  await app?.stop();
});

/** A ledgers export in the current 12-column layout, byte-shaped as the exchange writes it. */
function exportCsv(rows) {
  const header = ["txid", "refid", "time", "type", "subtype", "aclass", "subclass", "asset", "wallet", "amount", "fee", "balance"];
  const line = (r) =>
    [r.txid, r.refid, r.time, r.type, r.subtype, "currency", r.subclass, r.asset, "spot / main"].map((v) => `"${v}"`).join(",") +
    `,${r.amount},${r.fee},${r.balance}`;
  return [header.map((h) => `"${h}"`).join(","), ...rows.map(line)].join("\r\n") + "\r\n";
}

test("an export is imported while the Organization is locked, its broken chain is named, and the row is one click away", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-e2e-ledger-"));
  const file = join(dir, "ledgers.csv");
  // BTC: 1.0 in, 0.2 out, then a 0.3 withdrawal is missing from the file, then 0.1 in.
  writeFileSync(
    file,
    exportCsv([
      { txid: "LAAAAA-AAAAA-AAAAA1", refid: "FTAAAA1", time: "2025-01-02 09:00:00", type: "deposit", subtype: "", subclass: "crypto", asset: "XXBT", amount: "1.0000000000", fee: "0.0000000000", balance: "1.0000000000" },
      { txid: "LAAAAA-AAAAA-AAAAA2", refid: "FTAAAA2", time: "2025-01-05 10:00:00", type: "withdrawal", subtype: "", subclass: "crypto", asset: "XXBT", amount: "-0.2000000000", fee: "0.0000000000", balance: "0.8000000000" },
      { txid: "LAAAAA-AAAAA-AAAAA4", refid: "TAAAAA4", time: "2025-01-20 11:00:00", type: "trade", subtype: "tradespot", subclass: "crypto", asset: "XXBT", amount: "0.1000000000", fee: "0.0000000000", balance: "0.6000000000" },
      { txid: "LAAAAA-AAAAA-AAAAA5", refid: "FTAAAA5", time: "2025-01-03 08:00:00", type: "deposit", subtype: "", subclass: "fiat", asset: "ZUSD", amount: "5000.0000", fee: "0.0000", balance: "5000.0000" },
    ]),
  );

  // The app starts locked; the offline ledger review stays open, and none of the Organization shows.
  const review = await browser.$(sel("review-ledgers-locked"));
  await review.waitForDisplayed({ timeout: 60_000 });
  await review.click();
  await (await browser.$(sel("locked-ledgers"))).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await browser.$(sel("nav-requests"))).isExisting(), false, "no org area while locked");
  const paths = await browser.$(sel("import-paths"));
  await paths.waitForDisplayed({ timeout: 10_000 });
  await paths.setValue(file);
  await (await browser.$(sel("import-submit"))).click();
  const summary = await browser.$(sel("import-summary"));
  await summary.waitForDisplayed({ timeout: 30_000 });
  assert.match(await summary.getText(), /ledgers\.csv/);

  // The report first: the break is named at the row after the gap, with what is missing.
  const finding = await browser.$(sel("finding-break"));
  await finding.waitForDisplayed({ timeout: 10_000 });
  const text = await finding.getText();
  assert.match(text, /LAAAAA-AAAAA-AAAAA4/, text);
  assert.match(text, /0\.3/, text);
  await finding.click();
  await browser.waitUntil(
    async () => {
      for (const el of Array.from(await browser.$$(`${sel("ledger-row")}[data-highlighted="true"]`))) {
        if (/0\.1/.test(await el.getText())) return true;
      }
      return false;
    },
    { timeout: 10_000, timeoutMsg: "the breaking row was not brought into view and highlighted" },
  );
  await browser.saveScreenshot(join(artifacts, "ledgers.png"));

  // The jump narrowed everything to the broken chain: its totals, exact, shown as every amount is
  // (the export's trailing zeros dropped; the exported files keep them).
  const totals = await browser.$(sel("ledger-totals"));
  await totals.waitForDisplayed({ timeout: 10_000 });
  const totalsText = await totals.getText();
  assert.match(totalsText, /withdrawal\s*1\s*-0\.2 BTC/, totalsText);
  assert.doesNotMatch(totalsText, /USD/, "filtered to the BTC chain");

  // Importing the same file again adds nothing.
  await paths.setValue(file);
  await (await browser.$(sel("import-submit"))).click();
  await browser.waitUntil(async () => /already imported/i.test(await (await browser.$(sel("import-summary"))).getText()), {
    timeout: 20_000,
    timeoutMsg: "the second import of the same file did not say it was already imported",
  });
});

/** Calls a command of the core in the window, as the UI's host does (the core's commands are the
 * `countersign` plugin's). */
async function invoke(command, args) {
  // The answer crosses WebDriver as JSON text: a command's error object does not survive it as one.
  const answer = await browser.executeAsync(
    (command, args, done) => {
      window.__TAURI_INTERNALS__.invoke(`plugin:countersign|${command}`, args).then(
        (value) => done(JSON.stringify({ ok: true, value })),
        (error) => done(JSON.stringify({ ok: false, error })),
      );
    },
    command,
    args,
  );
  const result = JSON.parse(answer);
  if (!result.ok) throw new Error(`${command}: ${JSON.stringify(result.error)}`);
  return result.value;
}

const NO_FILTER = { date: null, assets: [], types: [], subtypes: [], wallets: [], refid: null, text: null };

test("trades show with their legs, and the filtered rows and balances export to real files", async () => {
  // Still the workspace of the first test, narrowed to the BTC chain by its jump.
  await (await browser.$(sel("view-trades"))).click();
  const group = await browser.$(`${sel("trade-group")}[data-refid="TAAAAA4"]`);
  await group.waitForDisplayed({ timeout: 10_000 });
  assert.match(await group.getText(), /import trades\.csv/);
  assert.equal((await group.$$(sel("trade-leg"))).length, 1);
  await (await browser.$(sel("view-rows"))).click();

  const exportRows = await browser.$(sel("export-rows"));
  assert.equal(await exportRows.isEnabled(), true, "Export rows… is offered");
  const dir = mkdtempSync(join(tmpdir(), "countersign-e2e-export-"));
  const btc = { ...NO_FILTER, assets: ["BTC"] };
  const rowsPath = join(dir, "btc.csv");
  const written = await invoke("ledger_export_rows", { filter: btc, path: rowsPath });
  assert.equal(written.rows, 3);
  assert.match(written.message, /Wrote 3 rows to .*btc\.csv/);
  const lines = readFileSync(rowsPath, "utf8").split("\r\n").filter((l) => l !== "");
  assert.equal(lines[0], '"txid","refid","time","type","subtype","aclass","subclass","asset","wallet","amount","fee","balance"');
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(",")[0]),
    ['"LAAAAA-AAAAA-AAAAA1"', '"LAAAAA-AAAAA-AAAAA2"', '"LAAAAA-AAAAA-AAAAA4"'],
  );

  const balancesPath = join(dir, "balances.csv");
  const balances = await invoke("ledger_export_balances", { filter: NO_FILTER, path: balancesPath });
  assert.equal(balances.rows, 2);
  assert.equal(
    readFileSync(balancesPath, "utf8"),
    "date,asset,wallet,balance\n2025-01-31,BTC,spot / main,0.6000000000\n2025-01-31,USD,spot / main,5000.0000\n",
  );
  // A relative path is refused with what to do.
  await assert.rejects(invoke("ledger_export_rows", { filter: NO_FILTER, path: "x.csv" }), /choose a file in the save dialog/);
});

test("an edited file is refused with how to accept it, and imports once accepted", async () => {
  const dir = mkdtempSync(join(tmpdir(), "countersign-e2e-edited-"));
  const file = join(dir, "resaved.csv");
  const csv = exportCsv([
    { txid: "LEDIT1-AAAAA-AAAAA1", refid: "FTEDIT1", time: "2025-02-02 09:00:00", type: "deposit", subtype: "", subclass: "crypto", asset: "XXDG", amount: "100.0000000000", fee: "0.0000000000", balance: "100.0000000000" },
  ]);
  writeFileSync(file, "\uFEFF" + csv);
  const paths = await browser.$(sel("import-paths"));
  await paths.setValue(file);
  await (await browser.$(sel("import-submit"))).click();
  const failure = await browser.$(sel("import-failure"));
  await failure.waitForDisplayed({ timeout: 20_000 });
  assert.match(await failure.getText(), /byte-order mark[\s\S]*Accept edited files/);
  await (await browser.$(sel("import-accept-retry"))).click();
  const summary = await browser.$(sel("import-summary"));
  await summary.waitForDisplayed({ timeout: 20_000 });
  assert.match(await summary.getText(), /warning: .*byte-order mark/);
  // The retry accepted that file only: the option stays off for the next one.
  assert.equal(await (await browser.$(sel("import-accept-edited"))).isSelected(), false);
});

test("a 200,000-row workspace scrolls to its last row with only a window of rows in the page", async () => {
  const n = 200_000;
  const dir = mkdtempSync(join(tmpdir(), "countersign-e2e-large-"));
  const file = join(dir, "large-ledgers.csv");
  const header = ["txid", "refid", "time", "type", "subtype", "aclass", "subclass", "asset", "wallet", "amount", "fee", "balance"];
  const t0 = Date.UTC(2025, 2, 1) / 1000;
  const parts = [header.map((h) => `"${h}"`).join(",")];
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(7, "0");
    const time = new Date((t0 + i * 60) * 1000).toISOString().slice(0, 19).replace("T", " ");
    parts.push(`"LBIG${id}-AAAAA","RBIG${id}","${time}","deposit","","currency","crypto","XETH","spot / main",1.0000000000,0.0000000000,${i + 1}.0000000000`);
  }
  writeFileSync(file, parts.join("\r\n") + "\r\n");

  await (await browser.$("button=Clear")).click();
  const paths = await browser.$(sel("import-paths"));
  await paths.setValue(file);
  await (await browser.$(sel("import-submit"))).click();
  await browser.waitUntil(async () => /200,?000 rows added/.test(await (await browser.$(sel("import-summary"))).getText().catch(() => "")), {
    timeout: 300_000,
    interval: 500,
    timeoutMsg: "the 200,000-row import did not finish",
  });

  const table = await browser.$('[role="table"][aria-label="Ledger rows"]');
  await browser.waitUntil(async () => Number(await table.getAttribute("aria-rowcount")) > n, {
    timeout: 30_000,
    timeoutMsg: "the table does not count the new rows",
  });
  const total = Number(await table.getAttribute("aria-rowcount"));
  // To the bottom, as a scroll bar dragged all the way down would.
  await browser.execute(() => {
    const scroll = document.querySelector('[data-testid="ledger-scroll"]');
    scroll.scrollTop = scroll.scrollHeight;
  });
  const last = `${file} line ${n + 1}`;
  await browser.waitUntil(
    async () =>
      browser.execute(
        (title) => [...document.querySelectorAll('[data-testid="ledger-row"] [title]')].some((cell) => cell.getAttribute("title") === title),
        last,
      ),
    { timeout: 30_000, timeoutMsg: `the last row (${last}) did not render` },
  );
  // The rows around it arrive a page (200 rows) at a time: wait until none is a placeholder.
  await browser.waitUntil(async () => browser.execute(() => document.querySelectorAll(".ledger-row.loading").length === 0), {
    timeout: 30_000,
    timeoutMsg: "the rows in view did not all load",
  });
  const inPage = await browser.execute(() => ({
    rows: document.querySelectorAll('[data-testid="ledger-row"]').length,
    all: document.querySelectorAll('.ledger-scroll [role="row"]').length,
    lastIndex: Math.max(...[...document.querySelectorAll('.ledger-scroll [role="row"]')].map((r) => Number(r.getAttribute("aria-rowindex")))),
  }));
  assert.ok(inPage.all < 100, `${inPage.all} rows in the DOM`);
  assert.ok(inPage.rows > 10, `${inPage.rows} loaded rows in view`);
  assert.equal(inPage.rows, inPage.all, "every row in the DOM is a loaded row");
  assert.equal(inPage.lastIndex, total);
  await browser.saveScreenshot(join(artifacts, "ledgers-large.png"));
});
