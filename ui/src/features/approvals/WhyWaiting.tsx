import { DecisionList } from "./DecisionList";
import type { RequestView } from "../../bindings/RequestView";
import { Timestamp } from "../../components/Timestamp";
import { useOrg } from "../../lib/contexts";
import { plural, policyOf, policySentence } from "../../lib/org";
import { formatUntil } from "../../lib/time";

/** Why a pending request waits: the policy it follows, the approvals so far, who may still decide, when it expires. */
export function WhyWaiting({ request, now }: { request: RequestView; now: number }) {
  const org = useOrg()?.data;
  const { policy, still_eligible: eligible } = request;
  const missing = Math.max(0, request.required_approvals - request.approvals);
  const currentPolicy = org && request.policy_changed ? policyOf(org.policies, request.workflow) : undefined;

  return (
    <section className="why-waiting" data-testid="why-waiting" aria-labelledby={`why-${request.id}`}>
      <h3 id={`why-${request.id}`}>Why it is waiting</h3>
      {request.policy_changed && (
        <p className="warning" data-testid="policy-changed">
          The policy changed since this was submitted; it still follows the policy it was submitted under.
          {currentPolicy !== undefined && <> Now: {policySentence(request.workflow, currentPolicy)}.</>}
        </p>
      )}
      <p data-testid="governing-policy">
        {policySentence(request.workflow, policy)}
        {policy?.locked ? " (locked)" : ""}.
      </p>
      <p>
        {request.approvals} of {plural(request.required_approvals, "approval")} so far
        {missing > 0 ? `; ${missing} more needed.` : "."}
      </p>
      {request.decisions.length > 0 && (
        <DecisionList decisions={request.decisions} now={now} />
      )}
      {eligible.length > 0 ? (
        <p>
          May still approve:{" "}
          {eligible.map((a, i) => (
            <span key={a.id}>
              {i > 0 && ", "}
              <strong data-testid="still-eligible" data-member-id={a.id}>
                {a.name}
              </strong>
            </span>
          ))}{" "}
          — any one of them can reject.
        </p>
      ) : (
        <p className="warning">No member may still approve it: it waits until its initiator cancels it{request.expires_at !== null ? " or it expires" : ""}.</p>
      )}
      {eligible.length > 0 && eligible.length < missing && (
        <p className="warning">
          Only {plural(eligible.length, "member")} may still approve, but {missing} more approvals are needed: it cannot
          complete as things stand.
        </p>
      )}
      <p>
        {request.expires_at === null ? (
          "It does not expire: its policy sets no expiry."
        ) : (
          <>
            Expires <Timestamp at={request.expires_at} /> <span className="muted">({formatUntil(request.expires_at, now)})</span>{" "}
            if still pending.
          </>
        )}
      </p>
    </section>
  );
}
