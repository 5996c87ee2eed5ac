// End to end, the Ledgers area in the real app: import an export by path (the window's drop
// target gives the same paths), see the integrity report name the row where the chain breaks,
// jump to it in the table, and filter. No org call is involved: this works offline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
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

test("an export is imported, its broken chain is named, and the row is one click away", async () => {
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

  await (await browser.$(sel("nav-ledgers"))).waitForDisplayed({ timeout: 30_000 });
  await (await browser.$(sel("nav-ledgers"))).click();
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

  // The jump narrowed everything to the broken chain: its totals, exact as exported.
  const totals = await browser.$(sel("ledger-totals"));
  await totals.waitForDisplayed({ timeout: 10_000 });
  const totalsText = await totals.getText();
  assert.match(totalsText, /withdrawal\s*1\s*-0\.2000000000 BTC/, totalsText);
  assert.doesNotMatch(totalsText, /USD/, "filtered to the BTC chain");

  // Importing the same file again adds nothing.
  await paths.setValue(file);
  await (await browser.$(sel("import-submit"))).click();
  await browser.waitUntil(async () => /already imported/i.test(await (await browser.$(sel("import-summary"))).getText()), {
    timeout: 20_000,
    timeoutMsg: "the second import of the same file did not say it was already imported",
  });
});
