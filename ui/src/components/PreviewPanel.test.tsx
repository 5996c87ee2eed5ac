import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Preview } from "../bindings/Preview";
import { PreviewPanel } from "./PreviewPanel";

const ada = { kind: "member" as const, id: "m-ada", name: "Ada Okafor" };
const chloe = { kind: "member" as const, id: "m-chloe", name: "Chloe Park" };

const trace: Preview["trace"] = [
  { rule: "initiator.permission", verdict: "pass", detail: "Eve Santos holds Initiate on Manage Access" },
  { rule: "policy.required_approvals", verdict: "note", detail: "Manage Access requires 2 approvals, always" },
  { rule: "queue", verdict: "decides", detail: "submitted for approval" },
  { rule: "approvers.eligible", verdict: "warn", detail: "only 1 eligible approver (Ada Okafor) for 2 required: it can never complete" },
];

describe("<PreviewPanel>", () => {
  it("says a request completes immediately", () => {
    render(<PreviewPanel preview={{ decision: { outcome: "completes_immediately" }, trace: [trace[0]!], missing: [], changes: [] }} />);
    const preview = screen.getByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "completes_immediately");
    expect(preview).toHaveTextContent("Completes immediately");
    expect(screen.queryByTestId("preview-unreachable")).toBeNull();
    expect(screen.queryByText("Not known to this preview")).toBeNull();
  });

  it("names who may approve a queued request, and that any one can reject", () => {
    render(
      <PreviewPanel
        preview={{
          decision: { outcome: "queued", required_approvals: 2, eligible_count: 2, eligible_approvers: [ada, chloe], reachable: true },
          trace,
          missing: [],
        changes: [],
        }}
      />,
    );
    const preview = screen.getByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "queued");
    expect(preview).toHaveTextContent("Queued for 2 approvals from Ada Okafor, Chloe Park — any one can reject");
    expect(screen.queryByTestId("preview-unreachable")).toBeNull();
  });

  it("counts approvers it does not name", () => {
    render(
      <PreviewPanel
        preview={{
          decision: { outcome: "queued", required_approvals: 1, eligible_count: 22, eligible_approvers: [ada, chloe], reachable: true },
          trace: [],
          missing: [],
        changes: [],
        }}
      />,
    );
    expect(screen.getByTestId("preview")).toHaveTextContent("Queued for 1 approval from Ada Okafor, Chloe Park and 20 more");
  });

  it("marks a queue that can never complete", () => {
    render(
      <PreviewPanel
        preview={{
          decision: { outcome: "queued", required_approvals: 2, eligible_count: 1, eligible_approvers: [ada], reachable: false },
          trace,
          missing: [],
        changes: [],
        }}
      />,
    );
    expect(screen.getByTestId("preview-unreachable")).toHaveTextContent(
      "It can never complete as things stand: 2 approvals required, but only 1 member may approve it.",
    );
  });

  it("gives the reason a request is not permitted", () => {
    render(
      <PreviewPanel
        preview={{
          decision: { outcome: "not_permitted", reason: "Dev Malik holds neither Initiate nor Execute on Manage Access" },
          trace: [{ rule: "initiator.permission", verdict: "fail", detail: "Dev Malik holds neither Initiate nor Execute on Manage Access" }],
          missing: [],
        changes: [],
        }}
      />,
    );
    const preview = screen.getByTestId("preview");
    expect(preview).toHaveAttribute("data-outcome", "not_permitted");
    expect(preview).toHaveTextContent("Not permitted: Dev Malik holds neither Initiate nor Execute on Manage Access");
  });

  it("lists the trace in order with a verdict on each step, and what the preview does not know", () => {
    render(
      <PreviewPanel
        preview={{
          decision: { outcome: "queued", required_approvals: 2, eligible_count: 1, eligible_approvers: [ada], reachable: false },
          trace,
          missing: ["the available BTC balance (whether funds suffice is checked when it completes)"],
          changes: [],
        }}
      />,
    );
    const steps = screen.getAllByTestId("trace-step");
    expect(steps.map((s) => s.dataset.rule)).toEqual(["initiator.permission", "policy.required_approvals", "queue", "approvers.eligible"]);
    expect(steps.map((s) => s.dataset.verdict)).toEqual(["pass", "note", "decides", "warn"]);
    expect(within(steps[0]!).getByRole("img", { name: "Passes" })).toBeInTheDocument();
    expect(within(steps[3]!).getByRole("img", { name: "Warning" })).toBeInTheDocument();
    expect(steps[2]).toHaveTextContent("Submitted for approval");
    const missing = screen.getByTestId("preview-missing");
    expect(missing).toHaveTextContent("Not known to this preview");
    expect(missing).toHaveTextContent("The available BTC balance");
  });
});
