import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import type { DemoMember } from "../bindings/DemoMember";
import type { RequestView } from "../bindings/RequestView";
import type { Session } from "../bindings/Session";
import { toHostError, type Host } from "./host";

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toHostError(reason);
  }
}

/** The real host: Tauri commands implemented in src-tauri. */
export const tauriHost: Host = {
  getSession: () => call<Session>("get_session"),
  listRequests: (filter) => call<RequestView[]>("list_requests", { filter }),
  approveRequest: (id, otp) => call<RequestView>("approve_request", { id, otp }),
  rejectRequest: (id, otp, reason) => call<RequestView>("reject_request", { id, otp, reason }),
  sandboxMembers: () => call<DemoMember[]>("sandbox_members"),
  switchMember: (memberId) => call<Session>("switch_member", { memberId }),
};
