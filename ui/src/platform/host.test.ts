import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { COMMAND_DOORS, PLUGIN } from "../bindings/commands";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { Session } from "../bindings/Session";
import { HostError, toHostError } from "./host";
import { tauriHost } from "./tauriHost";

const session: Session = {
  mode: "remote",
  org_name: "Acme",
  base_url: "https://org.example",
  member: { kind: "member", id: "m-1", name: "Ann" },
  totp_enrolled: true,
};

describe("toHostError", () => {
  it("keeps the code and message of a CommandError", () => {
    const error = toHostError({ code: "self_approval", message: "You initiated this request" });
    expect(error).toBeInstanceOf(HostError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("self_approval");
    expect(error.message).toBe("You initiated this request");
  });

  it("maps an unknown code to internal but keeps the message", () => {
    const error = toHostError({ code: "teapot", message: "short and stout" });
    expect(error.code).toBe("internal");
    expect(error.message).toBe("short and stout");
  });

  it("maps the IPC layer's bare strings and Errors to internal", () => {
    expect(toHostError("command foo not found")).toMatchObject({ code: "internal", message: "command foo not found" });
    expect(toHostError(new TypeError("boom"))).toMatchObject({ code: "internal", message: "boom" });
    expect(toHostError(undefined).code).toBe("internal");
  });

  it("passes a HostError through", () => {
    const original = new HostError("unavailable", "down");
    expect(toHostError(original)).toBe(original);
  });
});

describe("tauriHost", () => {
  afterEach(() => clearMocks());

  it("calls each command of the core's plugin by its Rust name with the argument names Tauri expects", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((command, args) => {
      const name = command.replace(`plugin:${PLUGIN}|`, "");
      calls.push([name, args]);
      return name === "list_requests" || name === "sandbox_members" ? [] : session;
    });
    const payload: RequestPayload = { kind: "lock_policy", workflow: "manage_access" };

    await tauriHost.getSession();
    await tauriHost.listRequests({ status: "pending", workflow: null });
    await tauriHost.approveRequest("req-1", "123456", null, payload);
    await tauriHost.rejectRequest("req-2", null, "not ours", payload);
    await tauriHost.getOrg();
    await tauriHost.previewRequest(payload, false);
    await tauriHost.submitRequest(payload, true, "111111", null);
    await tauriHost.submitRequest(payload, false, null, "rotation");
    await tauriHost.cancelRequest("req-3", "222222", payload);
    await tauriHost.sandboxMembers();
    await tauriHost.switchMember("m-bob");

    expect(calls.every(([name]) => Object.values(COMMAND_DOORS).some((door) => door.name === name))).toBe(true);
    expect(calls).toEqual([
      ["get_session", {}],
      ["list_requests", { filter: { status: "pending", workflow: null } }],
      ["approve_request", { id: "req-1", otp: "123456", reason: null, seen: payload }],
      ["reject_request", { id: "req-2", otp: null, reason: "not ours", seen: payload }],
      ["get_org", {}],
      ["preview_request", { payload, execute: false }],
      ["submit_request", { payload, execute: true, otp: "111111", reason: null }],
      ["submit_request", { payload, execute: false, otp: null, reason: "rotation" }],
      ["cancel_request", { id: "req-3", otp: "222222", seen: payload }],
      ["sandbox_members", {}],
      ["switch_member", { memberId: "m-bob" }],
    ]);
  });

  it("turns a rejected command into a HostError with its code", async () => {
    mockIPC(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- commands reject with a plain CommandError
      throw { code: "invalid_otp", message: "That code is not valid" };
    });
    const failure = await tauriHost.approveRequest("req-1", "000000", null, { kind: "remove_address", key: "k" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HostError);
    expect(failure).toMatchObject({ code: "invalid_otp", message: "That code is not valid" });
  });

  it("reports sandbox-only commands in remote mode as unavailable", async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- commands reject with a plain CommandError
    mockIPC(() => Promise.reject({ code: "unavailable", message: "Only in sandbox mode" }));
    await expect(tauriHost.sandboxMembers()).rejects.toMatchObject({ code: "unavailable" });
  });
});
