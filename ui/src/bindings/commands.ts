// Generated from src-tauri/src/command_table.rs by `cargo test -p countersign-desktop export_commands`; do not edit.

import type { Decision } from "./Decision";
import type { DecisionOutcome } from "./DecisionOutcome";
import type { DemoMember } from "./DemoMember";
import type { DeviceStatus } from "./DeviceStatus";
import type { Enrollment } from "./Enrollment";
import type { EntryCaller } from "./EntryCaller";
import type { ExportView } from "./ExportView";
import type { ImportSummary } from "./ImportSummary";
import type { IntegrityView } from "./IntegrityView";
import type { KeyReview } from "./KeyReview";
import type { LedgerFacets } from "./LedgerFacets";
import type { LedgerFilter } from "./LedgerFilter";
import type { OrgView } from "./OrgView";
import type { PageView } from "./PageView";
import type { Policy } from "./Policy";
import type { PolicyDiff } from "./PolicyDiff";
import type { Preview } from "./Preview";
import type { Replay } from "./Replay";
import type { RequestFilter } from "./RequestFilter";
import type { RequestPayload } from "./RequestPayload";
import type { RequestView } from "./RequestView";
import type { RevealedKey } from "./RevealedKey";
import type { RowRefView } from "./RowRefView";
import type { SeriesBucket } from "./SeriesBucket";
import type { SeriesPointView } from "./SeriesPointView";
import type { Session } from "./Session";
import type { Shown } from "./Shown";
import type { Simulation } from "./Simulation";
import type { StopView } from "./StopView";
import type { SubmitOutcome } from "./SubmitOutcome";
import type { SyncState } from "./SyncState";
import type { TotalView } from "./TotalView";
import type { TradesPageView } from "./TradesPageView";
import type { WindowView } from "./WindowView";
import type { Workflow } from "./Workflow";

/** The plugin the commands belong to. */
export const PLUGIN = "countersign";

/** Every command of the core, as a typed function. */
export interface Commands {
  /** The signed-in session. When the session could not open at start, it is opened again first (the start error's "Try again"), and the OS lock watcher starts once it is open. */
  getSession(): Promise<Session>;
  /** Requests visible to the member, newest first. */
  listRequests(filter: RequestFilter): Promise<Array<RequestView>>;
  /** Approves, signed over `seen`: the request's payload as the page showed it (the Organization refuses it if its request differs). Stepped up by `otp`, or without one by the decision window held; an optional reason goes with it. */
  approveRequest(id: string, otp: string | null, reason: string | null, seen: RequestPayload): Promise<RequestView>;
  /** Rejects with a reason (required), signed over `seen`; stepped up as `approve_request`. */
  rejectRequest(id: string, otp: string | null, reason: string, seen: RequestPayload): Promise<RequestView>;
  /** Decides every request of `shown` the same way with one step-up (`otp`, or the window held): each is signed over what was shown and sent on its own; one line per request. */
  decideBatch(shown: Array<Shown>, decision: Decision, otp: string | null, reason: string | null): Promise<Array<DecisionOutcome>>;
  /** The decision window held for the signed-in member, if open: when it closes. */
  decisionWindow(): Promise<WindowView | null>;
  /** The Organization: members, service users and their keys, policies, the address book. */
  getOrg(): Promise<OrgView>;
  /** What submitting `payload` as the signed-in member would do, and why. Changes nothing. */
  previewRequest(payload: RequestPayload, execute: boolean): Promise<Preview>;
  /** What `initiator` (a member, or a service user through the exchange's API) submitting `payload` would do, and why: a what-if. Changes nothing. */
  previewAs(payload: RequestPayload, initiator: string): Promise<Preview>;
  /** Submits a request with the initiator's optional reason; executing at once is a decision and needs a step-up (the member's code, or the decision window held). */
  submitRequest(payload: RequestPayload, execute: boolean, otp: string | null, reason: string | null): Promise<SubmitOutcome>;
  /** Cancels the signed-in member's own pending request (a step-up as for a decision), signed over `seen`. */
  cancelRequest(id: string, otp: string | null, seen: RequestPayload): Promise<RequestView>;
  /** What replacing a workflow's policy (none: removing it) would loosen or tighten. */
  policyDiff(workflow: Workflow, policy: Policy | null): Promise<PolicyDiff>;
  /** The workflow's whole request history replayed under `policy` (none: no policy). */
  replayPolicy(workflow: Workflow, policy: Policy | null): Promise<Replay>;
  /** `policy` for `workflow` tried on a sample request by each possible initiator, with the draft's lock readiness and bus factor. */
  simulatePolicy(workflow: Workflow, policy: Policy | null): Promise<Simulation>;
  /** The sandbox's demo members with their current codes (sandbox mode only). */
  sandboxMembers(): Promise<Array<DemoMember>>;
  /** Signs in as another demo member (sandbox mode only). */
  switchMember(memberId: string): Promise<Session>;
  /** Whether the living sandbox runs (sandbox mode only). */
  livingSandbox(): Promise<boolean>;
  /** Switches the living sandbox on or off; its new state (sandbox mode only). */
  setLivingSandbox(on: boolean): Promise<boolean>;
  /** Reveals, once, the key of a service user the member's request created (stepped up with their code); the core keeps it for copying or storing. */
  revealCreatedKey(requestId: string, otp: string): Promise<RevealedKey>;
  /** What a service user's key did at the exchange API (endpoints, refusals, addresses), and the least-privilege advice drawn from it. */
  keyReview(serviceUser: string): Promise<KeyReview>;
  /** The service users whose withdrawal calls named an address-book entry. */
  addressCallers(key: string): Promise<Array<EntryCaller>>;
  /** Switches a service user's key off at once (an emergency stop, with a reason and the member's code); the stop in force. */
  stopKey(serviceUser: string, reason: string, otp: string): Promise<StopView>;
  /** Freezes every withdrawal at once (an emergency stop); the freeze in force. */
  freezeWithdrawals(reason: string, otp: string): Promise<StopView>;
  /** Copies a just-revealed service-user secret (kept in Rust) to the clipboard; the seconds until it is cleared. */
  copyRevealedSecret(requestId: string): Promise<number>;
  /** Stores a just-revealed key pair in the OS keychain and forgets it; the entry's name. */
  storeRevealedKey(requestId: string): Promise<string>;
  /** Forgets a just-revealed key (leaving the page). Works while locked: it only forgets. */
  forgetRevealedKey(requestId: string): Promise<void>;
  /** Locks the app: every org command fails with `locked` until unlocked. */
  lockApp(): Promise<void>;
  /** Unlocks with the signed-in member's current code. */
  unlockApp(otp: string): Promise<void>;
  /** Whether the app is locked. */
  appLocked(): Promise<boolean>;
  /** The person at the keyboard did something: the core's idle lock waits its full time again. The page reports input only, never its own polling. */
  noteInput(): Promise<void>;
  /** Sets how many minutes without input lock the app (1, 2, 5, 10, 15 or 30). */
  setIdleMinutes(minutes: number): Promise<number>;
  /** In the sandbox, the signed-in demo member's current code, for the lock screen: nobody is stranded on a demo. None against a remote org API. */
  sandboxUnlockCode(): Promise<DemoMember | null>;
  /** Where the desk stands with the Organization's event stream (none: not followed yet). */
  syncState(): Promise<SyncState | null>;
  /** A new authenticator secret for the signed-in member: the otpauth URI and its QR code. */
  beginEnrollment(): Promise<Enrollment>;
  /** Confirms the authenticator with its first code (and registers this device). */
  confirmEnrollment(otp: string): Promise<Session>;
  /** Adds a remote Organization and switches to it. The API secret is read from the clipboard by the core; the page sends only the URL and the key. */
  addOrg(baseUrl: string, apiKey: string): Promise<Session>;
  /** Leaves the remote Organization (its key is deleted from the keychain) for the sandbox. */
  leaveOrg(): Promise<Session>;
  /** This device's signing key and whether it is registered to the signed-in member. */
  deviceStatus(): Promise<DeviceStatus>;
  /** Registers this device's signing key to the signed-in member with their current code. */
  registerDevice(otp: string): Promise<DeviceStatus>;
  /** Imports ledgers and trades exports (.csv or .zip) by path: every file or none. Progress goes out as `ledger-import-progress` events. */
  ledgerImport(paths: Array<string>, acceptEdited: boolean | null): Promise<ImportSummary>;
  /** The integrity check of everything stored. */
  ledgerReport(): Promise<IntegrityView>;
  /** `limit` rows from `offset` of those the filter selects (time order), and how many. */
  ledgerPage(filter: LedgerFilter, offset: number, limit: number): Promise<PageView>;
  /** Where a finding's row is among the rows the filter selects, if it is one of them. */
  ledgerLocate(filter: LedgerFilter, row: RowRefView): Promise<number | null>;
  /** Exact totals of the settled rows the filter selects, grouped by `by`. */
  ledgerTotals(filter: LedgerFilter, by: Array<string>): Promise<Array<TotalView>>;
  /** One chain's balance at the end of each period. */
  ledgerSeries(asset: string, wallet: string, bucket: SeriesBucket): Promise<Array<SeriesPointView>>;
  /** The values of the filter's dropdowns. */
  ledgerFacets(): Promise<LedgerFacets>;
  /** `limit` trade groups (each with its legs and fees) from `offset`, and how many. */
  ledgerTrades(filter: LedgerFilter, offset: number, limit: number): Promise<TradesPageView>;
  /** Writes the rows the filter selects to `path` (chosen in the save dialog) in the exchange's ledgers layout; the rows never come to the page. */
  ledgerExportRows(filter: LedgerFilter, path: string): Promise<ExportView>;
  /** Writes month-end balance assertions for the filter's chains to `path`. */
  ledgerExportBalances(filter: LedgerFilter, path: string): Promise<ExportView>;
}

/** Calls `command` of the plugin with its named arguments. */
export type Invoke = (command: string, args: Record<string, unknown>) => Promise<unknown>;

/** The commands over `invoke` (the real one, or a test's). */
export function commands(invoke: Invoke): Commands {
  return {
    getSession: () => invoke("plugin:countersign|get_session", {  }) as Promise<Session>,
    listRequests: (filter: RequestFilter) => invoke("plugin:countersign|list_requests", { filter }) as Promise<Array<RequestView>>,
    approveRequest: (id: string, otp: string | null, reason: string | null, seen: RequestPayload) => invoke("plugin:countersign|approve_request", { id, otp, reason, seen }) as Promise<RequestView>,
    rejectRequest: (id: string, otp: string | null, reason: string, seen: RequestPayload) => invoke("plugin:countersign|reject_request", { id, otp, reason, seen }) as Promise<RequestView>,
    decideBatch: (shown: Array<Shown>, decision: Decision, otp: string | null, reason: string | null) => invoke("plugin:countersign|decide_batch", { shown, decision, otp, reason }) as Promise<Array<DecisionOutcome>>,
    decisionWindow: () => invoke("plugin:countersign|decision_window", {  }) as Promise<WindowView | null>,
    getOrg: () => invoke("plugin:countersign|get_org", {  }) as Promise<OrgView>,
    previewRequest: (payload: RequestPayload, execute: boolean) => invoke("plugin:countersign|preview_request", { payload, execute }) as Promise<Preview>,
    previewAs: (payload: RequestPayload, initiator: string) => invoke("plugin:countersign|preview_as", { payload, initiator }) as Promise<Preview>,
    submitRequest: (payload: RequestPayload, execute: boolean, otp: string | null, reason: string | null) => invoke("plugin:countersign|submit_request", { payload, execute, otp, reason }) as Promise<SubmitOutcome>,
    cancelRequest: (id: string, otp: string | null, seen: RequestPayload) => invoke("plugin:countersign|cancel_request", { id, otp, seen }) as Promise<RequestView>,
    policyDiff: (workflow: Workflow, policy: Policy | null) => invoke("plugin:countersign|policy_diff", { workflow, policy }) as Promise<PolicyDiff>,
    replayPolicy: (workflow: Workflow, policy: Policy | null) => invoke("plugin:countersign|replay_policy", { workflow, policy }) as Promise<Replay>,
    simulatePolicy: (workflow: Workflow, policy: Policy | null) => invoke("plugin:countersign|simulate_policy", { workflow, policy }) as Promise<Simulation>,
    sandboxMembers: () => invoke("plugin:countersign|sandbox_members", {  }) as Promise<Array<DemoMember>>,
    switchMember: (memberId: string) => invoke("plugin:countersign|switch_member", { memberId }) as Promise<Session>,
    livingSandbox: () => invoke("plugin:countersign|living_sandbox", {  }) as Promise<boolean>,
    setLivingSandbox: (on: boolean) => invoke("plugin:countersign|set_living_sandbox", { on }) as Promise<boolean>,
    revealCreatedKey: (requestId: string, otp: string) => invoke("plugin:countersign|reveal_created_key", { requestId, otp }) as Promise<RevealedKey>,
    keyReview: (serviceUser: string) => invoke("plugin:countersign|key_review", { serviceUser }) as Promise<KeyReview>,
    addressCallers: (key: string) => invoke("plugin:countersign|address_callers", { key }) as Promise<Array<EntryCaller>>,
    stopKey: (serviceUser: string, reason: string, otp: string) => invoke("plugin:countersign|stop_key", { serviceUser, reason, otp }) as Promise<StopView>,
    freezeWithdrawals: (reason: string, otp: string) => invoke("plugin:countersign|freeze_withdrawals", { reason, otp }) as Promise<StopView>,
    copyRevealedSecret: (requestId: string) => invoke("plugin:countersign|copy_revealed_secret", { requestId }) as Promise<number>,
    storeRevealedKey: (requestId: string) => invoke("plugin:countersign|store_revealed_key", { requestId }) as Promise<string>,
    forgetRevealedKey: (requestId: string) => invoke("plugin:countersign|forget_revealed_key", { requestId }) as Promise<void>,
    lockApp: () => invoke("plugin:countersign|lock_app", {  }) as Promise<void>,
    unlockApp: (otp: string) => invoke("plugin:countersign|unlock_app", { otp }) as Promise<void>,
    appLocked: () => invoke("plugin:countersign|app_locked", {  }) as Promise<boolean>,
    noteInput: () => invoke("plugin:countersign|note_input", {  }) as Promise<void>,
    setIdleMinutes: (minutes: number) => invoke("plugin:countersign|set_idle_minutes", { minutes }) as Promise<number>,
    sandboxUnlockCode: () => invoke("plugin:countersign|sandbox_unlock_code", {  }) as Promise<DemoMember | null>,
    syncState: () => invoke("plugin:countersign|sync_state", {  }) as Promise<SyncState | null>,
    beginEnrollment: () => invoke("plugin:countersign|begin_enrollment", {  }) as Promise<Enrollment>,
    confirmEnrollment: (otp: string) => invoke("plugin:countersign|confirm_enrollment", { otp }) as Promise<Session>,
    addOrg: (baseUrl: string, apiKey: string) => invoke("plugin:countersign|add_org", { baseUrl, apiKey }) as Promise<Session>,
    leaveOrg: () => invoke("plugin:countersign|leave_org", {  }) as Promise<Session>,
    deviceStatus: () => invoke("plugin:countersign|device_status", {  }) as Promise<DeviceStatus>,
    registerDevice: (otp: string) => invoke("plugin:countersign|register_device", { otp }) as Promise<DeviceStatus>,
    ledgerImport: (paths: Array<string>, acceptEdited: boolean | null) => invoke("plugin:countersign|ledger_import", { paths, acceptEdited }) as Promise<ImportSummary>,
    ledgerReport: () => invoke("plugin:countersign|ledger_report", {  }) as Promise<IntegrityView>,
    ledgerPage: (filter: LedgerFilter, offset: number, limit: number) => invoke("plugin:countersign|ledger_page", { filter, offset, limit }) as Promise<PageView>,
    ledgerLocate: (filter: LedgerFilter, row: RowRefView) => invoke("plugin:countersign|ledger_locate", { filter, row }) as Promise<number | null>,
    ledgerTotals: (filter: LedgerFilter, by: Array<string>) => invoke("plugin:countersign|ledger_totals", { filter, by }) as Promise<Array<TotalView>>,
    ledgerSeries: (asset: string, wallet: string, bucket: SeriesBucket) => invoke("plugin:countersign|ledger_series", { asset, wallet, bucket }) as Promise<Array<SeriesPointView>>,
    ledgerFacets: () => invoke("plugin:countersign|ledger_facets", {  }) as Promise<LedgerFacets>,
    ledgerTrades: (filter: LedgerFilter, offset: number, limit: number) => invoke("plugin:countersign|ledger_trades", { filter, offset, limit }) as Promise<TradesPageView>,
    ledgerExportRows: (filter: LedgerFilter, path: string) => invoke("plugin:countersign|ledger_export_rows", { filter, path }) as Promise<ExportView>,
    ledgerExportBalances: (filter: LedgerFilter, path: string) => invoke("plugin:countersign|ledger_export_balances", { filter, path }) as Promise<ExportView>,
  };
}

/** Each command's name, and whether the app's lock refuses it. */
export const COMMAND_DOORS = {
  getSession: { name: "get_session", refusedWhileLocked: false },
  listRequests: { name: "list_requests", refusedWhileLocked: true },
  approveRequest: { name: "approve_request", refusedWhileLocked: true },
  rejectRequest: { name: "reject_request", refusedWhileLocked: true },
  decideBatch: { name: "decide_batch", refusedWhileLocked: true },
  decisionWindow: { name: "decision_window", refusedWhileLocked: true },
  getOrg: { name: "get_org", refusedWhileLocked: true },
  previewRequest: { name: "preview_request", refusedWhileLocked: true },
  previewAs: { name: "preview_as", refusedWhileLocked: true },
  submitRequest: { name: "submit_request", refusedWhileLocked: true },
  cancelRequest: { name: "cancel_request", refusedWhileLocked: true },
  policyDiff: { name: "policy_diff", refusedWhileLocked: true },
  replayPolicy: { name: "replay_policy", refusedWhileLocked: true },
  simulatePolicy: { name: "simulate_policy", refusedWhileLocked: true },
  sandboxMembers: { name: "sandbox_members", refusedWhileLocked: true },
  switchMember: { name: "switch_member", refusedWhileLocked: true },
  livingSandbox: { name: "living_sandbox", refusedWhileLocked: true },
  setLivingSandbox: { name: "set_living_sandbox", refusedWhileLocked: true },
  revealCreatedKey: { name: "reveal_created_key", refusedWhileLocked: true },
  keyReview: { name: "key_review", refusedWhileLocked: true },
  addressCallers: { name: "address_callers", refusedWhileLocked: true },
  stopKey: { name: "stop_key", refusedWhileLocked: true },
  freezeWithdrawals: { name: "freeze_withdrawals", refusedWhileLocked: true },
  copyRevealedSecret: { name: "copy_revealed_secret", refusedWhileLocked: true },
  storeRevealedKey: { name: "store_revealed_key", refusedWhileLocked: true },
  forgetRevealedKey: { name: "forget_revealed_key", refusedWhileLocked: false },
  lockApp: { name: "lock_app", refusedWhileLocked: false },
  unlockApp: { name: "unlock_app", refusedWhileLocked: false },
  appLocked: { name: "app_locked", refusedWhileLocked: false },
  noteInput: { name: "note_input", refusedWhileLocked: false },
  setIdleMinutes: { name: "set_idle_minutes", refusedWhileLocked: false },
  sandboxUnlockCode: { name: "sandbox_unlock_code", refusedWhileLocked: false },
  syncState: { name: "sync_state", refusedWhileLocked: false },
  beginEnrollment: { name: "begin_enrollment", refusedWhileLocked: true },
  confirmEnrollment: { name: "confirm_enrollment", refusedWhileLocked: true },
  addOrg: { name: "add_org", refusedWhileLocked: true },
  leaveOrg: { name: "leave_org", refusedWhileLocked: true },
  deviceStatus: { name: "device_status", refusedWhileLocked: true },
  registerDevice: { name: "register_device", refusedWhileLocked: true },
  ledgerImport: { name: "ledger_import", refusedWhileLocked: false },
  ledgerReport: { name: "ledger_report", refusedWhileLocked: false },
  ledgerPage: { name: "ledger_page", refusedWhileLocked: false },
  ledgerLocate: { name: "ledger_locate", refusedWhileLocked: false },
  ledgerTotals: { name: "ledger_totals", refusedWhileLocked: false },
  ledgerSeries: { name: "ledger_series", refusedWhileLocked: false },
  ledgerFacets: { name: "ledger_facets", refusedWhileLocked: false },
  ledgerTrades: { name: "ledger_trades", refusedWhileLocked: false },
  ledgerExportRows: { name: "ledger_export_rows", refusedWhileLocked: false },
  ledgerExportBalances: { name: "ledger_export_balances", refusedWhileLocked: false },
} as const satisfies Record<keyof Commands, { name: string; refusedWhileLocked: boolean }>;

/** The events the core sends, by what they carry. */
export const EVENTS = {
  /** The core locked itself for the OS (payload: a LockReason). */
  appLocked: "app-locked",
  /** An import's progress (payload: an ImportProgress). */
  ledgerImportProgress: "ledger-import-progress",
  /** A request the member may view changed (payload: a DeskEvent). */
  orgEvent: "org-event",
  /** Where the desk stands with the Organization (payload: a SyncState). */
  orgSync: "org-sync",
  /** A notification or the tray asks to show a request, or the queue (payload: an OpenRequest). */
  openRequest: "open-request",
} as const;

/** The idle times a member may choose, in minutes (`set_idle_minutes` refuses others). */
export const IDLE_CHOICES: readonly number[] = [1, 2, 5, 10, 15, 30];
/** The idle time until the member chooses another. */
export const DEFAULT_IDLE_MINUTES = 5;
