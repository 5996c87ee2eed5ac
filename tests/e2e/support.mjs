// What every end-to-end file needs: the real desktop app started through tauri-driver +
// WebKitWebDriver, and helpers that read the screen as a person would. `cargo xtask test`
// provides Xvfb, a private D-Bus session with gnome-keyring, a hermetic HOME and:
//   COUNTERSIGN_APP            the built app binary
//   TAURI_DRIVER               the tauri-driver binary
//   COUNTERSIGN_E2E_ARTIFACTS  where screenshots and logs go
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { createWriteStream, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { request } from "node:http";
import { createConnection } from "node:net";
import { join } from "node:path";
import { remote } from "webdriverio";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through \`cargo xtask test\``);
  return v;
}

const appBin = required("COUNTERSIGN_APP");
const driverBin = required("TAURI_DRIVER");
export const artifacts = required("COUNTERSIGN_E2E_ARTIFACTS");

function portOpen(p) {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port: p });
    s.once("connect", () => {
      s.end();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export let browser;

/**
 * Starts tauri-driver and a WebDriver session of the app. Everything tauri-driver, the web driver
 * and the app print (the app logs at debug level here) goes to `<artifacts>/<name>.log`, so a test
 * can read what was logged.
 */
export async function startApp(name) {
  const port = 4600 + (process.pid % 300) * 2;
  const logPath = join(artifacts, `${name}.log`);
  const log = createWriteStream(logPath);
  const driver = spawn(driverBin, ["--port", String(port), "--native-port", String(port + 1)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, COUNTERSIGN_LOG: "debug" },
  });
  driver.stdout.pipe(log, { end: false });
  driver.stderr.pipe(log, { end: false });
  let spawnError = null;
  driver.once("error", (e) => {
    spawnError = e;
  });
  const deadline = Date.now() + 20_000;
  while (!(await portOpen(port))) {
    if (spawnError) throw new Error(`cannot start tauri-driver (${driverBin}): ${spawnError.message}`);
    if (Date.now() > deadline) throw new Error("tauri-driver did not start listening");
    await new Promise((r) => setTimeout(r, 100));
  }
  /** Ends the driver, whatever outlives it, and the log; this process then waits on nothing. */
  async function release() {
    const exited = new Promise((resolve) => driver.once("exit", resolve));
    driver.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    // An app the driver could not close outlives it (so can the web driver it started), holding
    // the driver's output pipes open, and this process would wait on them forever: end them,
    // and let go of the pipes.
    killStray(appBin);
    killStray("/usr/bin/WebKitWebDriver", port + 1);
    driver.stdout.destroy();
    driver.stderr.destroy();
    await new Promise((resolve) => log.end(resolve));
  }
  // tauri-driver starts the web driver on the first session request; on a loaded machine that
  // request can fail before it listens. Try again, twice; then give up cleanly.
  for (let attempt = 1; ; attempt++) {
    try {
      browser = await remote({
        hostname: "127.0.0.1",
        port,
        logLevel: "warn",
        connectionRetryCount: 0,
        capabilities: {
          "wdio:enforceWebDriverClassic": true,
          "tauri:options": { application: appBin },
        },
      });
      break;
    } catch (failure) {
      if (attempt === 3) {
        await release();
        throw failure;
      }
      console.error(`no WebDriver session (attempt ${attempt}): ${failure.message}; trying again`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  return {
    browser,
    logPath,
    async stop() {
      const closed = browser?.deleteSession().catch(() => {});
      await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
      await release();
    },
  };
}

/**
 * Kills every process still running `binary` (Linux: read from /proc), reporting each; with
 * `port`, only those started with it among their arguments.
 */
function killStray(binary, port) {
  let target;
  try {
    target = realpathSync(binary);
  } catch {
    return;
  }
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let exe;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      continue;
    }
    if (port !== undefined) {
      let args = "";
      try {
        args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue;
      }
      if (!args.includes(`--port=${port}`)) continue;
    }
    if (exe === target || exe === `${target} (deleted)`) {
      console.error(`${binary} (pid ${pid}) outlived its WebDriver session; killing it`);
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}

export const sel = (testid, extra = "") => `[data-testid="${testid}"]${extra}`;

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Decode(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, "").toUpperCase()) {
    value = (value << 5) | BASE32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (SHA-1, 6 digits, 30 s): what an authenticator app shows for `secret` now. */
export function totp(secretBase32) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac("sha1", base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

/**
 * The app opens locked, at every start: checks that nothing of the Organization shows, then
 * unlocks it with `code`, or in the sandbox with the code its lock screen shows.
 */
export async function unlockAtStart(code) {
  const screen = await browser.$(sel("lock-screen"));
  await screen.waitForDisplayed({ timeout: 60_000, timeoutMsg: "the app did not start locked" });
  for (const hidden of ["nav-requests", "request-row", "sandbox-panel"]) {
    if (await (await browser.$(sel(hidden))).isExisting()) throw new Error(`${hidden} shows while locked`);
  }
  const shownCode = async () => {
    const shown = await browser.$(sel("lock-demo-code-value"));
    await shown.waitForDisplayed({ timeout: 10_000, timeoutMsg: "the sandbox's lock screen shows no code" });
    return (await shown.getText()).replace(/\s/g, "");
  };
  let typed = code ?? (await shownCode());
  for (let attempt = 1; ; attempt++) {
    await (await browser.$(sel("unlock-code"))).setValue(typed);
    await (await browser.$(sel("unlock"))).click();
    const member = await browser.$(sel("current-member"));
    const refused = await browser.$(`${sel("lock-screen")} [role="alert"]`);
    await browser.waitUntil(async () => (await member.isDisplayed()) || (await refused.isDisplayed()), {
      timeout: 20_000,
      timeoutMsg: "the code neither unlocked the app nor was refused",
    });
    if (await member.isDisplayed()) return;
    // A code is accepted once: a test before this one, in the same 30 seconds, may have spent
    // the one shown. The lock screen shows the next when it comes.
    if (code !== undefined || attempt === 2) throw new Error(`the code did not unlock the app: ${await refused.getText()}`);
    const spent = typed;
    await browser.waitUntil(async () => (typed = await shownCode()) !== spent, {
      timeout: 40_000,
      timeoutMsg: "the lock screen never showed the next code",
    });
  }
}

export async function rows() {
  const found = [];
  // webdriverio's element arrays map asynchronously; a plain loop keeps the calls in order.
  for (const el of Array.from(await browser.$$(sel("request-row")))) {
    found.push({
      id: await el.getAttribute("data-request-id"),
      initiator: await el.getAttribute("data-initiator"),
      approvals: await el.getAttribute("data-approvals"),
    });
  }
  return found;
}

export async function row(id) {
  return browser.$(sel("request-row", `[data-request-id="${id}"]`));
}

export async function codeOf(name) {
  const el = await browser.$(`${sel("demo-member")}[data-member-name="${name}"] ${sel("demo-code")}`);
  return (await el.getText()).replace(/\s/g, "");
}

/** Approves request `id` from its detail: with `code`, or through the decision window when one is open. */
export async function decide(id, code) {
  await (await row(id)).click();
  await (await browser.$(sel("approve"))).click();
  await stepUp(code);
}

/** Whether the element with `testid` shows now (false while the page re-renders it). */
async function shows(testid) {
  try {
    return await (await browser.$(sel(testid))).isDisplayed();
  } catch {
    return false;
  }
}

/** Answers an open step-up prompt: types `code`, unless a decision window is open (no code asked); then sends. */
export async function stepUp(code) {
  await browser.waitUntil(async () => (await shows("otp-input")) || (await shows("window-open")), {
    timeout: 5_000,
    timeoutMsg: "no step-up prompt",
  });
  // The prompt learns of a window opened elsewhere (by unlocking) a moment after it shows.
  await browser.pause(500);
  if (!(await shows("window-open"))) await (await browser.$(sel("otp-input"))).setValue(code);
  await (await browser.$(sel("otp-submit"))).click();
}

/** A private call to the sandbox's exchange API, signed as the exchange signs, from `localAddress`. */
export function privateCall(baseUrl, key, secret, endpoint, params, localAddress) {
  const path = `/0/private/${endpoint}`;
  const nonce = String(Date.now() * 1000 + Math.floor(Math.random() * 1000));
  const body = new URLSearchParams({ nonce, ...params }).toString();
  const digest = createHash("sha256").update(nonce + body).digest();
  const sign = createHmac("sha512", Buffer.from(secret, "base64"))
    .update(Buffer.concat([Buffer.from(path), digest]))
    .digest("base64");
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: "POST",
        localAddress,
        headers: {
          "API-Key": key,
          "API-Sign": sign,
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve(JSON.parse(text)));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}


/** Signs in as the demo member `name` from the sandbox panel and waits until the switch shows. */
export async function switchTo(name) {
  const button = await browser.$(`${sel("demo-member")}[data-member-name="${name}"] ${sel("switch-member")}`);
  await button.waitForDisplayed({ timeout: 10_000 });
  await button.click();
  await browser.waitUntil(async () => (await (await browser.$(sel("current-member"))).getText()) === name, {
    timeout: 10_000,
    timeoutMsg: `did not sign in as ${name}`,
  });
}
