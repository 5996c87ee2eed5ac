import { createFakeHost } from "./fakeHost";
import type { Host } from "./host";
import { tauriHost } from "./tauriHost";

export { createFakeHost, fakeAuthenticatorCode, type FakeHost, type FakeHostOptions } from "./fakeHost";
export { HostError, toHostError, type Host } from "./host";
export { HostProvider, useHost } from "./HostContext";

/** True inside the Tauri webview, which always injects its IPC bridge. */
export function inTauri(): boolean {
  return "__TAURI_INTERNALS__" in window;
}

/**
 * The host the app talks to: the Rust core inside Tauri; the in-memory fake in a plain browser,
 * or in Tauri when a development server runs with VITE_FAKE_HOST=1. A built app inside Tauri
 * always gets the real host.
 */
export function selectHost(): Host {
  const fakeRequested = import.meta.env.DEV && import.meta.env.VITE_FAKE_HOST === "1";
  return inTauri() && !fakeRequested ? tauriHost : createFakeHost({ latencyMs: 150 });
}
