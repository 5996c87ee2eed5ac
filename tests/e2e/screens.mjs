// Screenshots of every area of the real app on the demo sandbox, at the two window sizes we design
// for (1360×860 and 1024×640), in the light and the dark theme, for a person to look at after a
// change: `cargo xtask screens` writes them to target/screens/<area>-<width>x<height>-<theme>.png.
// Not a test (node --test does not pick it up): it asserts only that each screen could be reached.
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { browser, codeOf, row, rows, sel, startApp, switchTo, unlockAtStart } from "./support.mjs";

const out = process.env.COUNTERSIGN_SCREENS ?? join(process.env.COUNTERSIGN_E2E_ARTIFACTS, "screens");
mkdirSync(out, { recursive: true });

const SIZES = [
  [1360, 860],
  [1024, 640],
];

/** WebKitGTK takes `prefers-color-scheme` from the GTK theme the app starts with. */
const THEMES = { light: "Adwaita", dark: "Adwaita:dark" };

/** Each screen: how to reach it from anywhere, and when it has settled. */
const SCREENS = [
  [
    "approvals-own",
    async () => {
      await signedInAs("Ben Ruiz");
      await (await browser.$(sel("nav-approvals"))).click();
      await browser.waitUntil(async () => (await rows()).length >= 1, { timeout: 15_000 });
      const me = await (await browser.$(sel("current-member"))).getText();
      const own = (await rows()).find((r) => r.initiator === me);
      if (own) await (await row(own.id)).click();
      await (await browser.$(sel("approve"))).waitForDisplayed({ timeout: 5_000 });
    },
  ],
  [
    "approvals-prompt",
    async () => {
      const bot = (await rows()).find((r) => r.initiator === "rebalancer-bot");
      if (!bot) throw new Error("no request by rebalancer-bot");
      await (await row(bot.id)).click();
      await (await browser.$(sel("approve"))).click();
      await (await browser.$(sel("otp-input"))).waitForDisplayed({ timeout: 5_000 });
    },
  ],
  [
    "requests",
    async () => {
      await browser.keys("Escape");
      await (await browser.$(sel("nav-requests"))).click();
      await browser.waitUntil(async () => (await rows()).length >= 1, { timeout: 15_000 });
    },
  ],
  [
    "service-users",
    async () => {
      await (await browser.$(sel("nav-service-users"))).click();
      const bot = await browser.$(`${sel("service-user-row")}[data-name="rebalancer-bot"]`);
      await bot.waitForDisplayed({ timeout: 10_000 });
      await bot.click();
      await (await browser.$(`${sel("scope")}[data-scope="funds_withdraw"]`)).waitForDisplayed({ timeout: 10_000 });
    },
  ],
  [
    "members",
    async () => {
      await (await browser.$(sel("nav-members"))).click();
      await browser.waitUntil(async () => /Owner/.test(await (await browser.$("main")).getText()), { timeout: 10_000 });
    },
  ],
  [
    "policies",
    async () => {
      await (await browser.$(sel("nav-policies"))).click();
      await browser.waitUntil(async () => /bus factor/i.test(await (await browser.$("main")).getText()), { timeout: 10_000 });
    },
  ],
  [
    "ledgers",
    async () => {
      await (await browser.$(sel("nav-ledgers"))).click();
      await browser.pause(500);
    },
  ],
  // The admin's editors, as Eve Santos (Manage Access, Policies and Addresses).
  [
    "service-user-editor",
    async () => {
      await signedInAs("Eve Santos");
      await (await browser.$(sel("nav-service-users"))).click();
      const bot = await browser.$(`${sel("service-user-row")}[data-name="payout-bot"]`);
      await bot.waitForDisplayed({ timeout: 10_000 });
      await bot.click();
      await (await browser.$(sel("preview-change-open"))).click();
      await (await browser.$(sel("key-su-payouts-ip-add"))).click();
      await (await browser.$('[aria-label="IP allow-list entry 1"]')).setValue("0.0.0.0/0");
      await (await browser.$(sel("key-change-preview"))).click();
      const preview = await browser.$(sel("preview"));
      await preview.waitForDisplayed({ timeout: 10_000 });
      await preview.scrollIntoView();
    },
  ],
  [
    "key-usage",
    async () => {
      await (await browser.$(sel("key-usage-open"))).click();
      await (await browser.$(sel("key-usage-record"))).waitForDisplayed({ timeout: 10_000 });
      await (await browser.$(sel("key-usage-record"))).scrollIntoView();
    },
  ],
  [
    "new-service-user",
    async () => {
      await (await browser.$(sel("new-service-user-open"))).click();
      await (await browser.$(sel("new-service-user"))).waitForDisplayed({ timeout: 10_000 });
    },
  ],
  [
    "member-editor",
    async () => {
      await (await browser.$(sel("nav-members"))).click();
      const chloe = await browser.$(`${sel("member-row")}[data-name="Chloe Park"]`);
      await chloe.waitForDisplayed({ timeout: 10_000 });
      await chloe.click();
      await (await browser.$(sel("change-member-open"))).click();
      await (await browser.$('[aria-label="Approve on Initiate Withdrawal"]')).click();
      await (await browser.$(sel("change-member-preview"))).click();
      const preview = await browser.$(sel("preview"));
      await preview.waitForDisplayed({ timeout: 10_000 });
      await preview.scrollIntoView();
    },
  ],
  [
    "policy-editor",
    async () => {
      await (await browser.$(sel("nav-policies"))).click();
      const card = `${sel("policy-card")}[data-workflow="initiate_withdrawal"]`;
      const open = await browser.$(`${card} ${sel("edit-policy-open")}`);
      await open.waitForDisplayed({ timeout: 10_000 });
      await open.click();
      await (await browser.$(`${card} ${sel("policy-always")}`)).click();
      await (await browser.$(`${card} ${sel("sample-row")}`)).waitForDisplayed({ timeout: 10_000 });
      await (await browser.$(`${card} ${sel("policy-simulation")}`)).scrollIntoView();
    },
  ],
  [
    "addresses",
    async () => {
      await (await browser.$(sel("nav-addresses"))).click();
      const entry = await browser.$(`${sel("address-row")}[data-name="cold-storage-2"]`);
      await entry.waitForDisplayed({ timeout: 10_000 });
      await entry.click();
      await (await browser.$(sel("relabel-address-open"))).click();
      await (await browser.$(sel("pending-users"))).waitForDisplayed({ timeout: 10_000 });
    },
  ],
  [
    "palette",
    async () => {
      await browser.keys("Escape");
      await (await browser.$(sel("nav-approvals"))).click();
      await browser.keys(["Control", "k"]);
      const input = await browser.$(sel("palette-input"));
      await input.waitForDisplayed({ timeout: 5_000 });
      await input.setValue("cold");
    },
  ],
  [
    "palette-closed",
    async () => {
      await browser.keys("Escape");
      await (await browser.$(sel("palette-input"))).waitForDisplayed({ timeout: 5_000, reverse: true });
    },
  ],
  [
    "desk-picked",
    async () => {
      await signedInAs("Ben Ruiz");
      await (await browser.$(sel("nav-approvals"))).click();
      const all = await browser.$(sel("pick-all"));
      await all.waitForDisplayed({ timeout: 10_000 });
      await all.click();
      await (await browser.$(sel("batch-approve"))).waitForDisplayed({ timeout: 5_000 });
    },
  ],
  [
    "batch-sheet",
    async () => {
      await (await browser.$(sel("batch-approve"))).click();
      await (await browser.$(sel("batch-sheet"))).waitForDisplayed({ timeout: 10_000 });
    },
  ],
  [
    "batch-closed",
    async () => {
      // Back without deciding (the code field has the focus), and the picks cleared.
      await browser.keys("Escape");
      await (await browser.$(sel("batch-sheet"))).waitForDisplayed({ timeout: 5_000, reverse: true });
      await (await browser.$(sel("pick-clear"))).click();
    },
  ],
  [
    "complete-at-once-prompt",
    async () => {
      // Manage Addresses has no policy: Eve's new entry completes at once, which is Execute, so
      // Submit asks for her code (or uses her open decision window).
      await signedInAs("Eve Santos");
      await (await browser.$(sel("nav-requests"))).click();
      await (await browser.$(sel("new-request-open"))).click();
      const form = sel("new-request");
      await (await browser.$(sel("new-request-kind"))).selectByAttribute("value", "add_address");
      await (await browser.$(sel("draft-key"))).setValue("eur-savings");
      await (await browser.$(`${form} input[placeholder="BTC"]`)).setValue("EUR");
      await (await browser.$(`${form} input[placeholder="Bitcoin"]`)).setValue("SEPA");
      await (await browser.$(`${form} input.address`)).setValue("DE02120300000000202051");
      await (await browser.$(sel("new-request-preview"))).click();
      await (await browser.$(sel("preview"))).waitForDisplayed({ timeout: 10_000 });
      await (await browser.$(sel("new-request-submit"))).click();
      await (await browser.$(sel("otp-submit"))).waitForDisplayed({ timeout: 5_000 });
    },
  ],
];

/** Emergency stops, after every other screen at both sizes: once pulled they stay in force. */
const STOP_SCREENS = [
  [
    "stop-key-prompt",
    async () => {
      await signedInAs("Eve Santos");
      await (await browser.$(sel("nav-service-users"))).click();
      const bot = await browser.$(`${sel("service-user-row")}[data-name="rebalancer-bot"]`);
      await bot.waitForDisplayed({ timeout: 10_000 });
      await bot.click();
      const open = await browser.$(sel("stop-key-open"));
      if (await open.isExisting()) {
        await open.click();
        await (await browser.$(sel("stop-key-reason"))).setValue("secret seen in a CI log");
      } else {
        await (await browser.$(sel("key-stopped"))).waitForDisplayed({ timeout: 10_000 });
      }
    },
  ],
  [
    "key-stopped",
    async () => {
      if (await (await browser.$(sel("stop-key"))).isExisting()) {
        await (await browser.$(sel("otp-input"))).setValue(await codeOf("Eve Santos"));
        await browser.keys("Enter");
      }
      await (await browser.$(sel("key-stopped"))).waitForDisplayed({ timeout: 10_000 });
    },
  ],
  [
    "freeze-prompt",
    async () => {
      await signedInAs("Ben Ruiz");
      await (await browser.$(sel("nav-approvals"))).click();
      await browser.waitUntil(async () => (await rows()).length >= 1, { timeout: 15_000 });
      const open = await browser.$(sel("freeze-withdrawals-open"));
      if (await open.isExisting()) {
        await open.click();
        await (await browser.$(sel("freeze-withdrawals-reason"))).setValue("address book tampering suspected");
      }
    },
  ],
  [
    "approvals-frozen",
    async () => {
      if (await (await browser.$(sel("freeze-withdrawals"))).isExisting()) {
        await (await browser.$(sel("otp-input"))).setValue(await codeOf("Ben Ruiz"));
        await browser.keys("Enter");
      }
      await (await browser.$(sel("stop-banner-freeze"))).waitForDisplayed({ timeout: 10_000 });
      const bot = (await rows()).find((r) => r.initiator === "rebalancer-bot");
      if (bot) await (await row(bot.id)).click();
      await (await browser.$(sel("approve-blocked"))).waitForDisplayed({ timeout: 10_000 });
    },
  ],
];

/** Signs in as `name` through the sandbox panel, unless already. */
async function signedInAs(name) {
  if ((await (await browser.$(sel("current-member"))).getText()) !== name) await switchTo(name);
}

const dataHome = process.env.XDG_DATA_HOME;
for (const [theme, gtk] of Object.entries(THEMES)) {
  process.env.GTK_THEME = gtk;
  // Each theme on a fresh sandbox: the stops the light run pulls stay out of the dark one.
  if (dataHome) process.env.XDG_DATA_HOME = join(dataHome, theme);
  const app = await startApp(`screens-${theme}`);
  try {
    // The app starts locked: its lock screen first, at each size, then the code it shows opens it.
    await (await browser.$(sel("lock-demo-code-value"))).waitForDisplayed({ timeout: 60_000 });
    for (const [width, height] of SIZES) {
      await browser.setWindowSize(width, height);
      await browser.pause(300);
      const file = join(out, `lock-screen-${width}x${height}-${theme}.png`);
      await browser.saveScreenshot(file);
      console.log(file);
    }
    // The offline ledger review the lock leaves open, then back to the lock screen.
    await (await browser.$(sel("review-ledgers-locked"))).click();
    const lockedLedgers = await browser.$(sel("locked-ledgers"));
    await lockedLedgers.waitForDisplayed({ timeout: 10_000 });
    await browser.waitUntil(async () => !(await lockedLedgers.getText()).includes("Checking the workspace"), {
      timeout: 20_000,
      timeoutMsg: "the workspace was never checked",
    });
    for (const [width, height] of SIZES) {
      await browser.setWindowSize(width, height);
      // The window takes a moment to reach its new size after the lock screen's last one.
      await browser.pause(1_000);
      const file = join(out, `ledgers-locked-${width}x${height}-${theme}.png`);
      await browser.saveScreenshot(file);
      console.log(file);
    }
    await (await browser.$(sel("back-to-unlock"))).click();
    await unlockAtStart();
    // Unlocking opened Ben's decision window; signing in again leaves it, so the prompts show.
    await switchTo("Chloe Park");
    // The demo codes show once the sandbox has started: the app is ready.
    await codeOf("Ben Ruiz");
    await browser.waitUntil(async () => (await rows()).length >= 1, { timeout: 30_000 });
    for (const screens of [SCREENS, STOP_SCREENS]) {
      for (const [width, height] of SIZES) {
        await browser.setWindowSize(width, height);
        for (const [name, reach] of screens) {
          await reach();
          await browser.pause(300);
          const file = join(out, `${name}-${width}x${height}-${theme}.png`);
          await browser.saveScreenshot(file);
          console.log(file);
        }
      }
    }
  } finally {
    await app.stop();
  }
}
