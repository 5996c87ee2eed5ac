import type { PolicyDiff } from "../bindings/PolicyDiff";
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { DemoMember } from "../bindings/DemoMember";
import type { DeviceStatus } from "../bindings/DeviceStatus";
import type { Enrollment } from "../bindings/Enrollment";
import type { LockReason } from "../bindings/LockReason";
import type { OrgView } from "../bindings/OrgView";
import type { Preview } from "../bindings/Preview";
import type { RequestView } from "../bindings/RequestView";
import type { Session } from "../bindings/Session";
import type { SubmitOutcome } from "../bindings/SubmitOutcome";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open, save } from "@tauri-apps/plugin-dialog";
import type { ExportView } from "../bindings/ExportView";
import type { TradesPageView } from "../bindings/TradesPageView";
import type { ImportProgress } from "../bindings/ImportProgress";
import type { ImportSummary } from "../bindings/ImportSummary";
import type { IntegrityView } from "../bindings/IntegrityView";
import type { LedgerFacets } from "../bindings/LedgerFacets";
import type { PageView } from "../bindings/PageView";
import type { SeriesPointView } from "../bindings/SeriesPointView";
import type { TotalView } from "../bindings/TotalView";
import { toHostError, type Host } from "./host";

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toHostError(reason);
  }
}

/** The event the core sends when it locks itself for the OS (src-tauri's APP_LOCKED_EVENT). */
const APP_LOCKED_EVENT = "app-locked";

/** The event carrying an import's progress (src-tauri's LEDGER_IMPORT_PROGRESS_EVENT). */
const LEDGER_IMPORT_PROGRESS_EVENT = "ledger-import-progress";

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
  return listening(() => listen<LockReason>(APP_LOCKED_EVENT, (event) => callback(event.payload)), "the system lock");
}

/** The real host: Tauri commands implemented in src-tauri. */
export const tauriHost: Host = {
  getSession: () => call<Session>("get_session"),
  listRequests: (filter) => call<RequestView[]>("list_requests", { filter }),
  approveRequest: (id, otp) => call<RequestView>("approve_request", { id, otp }),
  rejectRequest: (id, otp, reason) => call<RequestView>("reject_request", { id, otp, reason }),
  getOrg: () => call<OrgView>("get_org"),
  previewRequest: (payload, execute) => call<Preview>("preview_request", { payload, execute }),
  submitRequest: (payload, execute, otp) => call<SubmitOutcome>("submit_request", { payload, execute, otp }),
  cancelRequest: (id, otp) => call<RequestView>("cancel_request", { id, otp }),
  policyDiff: (workflow, policy) => call<PolicyDiff>("policy_diff", { workflow, policy }),
  sandboxMembers: () => call<DemoMember[]>("sandbox_members"),
  switchMember: (memberId) => call<Session>("switch_member", { memberId }),
  copyRevealedSecret: (requestId) => call<number>("copy_revealed_secret", { requestId }),
  storeRevealedKey: (requestId) => call<string>("store_revealed_key", { requestId }),
  forgetRevealedKey: (requestId) => call<void>("forget_revealed_key", { requestId }),
  lockApp: () => call<void>("lock_app"),
  unlockApp: (otp) => call<void>("unlock_app", { otp }),
  appLocked: () => call<boolean>("app_locked"),
  onLocked,
  livingSandbox: () => call<boolean>("living_sandbox"),
  setLivingSandbox: (on) => call<boolean>("set_living_sandbox", { on }),
  beginEnrollment: () => call<Enrollment>("begin_enrollment"),
  confirmEnrollment: (otp) => call<Session>("confirm_enrollment", { otp }),
  addOrg: (baseUrl, apiKey) => call<Session>("add_org", { baseUrl, apiKey }),
  leaveOrg: () => call<Session>("leave_org"),
  deviceStatus: () => call<DeviceStatus>("device_status"),
  registerDevice: (otp) => call<DeviceStatus>("register_device", { otp }),
  ledgerImport: (paths, acceptEdited) => call<ImportSummary>("ledger_import", { paths, acceptEdited }),
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
    listening(() => listen<ImportProgress>(LEDGER_IMPORT_PROGRESS_EVENT, (event) => callback(event.payload)), "import progress"),
  onFilesDropped: (callback) =>
    listening(
      () =>
        getCurrentWebview().onDragDropEvent((event) => {
          if (event.payload.type === "drop") callback(event.payload.paths);
        }),
      "dropped files",
    ),
  ledgerReport: () => call<IntegrityView>("ledger_report"),
  ledgerPage: (filter, offset, limit) => call<PageView>("ledger_page", { filter, offset, limit }),
  ledgerLocate: (filter, row) => call<number | null>("ledger_locate", { filter, row }),
  ledgerTotals: (filter, by) => call<TotalView[]>("ledger_totals", { filter, by }),
  ledgerSeries: (asset, wallet, bucket) => call<SeriesPointView[]>("ledger_series", { asset, wallet, bucket }),
  ledgerFacets: () => call<LedgerFacets>("ledger_facets"),
  ledgerTrades: (filter, offset, limit) => call<TradesPageView>("ledger_trades", { filter, offset, limit }),
  ledgerExportRows: (filter, path) => call<ExportView>("ledger_export_rows", { filter, path }),
  ledgerExportBalances: (filter, path) => call<ExportView>("ledger_export_balances", { filter, path }),
};
