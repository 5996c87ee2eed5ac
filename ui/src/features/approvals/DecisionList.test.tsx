import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { DecisionView } from "../../bindings/DecisionView";
import { DecisionList } from "./DecisionList";

const ada = { kind: "member" as const, id: "m-ada", name: "Ada Okafor" };
const ben = { kind: "member" as const, id: "m-ben", name: "Ben Ruiz" };

describe("<DecisionList>", () => {
  it("shows the short digest of each signed decision, and none for unsigned ones", () => {
    const decisions: DecisionView[] = [
      { member: ada, decision: "approve", at: 1_795_348_000, reason: null, digest: null },
      { member: ben, decision: "approve", at: 1_795_348_600, reason: null, digest: "25TX-GHXS-TP6T-RKUH" },
    ];
    render(<DecisionList decisions={decisions} now={1_795_349_000} />);
    const digests = screen.getAllByTestId("decision-digest");
    expect(digests).toHaveLength(1);
    expect(digests[0]).toHaveTextContent("signed · 25TX-GHXS-TP6T-RKUH");
    expect(digests[0]!.closest("li")).toHaveTextContent("Ben Ruiz");
  });
});
