import { describe, expect, it } from "vitest";
import { createFakeHost } from "./fakeHost";
import type { Preview } from "../bindings/Preview";
import type { RequestPayload } from "../bindings/RequestPayload";
import type { Host } from "./host";

async function codeOf(host: Host, name: string): Promise<string> {
  const member = (await host.sandboxMembers()).find((m) => m.name === name);
  if (!member?.code) throw new Error(`no enrolled demo member ${name}`);
  return member.code;
}

describe("fake host", () => {
  it("has four demo members, a signed-in one, and six-digit codes", async () => {
    const members = await createFakeHost().sandboxMembers();
    expect(members).toHaveLength(4);
    expect(members.filter((m) => m.current)).toHaveLength(1);
    for (const m of members) expect(m.code).toMatch(/^\d{6}$/);
  });

  it("changes codes every 30 s and accepts the previous one", async () => {
    let now = 1_700_000_010_000;
    const host = createFakeHost({ now: () => now });
    const first = await codeOf(host, "Alice Moreau");
    now += 30_000;
    expect(await codeOf(host, "Alice Moreau")).not.toBe(first);
    await expect(host.approveRequest("req-1004", first)).resolves.toMatchObject({ approvals: 1 });
  });

  it("completes a withdrawal once it has the required approvals", async () => {
    const host = createFakeHost();
    const done = await host.approveRequest("req-1006", await codeOf(host, "Alice Moreau"));
    expect(done).toMatchObject({ status: "completed", approvals: 2, required_approvals: 2 });
    expect((await host.listRequests({ status: "pending", workflow: null })).map((r) => r.id)).not.toContain("req-1006");
  });

  it("enforces the rules with the codes the UI branches on", async () => {
    const host = createFakeHost();
    const code = await codeOf(host, "Alice Moreau");
    await expect(host.approveRequest("req-1005", code)).rejects.toMatchObject({ code: "self_approval" });
    await expect(host.approveRequest("req-1003", code)).rejects.toMatchObject({ code: "not_pending" });
    await expect(host.approveRequest("nope", code)).rejects.toMatchObject({ code: "not_found" });
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, "0");
    await expect(host.approveRequest("req-1006", wrong)).rejects.toMatchObject({ code: "invalid_otp" });

    await host.switchMember("m-bob");
    await expect(host.approveRequest("req-1006", await codeOf(host, "Bob Okafor"))).rejects.toMatchObject({
      code: "already_decided",
    });
    await host.switchMember("m-dave");
    await expect(host.approveRequest("req-1004", await codeOf(host, "Dave Brennan"))).rejects.toMatchObject({
      code: "not_permitted",
    });
  });

  it("rejects with a reason in one decision", async () => {
    const host = createFakeHost();
    const rejected = await host.rejectRequest("req-1004", await codeOf(host, "Alice Moreau"), "Unknown address");
    expect(rejected.status).toBe("rejected");
    expect(rejected.decisions.at(-1)).toMatchObject({ decision: "reject", reason: "Unknown address" });
  });

  it("gives each caller its own copy of the data", async () => {
    const host = createFakeHost();
    const [first] = await host.listRequests({ status: null, workflow: "initiate_withdrawal" });
    if (first?.payload.kind === "withdrawal") first.payload.amount = "0";
    const [again] = await host.listRequests({ status: null, workflow: "initiate_withdrawal" });
    expect(again?.payload).toMatchObject({ kind: "withdrawal", amount: "2.5" });
  });
});

describe("fake host: the rules engine", () => {
  const withdrawal = (
    amount: string,
    [asset, key, address] = ["BTC", "cold-storage-2", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"],
  ): RequestPayload => ({ kind: "withdrawal", asset, amount, fee: "0.0001", key, address });
  const rules = (preview: Preview) => preview.trace.map((s) => `${s.rule}:${s.verdict}`);

  it("completes at once where the workflow has no policy, and the change takes effect", async () => {
    const host = createFakeHost();
    const payload: RequestPayload = { kind: "add_address", key: "cold-3", asset: "BTC", method: "Bitcoin", address: "bc1q3" };
    const preview = await host.previewRequest(payload, false);
    expect(preview.decision).toEqual({ outcome: "completes_immediately" });
    expect(rules(preview)).toEqual(["initiator.permission:pass", "payload.valid:pass", "policy.none:decides"]);
    const outcome = await host.submitRequest(payload, false, null);
    expect(outcome.request).toMatchObject({ status: "completed", required_approvals: 0, policy: null });
    expect((await host.getOrg()).addresses.map((a) => a.key)).toContain("cold-3");
  });

  it("queues under a policy, names the eligible approvers and says what it cannot know", async () => {
    const host = createFakeHost();
    const preview = await host.previewRequest(withdrawal("1", ["EUR", "eur-payroll", "DE89370400440532013000"]), true);
    expect(preview.decision).toEqual({
      outcome: "queued",
      required_approvals: 2,
      eligible_count: 2,
      eligible_approvers: [
        { kind: "member", id: "m-bob", name: "Bob Okafor" },
        { kind: "member", id: "m-carol", name: "Carol Lindqvist" },
      ],
      reachable: true,
    });
    expect(rules(preview)).toContain("policy.always_require_approval:decides");
    expect(preview.missing).toEqual(["the available EUR balance (whether funds suffice is checked when it completes)"]);
    expect(rules(await host.previewRequest(withdrawal("100"), false))).toContain("funds.available:fail");
  });

  it("refuses a member without Initiate or Execute, and a submission that would need a code without one", async () => {
    const host = createFakeHost();
    await host.switchMember("m-dave");
    const preview = await host.previewRequest(withdrawal("1"), false);
    expect(preview.decision).toEqual({
      outcome: "not_permitted",
      reason: "Dave Brennan holds neither Initiate nor Execute on Initiate Withdrawal",
    });
    await expect(host.submitRequest(withdrawal("1"), false, null)).rejects.toMatchObject({ code: "not_permitted" });
    await host.switchMember("m-carol");
    await expect(host.submitRequest(withdrawal("1"), true, null)).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("executes at once when the policy allows it, and flags pending requests on the older policy", async () => {
    const host = createFakeHost();
    const loosen: RequestPayload = {
      kind: "change_policy",
      workflow: "initiate_withdrawal",
      policy: { always_require_approval: false, required_approvals: 2, locked: false, expires_after: null },
    };
    const change = await host.submitRequest(loosen, false, null);
    expect(change.request.status).toBe("pending");
    await host.switchMember("m-carol");
    await expect(host.approveRequest(change.request.id, await codeOf(host, "Carol Lindqvist"))).resolves.toMatchObject({
      status: "completed",
    });
    const pending = await host.listRequests({ status: "pending", workflow: "initiate_withdrawal" });
    expect(pending.every((r) => r.policy_changed)).toBe(true);

    const preview = await host.previewRequest(withdrawal("1"), true);
    expect(preview.decision.outcome).toBe("completes_immediately");
    expect(rules(preview)).toContain("execute:decides");
    const done = await host.submitRequest(withdrawal("1"), true, await codeOf(host, "Carol Lindqvist"));
    expect(done.request.status).toBe("completed");
  });

  it("keeps a locked policy locked and always asks approval to change it", async () => {
    const host = createFakeHost();
    const unlock = await host.previewRequest(
      { kind: "change_policy", workflow: "manage_access", policy: { always_require_approval: true, required_approvals: 1, locked: false, expires_after: null } },
      false,
    );
    expect(unlock.decision).toEqual({ outcome: "not_permitted", reason: "the Manage Access policy is locked; locking is irreversible" });
    expect(rules(unlock).at(-1)).toBe("policy.locked:fail");
    const tighten = await host.previewRequest(
      { kind: "change_policy", workflow: "manage_access", policy: { always_require_approval: true, required_approvals: 2, locked: true, expires_after: null } },
      false,
    );
    expect(rules(tighten)).toContain("policy.locked:decides");
    const lock = await host.previewRequest({ kind: "lock_policy", workflow: "initiate_withdrawal" }, false);
    expect(rules(lock)).toContain("lock.check:pass");
  });

  it("warns when a queue's approvals can never be reached", async () => {
    const host = createFakeHost();
    const two: RequestPayload = {
      kind: "change_policy",
      workflow: "manage_policies",
      policy: { always_require_approval: true, required_approvals: 2, locked: false, expires_after: null },
    };
    const { request } = await host.submitRequest(two, false, null);
    await host.switchMember("m-carol");
    await host.approveRequest(request.id, await codeOf(host, "Carol Lindqvist"));
    await host.switchMember("m-alice");
    const preview = await host.previewRequest({ kind: "lock_policy", workflow: "manage_addresses" }, false);
    expect(preview.decision.outcome).toBe("not_permitted");
    const unreachable = await host.previewRequest({ ...two, policy: null }, false);
    expect(unreachable.decision).toMatchObject({ outcome: "queued", required_approvals: 2, eligible_count: 1, reachable: false });
    expect(rules(unreachable)).toContain("approvers.eligible:warn");
  });

  it("lets only the initiator cancel a pending request, with a code", async () => {
    const host = createFakeHost();
    await host.switchMember("m-bob");
    await expect(host.cancelRequest("req-1005", await codeOf(host, "Bob Okafor"))).rejects.toMatchObject({ code: "not_permitted" });
    await host.switchMember("m-alice");
    await expect(host.cancelRequest("req-1005", "12345")).rejects.toMatchObject({ code: "invalid_input" });
    const cancelled = await host.cancelRequest("req-1005", await codeOf(host, "Alice Moreau"));
    expect(cancelled).toMatchObject({ status: "cancelled", still_eligible: [] });
    await expect(host.cancelRequest("req-1005", await codeOf(host, "Alice Moreau"))).rejects.toMatchObject({ code: "not_pending" });
  });

  it("expires pending requests past their policy's expiry", async () => {
    let now = 1_700_000_000_000;
    const host = createFakeHost({ now: () => now });
    const [first] = await host.listRequests({ status: "pending", workflow: "initiate_withdrawal" });
    expect(first?.expires_at).toBe((first?.created_at ?? 0) + 3 * 86_400);
    now += 3 * 86_400_000;
    const pending = await host.listRequests({ status: "pending", workflow: "initiate_withdrawal" });
    expect(pending).toEqual([]);
    expect((await host.listRequests({ status: "pending", workflow: null })).map((r) => r.id)).toEqual(["req-1008", "req-1007"]);
  });

  it("plays the OS locking: locks, tells each listener until it stops listening", async () => {
    const host = createFakeHost();
    const heard: string[] = [];
    const stop = host.onLocked((reason) => heard.push(`a:${reason}`));
    host.onLocked((reason) => heard.push(`b:${reason}`));
    host.simulateSystemLock("sleep");
    stop();
    host.simulateSystemLock("screen_locked");
    expect(heard).toEqual(["a:sleep", "b:sleep", "b:screen_locked"]);
    expect(await host.appLocked()).toBe(true);
  });
});
