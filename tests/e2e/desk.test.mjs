// End to end, the officer's desk in the real app: a bot submits three withdrawals through the
// exchange API; the queue, live on the org API's event stream, shows them at once, and the
// desktop is told (a notification each, read from a notification service on the test's session
// bus, and the tray's count, read from its tray host); a click on a notification opens its
// request. Ben Ruiz reviews all three in one sheet and approves them with one code, and their
// notifications are taken down; Chloe Park does the same, and all three complete, each decision
// signed on its own in the journal. Locked, the app says only how many requests need the member.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDesktopBus } from "./desktop_bus.mjs";
import { artifacts, codeOf, privateCall, row, sel, startApp, stepUp, switchTo, unlockAtStart } from "./support.mjs";

let app;
let browser;
let desktop;

before(async () => {
  // The desktop's notification service and tray host are up before the app, as on a desktop.
  desktop = await startDesktopBus();
  app = await startApp("desk");
  browser = app.browser;
  await unlockAtStart();
});

after(async () => {
  await app?.stop();
  desktop?.stop();
});

/** Waits until `check` holds of what the desktop was told; says what it saw if it never does. */
async function told(what, check, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const shown = desktop.notifications();
    const label = await desktop.trayLabel().catch(() => null);
    if (await check(shown, label)) return;
    if (Date.now() > deadline) {
      assert.fail(`${what}: never told. Notifications: ${JSON.stringify(shown)}; tray label: ${label}; tray items: ${JSON.stringify(desktop.trayItems())}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The needs-me count the window shows. */
async function countOnScreen() {
  return (await (await browser.$(sel("needs-me-count"))).getText()).trim();
}

const helper = fileURLToPath(new URL("./sandbox_db.py", import.meta.url));
const sandboxDb = () =>
  join(process.env.XDG_DATA_HOME ?? join(process.env.HOME, ".local/share"), "dev.countersign.desktop", "sandbox", "sandbox.sqlite3");
/** What the app's sandbox database holds (`sandbox_db.py command DB ...rest`). */
const fromDb = (command, ...rest) => JSON.parse(execFileSync("python3", [helper, command, sandboxDb(), ...rest], { encoding: "utf8" }));

/** Picks the three requests, opens the approval sheet, and approves them with `name`'s code. */
async function approveAll(ids, name) {
  for (const id of ids) {
    const box = await (await (await row(id)).parentElement()).$(sel("pick"));
    await box.waitForDisplayed({ timeout: 10_000 });
    await box.click();
  }
  await (await browser.$(sel("batch-approve"))).click();
  const sheet = await browser.$(sel("batch-sheet"));
  await sheet.waitForDisplayed({ timeout: 10_000 });
  const items = await browser.$$(sel("batch-item"));
  assert.equal(items.length, 3, "each picked request is in the sheet");
  for (const item of items) {
    const text = await item.getText();
    assert.match(text, /Total debit[\s\S]*USDT/, "the amount, fee and total debit");
    assert.match(text, /usdt-otc-desk/, "the destination");
    assert.match(text, /payout-bot/, "the initiator");
  }
  const code = await codeOf(name);
  await stepUp(code);
  const results = await browser.$(sel("batch-results"));
  const refused = await browser.$(sel("action-error"));
  const settled = () =>
    browser.waitUntil(async () => (await results.isDisplayed()) || (await refused.isDisplayed()), {
      timeout: 15_000,
      timeoutMsg: "the batch neither decided nor said why",
    });
  await settled();
  if ((await refused.isDisplayed()) && (await refused.getAttribute("data-code")) === "invalid_otp") {
    // The member spent this step's code earlier in the run (the sandbox outlives each file): as a
    // person would, wait for the next code. Nothing was decided.
    let next = code;
    await browser.waitUntil(async () => (next = await codeOf(name)) !== code, { timeout: 35_000 });
    await stepUp(next);
    await settled();
  }
  if (await refused.isDisplayed()) {
    await browser.saveScreenshot(join(artifacts, "desk-refused.png"));
    assert.fail(`the batch was refused: ${await refused.getText()}`);
  }
  const outcomes = await browser.$$(sel("batch-outcome"));
  const ok = [];
  for (const o of outcomes) ok.push(await o.getAttribute("data-ok"));
  assert.deepEqual(ok, ["true", "true", "true"], await results.getText());
  return results;
}

test("a bot's three withdrawals arrive at once, and two officers clear them with one code each", async () => {
  await (await browser.$(sel("current-member"))).waitForDisplayed({ timeout: 30_000 });
  const baseUrl = (await (await browser.$(".org-name")).getAttribute("title")).split(" · ")[1];
  await browser.waitUntil(async () => (await (await browser.$(sel("sync-line"))).getAttribute("data-live")) === "true", {
    timeout: 20_000,
    timeoutMsg: "the queue never went live",
  });

  // 1. The bot asks three times through the exchange API.
  const bot = fromDb("bot", "su-payouts");
  const ids = [];
  for (const amount of ["1200", "3400", "5600"]) {
    const answer = await privateCall(baseUrl, bot.api_key, bot.api_secret, "Withdraw", { asset: "USDT", key: "usdt-otc-desk", amount }, "127.0.0.1");
    assert.deepEqual(answer.error, [], JSON.stringify(answer));
    ids.push(answer.result.refid);
  }
  // 2. Pushed: on screen well before the next poll (60 s while live).
  const asked = Date.now();
  await browser.waitUntil(async () => {
    for (const id of ids) if (!(await (await row(id)).isExisting())) return false;
    return true;
  }, { timeout: 5_000, timeoutMsg: "the bot's withdrawals did not appear at once" });
  console.log(`pushed to the screen within ${Date.now() - asked} ms of the bot's last answer`);

  // Told: one notification per withdrawal, naming it; the tray counts what needs Ben, as the window does.
  const isMine = (n) => n.summary === "A withdrawal needs your decision" && /USDT to usdt-otc-desk/.test(n.body);
  await told("a notification per withdrawal", (shown) => shown.filter(isMine).length === 3);
  const perRequest = desktop.notifications().filter(isMine);
  for (const [i, amount] of ["1,200", "3,400", "5,600"].entries()) {
    assert.ok(perRequest.some((n) => n.body.includes(`withdraw ${amount} USDT`)), `the ${amount} USDT notification`);
    assert.ok(perRequest[i].actions.includes("default"), "a click opens it");
  }
  await browser.waitUntil(async () => /^\d+$/.test(await countOnScreen()), { timeout: 10_000 });
  await told("the tray's count", async (_, label) => label !== null && label === (await countOnScreen()));
  console.log(`tray count ${await desktop.trayLabel()}, notifications ${perRequest.length}`);

  // A click on the 3,400 USDT notification opens that withdrawal, wherever the window was.
  await (await browser.$(sel("nav-requests"))).click();
  const second = perRequest.find((n) => n.body.includes("3,400"));
  desktop.click(second.id);
  const secondId = ids[1];
  await browser.waitUntil(async () => (await (await row(secondId)).getAttribute("aria-current")) === "true", {
    timeout: 10_000,
    timeoutMsg: "the clicked notification did not open its request",
  });
  await browser.saveScreenshot(join(artifacts, "desk-opened-from-notification.png"));

  // 3. Ben reviews all three in one sheet and approves them with one code.
  const ben = await approveAll(ids, "Ben Ruiz");
  await browser.saveScreenshot(join(artifacts, "desk-batch-ben.png"));
  assert.match(await ben.getText(), /1 \/ 2 approvals/);
  await (await browser.$(sel("batch-done"))).click();
  // Decided: no longer Ben's to decide, so their notifications are taken down.
  await told("the decided withdrawals' notifications closed", () =>
    perRequest.filter((n) => n.id !== second.id).every((n) => desktop.closed().includes(n.id)),
  );

  // 4. Chloe does the same: all three complete.
  await switchTo("Chloe Park");
  await (await browser.$(sel("nav-approvals"))).click();
  const chloe = await approveAll(ids, "Chloe Park");
  assert.equal((await chloe.getText()).match(/completed/g)?.length, 3, await chloe.getText());
  await (await browser.$(sel("batch-done"))).click();
  await browser.waitUntil(async () => {
    for (const id of ids) if (await (await row(id)).isExisting()) return false;
    return true;
  }, { timeout: 10_000, timeoutMsg: "the completed withdrawals stayed in the queue" });

  // 5. The journal: six decisions, each signed on its own; each officer's three rest on one window.
  const decisions = fromDb("decisions").filter((r) => ids.includes(r.event.statement.request_id));
  assert.equal(decisions.length, 6);
  assert.equal(new Set(decisions.map((r) => r.event.signature)).size, 6, "six signatures");
  for (const member of ["m-ben", "m-chloe"]) {
    const mine = decisions.filter((r) => r.event.statement.member === member);
    assert.equal(mine.length, 3);
    assert.equal(new Set(mine.map((r) => r.event.window)).size, 1, `${member}'s three decisions rest on one code`);
  }
});

test("locked, a notification says only how many requests need the member", async () => {
  const baseUrl = (await (await browser.$(".org-name")).getAttribute("title")).split(" · ")[1];
  await (await browser.$(sel("lock-now"))).click();
  const before = desktop.notifications().length;
  const bot = fromDb("bot", "su-payouts");
  const answer = await privateCall(baseUrl, bot.api_key, bot.api_secret, "Withdraw", { asset: "USDT", key: "usdt-otc-desk", amount: "7800" }, "127.0.0.1");
  assert.deepEqual(answer.error, [], JSON.stringify(answer));
  await told("the locked count", (shown) => shown.slice(before).some((n) => / needs? you$/.test(n.summary)));
  const locked = desktop.notifications().slice(before);
  for (const n of locked) {
    const text = `${n.summary} ${n.body}`;
    assert.match(n.summary, /^\d+ requests? needs? you$/, text);
    for (const detail of ["USDT", "7,800", "usdt-otc-desk", "payout", answer.result.refid]) {
      assert.ok(!text.includes(detail), `locked, the notification names ${detail}: ${text}`);
    }
  }
  // The tray keeps counting while locked.
  await told("the tray's count, locked", (_, label) => label === locked.at(-1).summary.split(" ")[0]);
});

test("a second launch raises the running app and exits", async () => {
  const second = spawn(process.env.COUNTERSIGN_APP, [], { stdio: "ignore" });
  const code = await Promise.race([
    new Promise((resolve) => second.once("exit", resolve)),
    new Promise((resolve) => setTimeout(() => resolve("still running"), 20_000)),
  ]);
  if (code === "still running") second.kill();
  assert.equal(code, 0, "the second instance exits at once");
  // The first one runs on (locked, from the test before).
  assert.equal(await browser.getTitle(), "Countersign");
});
