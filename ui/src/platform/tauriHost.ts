import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import { commands, EVENTS } from "../bindings/commands";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { LockReason } from "../bindings/LockReason";
import type { DeskEvent } from "../bindings/DeskEvent";
import type { SyncState } from "../bindings/SyncState";
import type { OpenRequest } from "../bindings/OpenRequest";
import { toHostError, type Host } from "./host";

/** Calls a command of the core; a refusal becomes a HostError with its code. */
async function call(command: string, args: Record<string, unknown>): Promise<unknown> {
  try {
    return await invoke(command, args);
  } catch (reason) {
    throw toHostError(reason);
  }
}

/** Starts a listener set up asynchronously; stopping before it is set up is remembered. */
function listening(start: () => Promise<UnlistenFn>, what: string): () => void {
  let unlisten: UnlistenFn | null = null;
  let stopped = false;
  start().then(
    (stop) => {
      if (stopped) stop();
      else unlisten = stop;
    },
    (reason: unknown) => console.error(`Countersign: cannot listen for ${what}`, reason),
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** Listens for the core's `app-locked` event. */
function onLocked(callback: (reason: LockReason) => void): () => void {
  return listening(() => listen<LockReason>(EVENTS.appLocked, (event) => callback(event.payload)), "the system lock");
}

/** The real host: the core's commands (generated), and the window's events and dialogs. */
export const tauriHost: Host = {
  ...commands(call),
  onLocked,
  chooseImportFiles: async () => {
    try {
      const chosen = await open({
        title: "Import ledgers or trades exports",
        multiple: true,
        directory: false,
        filters: [{ name: "The exchange's exports (.csv, .zip)", extensions: ["csv", "zip"] }],
      });
      return chosen === null ? null : Array.isArray(chosen) ? chosen : [chosen];
    } catch (reason) {
      throw toHostError(reason);
    }
  },
  chooseSavePath: async (title, fileName) => {
    try {
      return await save({ title, defaultPath: fileName, filters: [{ name: "CSV", extensions: ["csv"] }] });
    } catch (reason) {
      throw toHostError(reason);
    }
  },
  onLedgerImportProgress: (callback) =>
    listening(() => listen<ImportProgress>(EVENTS.ledgerImportProgress, (event) => callback(event.payload)), "import progress"),
  onOrgEvent: (callback) => listening(() => listen<DeskEvent>(EVENTS.orgEvent, (event) => callback(event.payload)), "org events"),
  onOrgSync: (callback) => listening(() => listen<SyncState>(EVENTS.orgSync, (event) => callback(event.payload)), "the sync state"),
  onOpenRequest: (callback) =>
    listening(() => listen<OpenRequest>(EVENTS.openRequest, (event) => callback(event.payload)), "notification clicks"),
  onFilesDropped: (callback) =>
    listening(
      () =>
        getCurrentWebview().onDragDropEvent((event) => {
          if (event.payload.type === "drop") callback(event.payload.paths);
        }),
      "dropped files",
    ),
};
