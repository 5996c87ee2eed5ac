import { describe, expect, it } from "vitest";
import { createFakeHost } from "./fakeHost";
import type { Host } from "./host";

async function codeOf(host: Host, name: string): Promise<string> {
  const member = (await host.sandboxMembers()).find((m) => m.name === name);
  if (!member) throw new Error(`no demo member ${name}`);
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
    const [first] = await host.listRequests({ status: null, workflow: null });
    if (first) first.payload.amount = "0";
    const [again] = await host.listRequests({ status: null, workflow: null });
    expect(again?.payload.amount).not.toBe("0");
  });
});
