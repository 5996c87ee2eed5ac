import { describe, expect, it } from "vitest";
import type { Policy } from "../bindings/Policy";
import type { RequestView } from "../bindings/RequestView";
import {
  busFactorText,
  formatDuration,
  policySentence,
  whatOf,
  withPermission,
} from "./org";

const twoAlways: Policy = { always_require_approval: true, required_approvals: 2, locked: false, expires_after: null };

describe("policies in words", () => {
  it("reads as the spec does", () => {
    expect(policySentence("initiate_withdrawal", twoAlways)).toBe("Initiate Withdrawal requires 2 approvals, always");
    expect(policySentence("manage_access", { ...twoAlways, required_approvals: 1, always_require_approval: false })).toBe(
      "Manage Access requires 1 approval unless executed",
    );
    expect(policySentence("manage_addresses", null)).toBe("Manage Addresses has no policy: requests complete at once");
  });

  it("explains the bus factor in one line", () => {
    expect(busFactorText(1)).toBe("1: one approver can be away and requests can still complete.");
    expect(busFactorText(3)).toBe("3: up to 3 approvers can be away and requests can still complete.");
    expect(busFactorText(0)).toMatch(/^0: every approver is needed/);
    expect(busFactorText(null)).toBe("No policy: nothing waits for approvers.");
  });

  it("formats durations in their largest whole unit", () => {
    expect(formatDuration(259_200)).toBe("3 d");
    expect(formatDuration(90_000)).toBe("25 h");
    expect(formatDuration(600)).toBe("10 min");
    expect(formatDuration(90)).toBe("90 s");
  });
});

describe("whatOf", () => {
  const request = (summary: string) =>
    ({
      summary,
      initiator: { kind: "member", id: "m-eve", name: "Eve Santos" },
      payload: { kind: "lock_policy", workflow: "manage_access" },
    }) as RequestView;

  it("takes what the request does from its summary, without who asked", () => {
    expect(whatOf(request("Eve Santos wants to create service user hedge-bot with 2 API permissions"))).toBe(
      "Create service user hedge-bot with 2 API permissions",
    );
    expect(whatOf(request("Eve Santos asked to lock the Manage Access policy"))).toBe("Lock the Manage Access policy");
  });

  it("falls back to the kind when the summary has another shape", () => {
    expect(whatOf(request("Something else entirely"))).toBe("Lock a policy");
  });
});

describe("withPermission", () => {
  it("keeps the canonical order and drops workflows left empty", () => {
    const granted = withPermission({ manage_access: ["approve"] }, "manage_access", "view", true);
    expect(granted).toEqual({ manage_access: ["view", "approve"] });
    expect(withPermission(granted, "manage_access", "view", false)).toEqual({ manage_access: ["approve"] });
    expect(withPermission({ manage_access: ["approve"] }, "manage_access", "approve", false)).toEqual({});
  });
});
