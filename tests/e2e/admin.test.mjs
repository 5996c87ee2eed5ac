// End to end, the admin workbench in the real app: Eve Santos creates a service user with an IP
// allow-list and a query window from the Service users area; Ada Okafor approves; Eve reveals
// the key in the app; that key then works against the sandbox's exchange API with its settings
// enforced (a call from outside the list is refused, ledgers stop at the window). Then a policy
// is edited in the Policies area, and the replay's counts are the engine's (the CLI's). Last, Eve
// stops the key at once, and the exchange API refuses it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { codeOf, decide, privateCall, row, sel, startApp, switchTo, unlockAtStart } from "./support.mjs";

let app;
let browser;

before(async () => {
  app = await startApp("admin");
  browser = app.browser;
  await unlockAtStart();
});

after(async () => {
  await app?.stop();
});

/** Sets an input's value as a person typing would, for React (date inputs take no keys reliably). */
async function setInput(selector, value) {
  const input = await browser.$(selector);
  await input.waitForDisplayed({ timeout: 10_000 });
  await browser.execute(
    (el, v) => {
      const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
      setter.call(el, v);
      el.dispatchEvent(new Event("input", { bubbles: true }));
    },
    input,
    value,
  );
}

async function click(testid, extra = "") {
  const el = await browser.$(sel(testid, extra));
  await el.waitForDisplayed({ timeout: 10_000 });
  await el.click();
}

const DAY = 86_400;

test("an admin creates a service user, another approves, the creator reveals the key, and its settings hold at the exchange API", async () => {
  await (await browser.$(sel("current-member"))).waitForDisplayed({ timeout: 30_000 });
  const baseUrl = (await (await browser.$(".org-name")).getAttribute("title")).split(" · ")[1];
  assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

  // 1. Eve creates audit-bot: ledger entries, from this machine only, from 100 to 60 days ago
  // (the sandbox's history spans 120 days, newest first: an unenforced end would show).
  await switchTo("Eve Santos");
  await click("nav-service-users");
  await click("new-service-user-open");
  await setInput(sel("new-service-user-name"), "audit-bot");
  await click("scope-toggle", '[data-scope="ledger_query"] input');
  await click("new-key-window-from-set");
  const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
  const from = today - 100 * DAY;
  const to = today - 60 * DAY;
  await setInput(sel("new-key-window-from"), new Date(from * 1000).toISOString().slice(0, 10));
  await click("new-key-window-to-set");
  // The last day included is the day before `to` (`query_to` is exclusive).
  await setInput(sel("new-key-window-to"), new Date((to - DAY) * 1000).toISOString().slice(0, 10));
  await click("new-key-ip-add");
  await setInput('[aria-label="IP allow-list entry 1"]', "127.0.0.1");
  await click("new-service-user-preview");
  const preview = await browser.$(sel("preview"));
  await preview.waitForDisplayed({ timeout: 10_000 });
  const lines = await browser.$$(sel("change-line"));
  const texts = [];
  for (const l of lines) texts.push(await l.getText());
  assert.ok(texts.some((t) => t.includes("Works only from 127.0.0.1")), texts.join("\n"));
  assert.ok(texts.some((t) => t.includes("Queries see entries from")), texts.join("\n"));
  await click("new-service-user-submit");
  const outcome = await browser.$(sel("submit-outcome"));
  await outcome.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await outcome.getAttribute("data-status"), "pending");
  const id = await outcome.getAttribute("data-request-id");

  // 2. Ada approves it.
  await switchTo("Ada Okafor");
  await click("nav-approvals");
  await browser.waitUntil(async () => (await row(id)).isExisting(), { timeout: 15_000 });
  await decide(id, await codeOf("Ada Okafor"));
  await browser.waitUntil(async () => !(await (await row(id)).isExisting()), {
    timeout: 15_000,
    timeoutMsg: "the creation did not complete",
  });

  // 3. Eve reveals the key in the app, once.
  await switchTo("Eve Santos");
  await click("nav-requests");
  await (await row(id)).waitForDisplayed({ timeout: 15_000 });
  await (await row(id)).click();
  await click("reveal-key");
  const otp = await browser.$(sel("otp-input"));
  await otp.waitForDisplayed({ timeout: 5_000 });
  const revealCode = await codeOf("Eve Santos");
  await otp.setValue(revealCode);
  await click("otp-submit");
  const issued = await browser.$(sel("key-issued"));
  await issued.waitForDisplayed({ timeout: 10_000 });
  const apiKey = await (await browser.$(sel("revealed-api-key"))).getText();
  const apiSecret = await (await browser.$(sel("revealed-api-secret"))).getText();
  assert.ok(apiKey.length > 20 && apiSecret.length > 20);

  // 4. The key works against the exchange API, with its settings enforced.
  const outside = await privateCall(baseUrl, apiKey, apiSecret, "Ledgers", {}, "127.0.0.2");
  assert.deepEqual(outside.error, ["EGeneral:Permission denied"], JSON.stringify(outside));
  const inside = await privateCall(baseUrl, apiKey, apiSecret, "Ledgers", {}, "127.0.0.1");
  assert.deepEqual(inside.error, [], JSON.stringify(inside));
  const times = Object.values(inside.result.ledger).map((e) => Number(e.time));
  assert.ok(times.length > 0, "some entries fall inside the window");
  assert.ok(
    times.every((t) => t >= from && t < to),
    `every entry is inside the window [${from}, ${to}): ${Math.min(...times)} .. ${Math.max(...times)}`,
  );
  const balance = await privateCall(baseUrl, apiKey, apiSecret, "Balance", {}, "127.0.0.1");
  assert.deepEqual(balance.error, ["EGeneral:Permission denied"], "no funds_query scope");

  // Its record, in the app: Ledgers used (ledger_query), refusals by cause, nothing to tighten.
  await click("nav-service-users");
  // The Organization refreshes every 10 s: the new service user shows by then.
  const auditRow = await browser.$(sel("service-user-row", '[data-name="audit-bot"]'));
  await auditRow.waitForDisplayed({ timeout: 25_000 });
  await auditRow.click();
  await click("key-usage-open");
  const ledgerUse = await browser.$(`${sel("scope-use")}[data-scope="ledger_query"]`);
  await ledgerUse.waitForDisplayed({ timeout: 10_000 });
  assert.equal(await ledgerUse.getAttribute("data-used"), "true");
  const refusals = await (await browser.$(sel("key-refusals"))).getText();
  assert.match(refusals, /came from outside the IP allow-list/);
  assert.match(refusals, /lacked the endpoint's scope/);

  // 5. A policy edited in the editor: the replay's counts are the engine's, as the CLI reports them.
  await click("nav-policies");
  const card = `${sel("policy-card")}[data-workflow="initiate_withdrawal"]`;
  const open = await browser.$(`${card} ${sel("edit-policy-open")}`);
  await open.waitForDisplayed({ timeout: 10_000 });
  await open.click();
  await setInput(`${card} ${sel("policy-required")}`, "1");
  await (await browser.$(`${card} ${sel("replay-outcome")}`)).waitForDisplayed({ timeout: 10_000 });
  await browser.pause(500);
  const shown = {};
  for (const o of await browser.$$(`${card} ${sel("replay-outcome")}`)) {
    shown[await o.getAttribute("data-outcome")] = Number(await (await o.$("strong")).getText());
  }
  const cli = process.env.COUNTERSIGN_CLI;
  const engine = JSON.parse(
    execFileSync(
      cli,
      ["policy", "replay", "--workflow", "initiate_withdrawal", "--approvals", "1", "--json"],
      { env: { ...process.env, COUNTERSIGN_BASE_URL: baseUrl, ...eveKey() } },
    ).toString(),
  );
  const counted = Object.fromEntries(Object.entries(engine.outcomes).map(([o, ids]) => [o, ids.length]));
  assert.deepEqual(shown, counted);

  // The simulator's rows are the engine's for the same draft.
  const samples = [];
  for (const r of await browser.$$(`${card} ${sel("sample-row")}`)) {
    samples.push([await r.getAttribute("data-initiator"), await r.getAttribute("data-execute"), await r.getAttribute("data-draft")]);
  }
  const simulated = JSON.parse(
    execFileSync(
      cli,
      ["policy", "simulate", "--workflow", "initiate_withdrawal", "--approvals", "1", "--json"],
      { env: { ...process.env, COUNTERSIGN_BASE_URL: baseUrl, ...eveKey() } },
    ).toString(),
  );
  assert.ok(samples.length > 0);
  assert.deepEqual(
    samples,
    simulated.samples.map((r) => [r.initiator.name, String(r.execute), r.draft]),
  );

  // 6. An emergency stop: Eve switches audit-bot's key off at once, with a reason and a fresh
  //    code (hers is accepted once per step); the key is refused at the exchange API, and the
  //    stop shows above every area.
  await browser.waitUntil(async () => (await codeOf("Eve Santos")) !== revealCode, {
    timeout: 40_000,
    timeoutMsg: "Eve's code did not move to the next step",
  });
  await click("nav-service-users");
  const stopRow = await browser.$(sel("service-user-row", '[data-name="audit-bot"]'));
  await stopRow.waitForDisplayed({ timeout: 10_000 });
  await stopRow.click();
  await click("stop-key-open");
  await (await browser.$(sel("stop-key-reason"))).setValue("secret seen in a CI log");
  await (await browser.$(`${sel("stop-key")} ${sel("otp-input")}`)).setValue(await codeOf("Eve Santos"));
  await browser.keys("Enter");
  await (await browser.$(sel("key-stopped"))).waitForDisplayed({ timeout: 10_000 });
  const banner = await (await browser.$(sel("stop-banner-key"))).getText();
  assert.match(banner, /audit-bot[\s\S]*Eve Santos[\s\S]*secret seen in a CI log/);
  const stopped = await privateCall(baseUrl, apiKey, apiSecret, "Ledgers", {}, "127.0.0.1");
  assert.deepEqual(stopped.error, ["EAPI:Invalid key"], JSON.stringify(stopped));
});

/** Eve's org API key, for the CLI, from the app's sandbox database (the sandbox holds demo keys). */
function eveKey() {
  const dataDir = join(process.env.XDG_DATA_HOME ?? join(process.env.HOME, ".local/share"), "dev.countersign.desktop");
  const db = join(dataDir, "sandbox", "sandbox.sqlite3");
  const helper = fileURLToPath(new URL("./sandbox_db.py", import.meta.url));
  const key = JSON.parse(execFileSync("python3", [helper, "key", db, "m-eve"], { encoding: "utf8" }));
  return { COUNTERSIGN_API_KEY: key.api_key, COUNTERSIGN_API_SECRET: key.api_secret };
}
