import { commands } from "../bindings/commands";
import { HostError, type Host } from "./host";
import { tauriHost } from "./tauriHost";

export { HostError, toHostError, type Host } from "./host";
export { HostProvider, useHost } from "./HostContext";

/** True inside the Tauri webview, which always injects its IPC bridge. */
export function inTauri(): boolean {
  return "__TAURI_INTERNALS__" in window;
}

/**
 * A host outside the app's window (the page opened in a plain browser): it has no core, so
 * every call says how to open the app instead. Nothing here answers for the core.
 */
const windowless: Host = {
  ...commands(() =>
    Promise.reject(new HostError("unavailable", "Countersign runs in its own window: start it with `cargo xtask run`.")),
  ),
  onLocked: () => () => undefined,
  chooseImportFiles: () => Promise.resolve(null),
  chooseSavePath: () => Promise.resolve(null),
  onLedgerImportProgress: () => () => undefined,
  onFilesDropped: () => () => undefined,
  onOrgEvent: () => () => undefined,
  onOrgSync: () => () => undefined,
  onOpenRequest: () => () => undefined,
};

/** The host the app talks to: the Rust core inside Tauri, and none anywhere else. */
export function selectHost(): Host {
  return inTauri() ? tauriHost : windowless;
}
