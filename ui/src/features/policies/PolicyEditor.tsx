import { useEffect, useState } from "react";
import type { Policy } from "../../bindings/Policy";
import type { PolicyView } from "../../bindings/PolicyView";
import type { Replay } from "../../bindings/Replay";
import type { ReplayOutcome } from "../../bindings/ReplayOutcome";
import type { SampleOutcome } from "../../bindings/SampleOutcome";
import type { Simulation } from "../../bindings/Simulation";
import { ChangePanel } from "../../components/ChangePanel";
import { PolicyChangeList } from "../../components/PolicyChangeList";
import { RequestActions } from "../../components/RequestActions";
import { busFactorText, plural, WORKFLOW_LABELS } from "../../lib/org";
import { useHost } from "../../platform";

const OUTCOME_WORDS: Record<ReplayOutcome, string> = {
  at_once: "would have completed at once",
  completed: "would have completed after their approvals",
  never_reached_n: "would never have reached N",
  rejected: "would have been rejected",
  expired: "would have expired",
  cancelled: "would have been cancelled",
  pending: "would still wait",
};

interface PolicyEditorProps {
  view: PolicyView;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/**
 * Edit a workflow's policy: N, whether it always requires approval (else a member holding
 * Execute completes at once), and how long a request may wait. Beside it, as the draft changes:
 * what it loosens or tightens, and the Organization's whole history replayed under it, each
 * count opening its list. Submitting is the Manage Policies request, previewed.
 */
export function PolicyEditor({ view, onSubmitted, onOpenRequest }: PolicyEditorProps) {
  const current = view.policy;
  const [requiredText, setRequiredText] = useState(String(current?.required_approvals ?? 1));
  const [always, setAlways] = useState(current?.always_require_approval ?? true);
  const [expiresHours, setExpiresHours] = useState(current?.expires_after == null ? "" : String(current.expires_after / 3600));
  const required = /^\d+$/.test(requiredText.trim()) ? Number(requiredText.trim()) : NaN;
  const hours = expiresHours.trim();
  const problem =
    !Number.isInteger(required) || required < 1
      ? "Required approvals: a whole number, at least 1."
      : hours !== "" && (!/^\d+(\.\d+)?$/.test(hours) || Number(hours) <= 0)
        ? "Expiry: a number of hours above 0, or empty for never."
        : undefined;
  const draft: Policy | undefined =
    problem === undefined
      ? {
          always_require_approval: always,
          required_approvals: required,
          locked: current?.locked ?? false,
          expires_after: hours === "" ? null : Math.round(Number(hours) * 3600),
        }
      : undefined;
  const same =
    draft !== undefined &&
    current !== null &&
    draft.required_approvals === current.required_approvals &&
    draft.always_require_approval === current.always_require_approval &&
    draft.expires_after === current.expires_after;

  return (
    <ChangePanel
      testId="edit-policy"
      openLabel={current === null ? "Set a policy…" : "Edit the policy…"}
      title={`Edit the ${WORKFLOW_LABELS[view.workflow]} policy`}
      bare
      onClose={() => {
        setRequiredText(String(current?.required_approvals ?? 1));
        setAlways(current?.always_require_approval ?? true);
        setExpiresHours(current?.expires_after == null ? "" : String(current.expires_after / 3600));
      }}
    >
      <div className="field-row">
        <label className="field">
          <span>Required approvals (N)</span>
          <input
            type="number"
            min={1}
            data-testid="policy-required"
            value={requiredText}
            onChange={(e) => setRequiredText(e.target.value)}
          />
        </label>
        <label className="field">
          <span>Pending requests expire after (hours)</span>
          <input
            inputMode="decimal"
            data-testid="policy-expires"
            placeholder="never"
            value={expiresHours}
            onChange={(e) => setExpiresHours(e.target.value)}
          />
        </label>
      </div>
      <label className="check-field">
        <input type="checkbox" data-testid="policy-always" checked={always} onChange={(e) => setAlways(e.target.checked)} />
        <span>
          Always require approval
          <span className="hint"> — off: a member holding Execute completes a request at once</span>
        </span>
      </label>
      {draft !== undefined && (
        <>
          <PolicyChangeList
            workflow={view.workflow}
            policy={draft}
            emptyText="The draft is the policy in force."
            testId="policy-changes"
            showPending
          />
          <SimulationTable workflow={view.workflow} policy={draft} />
          <ReplaySummary workflow={view.workflow} policy={draft} onOpenRequest={onOpenRequest} />
        </>
      )}
      <RequestActions
        payload={draft !== undefined && !same ? { kind: "change_policy", workflow: view.workflow, policy: draft } : undefined}
        problem={problem}
        idle={same ? "No change yet: edit N, the expiry or whether approval is always required." : undefined}
        testPrefix="policy-change"
        previewTitle="Preview of the Manage Policies request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}

/** The result of asking the core for `policy`'s `what`, kept with the draft it was asked for. */
function useForDraft<T>(ask: () => Promise<T>, key: string): T | null {
  const [answered, setAnswered] = useState<{ key: string; value: T } | null>(null);
  useEffect(() => {
    let live = true;
    ask().then(
      (value) => live && setAnswered({ key, value }),
      () => undefined,
    );
    return () => {
      live = false;
    };
    // `key` stands for what `ask` asks about (a fresh closure on every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return answered?.key === key ? answered.value : null;
}

function sampleWords(outcome: SampleOutcome, approvals: number): string {
  switch (outcome) {
    case "at_once":
      return "Completes at once";
    case "queued":
      return `Queued for ${plural(approvals, "approval")}`;
    case "unreachable":
      return `Queued for ${plural(approvals, "approval")}: can never complete`;
    case "not_permitted":
      return "Not permitted";
  }
}

/**
 * The draft tried on a sample request by each member or service user who could send one, decided
 * by the core now and under the draft; then whether it could be locked, and its bus factor.
 */
function SimulationTable({ workflow, policy }: { workflow: PolicyView["workflow"]; policy: Policy }) {
  const host = useHost();
  const sim: Simulation | null = useForDraft(() => host.simulatePolicy(workflow, policy), `${workflow}|${JSON.stringify(policy)}`);
  if (sim === null) return <p className="muted">Trying the draft on sample requests…</p>;
  return (
    <div className="simulation" data-testid="policy-simulation">
      {sim.samples.length > 0 && (
        <table className="compare">
          <caption>A sample request of each kind, by each possible initiator (kinds that come out the same share a row)</caption>
          <thead>
            <tr>
              <th scope="col">Initiator</th>
              <th scope="col">Now</th>
              <th scope="col">Under the draft</th>
            </tr>
          </thead>
          <tbody>
            {sim.samples.map((r) => (
              <tr
                key={`${r.initiator.id}-${r.execute}`}
                data-testid="sample-row"
                data-initiator={r.initiator.name}
                data-execute={r.execute ? "true" : "false"}
                data-now={r.now}
                data-draft={r.draft}
                className={r.now === r.draft && r.now_approvals === r.draft_approvals ? undefined : "changed"}
              >
                <th scope="row">
                  {r.initiator.name}
                  {r.initiator.kind === "service_user" ? " (bot)" : ""}
                  {r.execute ? <span className="muted"> asking to execute</span> : null}
                </th>
                <td>{sampleWords(r.now, r.now_approvals)}</td>
                <td>{sampleWords(r.draft, r.draft_approvals)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sim.lock && (
        <p className={sim.lock.reachable && sim.lock.precondition_holds ? "muted" : "warning"} data-testid="draft-lock">
          Lock readiness:{" "}
          {lockWords(sim.lock)} Bus factor {busFactorText(sim.lock.bus_factor)}
        </p>
      )}
    </div>
  );
}

/** The draft's lock readiness in a sentence (the core's `LockCheck`). */
function lockWords(lock: NonNullable<Simulation["lock"]>): string {
  if (!lock.precondition_holds) return "it could not be locked: no other member holds Approve on Manage Policies.";
  if (!lock.reachable) {
    return `once locked it could never complete anything: ${plural(lock.required_approvals, "approval")} required, ${plural(lock.approvers.length, "member")} holding Approve.`;
  }
  return "it could be locked.";
}

/** The workflow's history replayed under `policy`, by the core: a count per outcome, each opening its list. */
function ReplaySummary({
  workflow,
  policy,
  onOpenRequest,
}: {
  workflow: PolicyView["workflow"];
  policy: Policy;
  onOpenRequest: (id: string) => void;
}) {
  const host = useHost();
  const replay: Replay | null = useForDraft(() => host.replayPolicy(workflow, policy), `${workflow}|${JSON.stringify(policy)}`);
  if (replay === null) return <p className="muted">Replaying the history…</p>;
  const entries = Object.entries(replay.outcomes) as [ReplayOutcome, string[]][];
  return (
    <div className="replay" data-testid="policy-replay">
      <p className="label">
        Of {plural(replay.total, `past ${WORKFLOW_LABELS[workflow]} request`)} under this draft
        {replay.changed.length > 0 ? ` (${replay.changed.length} would have come out otherwise)` : ""}:
      </p>
      <ul>
        {entries.map(([outcome, ids]) => (
          <li key={outcome} data-testid="replay-outcome" data-outcome={outcome}>
            <details>
              <summary>
                <strong>{ids.length}</strong> {OUTCOME_WORDS[outcome]}
              </summary>
              <span className="replay-ids">
                {ids.map((id) => (
                  <button key={id} type="button" className="link" onClick={() => onOpenRequest(id)}>
                    {id}
                  </button>
                ))}
              </span>
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Lock the workflow's policy: its own Manage Policies request, irreversible, previewed with the
 * lock checks (another member holding Approve on Manage Policies; N reachable once locked).
 */
export function LockPolicyPanel({ view, onSubmitted, onOpenRequest }: PolicyEditorProps) {
  if (view.policy === null || view.policy.locked) return null;
  return (
    <ChangePanel
      testId="lock-policy"
      openLabel="Lock the policy…"
      title={`Lock the ${WORKFLOW_LABELS[view.workflow]} policy`}
      bare
      danger
    >
      <p className="warning">
        Locking is irreversible: once locked, the policy can only be changed through approval, and never unlocked or
        removed.
      </p>
      <RequestActions
        payload={{ kind: "lock_policy", workflow: view.workflow }}
        testPrefix="lock-policy"
        previewTitle="Preview of the Manage Policies request"
        onSubmitted={onSubmitted}
        onOpenRequest={onOpenRequest}
      />
    </ChangePanel>
  );
}
