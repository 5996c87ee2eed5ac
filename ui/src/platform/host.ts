import type { Commands } from "../bindings/commands";
import type { CommandError } from "../bindings/CommandError";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { LockReason } from "../bindings/LockReason";
import type { DeskEvent } from "../bindings/DeskEvent";
import type { SyncState } from "../bindings/SyncState";
import type { OpenRequest } from "../bindings/OpenRequest";

/**
 * Everything the UI asks of the host: every command of the core, generated from its one
 * declaration (`src-tauri/src/command_table.rs`), plus what the window itself provides — the
 * core's events, the native dialogs, dropped files.
 */
export interface Host extends Commands {
  /**
   * Calls `callback` each time the core locks itself: the OS reported sleep or a screen lock, or
   * its idle timer ran out (the core is already locked when it runs; it may run twice for one
   * event). Returns the function that stops listening.
   */
  onLocked(callback: (reason: LockReason) => void): () => void;
  /** The OS's open dialog for exports (.csv, .zip; several at once): the paths chosen, or null if cancelled. */
  chooseImportFiles(): Promise<string[] | null>;
  /** The OS's save dialog, suggesting `fileName`: the path chosen, or null if cancelled. */
  chooseSavePath(title: string, fileName: string): Promise<string | null>;
  /** Calls `callback` as an import goes (reading, checking, storing). Returns the function that stops listening. */
  onLedgerImportProgress(callback: (progress: ImportProgress) => void): () => void;
  /** Calls `callback` with the paths of files dropped on the window. Returns the function that stops listening. */
  onFilesDropped(callback: (paths: string[]) => void): () => void;
  /** Calls `callback` each time a request the member may view changes (pushed by the Organization). Returns the function that stops listening. */
  onOrgEvent(callback: (event: DeskEvent) => void): () => void;
  /** Calls `callback` each time the event stream goes live or drops. Returns the function that stops listening. */
  onOrgSync(callback: (state: SyncState) => void): () => void;
  /** Calls `callback` each time a notification or the tray asks to show a request, or the queue. Returns the function that stops listening. */
  onOpenRequest(callback: (open: OpenRequest) => void): () => void;
}

// A Record so the compiler fails when the generated ErrorCode gains or loses a variant.
const KNOWN_CODES: Record<ErrorCode, true> = {
  self_approval: true,
  already_decided: true,
  not_pending: true,
  not_permitted: true,
  invalid_otp: true,
  not_found: true,
  invalid_input: true,
  auth: true,
  unavailable: true,
  locked: true,
  not_enrolled: true,
  request_changed: true,
  internal: true,
};
const ERROR_CODES: ReadonlySet<string> = new Set(Object.keys(KNOWN_CODES));

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && ERROR_CODES.has(value);
}

/** A failed host call, carrying the code the UI branches on. */
export class HostError extends Error implements CommandError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "HostError";
    this.code = code;
  }
}

/**
 * Turns whatever a host call rejected with into a HostError: a `{code, message}` CommandError
 * from a command, or a bare string/Error from the IPC layer itself (unknown command, bad args).
 */
export function toHostError(reason: unknown): HostError {
  if (reason instanceof HostError) return reason;
  if (typeof reason === "object" && reason !== null && "code" in reason) {
    const { code, message } = reason as { code: unknown; message?: unknown };
    const text = typeof message === "string" && message !== "" ? message : "The request failed.";
    return new HostError(isErrorCode(code) ? code : "internal", text);
  }
  if (reason instanceof Error) return new HostError("internal", reason.message);
  if (typeof reason === "string" && reason !== "") return new HostError("internal", reason);
  return new HostError("internal", "The request failed for an unknown reason.");
}
