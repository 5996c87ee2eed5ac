// End to end, the trust layer in the real app: an invited member enrolls an authenticator from
// the QR code's setup link, a decision is signed, a service user's secret is revealed once and
// stored in the keychain; then the secret-hygiene scan looks for every secret involved in the
// app's data, config and cache dirs, the webview's storage, everything logged, and the sandbox
// database, in every encoding they travel in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { artifacts, base32Decode, codeOf, decide, row, sel, startApp, stepUp, switchTo, totp, unlockAtStart } from "./support.mjs";

let app;
let browser;

before(async () => {
  app = await startApp("trust");
  browser = app.browser;
  await unlockAtStart();
});

after(async () => {
  await app?.stop();
});

/** Opens the New request page, picks `kind`, lets `fill` set the fields, submits; returns the outcome. */
/**
 * Submits a new request of `kind` as `member`; one that completes at once is Execute, so its
 * step-up prompt is answered (with the member's code, or through their open decision window).
 */
async function submitRequest(kind, fill, member) {
  await (await browser.$(sel("nav-requests"))).click();
  const open = await browser.$(sel("new-request-open"));
  await open.waitForDisplayed({ timeout: 10_000 });
  await open.click();
  const kindSelect = await browser.$(sel("new-request-kind"));
  await kindSelect.waitForDisplayed({ timeout: 10_000 });
  await kindSelect.selectByAttribute("value", kind);
  await fill();
  const submit = await browser.$(sel("new-request-submit"));
  await browser.waitUntil(async () => submit.isEnabled(), { timeout: 10_000, timeoutMsg: `the ${kind} draft never became valid` });
  await submit.click();
  const outcome = await browser.$(sel("submit-outcome"));
  const prompt = await browser.$(sel("otp-submit"));
  await browser.waitUntil(async () => (await outcome.isDisplayed()) || (await prompt.isDisplayed()), {
    timeout: 10_000,
    timeoutMsg: `the ${kind} submission showed neither its outcome nor a step-up`,
  });
  if (await prompt.isDisplayed()) await stepUp(await codeOf(member));
  await outcome.waitForDisplayed({ timeout: 10_000 });
  return { id: await outcome.getAttribute("data-request-id"), status: await outcome.getAttribute("data-status") };
}

async function setText(testid, value) {
  const input = await browser.$(sel(testid));
  await input.waitForDisplayed({ timeout: 10_000 });
  await input.setValue(value);
}

/** Every file under `dir`, skipping the directories `skip` names. */
function files(dir, skip) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isDirectory()) {
      if (!skip(path)) out.push(...files(path, skip));
    } else if (info.isFile()) {
      out.push(path);
    }
  }
  return out;
}

/** The forms a secret travels in: as written, its bytes, their hex, base64 and base32-free text. */
function encodings(label, text, decode) {
  const raw = decode(text);
  const forms = [
    [`${label} (as written)`, Buffer.from(text.replace(/=+$/, ""))],
    [`${label} (raw bytes)`, raw],
    [`${label} (hex)`, Buffer.from(raw.toString("hex"))],
    [`${label} (HEX)`, Buffer.from(raw.toString("hex").toUpperCase())],
    [`${label} (base64)`, Buffer.from(raw.toString("base64").replace(/=+$/, ""))],
    [`${label} (base64url)`, Buffer.from(raw.toString("base64url"))],
  ];
  // Short needles would match by chance; every secret here is 16 bytes or more.
  return forms.filter(([, needle]) => needle.length >= 16);
}

test("an invited member enrolls, decisions are signed, a key is revealed once, and no secret is left behind", async () => {
  await (await browser.$(sel("sandbox-panel"))).waitForDisplayed({ timeout: 30_000 });

  // Eve asks to drop the Manage Access policy; Ada approves (a signed decision).
  await switchTo("Eve Santos");
  const dropPolicy = await submitRequest(
    "change_policy",
    async () => {
      await (await browser.$(sel("draft-workflow"))).selectByAttribute("value", "manage_access");
      await (await browser.$(sel("draft-remove-policy"))).click();
    },
    "Eve Santos",
  );
  assert.equal(dropPolicy.status, "pending");
  await switchTo("Ada Okafor");
  await (await browser.$(sel("nav-approvals"))).click();
  await (await row(dropPolicy.id)).waitForDisplayed({ timeout: 10_000 });
  await decide(dropPolicy.id, await codeOf("Ada Okafor"));
  await (await browser.$(sel("action-ok"))).waitForDisplayed({ timeout: 10_000 });

  // Ada creates a service user: it completes at once and its secret is shown this once.
  const created = await submitRequest(
    "create_service_user",
    async () => {
      await setText("draft-name", "e2e-bot");
      await (await browser.$(`${sel("scope-toggle")}[data-scope="funds_query"] input`)).click();
    },
    "Ada Okafor",
  );
  assert.equal(created.status, "completed");
  const revealedSecret = (await (await browser.$(sel("revealed-api-secret"))).getText()).trim();
  assert.ok(revealedSecret.length >= 40, "the revealed secret is shown");
  await (await browser.$(sel("store-key"))).click();
  const stored = await browser.$(sel("reveal-status"));
  await stored.waitForDisplayed({ timeout: 10_000 });
  assert.match(await stored.getText(), /keychain/i);

  // Ada invites Frank: he joins at once, without an authenticator.
  const invite = await submitRequest(
    "invite_member",
    async () => {
      await setText("draft-name", "Frank Li");
    },
    "Ada Okafor",
  );
  assert.equal(invite.status, "completed");
  const frank = await browser.$(`${sel("demo-member")}[data-member-name="Frank Li"]`);
  await frank.waitForDisplayed({ timeout: 15_000 });
  assert.ok(await (await frank.$(sel("demo-not-enrolled"))).isDisplayed(), "no code before enrollment");
  const frankId = await frank.getAttribute("data-member-id");

  // Frank signs in: the app asks him to set up his authenticator before anything else.
  await switchTo("Frank Li");
  await (await browser.$(sel("enroll-screen"))).waitForDisplayed({ timeout: 10_000 });
  await (await browser.$(sel("begin-enrollment"))).click();
  await (await browser.$(sel("enroll-qr"))).waitForDisplayed({ timeout: 10_000 });
  await browser.saveScreenshot(join(artifacts, "enrollment.png"));
  await (await browser.$(sel("show-otpauth-uri"))).click();
  const uri = await (await browser.$(sel("otpauth-uri"))).getText();
  assert.match(uri, /^otpauth:\/\/totp\/.*Frank%20Li.*secret=[A-Z2-7]+/);
  const frankTotp = new URL(uri).searchParams.get("secret");
  await setText("enroll-code", totp(frankTotp));
  await (await browser.$(sel("confirm-enrollment"))).click();
  await (await browser.$(sel("needs-me-count"))).waitForDisplayed({ timeout: 10_000 });
  assert.ok(!(await (await browser.$(sel("enroll-screen"))).isExisting()), "enrolled: the workspace opens");
  // The sandbox panel now shows his code, from the same secret his authenticator holds.
  await browser.waitUntil(async () => /^\d{6}$/.test(await codeOf("Frank Li")), { timeout: 10_000 });

  // Leave nothing on screen; let the app settle its writes.
  await switchTo("Ben Ruiz");
  await browser.pause(1_000);

  // Every secret involved.
  const home = process.env.HOME;
  const dataDir = join(process.env.XDG_DATA_HOME ?? join(home, ".local/share"), "dev.countersign.desktop");
  const db = join(dataDir, "sandbox", "sandbox.sqlite3");
  const helper = fileURLToPath(new URL("./sandbox_db.py", import.meta.url));
  const held = JSON.parse(execFileSync("python3", [helper, "secrets", db], { encoding: "utf8" }));
  // This device's signing key of every member who signed here (any earlier E2E file's too).
  const deviceKeys = [];
  for (const member of ["m-ada", "m-ben", "m-chloe", "m-dev", "m-eve", frankId]) {
    let seed = "";
    try {
      seed = execFileSync("secret-tool", ["lookup", "service", "countersign", "username", `device:sandbox:${member}`], {
        encoding: "utf8",
      }).trim();
    } catch {
      continue; // never signed here: no key
    }
    deviceKeys.push([member, seed]);
  }
  const signers = deviceKeys.map(([m]) => m);
  assert.ok(signers.includes("m-ada") && signers.includes(frankId), `Ada's and Frank's device keys are in the keychain (found ${signers})`);
  assert.ok(held.api_secrets.length >= 8 && held.totp_secrets.length >= 6, "the sandbox's own secrets were read");
  assert.ok(held.totp_secrets.includes(frankTotp), "Frank's enrolled secret is the one the sandbox keeps");
  const b64 = (t) => Buffer.from(t, "base64");
  const needles = [
    ...held.api_secrets.flatMap((s, i) => encodings(`API secret #${i}`, s, b64)),
    ...held.totp_secrets.flatMap((s, i) => encodings(`TOTP secret #${i}`, s, base32Decode)),
    ...deviceKeys.flatMap(([m, s]) => encodings(`device key of ${m}`, s, b64)),
    ...encodings("the revealed service-user secret", revealedSecret, b64),
  ];

  // Files: the app's data dir (sandbox database aside, checked below), config, cache (the
  // webview's storage lives in the data and cache dirs), the decision mirrors, and the log of
  // everything the driver, the web driver and the app printed. The keyrings directory is the
  // OS keychain itself (encrypted by gnome-keyring): it is where the secrets belong.
  const scanned = [
    ...files(home, (dir) => dir.endsWith("/keyrings")).filter((f) => !f.includes(`${join("sandbox", "sandbox.sqlite3")}`)),
    app.logPath,
  ];
  assert.ok(scanned.some((f) => f.includes("dev.countersign.desktop")), "the app's data dir was scanned");
  assert.ok(scanned.some((f) => f.includes("decisions")), "the decision mirrors were scanned");
  const found = [];
  for (const file of scanned) {
    const bytes = readFileSync(file);
    for (const [label, needle] of needles) {
      if (bytes.includes(needle)) found.push(`${label} in ${file}`);
    }
  }
  assert.deepEqual(found, [], "no secret in any file, log or webview storage");
  // The same byte search does find a secret where one is: the sandbox database's own files.
  const [, apiSecretText] = needles[0];
  assert.ok(
    [db, `${db}-wal`].some((f) => statSync(f, { throwIfNoEntry: false }) && readFileSync(f).includes(apiSecretText)),
    "the file scan finds a secret in the sandbox database (it can fail)",
  );

  // The sandbox database: it plays the exchange, so it keeps API and TOTP secrets server-side,
  // and only in those columns; device keys and anything else never.
  const patterns = join(artifacts, "trust-patterns.json");
  writeFileSync(patterns, JSON.stringify(needles.map(([label, needle]) => ({ label, hex: needle.toString("hex") }))));
  const hits = JSON.parse(execFileSync("python3", [helper, "scan", db, patterns], { encoding: "utf8" }));
  writeFileSync(patterns, "[]");
  const allowed = new Set(["api_keys.secret", "members.totp_secret", "members.pending_totp"]);
  const misplaced = hits
    .filter((h) => !allowed.has(`${h.table}.${h.column}`) || h.label.startsWith("device key"))
    .map((h) => `${h.label} in ${h.table}.${h.column}`);
  assert.deepEqual(misplaced, [], "secrets only where the exchange keeps them");
  assert.ok(hits.some((h) => h.table === "api_keys"), "the scan does find the server-side secrets (it can fail)");
});
