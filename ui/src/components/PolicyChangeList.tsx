import { useEffect, useState } from "react";
import type { Policy } from "../bindings/Policy";
import type { PolicyDiff } from "../bindings/PolicyDiff";
import type { Workflow } from "../bindings/Workflow";
import { useHost } from "../platform";

const FIELD_LABELS: Record<string, string> = {
  policy: "Policy",
  required_approvals: "Required approvals",
  always_require_approval: "Always require approval",
  locked: "Locked",
  expires_after: "Pending requests expire",
};

/**
 * What replacing `workflow`'s policy with `policy` would change, field by field, each marked as
 * loosening or tightening — as the core's rules engine computes it.
 */
export function PolicyChangeList({
  workflow,
  policy,
  emptyText,
  testId,
  showPending = false,
}: {
  workflow: Workflow;
  policy: Policy | null;
  emptyText?: string;
  testId?: string;
  /** Also names the pending requests left on an older policy (they keep it, and are flagged). */
  showPending?: boolean;
}) {
  const host = useHost();
  const [diff, setDiff] = useState<PolicyDiff | null>(null);
  const key = JSON.stringify(policy);
  useEffect(() => {
    let live = true;
    host.policyDiff(workflow, policy).then(
      (answer) => live && setDiff(answer),
      () => live && setDiff(null),
    );
    return () => {
      live = false;
    };
    // `key` stands for `policy` (a fresh object on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [host, workflow, key]);
  if (diff === null) return null;
  const { changes, affected_pending: pending } = diff;
  if (changes.length === 0) return emptyText ? <p className="muted">{emptyText}</p> : null;
  return (
    <>
      <ul className="changes" data-testid={testId}>
        {changes.map((c) => (
          <li key={c.field} className={`direction-${c.direction}`}>
            <span className="direction">{c.direction === "loosening" ? "Loosens" : "Tightens"}</span>{" "}
            {FIELD_LABELS[c.field] ?? c.field}: {c.from} → {c.to}
          </li>
        ))}
      </ul>
      {showPending && pending.length > 0 && (
        <p className="hint" data-testid="policy-affected-pending">
          {pending.length === 1 ? "1 pending request keeps" : `${pending.length} pending requests keep`} the policy it was
          submitted under, and will be flagged: {pending.join(", ")}.
        </p>
      )}
    </>
  );
}
