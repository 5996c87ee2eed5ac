import { describe, expect, it } from "vitest";
import contractsFixture from "../fixtures/contracts.json";
import { UNUSED_AFTER_SECONDS } from "../features/service-users/UsagePanel";
import { isAddressOrRange } from "./ip";
import { capitalise, KIND_WORKFLOW, KINDS, SCOPE_GROUP_LABELS, SCOPE_INFO, SCOPES, WORKFLOW_LABELS, WORKFLOWS } from "./org";

/**
 * The tables the UI keeps for itself (labels, groups, which workflow a kind belongs to, which
 * allowlist entries are addresses), held to what the core says: `ui/src/fixtures/contracts.json`,
 * written by `src-tauri/tests/ui_fixtures/contracts.rs` and checked for drift by
 * `cargo xtask test`.
 */
interface Contracts {
  scopes: { scope: string; label: string; group: string; allows: string }[];
  workflows: { workflow: string; label: string }[];
  kinds: { kind: string; workflow: string }[];
  allowlist: { entry: string; valid: boolean }[];
  dates: { form: string; from?: string; to?: string; refused?: string }[];
  unused_after_seconds: number;
}

const contracts = contractsFixture as Contracts;

describe("the UI's tables agree with the core", () => {
  it("names every scope as the core does, in its order and group, with the spec's words", () => {
    expect(SCOPES).toEqual(contracts.scopes.map((s) => s.scope));
    for (const { scope, label, group, allows } of contracts.scopes) {
      const info = SCOPE_INFO[scope as keyof typeof SCOPE_INFO];
      expect(info.label, scope).toBe(label);
      expect(info.group, scope).toBe(group);
      expect(info.allows, scope).toBe(`${capitalise(allows)}.`);
    }
    expect(Object.keys(SCOPE_GROUP_LABELS)).toEqual([...new Set(contracts.scopes.map((s) => s.group))]);
  });

  it("labels every workflow as the core does, in its order", () => {
    expect(WORKFLOWS).toEqual(contracts.workflows.map((w) => w.workflow));
    for (const { workflow, label } of contracts.workflows) {
      expect(WORKFLOW_LABELS[workflow as keyof typeof WORKFLOW_LABELS]).toBe(label);
    }
  });

  it("puts every request kind in the core's workflow", () => {
    expect([...KINDS].sort()).toEqual(contracts.kinds.map((k) => k.kind).sort());
    for (const { kind, workflow } of contracts.kinds) {
      expect(KIND_WORKFLOW[kind as keyof typeof KIND_WORKFLOW], kind).toBe(workflow);
    }
  });

  it("calls a scope unused after the core's advice would drop it", () => {
    expect(UNUSED_AFTER_SECONDS).toBe(contracts.unused_after_seconds);
  });

  it("takes an allowlist entry for an address or range exactly when the core does", () => {
    for (const { entry, valid } of contracts.allowlist) {
      expect(isAddressOrRange(entry), JSON.stringify(entry)).toBe(valid);
    }
  });

  it("suggests only date forms the core reads", () => {
    // The Ledgers filter's placeholder: "last month, 2025-01, q1 2025…".
    for (const form of ["last month", "2025-01", "q1 2025"]) {
      const found = contracts.dates.find((d) => d.form === form);
      expect(found?.refused, form).toBeUndefined();
      expect(found?.from, form).toBeDefined();
    }
  });
});
