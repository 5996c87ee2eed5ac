// End to end, ledger review when the app cannot open its Organization: the app is configured for
// a remote org API on a loopback port where nothing listens (and with no key for it in the
// keychain), so its session cannot open at start. The start error screen offers "Review ledgers
// offline", and the Ledgers area works there on the workspace the earlier tests filled.
// The remote config is removed again afterwards, so later tests start on the sandbox.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { artifacts, sel, startApp } from "./support.mjs";

let app;
let browser;
const configDir = join(process.env.XDG_CONFIG_HOME ?? join(process.env.HOME ?? "", ".config"), "countersign");
const configFile = join(configDir, "remote.json");

/** A loopback port nothing listens on: bound, read, closed. */
async function deadPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  mkdirSync(configDir, { recursive: true });
  writeFileSync(configFile, JSON.stringify({ base_url: `http://127.0.0.1:${await deadPort()}` }));
  app = await startApp("offline");
  browser = app.browser;
});

after(async () => {
  await app?.stop();
  rmSync(configFile, { force: true });
});

test("the start error offers offline ledger review, and the Ledgers area works there", async () => {
  const offer = await browser.$(sel("review-offline"));
  await offer.waitForDisplayed({ timeout: 30_000 });
  const alert = await browser.$('[role="alert"]');
  assert.match(await alert.getText(), /can't reach its core/);
  await offer.click();

  const bar = await browser.$(sel("offline-ledgers"));
  await bar.waitForDisplayed({ timeout: 10_000 });
  assert.match(await bar.getText(), /Offline ledger review/);
  assert.equal(await (await browser.$(sel("nav-ledgers"))).isExisting(), false, "no org areas without a session");

  // The workspace of the earlier tests is there: its report, its rows.
  const report = await browser.$(sel("integrity-report"));
  await report.waitForDisplayed({ timeout: 20_000 });
  await browser.waitUntil(async () => /chains|breaks/.test(await report.getText()), {
    timeout: 30_000,
    timeoutMsg: "the integrity report did not load without a session",
  });
  await browser.waitUntil(async () => (await browser.$$(sel("ledger-row"))).length > 0, {
    timeout: 20_000,
    timeoutMsg: "no ledger row shown offline",
  });
  await browser.saveScreenshot(join(artifacts, "ledgers-offline.png"));
});
