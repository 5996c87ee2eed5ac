import type { PolicyView } from "../../bindings/PolicyView";
import { useSession } from "../../lib/contexts";
import { busFactorText, expiryWords, initiateBlocker, plural, WORKFLOW_LABELS } from "../../lib/org";
import { ChangePanel } from "../../components/ChangePanel";
import { RequestActions } from "../../components/RequestActions";
import { WithOrg } from "../org/OrgState";
import { StopWords } from "../stops/EmergencyStop";
import { DecisionWindowCard } from "./DecisionWindowCard";
import { LockPolicyPanel, PolicyEditor } from "./PolicyEditor";

interface PoliciesAreaProps {
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}

/** Each workflow's policy, who approves under it, and how many approvers can be away; and its editor. */
export function PoliciesArea({ onSubmitted, onOpenRequest }: PoliciesAreaProps) {
  const session = useSession();
  return (
    <WithOrg what="the policies">
      {(org, stale) => (
        <div className="cards-page">
          <p className="caption">
            Each workflow has its own policy, or none. The policy in force when a request is submitted governs it to the end.
          </p>
          {stale}
          {org.withdrawals_frozen !== undefined && (
            <section className="stop-callout" data-testid="freeze-policy">
              <p>
                <span className="badge badge-stop">Withdrawals frozen</span> <StopWords stop={org.withdrawals_frozen} verb="Frozen" />. No
                withdrawal is submitted or approved until the freeze is lifted.
              </p>
              <ChangePanel
                testId="lift-freeze"
                openLabel="Lift the freeze…"
                title="Lift the withdrawal freeze"
                blocked={initiateBlocker(org, session?.member.id, "manage_policies")}
                hint="a Manage Policies request, under its policy"
                bare
              >
                <RequestActions
                  payload={{ kind: "resume_withdrawals" }}
                  testPrefix="lift-freeze"
                  previewTitle="Preview of the Manage Policies request"
                  submitLabel="Submit for approval"
                  onSubmitted={onSubmitted}
                  onOpenRequest={onOpenRequest}
                />
              </ChangePanel>
            </section>
          )}
          <div className="cards">
            {org.policies.map((view) => (
              <PolicyCard
                key={view.workflow}
                view={view}
                blocked={initiateBlocker(org, session?.member.id, "manage_policies")}
                onSubmitted={onSubmitted}
                onOpenRequest={onOpenRequest}
              />
            ))}
            <DecisionWindowCard
              key={org.settings.decision_window_seconds}
              org={org}
              blocked={initiateBlocker(org, session?.member.id, "manage_policies")}
              onSubmitted={onSubmitted}
              onOpenRequest={onOpenRequest}
            />
          </div>
        </div>
      )}
    </WithOrg>
  );
}

function PolicyCard({
  view,
  blocked,
  onSubmitted,
  onOpenRequest,
}: {
  view: PolicyView;
  blocked: string | null;
  onSubmitted: () => void;
  onOpenRequest: (id: string) => void;
}) {
  const { policy, approvers, bus_factor: busFactor } = view;
  const fragile = busFactor === 0;
  return (
    <section className="card" data-testid="policy-card" data-workflow={view.workflow} aria-labelledby={`policy-${view.workflow}`}>
      <header className="card-head">
        <h2 id={`policy-${view.workflow}`}>{WORKFLOW_LABELS[view.workflow]}</h2>
        {policy?.locked && (
          <span className="badge badge-locked" data-testid="locked-badge" title="Cannot be changed unilaterally; locking is irreversible">
            Locked
          </span>
        )}
      </header>
      {policy === null ? (
        <p className="policy-line">No policy: requests complete at once.</p>
      ) : (
        <>
          <p className="policy-line">
            Requires <strong>{plural(policy.required_approvals, "approval")}</strong>
            {policy.always_require_approval ? ", always" : " unless executed"}.
          </p>
          <dl className="facts">
            <div className="fact">
              <dt>Always require approval</dt>
              <dd>
                {policy.always_require_approval
                  ? "Yes: even a member holding Execute goes through the queue"
                  : "No: a member holding Execute may complete a request at once"}
              </dd>
            </div>
            <div className="fact">
              <dt>Pending requests expire</dt>
              <dd>{expiryWords(policy.expires_after)}</dd>
            </div>
            <div className="fact">
              <dt>Locked</dt>
              <dd>{policy.locked ? "Yes: changes always need approval; it can never be unlocked" : "No"}</dd>
            </div>
          </dl>
        </>
      )}
      <div className="fact-block">
        <p className="label">Approvers</p>
        <p data-testid="approvers">
          {approvers.length === 0 ? "No member holds Approve on this workflow." : approvers.map((a) => a.name).join(", ")}
        </p>
      </div>
      <div className="fact-block">
        <p className="label">Bus factor</p>
        <p className={fragile ? "warning" : undefined} data-testid="bus-factor">
          {busFactorText(busFactor)}
        </p>
      </div>
      {blocked === null ? (
        <div className="card-actions">
          <PolicyEditor view={view} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
          <LockPolicyPanel view={view} onSubmitted={onSubmitted} onOpenRequest={onOpenRequest} />
        </div>
      ) : (
        <p className="hint">Changing policies: {blocked}</p>
      )}
    </section>
  );
}
