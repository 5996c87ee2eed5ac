// End to end, ledger review when the Organization is unreachable: the app is configured for a
// remote org API on a loopback port where nothing listens, with a member's key for it in the OS
// keychain (as `countersign remote add` leaves it), so its session fails to open at start on the
// network, not on a missing key. The start error screen offers "Review ledgers offline", and the
// Ledgers area works there on the workspace the earlier tests filled. Then a real org API (the
// CLI's `sandbox serve`) comes up on that port, Ada's key for it goes into the keychain, and
// "Connect again" opens the whole app without a restart, locked until Ada's code opens it. The remote config, the key and the
// server are removed again afterwards, so later tests start on the sandbox.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { artifacts, sel, startApp, totp, unlockAtStart } from "./support.mjs";

let app;
let browser;
let server;
let scratch;
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

let baseUrl;

/** The keychain item the app's `Keychain` (keyring-rs, Secret Service) reads for `baseUrl`. */
const keyAttributes = () => ["service", "countersign", "username", baseUrl, "target", "default", "application", "rust-keyring"];

before(async () => {
  baseUrl = `http://127.0.0.1:${await deadPort()}`;
  mkdirSync(configDir, { recursive: true });
  writeFileSync(configFile, JSON.stringify({ base_url: baseUrl }));
  const stored = JSON.stringify({ api_key: "e2e-offline-key", api_secret: randomBytes(64).toString("base64") });
  execFileSync("secret-tool", ["store", "--label=countersign e2e offline", ...keyAttributes()], { input: stored });
  app = await startApp("offline");
  browser = app.browser;
});

after(async () => {
  await app?.stop();
  server?.kill();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  rmSync(configFile, { force: true });
  if (baseUrl) execFileSync("secret-tool", ["clear", ...keyAttributes()]);
});

test("the start error offers offline ledger review, and the Ledgers area works there", async () => {
  const offer = await browser.$(sel("review-offline"));
  await offer.waitForDisplayed({ timeout: 30_000 });
  const alert = await browser.$('[role="alert"]');
  assert.match(await alert.getText(), /can't reach its core/);
  // The key was found: what failed is reaching the org API.
  assert.equal(await alert.getAttribute("data-code"), "unavailable", await alert.getText());
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

test("Connect again opens the Organization once it answers, without a restart", async () => {
  const cli = process.env.COUNTERSIGN_CLI;
  assert.ok(cli && existsSync(cli), `the CLI (COUNTERSIGN_CLI) is built: ${cli}`);
  scratch = mkdtempSync(join(tmpdir(), "countersign-e2e-org-"));
  const credentials = join(scratch, "demo-credentials.json");
  const address = baseUrl.replace("http://", "");
  server = spawn(cli, ["sandbox", "serve", "--addr", address, "--data", join(scratch, "data"), "--demo-credentials", credentials], {
    stdio: "ignore",
  });
  await browser.waitUntil(async () => existsSync(credentials), { timeout: 60_000, timeoutMsg: "the org API did not start" });
  const ada = JSON.parse(readFileSync(credentials, "utf8")).members.find((m) => m.name === "Ada Okafor");
  assert.ok(ada, "Ada is among the demo members");
  execFileSync("secret-tool", ["store", "--label=countersign e2e offline", ...keyAttributes()], {
    input: JSON.stringify({ api_key: ada.api_key, api_secret: ada.api_secret }),
  });

  await (await browser.$(sel("offline-retry"))).click();
  // The session opens locked, as at any start: Ada's key in the keychain opens nothing without
  // her code. A remote org API's lock screen shows no code; her authenticator gives it.
  const locked = await browser.$(sel("lock-screen"));
  await locked.waitForDisplayed({ timeout: 30_000 });
  assert.match(await locked.getText(), /Ada Okafor/);
  assert.equal(await (await browser.$(sel("lock-demo-code"))).isExisting(), false, "no demo code against a remote");
  await unlockAtStart(totp(ada.totp_secret));
  const member = await browser.$(sel("current-member"));
  assert.match(await member.getText(), /Ada Okafor/);
  assert.equal(await (await browser.$(sel("nav-ledgers"))).isExisting(), true, "the org's areas are back");
});
