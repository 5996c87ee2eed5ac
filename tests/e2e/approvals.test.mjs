// End to end: the real desktop app (UI embedded, embedded sandbox) driven over WebDriver through
// tauri-driver + WebKitWebDriver (see support.mjs for what `cargo xtask test` provides).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifacts, codeOf, decide, row, rows, sel, startApp, stepUp, unlockAtStart } from "./support.mjs";

let app;
let browser;

before(async () => {
  app = await startApp("approvals");
  browser = app.browser;
  await unlockAtStart();
});

after(async () => {
  await app?.stop();
});

test("a treasury officer approves a withdrawal and is refused their own", async () => {
  // The sandbox org is up and the pending list is there.
  await browser.waitUntil(async () => (await rows()).length >= 5, {
    timeout: 30_000,
    timeoutMsg: "the pending withdrawals never appeared",
  });
  assert.ok(await (await browser.$(sel("sandbox-badge"))).isDisplayed(), "SANDBOX badge");
  await (await browser.$(sel("sandbox-panel"))).waitForDisplayed({ timeout: 10_000 });
  const me = await (await browser.$(sel("current-member"))).getText();
  const needsBefore = Number(await (await browser.$(sel("needs-me-count"))).getText());
  assert.ok(needsBefore >= 1, `needs-me count ${needsBefore}`);

  // Approve one that nobody has approved yet, with the current code from the sandbox panel.
  const pending = await rows();
  const target = pending.find((r) => r.initiator !== me && r.approvals === "0/2");
  assert.ok(target, `a withdrawal by someone else with 0/2 approvals, among ${JSON.stringify(pending.map((r) => [r.initiator, r.approvals]))}`);
  await decide(target.id, await codeOf(me));
  await (await browser.$(sel("action-ok"))).waitForDisplayed({ timeout: 10_000 });
  await browser.waitUntil(async () => (await (await row(target.id)).getAttribute("data-approvals")) === "1/2", {
    timeout: 10_000,
    timeoutMsg: "the approval count did not change to 1/2",
  });
  await browser.waitUntil(
    async () => Number(await (await browser.$(sel("needs-me-count"))).getText()) === needsBefore - 1,
    { timeout: 10_000, timeoutMsg: "the needs-me count did not drop" },
  );

  // Their own request: no decision is offered, and the detail says why before any code is typed.
  const own = (await rows()).find((r) => r.initiator === me);
  assert.ok(own, `a withdrawal initiated by ${me}`);
  await (await row(own.id)).click();
  const approve = await browser.$(sel("approve"));
  await approve.waitForDisplayed({ timeout: 5_000 });
  assert.equal(await approve.isEnabled(), false, "Approve is disabled on the member's own request");
  assert.equal(await (await browser.$(sel("reject"))).isEnabled(), false, "Reject is disabled too");
  assert.match(await (await browser.$(".eligibility")).getText(), /initiated this request/i);
  await browser.keys("a");
  assert.equal(await (await browser.$(sel("otp-input"))).isExisting(), false, "the shortcut opens no prompt");
  assert.equal(await (await row(own.id)).getAttribute("data-approvals"), own.approvals);

  await browser.saveScreenshot(join(artifacts, "approvals.png"));
});

test("switching to another demo member gives the second approval and completes it", async () => {
  const before = await rows();
  const halfway = before.find((r) => r.approvals === "1/2" && r.initiator !== "Chloe Park");
  assert.ok(halfway, "a withdrawal with one approval");
  const chloe = await browser.$(`${sel("demo-member")}[data-member-name="Chloe Park"] ${sel("switch-member")}`);
  await chloe.click();
  await browser.waitUntil(async () => (await (await browser.$(sel("current-member"))).getText()) === "Chloe Park", {
    timeout: 10_000,
    timeoutMsg: "did not sign in as Chloe",
  });
  // Switching member reloads the list: wait for Chloe's view of it before reading it.
  let candidates = [];
  await browser.waitUntil(
    async () => {
      candidates = (await rows()).filter((r) => r.approvals === "1/2" && r.initiator !== "Chloe Park");
      return candidates.length > 0;
    },
    { timeout: 10_000, timeoutMsg: "Chloe's list of half-approved withdrawals did not load" },
  );
  // Chloe may already have approved one of them (the seed has her approval on one).
  let completed = null;
  for (const c of candidates) {
    await (await row(c.id)).click();
    const approve = await browser.$(sel("approve"));
    // Read the detail only once it shows the row just clicked.
    let detailText = "";
    await browser.waitUntil(
      async () => {
        detailText = await (await browser.$("main")).getText();
        return detailText.includes(c.id);
      },
      { timeout: 10_000, timeoutMsg: `the detail of ${c.id} did not open` },
    );
    if (/already decided/i.test(detailText)) continue;
    await approve.click();
    await stepUp(await codeOf("Chloe Park"));
    await (await browser.$(sel("action-ok"))).waitForDisplayed({ timeout: 10_000 });
    completed = c.id;
    break;
  }
  assert.ok(completed, "Chloe could approve one of the half-approved withdrawals");
  await browser.waitUntil(async () => !(await (await row(completed)).isExisting()), {
    timeout: 10_000,
    timeoutMsg: "the completed withdrawal stayed in the pending list",
  });
});

test("the approval detail says why it waits and who may still approve", async () => {
  await (await browser.$(sel("nav-approvals"))).click();
  await browser.waitUntil(async () => (await rows()).length >= 1, { timeout: 10_000 });
  const bot = (await rows()).find((r) => r.initiator === "rebalancer-bot");
  assert.ok(bot, "a withdrawal by rebalancer-bot");
  await (await row(bot.id)).click();
  const why = await browser.$(sel("why-waiting"));
  await why.waitForDisplayed({ timeout: 10_000 });
  assert.match(await why.getText(), /Initiate Withdrawal requires 2 approvals/i);
  const names = [];
  for (const el of Array.from(await browser.$$(`${sel("why-waiting")} ${sel("still-eligible")}`))) {
    names.push(await el.getText());
  }
  assert.ok(names.length >= 1, "someone may still approve");
  assert.ok(!names.some((n) => n.includes("rebalancer-bot")), "a bot never approves");
});

test("the Service users area shows each key's scopes, granted or not", async () => {
  await (await browser.$(sel("nav-service-users"))).click();
  const bot = await browser.$(`${sel("service-user-row")}[data-name="rebalancer-bot"]`);
  await bot.waitForDisplayed({ timeout: 10_000 });
  await bot.click();
  const scope = async (wire) => browser.$(`${sel("scope")}[data-scope="${wire}"]`);
  await (await scope("funds_withdraw")).waitForDisplayed({ timeout: 10_000 });
  assert.equal(await (await scope("funds_withdraw")).getAttribute("data-granted"), "true");
  assert.equal(await (await scope("export_data")).getAttribute("data-granted"), "false");
  assert.match(await (await scope("funds_withdraw")).getText(), /policy|approval/i, "Withdraw is marked as governed by policy");
  await browser.saveScreenshot(join(artifacts, "service-users.png"));

  await (await browser.$(sel("nav-members"))).click();
  await browser.waitUntil(async () => /Owner/.test(await (await browser.$("main")).getText()), {
    timeout: 10_000,
    timeoutMsg: "the Members area did not show the Owner",
  });
  await (await browser.$(sel("nav-policies"))).click();
  await browser.waitUntil(async () => /bus factor/i.test(await (await browser.$("main")).getText()), {
    timeout: 10_000,
    timeoutMsg: "the Policies area did not show bus factors",
  });
  await browser.saveScreenshot(join(artifacts, "policies.png"));
});
