import type { Workflow } from "../bindings/Workflow";
import type { Policy } from "../bindings/Policy";
import type { PolicyDiff } from "../bindings/PolicyDiff";
import type { CommandError } from "../bindings/CommandError";
import type { DemoMember } from "../bindings/DemoMember";
import type { DeviceStatus } from "../bindings/DeviceStatus";
import type { Enrollment } from "../bindings/Enrollment";
import type { ErrorCode } from "../bindings/ErrorCode";
import type { LockReason } from "../bindings/LockReason";
import type { OrgView } from "../bindings/OrgView";
import type { Preview } from "../bindings/Preview";
import type { RequestFilter } from "../bindings/RequestFilter";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { RequestView } from "../bindings/RequestView";
import type { Session } from "../bindings/Session";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { IntegrityView } from "../bindings/IntegrityView";
import type { LedgerFacets } from "../bindings/LedgerFacets";
import type { LedgerFilter } from "../bindings/LedgerFilter";
import type { PageView } from "../bindings/PageView";
import type { RowRefView } from "../bindings/RowRefView";
import type { SeriesBucket } from "../bindings/SeriesBucket";
import type { SeriesPointView } from "../bindings/SeriesPointView";
import type { TotalView } from "../bindings/TotalView";
import type { ExportView } from "../bindings/ExportView";
import type { TradesPageView } from "../bindings/TradesPageView";

/** Everything the UI asks of the host (the Rust core, or the in-memory fake). */
export interface Host {
  getSession(): Promise<Session>;
  /** Newest first. */
  listRequests(filter: RequestFilter): Promise<RequestView[]>;
  approveRequest(id: string, otp: string): Promise<RequestView>;
  rejectRequest(id: string, otp: string, reason: string | null): Promise<RequestView>;
  /** The Organization: members, service users and their keys, policies, the address book. */
  getOrg(): Promise<OrgView>;
  /** What submitting `payload` as the signed-in member would do, and why. Changes nothing. */
  previewRequest(payload: RequestPayload, execute: boolean): Promise<Preview>;
  /** Submits a request; executing at once is a decision and needs the member's 6-digit code (else `otp` is null). */
  submitRequest(payload: RequestPayload, execute: boolean, otp: string | null): Promise<SubmitOutcome>;
  /** Cancels the signed-in member's own pending request (needs a code). */
  cancelRequest(id: string, otp: string): Promise<RequestView>;
  /** What replacing a workflow's policy (null: removing it) would loosen or tighten. */
  policyDiff(workflow: Workflow, policy: Policy | null): Promise<PolicyDiff>;
  /** Sandbox mode only; rejects with `unavailable` in remote mode. */
  sandboxMembers(): Promise<DemoMember[]>;
  /** Sandbox mode only: sign in as another demo member. */
  switchMember(memberId: string): Promise<Session>;
  /** Copies a just-revealed service-user secret (kept in Rust) to the clipboard; resolves to the seconds until it is cleared. */
  copyRevealedSecret(requestId: string): Promise<number>;
  /** Stores a just-revealed service-user key pair in the OS keychain and forgets it; resolves to the keychain entry's name. */
  storeRevealedKey(requestId: string): Promise<string>;
  /** Forgets a just-revealed key (leaving the page). */
  forgetRevealedKey(requestId: string): Promise<void>;
  /** Locks the app: every call but the session and unlocking fails with `locked` until unlocked. */
  lockApp(): Promise<void>;
  /** Unlocks with the signed-in member's current code. */
  unlockApp(otp: string): Promise<void>;
  /** Whether the app is locked. */
  appLocked(): Promise<boolean>;
  /**
   * Calls `callback` each time the core locks itself because the OS reported sleep or a screen
   * lock (the core is already locked when it runs; it may run twice for one event). Returns the
   * function that stops listening.
   */
  onLocked(callback: (reason: LockReason) => void): () => void;
  /** Sandbox mode only: whether the living sandbox (deposits + the rebalancer bot) runs. */
  livingSandbox(): Promise<boolean>;
  /** Sandbox mode only: switches the living sandbox on or off; resolves to its new state. */
  setLivingSandbox(on: boolean): Promise<boolean>;
  /** A new authenticator secret for the signed-in member (who has none yet): the otpauth URI and its QR code, shown once. */
  beginEnrollment(): Promise<Enrollment>;
  /** Confirms the authenticator with its first code (and registers this device); resolves to the enrolled session. */
  confirmEnrollment(otp: string): Promise<Session>;
  /** Adds a remote Organization and switches to it. The API secret is read from the clipboard by the core, never sent by the page. */
  addOrg(baseUrl: string, apiKey: string): Promise<Session>;
  /** Leaves the remote Organization (its key is deleted from the keychain) and returns to the sandbox. */
  leaveOrg(): Promise<Session>;
  /** This device's signing key and whether it is registered to the signed-in member. */
  deviceStatus(): Promise<DeviceStatus>;
  /** Registers this device's signing key to the signed-in member with their current code. */
  registerDevice(otp: string): Promise<DeviceStatus>;

  // Ledgers: a local review workspace of ledger exports. Needs no network or session; refused (`locked`) while locked.
  /**
   * Imports ledgers/trades exports (.csv or .zip) by path: every file or none (`failure` says which file, line and column).
   * A file another program re-saved (BOM, mixed line ends) is refused (`failure.edited`) unless `acceptEdited`, which reads it and lists warnings.
   */
  ledgerImport(paths: string[], acceptEdited: boolean): Promise<ImportSummary>;
  /** The OS's open dialog for exports (.csv, .zip; several at once): the paths chosen, or null if cancelled. */
  chooseImportFiles(): Promise<string[] | null>;
  /** The OS's save dialog, suggesting `fileName`: the path chosen, or null if cancelled. */
  chooseSavePath(title: string, fileName: string): Promise<string | null>;
  /** Calls `callback` as an import goes (reading, checking, storing). Returns the function that stops listening. */
  onLedgerImportProgress(callback: (progress: ImportProgress) => void): () => void;
  /** Calls `callback` with the paths of files dropped on the window. Returns the function that stops listening. */
  onFilesDropped(callback: (paths: string[]) => void): () => void;
  /** The integrity check of everything stored: chains, breaks, duplicates, conflicts, unpaired requests, flags. */
  ledgerReport(): Promise<IntegrityView>;
  /** `limit` rows from `offset` of those the filter selects (time order), and how many it selects; a date it cannot read is `invalid_input`. */
  ledgerPage(filter: LedgerFilter, offset: number, limit: number): Promise<PageView>;
  /** Where a finding's row is among the rows the filter selects (an offset for ledgerPage), or null if it leaves it out. */
  ledgerLocate(filter: LedgerFilter, row: RowRefView): Promise<number | null>;
  /** Exact totals of the settled rows the filter selects, grouped by `by` (asset, type, subtype, wallet, month). */
  ledgerTotals(filter: LedgerFilter, by: string[]): Promise<TotalView[]>;
  /** One chain's balance at the end of each period. */
  ledgerSeries(asset: string, wallet: string, bucket: SeriesBucket): Promise<SeriesPointView[]>;
  /** The values of the filter's dropdowns. */
  ledgerFacets(): Promise<LedgerFacets>;
  /** `limit` trade groups (each trade with its ledger legs and fees, by refid) from `offset` among the rows the filter selects, and how many. */
  ledgerTrades(filter: LedgerFilter, offset: number, limit: number): Promise<TradesPageView>;
  /** Writes the rows the filter selects to `path` in the exchange's ledgers CSV layout (the core writes; the rows never come to the page). */
  ledgerExportRows(filter: LedgerFilter, path: string): Promise<ExportView>;
  /** Writes month-end balance assertions (`date,asset,wallet,balance`) for the filter's chains and date range to `path`. */
  ledgerExportBalances(filter: LedgerFilter, path: string): Promise<ExportView>;
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
